"""US MFN column 1 general rates by HTS8, and the US HTS lines, over time.

Sources, in date order, are listed in the authored ``data/hts_revisions.yaml``: the
2017 USITC tariff database (HTS8 only), USITC HTS revision CSV exports of
2018-2024 and the official USITC HTS JSON of every revision from 2025 basic to
2026 rev 10 (dated by their legal policy dates). Each file's content applies from
its ``effective_from`` until the next file's (exclusive); the last file is open-ended.

* The general rate sits on the HTS8 row, or on the HTS10 row when the HTS8 has no
  row of its own (``0101.30.00.00``); it is propagated to the HTS8. Such HTS8 codes
  are added to the lines too, with the HTS10 row's description.
* MFN layers: one row per HTS8 per step where the parsed rate changes (equal rates
  in consecutive files are one step, whatever their wording). Chapter 99 is left
  out: its "general" column holds additional duties (Section 301, quotas), not
  MFN rates.
* Lines: every HTS8 and HTS10 code, compressed into existence intervals.
* ``source_row`` is the physical 1-based line of the CSV (line 1 is the header),
  or the Excel row of the xlsx (row 1 is the header).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from ...engine.expressions import ParsedRate, parse_rate
from ...errors import SourceError
from ...model.schema import LAYER_COLUMNS, LINE_COLUMNS, enforce
from ..report import ValidationReport
from ..yamlload import load_yaml

FORMATS = ("usitc_hts_csv", "usitc_hts_json", "usitc_tariff_database")
PRECISIONS = ("exact", "inferred-date")
CSV_COLUMNS = ("HTS Number", "Description", "General Rate of Duty")
DB_COLUMNS = ("hts8", "brief_description", "mfn_text_rate")
MAX_DIFFERENCES = 200
_HTS = r"\d{4}(?:\.\d{2}){0,3}"
_REQUIRED = ("file", "format", "edition", "effective_from", "effective_from_basis", "evidence")


@dataclass(frozen=True)
class Revision:
    """One schedule file and the date its content is taken to apply from."""

    file: str
    format: str
    edition: str
    effective_from: dt.date
    precision: str
    basis: str
    evidence: str
    sheet: str | None = None
    expected: dict[str, int] | None = None
    revision_key: str | None = None


def load_revisions(path: Path) -> list[Revision]:
    """Read and validate ``hts_revisions.yaml`` (strictly increasing dates)."""
    data: Any = load_yaml(path)
    items = data.get("revisions") if isinstance(data, dict) else None
    if not isinstance(items, list) or not items:
        raise SourceError(f"{path}: expected a non-empty list under 'revisions'")
    out: list[Revision] = []
    for n, item in enumerate(items, 1):
        where = f"{path}: revision {n}"
        if not isinstance(item, dict):
            raise SourceError(f"{where}: expected a mapping")
        missing = [k for k in _REQUIRED if not item.get(k)]
        if missing:
            raise SourceError(f"{where}: missing {', '.join(missing)}")
        start = item["effective_from"]
        if not isinstance(start, dt.date) or isinstance(start, dt.datetime):
            raise SourceError(f"{where}: effective_from {start!r} is not a YYYY-MM-DD date")
        if item["format"] not in FORMATS:
            raise SourceError(f"{where}: format {item['format']!r} is not one of {FORMATS}")
        precision = item.get("precision", "inferred-date")
        if precision not in PRECISIONS:
            raise SourceError(f"{where}: precision {precision!r} is not one of {PRECISIONS}")
        expected = item.get("expected")
        if expected is not None and not (
            isinstance(expected, dict) and all(isinstance(v, int) for v in expected.values())
        ):
            raise SourceError(f"{where}: expected must map count names to integers")
        if out and start <= out[-1].effective_from:
            raise SourceError(f"{where}: effective_from {start} is not after {out[-1].file}'s")
        out.append(
            Revision(
                file=str(item["file"]),
                format=item["format"],
                edition=str(item["edition"]),
                effective_from=start,
                precision=precision,
                basis=" ".join(str(item["effective_from_basis"]).split()),
                evidence=" ".join(str(item["evidence"]).split()),
                sheet=item.get("sheet"),
                expected=expected,
                revision_key=item.get("revision_key"),
            )
        )
    return out


def _open_error(rev: Revision, exc: Exception) -> SourceError:
    return SourceError(f"{rev.file}: cannot read ({exc})")


def read_hts_csv(raw: Path, rev: Revision, report: ValidationReport) -> pd.DataFrame:
    """Rows of a USITC HTS CSV export with a valid HTS8/HTS10 number.

    Returns columns code (digits), level (8 or 10), description, rate_text and
    source_row. Malformed numbers are rejected; rows without a number are
    description rows and are skipped silently.
    """
    path = raw / rev.file
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            records, starts = [], []
            line = reader.line_num
            for record in reader:
                starts.append(line + 1)
                line = reader.line_num
                records.append(record)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise _open_error(rev, exc) from None
    if header is None or any(c not in header for c in CSV_COLUMNS):
        raise SourceError(f"{rev.file}: expected columns {', '.join(CSV_COLUMNS)}")
    width = len(header)
    short = [i for i, r in enumerate(records) if len(r) != width]
    for i in short:
        report.reject(rev.file, starts[i], records[i][:1], f"expected {width} fields")
    keep = sorted(set(range(len(records))) - set(short))
    frame = pd.DataFrame([records[i] for i in keep], columns=header, dtype=str)
    frame["source_row"] = [starts[i] for i in keep]
    given = frame["HTS Number"].fillna("")
    number = given.str.strip()
    for row, value in frame.loc[number != given, ["source_row", "HTS Number"]].itertuples(False):
        report.warn(rev.file, row, repr(value), "HTS number has surrounding spaces (stripped)")
    blank = number == ""
    rate = frame["General Rate of Duty"].fillna("").str.strip()
    stray = frame.loc[blank & (rate != ""), ["source_row", "General Rate of Duty"]]
    for row, value in stray.itertuples(False):
        report.warn(rev.file, row, value, "rate on a row without HTS number (ignored)")
    malformed = ~blank & ~number.str.fullmatch(_HTS)
    for row, value in frame.loc[malformed, ["source_row", "HTS Number"]].itertuples(False):
        report.reject(
            rev.file, row, value, "malformed HTS number: expected 4, 6, 8 or 10 digits with dots"
        )
    digits = number.str.replace(".", "", regex=False)
    out = pd.DataFrame(
        {
            "code": digits,
            "level": digits.str.len(),
            "description": frame["Description"].fillna("").str.strip(),
            "rate_text": rate,
            "source_row": frame["source_row"],
        }
    )[~blank & ~malformed]
    _check_expected(out, rev, report)
    kept = _drop_repeats(out, rev, report)
    rejected = len(short) + int(malformed.sum()) + len(out) - len(kept)
    report.read(rev.file, len(records), len(records) - rejected)
    out = kept
    return out[out.level.isin([8, 10])].reset_index(drop=True)


def read_hts_json(raw: Path, rev: Revision, report: ValidationReport) -> pd.DataFrame:
    """Rows of an official USITC HTS JSON revision, in the shape of :func:`read_hts_csv`.

    Read with DuckDB's JSON reader (one file at a time, so the array order is kept):
    ``source_row`` is the 1-based position of the row in the JSON array. Rows without
    an HTS number are headers and are skipped; ``footnotes`` holds the chapter 99
    headings the row's footnotes name ("See 9903.88.15."), joined by ';'.
    """
    path = raw / rev.file
    con = duckdb.connect()
    try:
        frame = con.execute(
            """
            SELECT trim(coalesce(htsno, '')) AS number,
                   trim(coalesce(description, '')) AS description,
                   trim(coalesce(general, '')) AS rate_text,
                   row_number() OVER () AS source_row,
                   nullif(array_to_string(list_sort(list_distinct(regexp_extract_all(
                       CAST(footnotes AS VARCHAR), '99\\d\\d\\.\\d\\d\\.\\d\\d'))), ';'),
                       '') AS footnotes
            FROM read_json(?, format = 'array', columns = {htsno: 'VARCHAR',
                 description: 'VARCHAR', general: 'VARCHAR', footnotes: 'JSON'})
            """,
            [str(path)],
        ).df()
    except (duckdb.Error, OSError) as exc:
        raise _open_error(rev, exc) from None
    finally:
        con.close()
    total = len(frame)
    frame = frame[frame.number != ""]
    bad = ~frame.number.str.fullmatch(_HTS)
    for row, value in frame.loc[bad, ["source_row", "number"]].itertuples(False):
        report.reject(rev.file, row, value, "malformed HTS number")
    frame = frame[~bad]
    out = pd.DataFrame(
        {
            "code": frame.number.str.replace(".", "", regex=False),
            "description": frame.description,
            "rate_text": frame.rate_text,
            "source_row": frame.source_row.astype(int),
            "footnotes": frame.footnotes,
        }
    )
    out.insert(1, "level", out.code.str.len())
    kept = _drop_repeats(out, rev, report)
    report.read(rev.file, total, total - int(bad.sum()) - (len(out) - len(kept)))
    return kept[kept.level.isin([8, 10])].reset_index(drop=True)


def read_tariff_database(
    raw: Path, rev: Revision, as_of: dt.date, report: ValidationReport
) -> pd.DataFrame:
    """HTS8 rows of the USITC annual tariff database in force on ``as_of``.

    The xlsx stores ``hts8`` as text, but a numeric cell would lose its leading
    zeros, so codes are zero-padded to 8 digits.
    """
    path = raw / rev.file
    try:
        sheet = pd.read_excel(path, sheet_name=rev.sheet or 0, dtype=str)
    except Exception as exc:
        raise _open_error(rev, exc) from None
    missing = [c for c in DB_COLUMNS if c not in sheet.columns]
    if missing:
        raise SourceError(f"{rev.file}: missing columns {', '.join(missing)}")
    sheet["source_row"] = sheet.index + 2
    given = sheet["hts8"].fillna("").str.strip().str.replace(r"\.0$", "", regex=True)
    valid = given.str.fullmatch(r"\d{1,8}")
    for row, value in sheet.loc[~valid, ["source_row", "hts8"]].itertuples(False):
        report.reject(rev.file, row, value, "malformed hts8: expected up to 8 digits")
    begin = _dates(sheet, "begin_effect_date")
    end = _dates(sheet, "end_effective_date")
    in_force = (begin.isna() | (begin <= pd.Timestamp(as_of))) & (
        end.isna() | (end >= pd.Timestamp(as_of))
    )
    report.check(
        f"us_mfn_{_slug(rev.edition)}_rows_in_force",
        int(valid.sum()),
        int((valid & in_force).sum()),
        True,
        f"rows in force on {as_of} kept; {int((valid & (end < pd.Timestamp(as_of))).sum())} "
        f"ended earlier, {int((valid & (begin > pd.Timestamp(as_of))).sum())} begin later",
    )
    sheet = sheet[valid & in_force]
    out = pd.DataFrame(
        {
            "code": given[valid & in_force].str.zfill(8),
            "level": 8,
            "description": sheet["brief_description"].fillna("").str.strip(),
            "rate_text": sheet["mfn_text_rate"].fillna("").str.strip(),
            "source_row": sheet["source_row"],
        }
    )
    out = _drop_repeats(out, rev, report)
    report.read(rev.file, len(valid), len(out))
    return out.reset_index(drop=True)


def _dates(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(pd.NaT, index=frame.index)
    return pd.to_datetime(frame[column], errors="coerce")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def _drop_repeats(frame: pd.DataFrame, rev: Revision, report: ValidationReport) -> pd.DataFrame:
    """Reject the second and later rows of a code given twice in one file."""
    repeated = frame.duplicated("code", keep="first")
    first = frame.drop_duplicates("code").set_index("code").source_row
    for code, row in frame.loc[repeated, ["code", "source_row"]].itertuples(False):
        report.reject(rev.file, row, code, f"HTS number repeated (first at row {first[code]})")
    return frame[~repeated]


def _check_expected(frame: pd.DataFrame, rev: Revision, report: ValidationReport) -> None:
    """Compare row counts with those the revision list documents (SOURCES.md)."""
    for name, expected in (rev.expected or {}).items():
        level = {"hts8_rows": 8, "hts10_rows": 10}.get(name)
        if level is None:
            continue
        observed = int((frame.level == level).sum())
        report.check(
            f"us_{_slug(rev.edition)}_{name}",
            expected,
            observed,
            observed == expected,
            "rows with an HTS number of that length (SOURCES.md item 6b)",
        )


def _hts8_rates(rows: pd.DataFrame, rev: Revision, report: ValidationReport) -> pd.DataFrame:
    """One rate row per HTS8: the HTS8 row's, else its HTS10 row's (propagated)."""
    own = rows[rows.level == 8].assign(note=None)
    tens = rows[rows.level == 10].assign(code8=lambda f: f.code.str[:8])
    rated = tens[tens.rate_text != ""]
    under_own = rated[rated.code8.isin(own.code)]
    for row, code, text in under_own[["source_row", "code", "rate_text"]].itertuples(False):
        report.warn(rev.file, row, f"{code}: {text}", "HTS10 rate under an HTS8 row (ignored)")
    orphans = tens[~tens.code8.isin(own.code)]
    orphans = orphans.assign(has_rate=orphans.rate_text != "").sort_values(
        ["code8", "has_rate", "source_row"], ascending=[True, False, True]
    )
    clash = orphans[orphans.has_rate].groupby("code8").rate_text.nunique()
    for code8 in clash[clash > 1].index:
        report.warn(rev.file, None, code8, "HTS10 lines of one HTS8 give different rates")
    implied = orphans.drop_duplicates("code8").assign(
        note=lambda f: "rate given on HTS10 line " + f.code.map(_format) + " (no HTS8 row)"
    )
    implied = implied.assign(code=implied.code8).drop(columns=["code8", "has_rate"])
    return pd.concat([own, implied], ignore_index=True)


def _format(code: str) -> str:
    return ".".join(p for p in (code[:4], code[4:6], code[6:8], code[8:]) if p)


def _runs(
    stacked: pd.DataFrame, key: str, revs: list[Revision], by_format: bool = True
) -> pd.DataFrame:
    """Compress (code, step, key) rows into runs of consecutive steps with equal key.

    A run never spans two source formats (the 2017 database, the HTS CSVs, the HTS
    JSON), so rows cite a file of their own kind; with ``by_format`` False only the
    database boundary splits (a line's existence does not depend on the format).
    Returns one row per run: its first row, the ``last_`` description/source of its
    last row, ``valid_from`` and
    ``valid_until`` (None while still current at the last file).
    """
    dates = [r.effective_from for r in revs]
    breaks = [
        i
        for i in range(1, len(revs))
        if revs[i].format != revs[i - 1].format
        and (by_format or "usitc_tariff_database" in (revs[i].format, revs[i - 1].format))
    ]
    s = stacked.sort_values(["code", "step"], kind="stable").reset_index(drop=True)
    new = (
        (s.code != s.code.shift())
        | (s.step != s.step.shift() + 1)
        | (s[key] != s[key].shift())
        | s.step.isin(breaks)
    )
    run = new.cumsum()
    first = s[new].reset_index(drop=True)
    last = s.groupby(run, sort=True).tail(1).reset_index(drop=True)
    bounds = [*dates, None]
    first["valid_from"] = first.step.map(lambda i: dates[i])
    first["valid_until"] = last.step.map(lambda i: bounds[i + 1]).astype(object)
    for column in ("description", "source", "source_row"):
        if column in last.columns:
            first[f"last_{column}"] = last[column]
    return first


def _layer_fields(parsed: ParsedRate) -> dict[str, Any]:
    """rate, rate_kind, spec_amount, spec_unit and note of one parsed rate."""
    out: dict[str, Any] = {"rate": None, "spec_amount": None, "spec_unit": None, "pnote": None}
    if parsed.kind in ("free", "ad_valorem"):
        out.update(rate_kind="ad_valorem", rate=parsed.ad_valorem)
    elif parsed.kind in ("specific", "compound") and len(parsed.components) == 1:
        comp = parsed.components[0]
        out.update(rate_kind=parsed.kind, spec_amount=comp.amount, spec_unit=comp.label)
        if parsed.kind == "compound":
            out["rate"] = parsed.ad_valorem
    elif parsed.kind in ("specific", "compound"):
        units = " and ".join(c.label for c in parsed.components)
        out.update(rate_kind="other", pnote=f"several specific parts (per {units})")
    elif parsed.kind == "unknown":
        out.update(rate_kind="unknown", pnote="no general rate in the source")
    else:
        out.update(rate_kind="other", pnote="not a computable duty expression")
    return out


def _layers(rates: pd.DataFrame, revs: list[Revision], report: ValidationReport) -> pd.DataFrame:
    """MFN layer rows from the stacked per-file HTS8 rates."""
    texts = pd.Series(rates.rate_text.unique())
    parsed = {t: parse_rate(t) for t in texts}
    rates = rates.assign(key=rates.rate_text.map(lambda t: parsed[t].key))
    runs = _runs(rates, "key", revs)
    fields = pd.DataFrame([_layer_fields(parsed[t]) for t in runs.rate_text], index=runs.index)
    runs = pd.concat([runs, fields], axis=1)
    notes = runs[["note", "pnote"]].apply(lambda r: "; ".join(x for x in r if x) or None, axis=1)
    code = runs.code
    layers = pd.DataFrame(
        {
            "importer": "US",
            "origin": "*",
            "authority": "MFN",
            "measure_id": "us.mfn",
            "measure_name": "US MFN column 1 general rate",
            "override_group": "us.mfn",
            "code": code,
            "code_level": 8,
            "valid_from": runs.valid_from,
            "valid_until": runs.valid_until,
            "rate": runs.rate,
            "rate_kind": runs.rate_kind,
            "spec_amount": runs.spec_amount,
            "spec_unit": runs.spec_unit,
            "rate_text": runs.rate_text.where(runs.rate_text != "", None),
            "heading": code.str[:4] + "." + code.str[4:6] + "." + code.str[6:8],
            "citation": runs.step.map(
                lambda i: f"HTSUS column 1 general rate, USITC {revs[i].edition}"
            ),
            "precision": runs.step.map(lambda i: revs[i].precision),
            "source": runs.source,
            "source_row": runs.source_row,
            "note": notes,
        }
    )
    for row in layers[layers.rate_kind == "unknown"].itertuples():
        report.warn(row.source, row.source_row, row.heading, "no MFN general rate: kept as unknown")
    return enforce(layers, LAYER_COLUMNS)


def _lines(rows: pd.DataFrame, revs: list[Revision]) -> pd.DataFrame:
    """Existence intervals of every HTS8 and HTS10 code."""
    runs = _runs(rows, "level", revs, by_format=False)
    lines = pd.DataFrame(
        {
            "importer": "US",
            "code": runs.code,
            "code_level": runs.level,
            "description": runs.last_description,
            "valid_from": runs.valid_from,
            "valid_until": runs.valid_until,
            "source": runs.last_source,
        }
    )
    return enforce(lines, LINE_COLUMNS)


def _cross_check(
    old: pd.DataFrame, new: pd.DataFrame, revs: tuple[Revision, Revision], report: ValidationReport
) -> None:
    """Count and list HTS8 lines whose rate differs between two consecutive files."""
    keep = ["code", "rate_text", "source_row"]
    a = old[~old.code.str.startswith("99")][keep]
    b = new[~new.code.str.startswith("99")][keep]
    both = a.merge(b, on="code", suffixes=("_old", "_new"))
    key = {t: parse_rate(t).key for t in pd.concat([both.rate_text_old, both.rate_text_new])}
    changed = both[both.rate_text_old.map(key) != both.rate_text_new.map(key)]
    only_old = len(set(a.code) - set(b.code))
    only_new = len(set(b.code) - set(a.code))
    share = len(changed) / len(both) if len(both) else 0.0
    report.check(
        f"us_mfn_changed_{_slug(revs[0].edition)}_to_{_slug(revs[1].edition)}",
        "under 5% of common HTS8 lines",
        len(changed),
        share < 0.05,
        f"{len(changed)} of {len(both)} HTS8 lines (chapters 01-98) in both files have a "
        f"different general rate ({share:.1%}); {only_old} lines only in the {revs[0].edition}, "
        f"{only_new} only in the {revs[1].edition}",
    )
    for code, before, after, row in (
        changed[["code", "rate_text_old", "rate_text_new", "source_row_new"]]
        .head(MAX_DIFFERENCES)
        .itertuples(False)
    ):
        report.difference(
            revs[1].file,
            f"{_format(code)}: {before!r} -> {after!r} (row {row})",
            f"MFN general rate differs between the {revs[0].edition} and the {revs[1].edition}",
        )
    if len(changed) > MAX_DIFFERENCES:
        report.difference(
            revs[1].file,
            f"{len(changed) - MAX_DIFFERENCES} more lines",
            f"further MFN rate differences between the {revs[0].edition} and the "
            f"{revs[1].edition}, not listed one by one",
        )


def _parse_coverage(layers: pd.DataFrame, report: ValidationReport) -> None:
    kinds = layers[layers.code.str[:2] < "98"].rate_kind
    numeric = int(kinds.isin(["ad_valorem", "specific", "compound"]).sum())
    report.check(
        "us_mfn_rates_parsed",
        "at least 98% of chapter 01-97 MFN steps numeric",
        f"{numeric} of {len(kinds)}",
        numeric >= 0.98 * len(kinds),
        "; ".join(f"{k}: {n}" for k, n in kinds.value_counts().items())
        + " ('other' = not a computable expression, or several specific parts; kept as text)",
    )


def load_us_mfn(
    raw: Path, revisions_yaml: Path, report: ValidationReport
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """US MFN layers (HTS8) and US lines (HTS8, HTS10) from the listed schedule files."""
    revs = load_revisions(revisions_yaml)
    all_rates, all_lines = [], []
    per_file: list[pd.DataFrame] = []
    for step, rev in enumerate(revs):
        if rev.format == "usitc_tariff_database":
            nxt = revs[step + 1].effective_from if step + 1 < len(revs) else rev.effective_from
            as_of = nxt - dt.timedelta(days=1) if step + 1 < len(revs) else nxt
            rows = read_tariff_database(raw, rev, as_of, report)
        elif rev.format == "usitc_hts_json":
            rows = read_hts_json(raw, rev, report).drop(columns="footnotes")
        else:
            rows = read_hts_csv(raw, rev, report)
        rows = rows.assign(step=step, source=rev.file)
        rates = _hts8_rates(rows, rev, report)
        per_file.append(rates)
        all_rates.append(rates[~rates.code.str.startswith("99")])
        implied = rates[rates.note.notna()][["code", "description", "source_row"]]
        lines = pd.concat(
            [rows[["code", "level", "description", "source_row"]], implied.assign(level=8)],
            ignore_index=True,
        )
        all_lines.append(lines.assign(step=step, source=rev.file))
    layers = _layers(pd.concat(all_rates, ignore_index=True), revs, report)
    lines = _lines(pd.concat(all_lines, ignore_index=True), revs)
    for i in range(len(revs) - 1):
        if revs[i].format == "usitc_tariff_database":
            _cross_check(per_file[i], per_file[i + 1], (revs[i], revs[i + 1]), report)
    _parse_coverage(layers, report)
    _check_revision_dates(raw, revs, report)
    return layers, lines


REVISION_DATES = "arifshehab__tariff-rate-tracker/config/revision_dates.csv"


def _check_revision_dates(raw: Path, revs: list[Revision], report: ValidationReport) -> None:
    """Each JSON revision's date is its legal policy date (else its HTS date)."""
    keyed = [r for r in revs if r.revision_key]
    if not keyed:
        return
    try:
        table = pd.read_csv(raw / REVISION_DATES, dtype=str).set_index("revision")
    except (OSError, ValueError, KeyError) as exc:
        raise SourceError(f"{REVISION_DATES}: cannot read ({exc})") from None
    wrong = []
    for rev in keyed:
        if rev.revision_key not in table.index:
            wrong.append(f"{rev.revision_key} not listed")
            continue
        row = table.loc[rev.revision_key]
        legal = row.policy_effective_date
        date = legal if isinstance(legal, str) and legal != "NA" else row.effective_date
        if date != rev.effective_from.isoformat():
            wrong.append(f"{rev.revision_key}: {rev.effective_from} vs {date}")
    report.check(
        "us_hts_json_revision_dates",
        len(keyed),
        len(keyed) - len(wrong),
        not wrong,
        "JSON revisions dated by revision_dates.csv policy_effective_date (HTS date if NA)"
        + (f"; differ: {'; '.join(wrong)}" if wrong else ""),
    )
