"""Bulk duty: a file or dataset of shipments joined to the stacked rate panel.

The plan is relational from end to end and written once (``engine/plan.py``): read
(CSV or Parquet, a file or a directory of files, hive-partitioned or not), normalise
and validate each row in SQL, hash-join it to the panel on one integer key packing
(importer, origin group, code, export-date class), with the entry date inside the panel
row's interval (the intervals of one key are disjoint), take the rate row by its id,
then write the rated rows to Parquet and the rejected rows, with their reason, to a CSV
beside it. No Python touches individual rows. It runs on DuckDB (the default) or Spark
(``engine="spark"``, ``engine/backends.py``), with the same results.

Input columns other than the shipment's are passed through to the output, except
those named like a column the engine computes (``reason``, ``total_rate``, ...):
those are recomputed, so a rejects file or an earlier output can be fed back in.

A hive-partitioned input directory (``year=2019/...``) gives an output partitioned by
the same keys (``partition_by="auto"``). Spark always writes a dataset directory;
DuckDB writes one file when the output is named ``*.parquet`` and unpartitioned, and a
dataset directory otherwise (``wants_directory``).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import InputError
from ..guards import check_output
from .backends import (
    ENGINES,
    DuckDBBackend,
    SparkBackend,
    data_files,
    duckdb_source,
    first_line,
    hive_keys,
    make_backend,
    quote,
)  # fmt: skip
from .inputs import bulk_input
from .plan import (
    CODE_PATTERN,
    OUTPUT_COLUMNS,
    REQUIRED,
    RESERVED,
    Span,
    aggregate_sql,
    entry_bounds_sql,
    output_columns,
    output_sql,
    rated_sql,
    rejects_sql,
    shipments_sql,
)  # fmt: skip

__all__ = [
    "CODE_PATTERN", "ENGINES", "OUTPUT_COLUMNS", "REQUIRED", "RESERVED", "BulkResult",
    "aggregate_duty", "bulk_duty", "input_relation",
]  # fmt: skip
# files a Parquet dataset directory may hold besides its data (Spark's and Hadoop's)
_DATASET_EXTRA = (".crc", "_SUCCESS", "_committed", "_started")


@dataclass
class BulkResult:
    """Counts and paths of a bulk run."""

    rows: int
    rated: int
    rejected: int
    output: Path
    rejects: Path
    seconds: float
    engine: str = "duckdb"
    partition_by: list[str] = field(default_factory=list)
    aggregate: Path | None = None


def input_relation(path: Path) -> str:
    """A DuckDB table function reading ``path`` (file or directory, CSV or Parquet)."""
    return duckdb_source(path)


def bulk_duty(
    store: Path,
    input_path: Path,
    output: Path,
    rejects: Path | None = None,
    progress: Callable[[float], None] | None = None,
    threads: int | None = None,
    memory_limit: str = "1500MB",
    engine: str = "duckdb",
    partition_by: str | Sequence[str] | None = "auto",
    spark_master: str | None = None,
    schedule_dir: Path | None = None,
    aggregate: Path | None = None,
    overwrite: bool = False,
    glob: bool = False,
) -> BulkResult:
    """Rate every shipment in ``input_path`` and write ``output`` (Parquet).

    ``engine``: ``duckdb`` or ``spark``. ``partition_by``: ``"auto"`` (the input's hive
    keys), ``None``/``"none"``, or column names of the output. ``aggregate``: also write
    the trade-weighted sums by month, importer and origin there (Parquet). An existing
    output, rejects or aggregate file is replaced only with ``overwrite``; one that is
    the input or the store never (``guards.check_output``). ``input_path`` is literal;
    with ``glob`` it is a pattern (``engine.inputs.bulk_input``).
    """
    started = time.perf_counter()
    rejects = rejects or rejects_path(output)
    with bulk_input(input_path, glob) as source:
        check_targets(source.files, output, rejects, aggregate, overwrite)
        duckdb_source(source.path)  # fail fast on an input DuckDB cannot name
        keys, summary = _run(
            store, source.path, output, rejects, threads, memory_limit, engine,
            partition_by, spark_master, schedule_dir, aggregate, progress,
        )  # fmt: skip
    if progress is not None and engine != "duckdb":
        progress(100.0)
    rated = sum(pq.ParquetFile(f).metadata.num_rows for f in data_files(output, ".parquet"))
    rejected = _count_csv(rejects)
    return BulkResult(
        rated + rejected, rated, rejected, output, rejects, time.perf_counter() - started,
        engine, keys, summary,
    )  # fmt: skip


def _run(
    store: Path,
    input_path: Path,
    output: Path,
    rejects: Path,
    threads: int | None,
    memory_limit: str,
    engine: str,
    partition_by: str | Sequence[str] | None,
    spark_master: str | None,
    schedule_dir: Path | None,
    aggregate: Path | None,
    progress: Callable[[float], None] | None,
) -> tuple[list[str], Path | None]:
    """Run the plan on ``engine``; return the partition keys and the aggregate's path."""
    backend = make_backend(
        engine, store, threads=threads, memory_limit=memory_limit, progress=progress,
        spark_master=spark_master, schedule_dir=schedule_dir,
    )  # fmt: skip
    try:
        columns = define_plan(backend, input_path)
        keys = _partition_keys(partition_by, input_path, output_columns(columns))
        _write(backend, input_path, output, rejects, keys, columns)
        summary = None
        if aggregate is not None:
            summary = _aggregate(backend, output, aggregate)
    finally:
        backend.close()
    return keys, summary


def define_plan(backend: DuckDBBackend | SparkBackend, input_path: Path) -> list[str]:
    """Bind ``input_path`` as ``source``, load the schedule for its entry dates and
    define the plan's views ``shipments`` and ``rated``; return the input's columns."""
    d = backend.dialect
    columns = backend.read_input(input_path)
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise InputError(f"input {input_path} lacks column(s): {', '.join(missing)}")
    cuts, spans = backend.load_schedule(_entry_bounds(backend))
    backend.define("shipments", shipments_sql(d, columns, cuts, spans, backend.kinds))
    backend.define("rated", rated_sql(d, columns))
    return columns


def _entry_bounds(backend: DuckDBBackend | SparkBackend) -> Span | None:
    """The first and last entry date of a typed input (``plan.entry_bounds_sql``)."""
    sql = entry_bounds_sql(backend.dialect, backend.kinds)
    if sql is None:
        return None
    try:
        first, last = backend.arrow(sql).to_pylist()[0].values()
    except Exception as exc:
        if backend.is_plan_error(exc) or not backend.is_run_error(exc):
            raise
        return None  # unreadable: the plan itself says so in its own words
    if not isinstance(first, dt.date) or not isinstance(last, dt.date):
        return None
    return first, last


def aggregate_duty(
    dataset: Path,
    output: Path | None = None,
    engine: str = "duckdb",
    store: Path | None = None,
    spark_master: str | None = None,
    overwrite: bool = False,
) -> pa.Table:
    """Trade-weighted sums of a rated dataset by month, importer and origin
    (``plan.aggregate_sql``), on either engine; written to ``output`` if given."""
    if not dataset.exists():
        raise InputError(f"rated dataset {dataset} does not exist")
    if output is not None:
        check_output(output, [dataset], overwrite, "--aggregate")
    backend = make_backend(engine, store or dataset, spark_master=spark_master)
    try:
        backend.read_output(dataset, "rated_out")
        table = backend.arrow(aggregate_sql(backend.dialect))
    finally:
        backend.close()
    if output is not None:
        _write_table(table, output)
    return table


def _aggregate(backend: DuckDBBackend | SparkBackend, dataset: Path, output: Path) -> Path:
    backend.read_output(dataset, "rated_out")
    _write_table(backend.arrow(aggregate_sql(backend.dialect)), output)
    return output


def _write_table(table: pa.Table, output: Path) -> None:
    tmp = output.with_name(f".{output.name}.{uuid.uuid4().hex}")
    pq.write_table(table, tmp)
    os.replace(tmp, output)


def _partition_keys(
    partition_by: str | Sequence[str] | None, input_path: Path, columns: list[str]
) -> list[str]:
    """The output's partition columns: the input's hive keys for ``auto``."""
    if partition_by is None or partition_by in ("none", ""):
        return []
    if partition_by == "auto":
        return hive_keys(input_path) if input_path.is_dir() else []
    keys = [partition_by] if isinstance(partition_by, str) else list(partition_by)
    keys = [k.strip() for part in keys for k in part.split(",") if k.strip()]
    unknown = [k for k in keys if k not in columns]
    if unknown:
        raise InputError(
            f"cannot partition the output by {', '.join(unknown)}: not an output column "
            f"(partition by an input column such as year or month)"
        )
    return keys


def _is_dataset(path: Path) -> bool:
    """A directory holding only Parquet files (and a writer's bookkeeping files)."""
    return all(
        p.is_dir() or p.suffix == ".parquet" or p.name.endswith(_DATASET_EXTRA)
        for p in path.rglob("*")
    )


def rejects_path(output: Path) -> Path:
    """Where the rejects of ``output`` go: ``<stem>.rejects.csv`` beside it."""
    return output.with_name(output.stem + ".rejects.csv")


def check_targets(
    inputs: Sequence[Path],
    output: Path,
    rejects: Path | None = None,
    aggregate: Path | None = None,
    overwrite: bool = False,
) -> None:
    """Every file a bulk run writes is new (or ``overwrite``), and none is an input, the
    store, or another of its outputs: one line naming the file otherwise."""
    rejects = rejects or rejects_path(output)
    targets = [("--output", output), ("rejects file", rejects)]
    if aggregate is not None:
        targets.append(("--aggregate", aggregate))
    seen: list[Path] = list(inputs)
    for what, path in targets:
        check_output(path, seen, overwrite, what)
        seen.append(path)
    _check_target(output)


def _check_target(output: Path) -> None:
    if output.is_dir() and not _is_dataset(output):
        raise InputError(
            f"output {output} is a directory holding other files than Parquet: not replacing it"
        )
    if not output.parent.is_dir():
        raise InputError(f"output directory {output.parent} does not exist")


def _write(
    backend: DuckDBBackend | SparkBackend,
    input_path: Path,
    output: Path,
    rejects: Path,
    keys: list[str],
    columns: list[str],
) -> None:
    """Write output and rejects to temporary names, then move them into place."""
    tag = uuid.uuid4().hex[:12]
    tmp_out = output.with_name(f".{output.name}.{tag}")
    tmp_rej = rejects.with_name(f".{rejects.name}.{tag}")
    d = backend.dialect
    # a dataset directory gets one file per thread (part-0.parquet, ...), as Spark
    # writes its parts; an empty result still writes part-0.parquet with the schema
    per_thread = not keys and wants_directory(output)
    try:
        backend.write(
            output_sql(d, columns, keys), tmp_out, keys, rejects_sql(d), tmp_rej, per_thread
        )
    except Exception as exc:
        _remove(tmp_out)
        _remove(tmp_rej)
        if backend.is_plan_error(exc) or not backend.is_run_error(exc):
            raise
        raise InputError(f"cannot rate {input_path}: {first_line(exc)}") from None
    if not tmp_out.exists():  # a partitioned write of no rows writes nothing
        tmp_out.mkdir()
    _publish(tmp_out, output)
    os.replace(tmp_rej, rejects)


def wants_directory(output: Path) -> bool:
    """An output named ``*.parquet`` (and not an existing directory) is one file; any
    other name is a dataset directory."""
    return output.is_dir() or output.suffix.lower() != ".parquet"


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _publish(tmp: Path, final: Path) -> None:
    """Move ``tmp`` (file or directory) to ``final``, replacing what is there."""
    if final.is_dir() and not final.is_symlink():
        old = final.with_name(f".{final.name}.old-{uuid.uuid4().hex[:12]}")
        os.replace(final, old)
        os.replace(tmp, final)
        shutil.rmtree(old, ignore_errors=True)
    elif tmp.is_dir() and final.exists():
        final.unlink()
        os.replace(tmp, final)
    else:
        os.replace(tmp, final)


def _count_csv(path: Path) -> int:
    import duckdb

    con = duckdb.connect()
    try:
        return con.execute(
            f"SELECT count(*) FROM read_csv('{quote(path)}', all_varchar = true)"
        ).fetchone()[0]
    finally:
        con.close()
