"""Compile the raw sources and the authored measure files into the DuckDB store.

The build writes a new file beside the store and renames it into place only when
everything succeeded, so a failed or interrupted build leaves the previous store
intact. Running it twice on the same inputs gives the same tables.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from .. import __version__
from ..config import STORE_VERSION
from ..errors import SourceError
from ..model.measures import Measure, MeasureFile, load_measures
from ..model.panel import STACK_RULE_COLUMNS, build_panel
from ..model.schema import LAYER_COLUMNS, LINE_COLUMNS, enforce
from .compile import compile_measure
from .fetch import MANIFEST_NAME, check_file, load_manifest
from .report import ValidationReport
from .sources import us_301, us_programs
from .sources.cn_2025 import SWITCH as CN_SWITCH
from .sources.cn_checks import cn_checks
from .sources.cn_piie import load_cn
from .sources.extra import EXTRA_LOADERS
from .sources.scopes import expand_scope
from .sources.us_hts import load_us_mfn
from .stacking import load_stack_rules
from .yamlload import load_yaml

Progress = Callable[[str], None]


@dataclass
class BuildResult:
    """What a build produced: where, its validation report, and the raw files checked
    against the manifest (``changed_sources``: those built from although they differ)."""

    path: Path
    report: ValidationReport
    tables: dict[str, int]
    sources_verified: int = 0
    changed_sources: list[str] = field(default_factory=list)


def build_store(
    raw: Path,
    target: Path,
    authored: Path,
    progress: Progress | None = None,
    allow_changed_sources: bool = False,
) -> BuildResult:
    """Build the store at ``target`` from ``raw`` sources and ``authored`` files.

    Every raw file listed in ``data/manifest.json`` is checked (SHA-256) first: a missing
    or changed file is a ``SourceError`` naming it, and the old store stays, unless
    ``allow_changed_sources`` (then the build says so in its report and build_info).
    """
    say = progress or (lambda _msg: None)
    if not raw.is_dir():
        raise SourceError(
            f"raw data directory {raw} not found: set TRADEWAR_RAW, or run 'tradewar data fetch'"
        )
    remove_stale_temps(target)
    say("checking raw files against data/manifest.json")
    verified, changed = verify_sources(raw, authored / MANIFEST_NAME, allow_changed_sources)
    report = ValidationReport()
    for line in changed:
        report.warn("manifest", None, line, "raw file differs from data/manifest.json; "
                    "built anyway (--allow-changed-sources)")  # fmt: skip
    say("reading measure files")
    files = load_measures(authored / "measures")
    coverage = _coverage(authored / "coverage.yaml")

    say("US MFN schedule and HTS lines (2017 database, HTS revisions 2018-2020)")
    mfn_layers, us_lines = load_us_mfn(raw, authored / "hts_revisions.yaml", report)

    say("China schedule (PIIE HS10 file, HS6 file)")
    cn_files = [(p, f) for p, f in files if f.importer == "CN"]
    cn_layers, cn_lines, cn_tables = load_cn(raw, cn_files, report)
    lines = enforce(pd.concat([us_lines, cn_lines], ignore_index=True), LINE_COLUMNS)

    say("US Section 301 lists (USITC list, USTR annex cross-check)")
    s301_layers, crosscheck = _section_301(raw, files, lines, report, authored)

    say("US Section 232 scopes")
    s232_layers = _scoped_measures(files, us_lines, report, authored)

    say("US programs 2024-2026 (IEEPA, Section 122, 301 review, exclusions, 232 scopes)")
    program_layers = _program_measures(raw, files, us_lines, report, authored, mfn_layers)

    layers = enforce(
        pd.concat(
            [mfn_layers, s301_layers, s232_layers, program_layers, cn_layers],
            ignore_index=True,
        ),
        LAYER_COLUMNS,
    )
    layers = _replacements(files, layers)
    rules = load_stack_rules(authored / "stacking.yaml")
    _citation_check(layers, report)
    _check_published_counts(files, layers, report)
    extra: dict[str, pd.DataFrame] = dict(cn_tables)
    for label, loader in EXTRA_LOADERS:
        say(label)
        extra.update(loader(raw, report))

    say("writing the store")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        tables = _write(
            tmp, layers, lines, coverage, files, crosscheck, extra, report, raw, authored,
            {"sources_verified": str(verified), "changed_sources": " ".join(changed)}, rules,
        )  # fmt: skip
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
        Path(str(tmp) + ".wal").unlink(missing_ok=True)
    return BuildResult(target, report, tables, verified, changed)


def remove_stale_temps(target: Path) -> list[Path]:
    """Remove the temporary files of builds that died (``.<store>.<pid>.tmp[.wal]``)
    whose process is gone; a running build's file is left alone."""
    removed = []
    if not target.parent.is_dir():
        return removed
    for tmp in target.parent.glob(f".{target.name}.*.tmp*"):
        pid = tmp.name[len(target.name) + 2 :].split(".", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and _alive(int(pid)):
            continue
        tmp.unlink(missing_ok=True)
        removed.append(tmp)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def verify_sources(raw: Path, manifest: Path, allow_changed: bool = False) -> tuple[int, list[str]]:
    """Check each manifest file under ``raw`` (SHA-256, in parallel); return how many
    were checked and the ones that differ (only with ``allow_changed``)."""
    from concurrent.futures import ThreadPoolExecutor

    entries = load_manifest(manifest)
    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = list(pool.map(lambda e: check_file(e, raw), entries))
    bad = [s for s in statuses if not s.ok]
    if bad and not allow_changed:
        first = bad[0]
        what = "missing" if first.status.name == "MISSING" else "differs from data/manifest.json"
        more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
        raise SourceError(
            f"raw file {first.entry.target(raw)} {what}{more}: the store was not rebuilt; "
            "restore it ('tradewar data fetch'), or build from edited data with "
            "--allow-changed-sources"
        )
    return len(entries), [s.entry.path for s in bad]


def _coverage(path: Path) -> pd.DataFrame:
    data = load_yaml(path)
    rows = [
        (importer, spec["from"], spec["until"], " ".join(str(spec.get("basis", "")).split()))
        for importer, spec in data.items()
    ]
    return pd.DataFrame(rows, columns=["importer", "cov_from", "cov_until", "basis"])


def _rel(path: Path, authored: Path) -> str:
    return f"data/{path.relative_to(authored)}"


def _section_301(
    raw: Path,
    files: list[tuple[Path, MeasureFile]],
    lines: pd.DataFrame,
    report: ValidationReport,
    authored: Path,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    usitc = us_301.load_usitc_list(raw, report)
    annex = us_301.load_ustr_annex(raw, report)
    frames, starts = [], {}
    annex_codes = set(annex.code) if "code" in annex else set()
    us = lines[lines.importer == "US"]
    old_lines = set(us.code[pd.to_datetime(us.valid_from) < pd.Timestamp("2021-01-01")])
    for _path, mfile in files:
        for measure in mfile.measures:
            if measure.scope.source != "usitc_china_tariffs":
                continue
            products = pd.concat(
                [
                    usitc[usitc.heading.isin(measure.scope.headings)],
                    us_301.annex_only(usitc, annex, measure.scope.headings),
                ],
                ignore_index=True,
            )
            renumbered = us_programs.renumbered_list_products(
                raw,
                authored,
                measure.scope.headings,
                set(usitc.code) | set(annex_codes),
                old_lines,
            )
            report.check(
                f"{measure.id}_renumbered_lines",
                "-",
                len(renumbered),
                True,
                "lines of the HTS 2025 basic edition whose footnote cites the list but "
                "which the 2020 list misses at every level (added from the list's start)",
            )
            products = pd.concat([products, renumbered], ignore_index=True)
            if products.empty:
                raise SourceError(f"{measure.id}: no products under {measure.scope.headings}")
            for heading in measure.scope.headings:
                starts[heading] = measure.steps[0].valid_from
            frames.append(compile_measure(mfile, measure, products, us_301.USITC_LIST))

    crosscheck = us_301.cross_check(usitc, annex, lines, starts, report)
    return pd.concat(frames, ignore_index=True), crosscheck


def _scoped_measures(
    files: list[tuple[Path, MeasureFile]],
    us_lines: pd.DataFrame,
    report: ValidationReport,
    authored: Path,
) -> pd.DataFrame:
    frames = []
    for path, mfile in files:
        for measure in mfile.measures:
            scope = measure.scope
            if scope.source is not None or not (scope.codes or scope.ranges):
                continue
            source = _rel(path, authored)
            products = expand_scope(scope, us_lines, source, report)
            frames.append(compile_measure(mfile, measure, products, source))
    if not frames:
        return enforce(pd.DataFrame(columns=list(LAYER_COLUMNS)), LAYER_COLUMNS)
    return pd.concat(frames, ignore_index=True)


PROGRAM_SOURCES = ("us_all_products", "csv", "hts_footnotes", "us_note", "us_note_list")


def _program_measures(
    raw: Path,
    files: list[tuple[Path, MeasureFile]],
    us_lines: pd.DataFrame,
    report: ValidationReport,
    authored: Path,
    mfn_layers: pd.DataFrame,
) -> pd.DataFrame:
    """Layers of the measures scoped by a raw list, the HTS footnotes, a chapter 99 note
    or all goods; ``mfn_layers`` give the per-line rates of ``floor`` steps."""
    frames = []
    mfn = mfn_layers[mfn_layers.importer == "US"]  # for the rates of ``floor`` steps
    for _path, mfile in files:
        for measure in mfile.measures:
            source = measure.scope.source
            if mfile.importer != "US" or source not in PROGRAM_SOURCES:
                continue
            if source == "us_all_products":
                products = us_programs.all_products(us_lines).assign(source="data/hts lines")
                label = "US HTS lines (every heading of chapters 01-97)"
            elif source == "csv":
                products = us_programs.csv_products(raw, measure, report)
                label = str(measure.scope.file)
            elif source == "us_note":
                products = us_programs.note_products(raw, measure, report)
                label = f"U.S. note 20({measure.scope.us_note}) to chapter 99"
            elif source == "us_note_list":
                products = us_programs.note_list_products(raw, measure, report)
                label = f"U.S. note {measure.scope.us_note} to chapter 99"
                _check_codes(products, us_lines, measure, report)
            else:
                products = us_programs.footnote_products(raw, authored, measure, report)
                label = "HTS JSON footnotes"
            if products.empty:
                raise SourceError(f"{measure.id}: no products in its scope ({label})")
            if measure.scope.secondary:
                products["precision"] = "secondary-list"
            products = us_programs.scope_conditions(products, measure)
            rows = _compile_windows(mfile, measure, products, label)
            frames.append(us_programs.floor_rates(rows, measure, mfn, report))
    if not frames:
        return enforce(pd.DataFrame(columns=list(LAYER_COLUMNS)), LAYER_COLUMNS)
    return pd.concat(frames, ignore_index=True)


def _check_codes(
    products: pd.DataFrame, us_lines: pd.DataFrame, measure: Measure, report: ValidationReport
) -> None:
    """Warn about listed codes that match no HTS line loaded."""
    known = pd.Series(us_lines.loc[us_lines.importer == "US", "code"].unique())
    prefixes = {k[:n] for k in known for n in (4, 6, 8, 10) if len(k) >= n}
    for row in products.itertuples():
        if row.code not in prefixes:
            report.warn(str(row.source), row.source_row, row.code,
                        f"{measure.id}: listed code matches no HTS line loaded")  # fmt: skip


def _compile_windows(
    mfile: MeasureFile, measure: Measure, products: pd.DataFrame, label: str
) -> pd.DataFrame:
    """Compile, then clip each product's rows to its own window (CSV date columns)."""
    if "product_from" not in products:
        return compile_measure(mfile, measure, products, label)
    frames = []
    keys = ["product_from", "product_until"]
    for (start, until), group in products.groupby(keys, dropna=False, sort=False):
        rows = compile_measure(mfile, measure, group.drop(columns=keys), label)
        start = None if pd.isna(start) else start
        until = None if pd.isna(until) else until
        if start is not None:
            rows["valid_from"] = rows.valid_from.map(lambda d, s=start: max(d, s))
        if until is not None:
            rows["valid_until"] = rows.valid_until.map(
                lambda d, u=until: u if d is None or pd.isna(d) else min(d, u)
            )
        ok = rows.valid_until.isna() | (
            pd.to_datetime(rows.valid_until) > pd.to_datetime(rows.valid_from)
        )
        frames.append(rows[ok])
    return pd.concat(frames, ignore_index=True)


def _replacements(files: list[tuple[Path, MeasureFile]], layers: pd.DataFrame) -> pd.DataFrame:
    """Apply each measure's ``replaces``: its products take the place of those measures."""
    for _path, mfile in files:
        for measure in mfile.measures:
            if not measure.replaces:
                continue
            targets = [t.strip() for t in measure.replaces.split(",")]
            missing = [t for t in targets if not (layers.measure_id == t).any()]
            if missing:
                raise SourceError(f"{measure.id}: replaces unknown measure(s) {missing}")
            is_base = layers.measure_id.isin(targets)
            is_new = layers.measure_id == measure.id
            merged = us_programs.supersede(layers[is_base], layers[is_new], measure.exemption)
            layers = pd.concat([layers[~is_base & ~is_new], merged], ignore_index=True)
    return enforce(layers, LAYER_COLUMNS)


def _citation_check(layers: pd.DataFrame, report: ValidationReport) -> None:
    """Every layer row names its legal basis (a citation and a heading)."""
    bare = layers[
        layers.citation.isna()
        | (layers.citation.astype(str).str.strip() == "")
        | layers.heading.isna()
    ]
    for row in bare.head(50).itertuples():
        report.difference(row.measure_id, row.code, "layer row without citation or heading")
    report.check(
        "layers_without_citation",
        0,
        len(bare),
        bare.empty,
        f"layer rows with no citation or heading, of {len(layers)} rows",
    )


def _check_published_counts(
    files: list[tuple[Path, MeasureFile]], layers: pd.DataFrame, report: ValidationReport
) -> None:
    """Compare each list's line count with the figure its authority published (lines
    added from later HTS footnotes, renumbered since, are not counted)."""
    for _path, mfile in files:
        for measure in mfile.measures:
            if measure.published_lines is None:
                continue
            mine = layers[
                (layers.measure_id == measure.id)
                & ~layers.source.astype(str).str.endswith(".json.gz")
            ]
            if mfile.importer == "CN" and measure.steps[0].valid_from < CN_SWITCH:
                mine = mine[mine.valid_from < CN_SWITCH]  # the list as published (2018 lines)
            codes = mine["code"].unique()
            if mfile.importer == "US":  # USTR counts HTS8 subheadings; HTS10 items apart
                n8 = mine.loc[mine.code_level == 8, "code"].nunique()
            else:  # the Tariff Commission counts 8-digit tariff items
                n8 = mine["code"].str[:8].nunique()
            report.check(
                f"{measure.id}_published_lines",
                measure.published_lines,
                n8,
                n8 == measure.published_lines,
                f"8-digit entries in the compiled list ({len(codes)} entries at all levels)",
            )


def _write(
    path: Path,
    layers: pd.DataFrame,
    lines: pd.DataFrame,
    coverage: pd.DataFrame,
    files: list[tuple[Path, MeasureFile]],
    crosscheck: pd.DataFrame,
    extra: dict[str, pd.DataFrame],
    report: ValidationReport,
    raw: Path,
    authored: Path,
    sources: dict[str, str],
    rules: pd.DataFrame,
) -> dict[str, int]:
    con = duckdb.connect(str(path))
    try:
        con.register("rules_df", rules)
        cols = ", ".join(f"{n} {t}" for n, t in STACK_RULE_COLUMNS.items())
        con.execute(f"CREATE TABLE stack_rules ({cols})")
        con.execute("INSERT INTO stack_rules SELECT * FROM rules_df")
        con.register("layers_df", layers)
        con.register("lines_df", lines)
        con.register("coverage_df", coverage)
        con.execute("CREATE TABLE layers AS SELECT * FROM layers_df ORDER BY importer, code")
        con.execute("CREATE TABLE lines AS SELECT * FROM lines_df ORDER BY importer, code")
        con.execute("CREATE TABLE coverage AS SELECT * FROM coverage_df")
        con.register("measures_df", _measures_frame(files, authored))
        con.execute("CREATE TABLE measures AS SELECT * FROM measures_df")
        con.register("crosscheck_df", crosscheck)
        con.execute("CREATE TABLE s301_crosscheck AS SELECT * FROM crosscheck_df")
        for name, frame in extra.items():
            con.register(f"{name}_df", frame)
            con.execute(f"CREATE TABLE {name} AS SELECT * FROM {name}_df")
        build_panel(con)
        _interval_checks(con, report)
        cn_checks(con, report)
        issues = pd.DataFrame(
            report.issue_rows(), columns=["source", "row", "value", "reason", "severity"]
        )
        checks = pd.DataFrame(
            report.check_rows(), columns=["name", "expected", "observed", "ok", "note"]
        )
        reads = pd.DataFrame(
            [(s, n, report.rows_kept.get(s, n)) for s, n in report.rows_read.items()],
            columns=["source", "rows_read", "rows_kept"],
        )
        for name, frame in (("issues", issues), ("checks", checks), ("source_reads", reads)):
            con.register(f"{name}_df", frame)
            con.execute(f"CREATE TABLE {name} AS SELECT * FROM {name}_df")
        info = {
            "store_version": str(STORE_VERSION),
            "tradewar_version": __version__,
            "built_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "build_id": uuid.uuid4().hex[:16],  # the store generation every answer names
            "raw_dir": str(raw),
            **sources,
        }
        con.register("info_df", pd.DataFrame(list(info.items()), columns=["key", "value"]))
        con.execute("CREATE TABLE build_info AS SELECT * FROM info_df")
        tables = {
            t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("layers", "lines", "panel", "measures", "issues", "checks")
        }
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return tables


def _measures_frame(files: list[tuple[Path, MeasureFile]], authored: Path) -> pd.DataFrame:
    rows = []
    for path, mfile in files:
        for m in mfile.measures:
            steps = [
                {
                    "from": s.valid_from.isoformat(),
                    "until": s.until.isoformat() if s.until else None,
                    "rate": s.rate,
                    "rate_column": s.rate_column,
                    "heading": s.heading or m.heading,
                    "export_from": s.export_from.isoformat() if s.export_from else None,
                    "export_until": s.export_until.isoformat() if s.export_until else None,
                    "governs": s.governs,
                    "status": s.status,
                    "kind": s.kind,
                    "citation": s.citation,
                    "note": s.note,
                    "precision": s.precision or "exact",
                    "method": s.method,
                }
                for s in m.steps
            ]
            history = [h.model_dump(mode="json") for h in m.history]
            rows.append(
                {
                    "importer": mfile.importer,
                    "origin": mfile.origin,
                    "authority": mfile.authority,
                    "measure_id": m.id,
                    "name": m.name,
                    "heading": m.heading,
                    "steps": json.dumps(steps),
                    "history": json.dumps(history),
                    "published_lines": m.published_lines,
                    "announced_value_usd_bn": m.announced_value_usd_bn,
                    "note": " ".join((m.note or "").split()) or None,
                    "scope_note": " ".join((m.scope.note or "").split()) or None,
                    "replaces": m.replaces,
                    "exemption": m.exemption,
                    "file": _rel(path, authored),
                }
            )
    return pd.DataFrame(rows)


def _interval_checks(con: duckdb.DuckDBPyConnection, report: ValidationReport) -> None:
    """Overlapping steps of one measure on one code, and lines with no MFN rate."""
    overlaps = con.execute("""
        SELECT a.measure_id, a.code, a.valid_from, a.valid_until, b.valid_from
        FROM layers a JOIN layers b
          ON a.measure_id = b.measure_id AND a.code = b.code AND a.origin = b.origin
         AND a.export_from IS NOT DISTINCT FROM b.export_from
         AND a.export_until IS NOT DISTINCT FROM b.export_until
         AND a.valid_from < b.valid_from
         AND (a.valid_until IS NULL OR a.valid_until > b.valid_from)
    """).fetchall()
    for measure_id, code, vf, vu, other in overlaps[:200]:
        report.difference(
            measure_id, code, f"step {vf}..{vu or 'open'} overlaps the step from {other}"
        )
    report.check("layer_interval_overlaps", 0, len(overlaps), not overlaps)
    gaps = con.execute("""
        SELECT importer, code, valid_from, valid_until FROM panel
        WHERE is_leaf AND origin_group = '*' AND mfn_kind IS NULL
        ORDER BY importer, code, valid_from
    """).fetchall()
    for importer, code, vf, vu in gaps[:200]:
        report.warn(f"panel {importer}", None, code, f"no MFN rate from {vf} to {vu}")
    report.check(
        "mfn_gaps",
        0,
        len(gaps),
        not gaps,
        "leaf-line intervals inside coverage with no MFN layer (reported, never read as 0)",
    )
