"""The core capabilities: build, one shipment's duty, bulk, schedules and lists.

Heavy modules (pandas, the build, the bulk plan) are imported inside the functions
that use them, so a one-off lookup from the command line loads only what it needs.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..codes import normalize_code
from ..config import authored_dir, raw_dir, store_path
from ..countries import importer_code, normalize_country
from ..data.store import open_store
from ..engine.shipment import make_shipment
from ..errors import InputError
from .engine import engine

if TYPE_CHECKING:
    import pandas as pd

    from ..data.build import BuildResult, Progress
    from ..engine.bulk import BulkResult


def build(
    raw: Path | None = None,
    target: Path | None = None,
    progress: Progress | None = None,
    allow_changed_sources: bool = False,
) -> BuildResult:
    """Compile the raw sources into the store (atomically), after checking them against
    data/manifest.json (``allow_changed_sources`` builds from differing files, reported)."""
    from ..data.build import build_store

    return build_store(
        raw or raw_dir(), target or store_path(), authored_dir(), progress, allow_changed_sources
    )


def duty(
    code: str,
    importer: str = "US",
    origin: str = "CN",
    entered: str = "",
    exported: str | None = None,
    value: float | None = None,
    quantity: float | None = None,
    unit: str | None = None,
    store: Path | None = None,
    claims: list[str] | None = None,
    content_value: float | None = None,
) -> dict[str, Any]:
    """The explained duty on one shipment (see ``engine.duty``); ``claims`` are the
    exclusion headings the importer claims, ``content_value`` the value of the content
    a content-value rate (232 copper, metal content) is charged on."""
    shipment = make_shipment(
        code, importer, origin, entered, exported, value, quantity, unit, claims, content_value
    )
    return engine(store).duty(shipment)


def duty_frame(shipments: pd.DataFrame, store: Path | None = None) -> pd.DataFrame:
    """Rate a frame of shipments (columns as for bulk) and return the rated frame.

    Rejected rows come back too, with ``reason`` set and no rates.
    """
    import tempfile

    import pandas as pd

    from ..engine.bulk import bulk_duty

    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in.parquet"
        shipments.astype({c: "string" for c in ("code", "importer", "origin")}).to_parquet(src)
        out = Path(tmp) / "out.parquet"
        result = bulk_duty(store or store_path(), src, out)
        rated = pd.read_parquet(out)
        rejects = pd.read_csv(result.rejects, dtype=str)
    return pd.concat([rated, rejects], ignore_index=True)


def bulk(
    input_path: Path,
    output: Path,
    store: Path | None = None,
    progress: Any = None,
    engine: str = "duckdb",
    partition_by: str | None = "auto",
    spark_master: str | None = None,
    aggregate: Path | None = None,
    overwrite: bool = False,
    glob: bool = False,
) -> BulkResult:
    """Rate a file or directory of shipments into Parquet, on DuckDB or Spark
    (see ``engine.bulk.bulk_duty`` for partitioning and the aggregate)."""
    from ..engine.bulk import bulk_duty

    path = store or store_path()
    open_store(path).close()  # fail fast with a clear message
    return bulk_duty(
        path, input_path, output, progress=progress, engine=engine, partition_by=partition_by,
        spark_master=spark_master, aggregate=aggregate, overwrite=overwrite, glob=glob,
    )  # fmt: skip


def check_bulk_input(input_path: Path, store: Path | None = None, glob: bool = False) -> None:
    """Fail fast, before any work, on a missing store or an unreadable input."""
    from ..engine.bulk import input_relation

    open_store(store).close()
    if not glob:
        input_relation(input_path)


def schedule(
    code: str, importer: str = "US", origin: str | None = None, store: Path | None = None
) -> dict[str, Any]:
    """A product's full dated history of layers and totals."""
    imp = importer_code(importer)
    partner = {"US": "CN", "CN": "US"}[imp]
    org = normalize_country(origin) if origin else partner
    if org == imp:
        raise InputError(f"origin {org} is the importer itself: no import duty applies")
    group = partner if org == partner else "*"
    from ..engine.schedule import product_schedule

    con = open_store(store)
    try:
        result = product_schedule(con, normalize_code(code), imp, group)
    finally:
        con.close()
    result["origin"] = org
    return result


def lists(importer: str | None = None, store: Path | None = None) -> list[dict[str, Any]]:
    """Every list or round with heading, lines per code level, dates and rates."""
    imp = importer_code(importer) if importer else None
    from ..engine.lists import measure_lists

    con = open_store(store)
    try:
        return measure_lists(con, imp)
    finally:
        con.close()


def schedule_frame(
    code: str, importer: str = "US", origin: str | None = None, store: Path | None = None
) -> pd.DataFrame:
    """A product's dated layers as a pandas frame (one row per layer step)."""
    import pandas as pd

    return pd.DataFrame(schedule(code, importer, origin, store)["layers"])


def lists_frame(importer: str | None = None, store: Path | None = None) -> pd.DataFrame:
    """Lists and rounds as a pandas frame: one row per measure step."""
    import pandas as pd

    rows = [
        {k: v for k, v in m.items() if k not in ("steps", "history", "lines")}
        | {"lines_total": m["lines"]["total"]}
        | {f"step_{k}": v for k, v in step.items()}
        for m in lists(importer, store)
        for step in m["steps"]
    ]
    return pd.DataFrame(rows)
