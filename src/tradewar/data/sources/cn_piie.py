"""China's schedule (importer CN): MFN toward every origin and retaliation on US goods.

Sources:

* PIIE (Bown, Jung & Zhang, June 2019), sheet "China Tariff Rates": one row per China
  HS10 line (28 value-split lines end in A/B and stay so), the MFN level on 2018-01-01
  and then *changes* in percent at each date to 2019-06-01. The loader adds the changes
  up into cumulative levels per measure (fractions), the rate columns that the measure
  files name. A missing MFN value stays NULL (unknown) at every step, never 0.
* The HS6 file of mwaugh0328/tradewar-tracker (new_tariff_list_2020.csv): levels per
  HS6 (maximum over HS10 lines of an updated PIIE file) to 2019-09-01 and 2019-12-26.
  Its 2019-06-01 level is cross-checked against the PIIE file; the 2019-09-01 round and
  the 2019-12-26 change are its increments, applied at HS6 ("hs6-approximation").
* The MOF annex of the 128-item Section 232 retaliation list: a cross-check of the PIIE
  2018-04-02 column at HS8.

Compiled layers hold one row per run of equal rates: a step that leaves a line's rate
unchanged does not start a new row on that line. So the auto-and-parts suspension, a
step of each affected round, starts a "suspended" row at rate 0 only on the suspended
lines, and later steps of the round leave those rows suspended.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ...errors import SourceError
from ...model.measures import Measure, MeasureFile, Step
from ...model.schema import LAYER_COLUMNS, LINE_COLUMNS, enforce
from ..compile import compile_measure, step_until
from ..report import ValidationReport
from . import cn_2025

PIIE_FILE = "mwaugh0328__consumption_and_tradewar/data/bown-jung-zhang-2019-06-12.xlsx"
PIIE_SHEET = "China Tariff Rates"
HS6_FILE = "mwaugh0328__tradewar-tracker/data/new_tariff_list_2020.csv"
MOF_232_FILE = "mitsuoxv__us-tariffs-on-china/data/P020180401856022545193.xlsx"
SOURCE_HS10 = "piie_cn_hs10"  # scope.source of measures compiled from the PIIE file
SOURCE_HS6 = "piie_cn_hs6"  # scope.source of measures compiled from the HS6 file
LINES_FROM = dt.date(2018, 1, 1)
MAX_PCT = 200.0
HS6_APPROX = "hs6-approximation"

# PIIE columns after hs10 and description: our key and the start of the header text.
PIIE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("mfn", "January 1, 2018\nMFN"),
    ("r232", "April 2, 2018\nRetaliation"),
    ("mfn_0501", "May 1, 2018\nChange of MFN"),
    ("mfn_0701", "July 1, 2018\nChange of MFN"),
    ("r1", "July 6, 2018\nRetaliation"),
    ("r2", "August 23, 2018\nRetaliation"),
    ("r3", "September 24, 2018\nRetaliation"),
    ("mfn_1101", "November 1, 2018\nChange of MFN"),
    ("mfn_2019", "January 1, 2019\nChange of temporary MFN"),
    ("suspension", "January 1, 2019\nSuspension"),
    ("r3_0601", "June 1, 2019\nChange of retaliation"),
)
PIIE_KEYS = tuple(key for key, _ in PIIE_COLUMNS)
MFN_CHANGES = ("mfn_0501", "mfn_0701", "mfn_1101", "mfn_2019")
ROUNDS = ("r1", "r2", "r3")  # the 301 rounds the auto suspension can zero
# Values each retaliation column may take, in percent (others are reported).
EXPECTED_PCT = {
    "r232": {0.0, 15.0, 25.0},
    "r1": {0.0, 25.0},
    "r2": {0.0, 25.0},
    "r3": {0.0, 5.0, 10.0},
    "r3_level_0601": {0.0, 5.0, 10.0, 20.0, 25.0},
}
# The auto suspension of 税委会公告〔2018〕10号: 8-digit items per round (annexes 1-3).
SUSPENSION_ITEMS = {"r1": 28, "r2": 116, "r3": 67}
# HS10 lines per round in the PIIE file (SOURCES.md, item 5 table).
PIIE_ROUND_LINES = {"r232": 169, "r1": 726, "r2": 535, "r3": 7368, "r3_0601": 6371}
PIIE_SUSPENDED_LINES = 343
# Cumulative PIIE columns behind each date of the HS6 file (its 2019-01-02 is PIIE's
# 2019-01-01: temporary rates and the auto suspension).
HS6_DATES: dict[str, tuple[str, ...]] = {
    "2018-01-01": ("mfn",),
    "2018-04-02": ("r232",),
    "2018-05-01": ("mfn_0501",),
    "2018-07-01": ("mfn_0701",),
    "2018-07-06": ("r1",),
    "2018-08-23": ("r2",),
    "2018-09-24": ("r3",),
    "2018-11-01": ("mfn_1101",),
    "2019-01-02": ("mfn_2019", "suspension"),
    "2019-06-01": ("r3_0601",),
}
HS6_BASE, HS6_ROUND4, HS6_AFTER = "2019-06-01", "2019-09-01", "2019-12-26"
_CODE10 = re.compile(r"^\d{10}[AB]?$")
_ROUND_DIGITS = 4  # percent values are rounded to 4 decimals (float32 residues)


def load_cn(
    raw: Path, measure_files: list[tuple[Path, MeasureFile]], report: ValidationReport
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, pd.DataFrame]]:
    """Layers, lines and extra tables of China's schedule (importer CN).

    ``measure_files`` are the CN measure files; each measure names its source
    (``piie_cn_hs10``, ``piie_cn_hs6``, ``cn_hs8_2025`` or ``cn_feb_2025``) and, per
    step, a rate column built here. A measure's steps may move to the 2025 lines (from
    2020-01-01): each step compiles on the products that carry its rate column.
    Extra tables: ``cn_code_links`` and ``cn_ita_2025`` (for the build's checks).
    """
    piie = read_piie(raw, report)
    hs10 = hs10_rate_columns(piie, report)
    hs6_long = read_hs6(raw, report)
    check_hs6_against_piie(hs6_long, piie, report)
    hs6 = hs6_rate_columns(hs6_long, piie, report)
    check_mof_232(raw, piie, report)
    ita, mar = cn_2025.read_ita(raw, report), cn_2025.read_mar(raw, report)
    feb = _feb_headings(measure_files)
    hs8, links, lines8 = cn_2025.build_hs8(hs10, hs6["ret_r4_20190901"], feb, ita, mar, report)
    hs8["source"] = np.where(hs8.ita.notna(), cn_2025.ITA_FILE, PIIE_FILE)
    hs8["source_row"] = hs8["source_row"].where(hs8.ita.notna())

    frames = []
    for path, mfile in measure_files:
        if mfile.importer != "CN":
            raise SourceError(f"{path}: load_cn takes CN measure files, not {mfile.importer}")
        for measure in mfile.measures:
            for key, part in _parts(measure, hs10, hs6, hs8, path):
                if key == SOURCE_HS10:
                    frames.append(_compile(mfile, part, hs10, PIIE_FILE, report))
                elif key == SOURCE_HS6:
                    products = _hs6_products(part, hs6, path)
                    frames.append(_compile(mfile, part, products, HS6_FILE, report))
                else:
                    products = _hs8_products(part, key, hs8, mar)
                    frames.append(_compile(mfile, part, products, cn_2025.ITA_FILE, report))
    if frames:
        layers = enforce(pd.concat(frames, ignore_index=True), LAYER_COLUMNS)
    else:
        layers = enforce(pd.DataFrame(columns=list(LAYER_COLUMNS)), LAYER_COLUMNS)
    _check_round_counts(layers, report)
    lines = enforce(pd.concat([_lines(piie, hs6_long), lines8], ignore_index=True), LINE_COLUMNS)
    ita_table = ita.merge(
        hs8[["code", "link", "n_linked", "ret_mar_2025", "ret_feb_2025", "r4_residual",
             "ita_auto_extra", "old_known"]],
        left_on="hs8", right_on="code", how="left",
    ).drop(columns="code")  # fmt: skip
    return layers, lines, {"cn_code_links": links, "cn_ita_2025": ita_table}


def _feb_headings(measure_files: list[tuple[Path, MeasureFile]]) -> dict[str, float]:
    """Heading prefix -> rate of the Feb-2025 measures (scope.codes, first step rate)."""
    out: dict[str, float] = {}
    for path, mfile in measure_files:
        for m in mfile.measures:
            if m.scope.source != cn_2025.SOURCE_FEB:
                continue
            rate = m.steps[0].rate
            if rate is None or not m.scope.codes:
                raise SourceError(f"{path}: {m.id}: a Feb-2025 measure needs codes and a rate")
            out.update({code: rate for code in m.scope.codes})
    return out


def _parts(
    measure: Measure,
    hs10: pd.DataFrame,
    hs6: dict[str, pd.DataFrame],
    hs8: pd.DataFrame,
    path: Path,
) -> list[tuple[str, Measure]]:
    """The measure split into runs of steps on one product set, each step's end kept."""
    default = measure.scope.source
    known = (SOURCE_HS10, SOURCE_HS6, cn_2025.SOURCE_HS8, cn_2025.SOURCE_FEB)
    if default not in known:
        raise SourceError(
            f"{path}: measure {measure.id}: scope source {default!r} is not one of {known}"
        )
    parts: list[tuple[str, list[Step]]] = []
    for index, step in enumerate(measure.steps):
        column = step.rate_column
        if column is None:
            key = default
        elif column in hs10.columns:
            key = SOURCE_HS10
        elif column in hs6:
            key = SOURCE_HS6
        elif column in hs8.columns:
            key = default if default == cn_2025.SOURCE_FEB else cn_2025.SOURCE_HS8
        else:
            raise SourceError(f"{path}: measure {measure.id}: no rate column {column!r}")
        fixed = step.model_copy(update={"until": step_until(measure, index)})
        if parts and parts[-1][0] == key:
            parts[-1][1].append(fixed)
        else:
            parts.append((key, [fixed]))
    return [(key, measure.model_copy(update={"steps": steps})) for key, steps in parts]


def _hs8_products(measure: Measure, key: str, hs8: pd.DataFrame, mar: pd.DataFrame) -> pd.DataFrame:
    """Products of a measure on the 2025 lines (the Feb round: its headings only)."""
    products = hs8
    if key == cn_2025.SOURCE_FEB:
        under = hs8.code.str.startswith(tuple(measure.scope.codes))
        products = hs8[under & hs8.ret_feb_2025.notna()]
    if any(s.rate_column == "ret_mar_2025" for s in measure.steps):
        listed = mar.set_index("hs8")
        products = products[products.code.isin(listed.index)].copy()
        products["source"] = products.code.map(listed["source"])
        products["source_row"] = products.code.map(listed["source_row"])
    return products


# --- PIIE HS10 file ---------------------------------------------------------------


def read_piie(raw: Path, report: ValidationReport) -> pd.DataFrame:
    """Validated PIIE rows: code, description, source_row and the percent columns.

    Bad codes and duplicates are rejected; a non-numeric or out-of-range value is
    rejected and kept as unknown (NaN); a missing MFN value is warned and kept unknown.
    """
    path = raw / PIIE_FILE
    try:
        sheet = pd.read_excel(path, sheet_name=PIIE_SHEET, header=None, dtype=object)
    except Exception as exc:
        raise SourceError(f"{PIIE_FILE}: cannot read sheet {PIIE_SHEET!r} ({exc})") from None
    _check_piie_header([_cell_text(c) for c in sheet.iloc[0]])
    rows: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    residues: list[str] = []
    for excel_row, values in enumerate(sheet.iloc[1:].itertuples(index=False), start=2):
        cells = list(values)
        if all(_blank(c) for c in cells):
            report.warn(PIIE_FILE, excel_row, "", "empty row skipped")
            continue
        code = _piie_code(cells[0], excel_row, report)
        if code is None:
            continue
        if code in seen:
            report.reject(PIIE_FILE, excel_row, code, f"code repeats row {seen[code]}")
            continue
        seen[code] = excel_row
        description = _cell_text(cells[1]).strip() or None
        if description is None:
            report.warn(PIIE_FILE, excel_row, code, "no description")
        row: dict[str, Any] = {
            "code": code,
            "description": description,
            "source_row": excel_row,
        }
        for (key, _), cell in zip(PIIE_COLUMNS, cells[2:], strict=True):
            row[key] = _piie_number(cell, key, code, excel_row, report, residues)
        rows.append(row)
    frame = pd.DataFrame(rows, columns=["code", "description", "source_row", *PIIE_KEYS])
    report.read(PIIE_FILE, len(sheet) - 1, len(frame))
    report.check(
        "cn_piie_float_residues_rounded",
        0,
        len(residues),
        True,
        f"values rounded to {_ROUND_DIGITS} decimals of a percentage point (float32 "
        f"residues such as 5.3e-08 or -5.800000190734863); e.g. {', '.join(residues[:8])}",
    )
    for row in frame[frame["mfn"].isna()].itertuples():
        report.warn(
            PIIE_FILE,
            row.source_row,
            row.code,
            "no MFN rate on 2018-01-01: kept as unknown (rate NULL) at every MFN step",
        )
    report.check(
        "cn_piie_lines",
        11790,
        len(frame),
        len(frame) == 11790,
        f"HS10 lines kept; {int(frame.code.str.len().eq(11).sum())} value-split A/B lines; "
        f"{int(frame['mfn'].isna().sum())} without an MFN value",
    )
    return frame


def _check_piie_header(header: list[str]) -> None:
    expected = ["hs10", "description", *(prefix for _, prefix in PIIE_COLUMNS)]
    if len(header) != len(expected):
        raise SourceError(f"{PIIE_FILE}: {len(header)} columns, expected {len(expected)}")
    for index, (got, want) in enumerate(zip(header, expected, strict=True)):
        if not got.strip().startswith(want):
            raise SourceError(
                f"{PIIE_FILE}: column {index + 1} is {got!r}, expected it to start with {want!r}"
            )


def _piie_code(cell: Any, row: int, report: ValidationReport) -> str | None:
    if isinstance(cell, (int, np.integer)) and not isinstance(cell, bool):
        code = f"{int(cell):010d}"
        report.warn(PIIE_FILE, row, code, "code stored as a number: zero-padded to 10 digits")
    else:
        code = _cell_text(cell).strip()
    if not _CODE10.match(code):
        report.reject(PIIE_FILE, row, code, "not a 10-digit code (optionally ending in A/B)")
        return None
    return code


def _piie_number(
    cell: Any, key: str, code: str, row: int, report: ValidationReport, residues: list[str]
) -> float:
    if _blank(cell):
        return np.nan
    value = _number(cell)
    if value is None:
        report.reject(PIIE_FILE, row, cell, f"{code} {key}: not a number; kept as unknown")
        return np.nan
    rounded = round(value, _ROUND_DIGITS)
    if abs(value - rounded) > 1e-9:
        residues.append(f"row {row} {key} {value!r}")
    if abs(rounded) > MAX_PCT:
        report.reject(PIIE_FILE, row, value, f"{code} {key}: outside -200..200%; kept as unknown")
        return np.nan
    return rounded + 0.0  # no negative zero


def hs10_rate_columns(piie: pd.DataFrame, report: ValidationReport) -> pd.DataFrame:
    """Products frame of the HS10 measures: code, source_row and rate columns (fractions).

    MFN: ``mfn_20180101`` … ``mfn_20190101`` (cumulative levels). Retaliation, per
    round: ``ret_r232_20180402``, ``ret_r1_20180706``, ``ret_r1_20190101`` (0 on lines of
    the auto suspension), ``ret_r2_*``, ``ret_r3_20180924``, ``ret_r3_20190101``,
    ``ret_r3_20190601`` (after the increase).
    """
    pct = piie[list(PIIE_KEYS)]
    out = piie[["code", "source_row"]].copy()
    out["note_mfn"] = np.where(
        piie["mfn"].isna(), "MFN value missing in the PIIE file: rate unknown, never 0", None
    )
    _warn_mfn_changes(piie, report)
    level = pct["mfn"]
    mfn_levels = {"mfn_20180101": level}
    for key, name in zip(
        MFN_CHANGES, ("mfn_20180501", "mfn_20180701", "mfn_20181101", "mfn_20190101"), strict=True
    ):
        level = level + pct[key]  # NaN stays NaN: an unknown never becomes 0
        mfn_levels[name] = level
    for name, values in mfn_levels.items():
        bad = values.notna() & ((values < 0) | (values > MAX_PCT))
        for row in piie[bad].itertuples():
            report.reject(
                PIIE_FILE,
                row.source_row,
                values[row.Index],
                f"{row.code}: MFN level {name} outside 0..200%; kept as unknown",
            )
        out[name] = _fraction(values.where(~bad))

    _warn_unexpected(piie, report)
    suspended = pct["suspension"].fillna(0) != 0
    _check_suspension(piie, suspended, report)
    out["ret_r232_20180402"] = _fraction(pct["r232"])
    dates = {"r1": "20180706", "r2": "20180823", "r3": "20180924"}
    for rnd in ROUNDS:
        out[f"ret_{rnd}_{dates[rnd]}"] = _fraction(pct[rnd])
        out[f"ret_{rnd}_20190101"] = _fraction(pct[rnd].where(~suspended, 0.0))
    after = pct["r3"].where(~suspended, 0.0) + pct["r3_0601"]
    odd = after.notna() & ~after.isin(EXPECTED_PCT["r3_level_0601"])
    for row in piie[odd].itertuples():
        report.warn(
            PIIE_FILE,
            row.source_row,
            row.code,
            f"third round at {after[row.Index]:g}% "
            "after 2019-06-01: not one of the announced 5/10/20/25%",
        )
    out["ret_r3_20190601"] = _fraction(after)
    return out


def _warn_mfn_changes(piie: pd.DataFrame, report: ValidationReport) -> None:
    known = piie["mfn"].notna()
    for key in MFN_CHANGES:
        missing = known & piie[key].isna()
        for row in piie[missing].itertuples():
            report.warn(
                PIIE_FILE,
                row.source_row,
                row.code,
                f"{key}: MFN change missing; MFN unknown from that date",
            )
        rise = piie[key] > 0
        for row in piie[rise].itertuples():
            report.warn(
                PIIE_FILE,
                row.source_row,
                row.code,
                f"{key}: MFN rises by {getattr(row, key):g} points (the 2018-2019 changes "
                "were cuts)",
            )


def _warn_unexpected(piie: pd.DataFrame, report: ValidationReport) -> None:
    for key in ("r232", *ROUNDS):
        values = piie[key]
        odd = values.isna() | ~values.isin(EXPECTED_PCT[key])
        for row in piie[odd].itertuples():
            report.warn(
                PIIE_FILE,
                row.source_row,
                row.code,
                f"{key}: value {values[row.Index]} is not one of the announced rates "
                f"{sorted(EXPECTED_PCT[key])}",
            )
    orphan = (piie["r3_0601"].fillna(0) != 0) & (piie["r3"].fillna(0) == 0)
    for row in piie[orphan].itertuples():
        report.warn(
            PIIE_FILE,
            row.source_row,
            row.code,
            "2019-06-01 increase on a line that is not in the 2018-09-24 round",
        )
    for key in ("r1", "r2", "r3", "r232", "r3_0601"):
        negative = piie[key] < 0
        for row in piie[negative].itertuples():
            report.warn(PIIE_FILE, row.source_row, row.code, f"{key}: negative additional duty")


def _check_suspension(piie: pd.DataFrame, suspended: pd.Series, report: ValidationReport) -> None:
    """On each suspended line the suspension must equal minus the rounds it zeroes."""
    rows = piie[suspended]
    zeroed = rows[list(ROUNDS)].fillna(0).sum(axis=1)
    mismatch = (rows["suspension"] + zeroed).abs() > 1e-9
    for row in rows[mismatch].itertuples():
        report.difference(
            PIIE_FILE,
            f"{row.code} (row {row.source_row})",
            f"auto suspension {row.suspension:g} is not minus the rounds zeroed "
            f"(r1 {row.r1:g} + r2 {row.r2:g} + r3 {row.r3:g})",
        )
    for row in rows[rows["r232"].fillna(0) != 0].itertuples():
        report.warn(
            PIIE_FILE,
            row.source_row,
            row.code,
            "suspended line also bears the Section 232 retaliation, which is not suspended",
        )
    for row in rows[rows["r3_0601"].fillna(0) != 0].itertuples():
        report.warn(
            PIIE_FILE,
            row.source_row,
            row.code,
            "2019-06-01 increase on a line of the auto suspension: the round applies again",
        )
    report.check(
        "cn_auto_suspension_equals_rounds",
        len(rows),
        int((~mismatch).sum()),
        not mismatch.any(),
        "suspended HS10 lines whose suspension column equals minus the sum of the 301 "
        "rounds on the line",
    )
    items = {rnd: rows.loc[rows[rnd].fillna(0) != 0, "code"].str[:8].nunique() for rnd in ROUNDS}
    report.check(
        "cn_auto_suspension_items",
        SUSPENSION_ITEMS,
        items,
        items == SUSPENSION_ITEMS,
        "8-digit items suspended per round vs 税委会公告〔2018〕10号 annexes 1-3 (211 in all)",
    )


# --- HS6 file -----------------------------------------------------------------------


def read_hs6(raw: Path, report: ValidationReport) -> pd.DataFrame:
    """Validated rows of the HS6 file: hs6, date (ISO text), level (percent), source_row."""
    path = raw / HS6_FILE
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except Exception as exc:
        raise SourceError(f"{HS6_FILE}: cannot read ({exc})") from None
    if list(frame.columns) != ["time_of_tariff", "hs6", "tariff"]:
        raise SourceError(f"{HS6_FILE}: columns {list(frame.columns)} are not the expected")
    frame["source_row"] = range(2, len(frame) + 2)
    keep = pd.Series(True, index=frame.index)
    bad_code = ~frame["hs6"].str.fullmatch(r"\d{6}")
    for row in frame[bad_code].itertuples():
        report.reject(HS6_FILE, row.source_row, row.hs6, "not a 6-digit code")
    keep &= ~bad_code
    dates = pd.to_datetime(frame["time_of_tariff"], format="%Y-%m-%d", errors="coerce")
    for row in frame[dates.isna()].itertuples():
        report.reject(HS6_FILE, row.source_row, row.time_of_tariff, "not a date")
    keep &= dates.notna()
    level = pd.to_numeric(frame["tariff"], errors="coerce")
    empty = frame["tariff"].str.strip().isin(["", "NA", "NaN", "nan"])
    for row in frame[level.isna() & ~empty].itertuples():
        report.reject(HS6_FILE, row.source_row, row.tariff, f"{row.hs6}: not a number")
    keep &= level.notna() | empty
    for row in frame[empty & keep].itertuples():
        report.warn(
            HS6_FILE,
            row.source_row,
            row.hs6,
            f"no level on {row.time_of_tariff}: kept as unknown",
        )
    out_of_range = level.notna() & ((level < 0) | (level > MAX_PCT))
    for row in frame[out_of_range].itertuples():
        report.reject(HS6_FILE, row.source_row, row.tariff, f"{row.hs6}: outside 0..200%")
    keep &= ~out_of_range
    rounded = level.round(_ROUND_DIGITS)
    residues = int(((level - rounded).abs() > 1e-9).sum())
    out = pd.DataFrame(
        {
            "hs6": frame["hs6"],
            "date": dates.dt.strftime("%Y-%m-%d"),
            "level": rounded + 0.0,
            "source_row": frame["source_row"],
        }
    )[keep]
    dupes = out.duplicated(["hs6", "date"], keep="first")
    for row in out[dupes].itertuples():
        report.reject(HS6_FILE, row.source_row, f"{row.hs6} {row.date}", "repeated HS6 and date")
    out = out[~dupes].reset_index(drop=True)
    report.read(HS6_FILE, len(frame), len(out))
    report.check(
        "cn_hs6_float_residues_rounded",
        0,
        residues,
        True,
        f"levels rounded to {_ROUND_DIGITS} decimals of a percentage point "
        "(float residues such as 14.000000000000002)",
    )
    for date in (HS6_BASE, HS6_ROUND4, HS6_AFTER):
        if not (out["date"] == date).any():
            raise SourceError(f"{HS6_FILE}: no rows dated {date}")
    return out


def _piie_levels_by_hs6(piie: pd.DataFrame) -> pd.DataFrame:
    """Per HS6 and HS6-file date, the maximum cumulative PIIE level over its HS10 lines.

    As the HS6 file does, an unknown value counts as 0 once any value of the line is
    known; a line with no known value so far stays unknown.
    """
    out = {}
    used: list[str] = []
    for date, keys in HS6_DATES.items():
        used += keys
        level = piie[used].sum(axis=1, min_count=1)
        out[date] = level.groupby(piie["code"].str[:6]).max()
    return pd.DataFrame(out)


def check_hs6_against_piie(
    hs6_long: pd.DataFrame, piie: pd.DataFrame, report: ValidationReport
) -> None:
    """Compare the HS6 file with the HS6 maximum of the PIIE levels at every shared date."""
    wide = hs6_long.pivot(index="hs6", columns="date", values="level")
    piie6 = _piie_levels_by_hs6(piie)
    codes6 = set(piie["code"].str[:6])
    only_file = sorted(set(wide.index) - codes6)
    only_piie = sorted(codes6 - set(wide.index))
    for code in only_file:
        report.difference(HS6_FILE, code, "HS6 in the HS6 file, no HS10 line in the PIIE file")
    for code in only_piie:
        report.difference(HS6_FILE, code, "HS6 of PIIE HS10 lines, absent from the HS6 file")
    report.check(
        "cn_hs6_codes_vs_piie",
        len(codes6),
        len(set(wide.index) & codes6),
        not only_file and not only_piie,
        f"HS6 file {len(wide)} codes, PIIE {len(codes6)} HS6",
    )
    unknown6 = piie.groupby(piie["code"].str[:6])["mfn"].apply(lambda s: s.isna().all())
    unknown6 = set(unknown6[unknown6].index)
    for date in HS6_DATES:
        if date not in wide.columns:
            report.check(f"cn_hs6_vs_piie_{date}", "date present", "absent", False)
            continue
        file_level = wide[date]
        piie_level = piie6[date].reindex(file_level.index)
        both = file_level.notna() & piie_level.notna()
        differ = both & ((file_level - piie_level).abs() > 1e-6)
        one_sided = file_level.isna() != piie_level.isna()
        for code in file_level.index[differ]:
            report.difference(
                HS6_FILE,
                f"{code} {date}",
                f"HS6 file level {file_level[code]:g}% vs PIIE HS10 maximum {piie_level[code]:g}%",
            )
        for code in file_level.index[one_sided]:
            report.difference(
                HS6_FILE,
                f"{code} {date}",
                f"HS6 file level {file_level[code]:g}% vs PIIE HS10 maximum "
                f"{piie_level[code]:g}% (lines without an MFN value; known values only)",
            )
        bad = int((differ | one_sided).sum())
        note = f"{len(file_level) - bad} of {len(file_level)} HS6 agree"
        if date == HS6_BASE:
            note += (
                "; unknown MFN values count as 0, as in the HS6 file. "
                f"{len(unknown6)} HS6 have no known MFN on any line "
                f"({', '.join(sorted(unknown6))}): there the file gives retaliation only"
            )
            for code in sorted(unknown6):
                report.difference(
                    HS6_FILE,
                    code,
                    "every PIIE HS10 line lacks an MFN value, but the HS6 file gives a level "
                    "(retaliation only, MFN read as 0)",
                )
        report.check(
            f"cn_hs6_vs_piie_{date}", len(file_level), len(file_level) - bad, bad == 0, note
        )


def hs6_rate_columns(
    hs6_long: pd.DataFrame, piie: pd.DataFrame, report: ValidationReport
) -> dict[str, pd.DataFrame]:
    """Products per HS6 rate column: ``ret_r4_20190901`` and ``ret_excl_20191226``.

    Each frame has code, the rate (fraction), source_row, precision and note, for the
    HS6 codes whose level changes on that date.
    """
    wide = hs6_long.pivot(index="hs6", columns="date", values="level")
    rows = hs6_long.pivot(index="hs6", columns="date", values="source_row")
    approx = (
        "HS6 approximation: change of the maximum level over the HS10 lines of this HS6 "
        "({} to {}), applied to every line of the HS6"
    )

    # The 2019-09-01 round: the increase of the HS6 maximum since 2019-06-01.
    increase = wide[HS6_ROUND4] - wide[HS6_BASE]
    r4_rows = []
    for code, value in increase.items():
        row = _row(rows, code, HS6_ROUND4)
        if pd.isna(value):
            report.warn(HS6_FILE, row, code, f"no level on {HS6_BASE} or {HS6_ROUND4}")
            continue
        if abs(value) < 1e-9:
            continue
        note = approx.format(HS6_BASE, HS6_ROUND4)
        if value < 0:
            report.warn(
                HS6_FILE,
                row,
                code,
                f"level falls by {-value:g} points on {HS6_ROUND4}: "
                "not a retaliation increase; not applied",
            )
            continue
        if round(value, 6) not in (5.0, 10.0):
            report.warn(
                HS6_FILE,
                row,
                code,
                f"increase of {value:g} points on {HS6_ROUND4} is not "
                "5 or 10: the HS6 maximum moved to another HS10 line; kept as given",
            )
            note += f"; odd increase of {value:g} points (the maximum moved between lines)"
        r4_rows.append((code, round(value / 100, 8), row, note))
    r4 = pd.DataFrame(r4_rows, columns=["code", "ret_r4_20190901", "source_row", "note"])

    # The 2019-12-26 changes: exclusions (the level falls back to the MFN rate).
    change = wide[HS6_AFTER] - wide[HS6_ROUND4]
    mfn6 = (
        piie.assign(level=piie[["mfn", *MFN_CHANGES]].sum(axis=1, skipna=False))
        .groupby(piie["code"].str[:6])["level"]
        .max()
    )
    ex_rows = []
    to_mfn = 0
    for code, value in change.items():
        row = _row(rows, code, HS6_AFTER)
        if pd.isna(value) or abs(value) < 1e-9:
            continue
        note = approx.format(HS6_ROUND4, HS6_AFTER)
        after, mfn = wide.at[code, HS6_AFTER], mfn6.get(code, np.nan)
        back_to_mfn = bool(abs(after - mfn) < 1e-6)
        to_mfn += back_to_mfn
        report.warn(
            HS6_FILE,
            row,
            code,
            f"level changes by {value:g} points on {HS6_AFTER} "
            f"(to {after:g}%; MFN {mfn:g}%): "
            + ("an exclusion of the additional duties" if back_to_mfn else "not back to MFN"),
        )
        ex_rows.append((code, round(value / 100, 8), row, note))
    excl = pd.DataFrame(ex_rows, columns=["code", "ret_excl_20191226", "source_row", "note"])
    report.check(
        "cn_hs6_20191226_changes_back_to_mfn",
        len(excl),
        to_mfn,
        to_mfn == len(excl),
        "HS6 whose 2019-12-26 level equals the PIIE MFN level (maximum over lines): "
        "the change removes all additional duties (exclusion)",
    )
    out = {"ret_r4_20190901": r4, "ret_excl_20191226": excl}
    for frame in out.values():
        frame["precision"] = HS6_APPROX
    return out


def _row(rows: pd.DataFrame, code: str, date: str) -> int | None:
    value = rows.at[code, date] if date in rows.columns else np.nan
    return None if pd.isna(value) else int(value)


def _hs6_products(measure: Measure, hs6: dict[str, pd.DataFrame], path: Path) -> pd.DataFrame:
    """Products of an HS6 measure: the codes of its steps' columns (absent = 0)."""
    columns = [s.rate_column for s in measure.steps if s.rate_column]
    missing = [c for c in columns if c not in hs6]
    if missing or not columns:
        raise SourceError(
            f"{path}: measure {measure.id}: rate columns {missing or columns} are not "
            f"among the HS6 columns {sorted(hs6)}"
        )
    frame = hs6[columns[0]]
    for column in columns[1:]:
        extra = hs6[column][["code", column]]
        frame = frame.merge(extra, on="code", how="outer")
    return frame.fillna({c: 0.0 for c in columns})


# --- MOF Section 232 list -------------------------------------------------------------


def check_mof_232(raw: Path, piie: pd.DataFrame, report: ValidationReport) -> None:
    """Cross-check the MOF 128-item list with the PIIE 2018-04-02 column at HS8."""
    path = raw / MOF_232_FILE
    try:
        sheet = pd.read_excel(path, header=None, dtype=object)
    except Exception as exc:
        raise SourceError(f"{MOF_232_FILE}: cannot read ({exc})") from None
    header = [_cell_text(c).strip() for c in sheet.iloc[4]] if len(sheet) > 4 else []
    if header[:4] != ["序号", "税则号列", "商品名称", "加征关税税率(%)"]:
        raise SourceError(f"{MOF_232_FILE}: row 5 is {header}, not the expected header")
    mof: dict[str, float] = {}
    for excel_row, values in enumerate(sheet.iloc[5:, :4].itertuples(index=False), start=6):
        _no, code_cell, _name, rate_cell = values
        if all(_blank(c) for c in values):
            continue
        code = _cell_text(code_cell).strip()
        rate = _number(rate_cell)
        if not re.fullmatch(r"\d{8}", code):
            report.reject(MOF_232_FILE, excel_row, code, "not an 8-digit code")
            continue
        if rate not in (15.0, 25.0):
            report.reject(MOF_232_FILE, excel_row, rate_cell, f"{code}: rate is not 15 or 25")
            continue
        if code in mof:
            report.reject(MOF_232_FILE, excel_row, code, "code listed twice")
            continue
        mof[code] = rate
    report.read(MOF_232_FILE, len(sheet) - 5, len(mof))
    report.check("cn_mof232_items", 128, len(mof), len(mof) == 128, "items on the MOF list")

    hs8 = piie["code"].str[:8]
    rated = piie["r232"].fillna(0) != 0
    piie8 = piie[rated].groupby(hs8[rated])["r232"].agg(lambda s: sorted(set(s)))
    partial = hs8[rated].unique()
    for code in partial:
        lines = piie[hs8 == code]
        off = lines[lines["r232"].fillna(0) == 0]
        if len(off):
            report.difference(
                PIIE_FILE,
                code,
                f"PIIE applies the 2018-04-02 rate to {len(lines) - len(off)} "
                f"of {len(lines)} HS10 lines of this HS8 (not {', '.join(off.code)})",
            )
    agree = 0
    for code in sorted(set(mof) | set(piie8.index)):
        if code not in piie8.index:
            report.difference(MOF_232_FILE, code, "on the MOF list, no PIIE 2018-04-02 rate")
        elif code not in mof:
            report.difference(MOF_232_FILE, code, "PIIE 2018-04-02 rate, not on the MOF list")
        elif piie8[code] != [mof[code]]:
            report.difference(
                MOF_232_FILE, code, f"MOF rate {mof[code]:g}%, PIIE rates {piie8[code]}"
            )
        else:
            agree += 1
    n15 = sum(r == 15 for r in mof.values())
    report.check(
        "cn_mof232_vs_piie_20180402",
        len(mof),
        agree,
        agree == len(mof) == len(piie8),
        f"MOF {len(mof)} HS8 ({n15} at 15%, {len(mof) - n15} at 25%); PIIE {len(piie8)} HS8 "
        f"over {int(rated.sum())} HS10 lines; {agree} agree on code and rate",
    )


# --- compile ------------------------------------------------------------------------


def _compile(
    mfile: MeasureFile,
    measure: Measure,
    products: pd.DataFrame,
    source: str,
    report: ValidationReport,
) -> pd.DataFrame:
    columns = [s.rate_column for s in measure.steps if s.rate_column is not None]
    missing = [c for c in columns if c not in products.columns]
    if missing:
        raise SourceError(
            f"measure {measure.id}: rate columns {missing or 'none'} not built by the loader "
            f"(known: {sorted(c for c in products.columns if c.startswith(('mfn_', 'ret_')))})"
        )
    if mfile.authority != "MFN" and columns:
        values = products[columns]
        keep = (values.isna() | (values != 0)).any(axis=1)
        for column in columns:  # a line with its own status (suspended at 0) is kept
            if f"{column}_status" in products:
                keep |= products[f"{column}_status"].notna()
        products = products[keep]
    products = products.copy()
    if mfile.authority == "MFN" and "note_mfn" in products:
        products["note"] = products["note_mfn"]
    conditional = measure.scope.conditional
    if conditional:
        products["condition"] = products["code"].map(conditional)
        for code in sorted(set(conditional) - set(products["code"])):
            report.warn(source, None, code, f"{measure.id}: conditional code not in its products")
    frame = compile_measure(mfile, measure, products, source)
    frame = merge_runs(frame)
    if mfile.authority != "MFN":
        first = ~frame.duplicated(["measure_id", "code"], keep="first")
        idle = first & (frame["rate"] == 0) & (frame["status"] == "in_force")
        frame = frame[~idle]
    frame = frame.copy()
    frame["rate_text"] = [
        _rate_text(rate, mfile.authority, status)
        for rate, status in zip(frame["rate"], frame["status"], strict=True)
    ]
    return frame.reset_index(drop=True)


def merge_runs(layers: pd.DataFrame) -> pd.DataFrame:
    """Merge consecutive steps of a measure on a code that carry the same rate.

    The first row of a run is kept (its status, citation and note) and runs to the end
    of the last. Rows must be entry-governed steps without gaps, as here.
    """
    key = ["measure_id", "code"]
    frame = layers.sort_values([*key, "valid_from"], kind="stable").reset_index(drop=True)
    same_key = (frame[key] == frame[key].shift()).all(axis=1)
    rate, previous = frame["rate"], frame["rate"].shift()
    same_rate = (rate == previous) | (rate.isna() & previous.isna())
    start = ~(same_key & same_rate)
    end = start.shift(-1, fill_value=True)
    kept = frame[start].copy()
    kept["valid_until"] = frame.loc[end, "valid_until"].to_numpy()
    return kept.reset_index(drop=True)


def _rate_text(rate: float | None, authority: str, status: str) -> str:
    if rate is None or pd.isna(rate):
        return "rate not given in source"
    pct = f"{round(float(rate) * 100, _ROUND_DIGITS):g}%"
    if authority == "MFN":
        return pct
    if status == "suspended":
        return f"+{pct} (suspended)"
    if rate < 0:
        return f"{pct} (exclusion: additional duties removed)"
    return f"+{pct}"


def _check_round_counts(layers: pd.DataFrame, report: ValidationReport) -> None:
    """HS10 lines per round against the counts of SOURCES.md (PIIE file)."""
    ret = layers[layers["authority"] == "Retaliation"]
    first = {"r232": "2018-04-02", "r1": "2018-07-06", "r2": "2018-08-23", "r3": "2018-09-24"}
    for rnd, date in first.items():
        rows = ret[
            (ret.measure_id == f"cn.ret.{rnd}") & (ret.valid_from == dt.date.fromisoformat(date))
        ]
        observed = int(rows.loc[rows.rate > 0, "code"].nunique())
        _count_check(report, f"cn_{rnd}_hs10_lines_{date}", PIIE_ROUND_LINES[rnd], observed)
    r3 = ret[ret.measure_id == "cn.ret.r3"]
    raised = int(r3.loc[r3.valid_from == dt.date(2019, 6, 1), "code"].nunique())
    _count_check(report, "cn_r3_hs10_lines_raised_2019-06-01", PIIE_ROUND_LINES["r3_0601"], raised)
    old = ret[ret.code_level >= 10]
    suspended = int(old.loc[old.status == "suspended", "code"].nunique())
    _count_check(report, "cn_auto_suspension_hs10_lines", PIIE_SUSPENDED_LINES, suspended)


def _count_check(report: ValidationReport, name: str, expected: int, observed: int) -> None:
    report.check(name, expected, observed, expected == observed, "HS10 lines (SOURCES.md)")


# --- lines and helpers ----------------------------------------------------------------


def _lines(piie: pd.DataFrame, hs6_long: pd.DataFrame) -> pd.DataFrame:
    """PIIE HS10 lines with descriptions, and the HS6 codes of the HS6 file."""
    hs10 = pd.DataFrame(
        {
            "importer": "CN",
            "code": piie["code"],
            "description": piie["description"],
            "valid_from": LINES_FROM,
            "valid_until": cn_2025.SWITCH,  # the 2025 HS8 lines follow
            "source": PIIE_FILE,
        }
    )
    descriptions = piie.groupby(piie["code"].str[:6])["description"].agg(_common_description)
    codes6 = sorted(hs6_long["hs6"].unique())
    hs6 = pd.DataFrame(
        {
            "importer": "CN",
            "code": codes6,
            "description": [descriptions.get(c) for c in codes6],
            "valid_from": LINES_FROM,
            "valid_until": None,
            "source": HS6_FILE,
        }
    )
    return enforce(pd.concat([hs10, hs6], ignore_index=True), LINE_COLUMNS)


def _common_description(descriptions: pd.Series) -> str | None:
    """The shared leading part of the HS10 descriptions, cut at the last colon."""
    texts = [d for d in descriptions if isinstance(d, str) and d]
    if not texts:
        return None
    prefix = os.path.commonprefix(texts)
    cut = prefix.rfind(":")
    if cut <= 0:
        return None
    return prefix[:cut].strip() or None


def _fraction(pct: pd.Series) -> pd.Series:
    return (pct / 100).round(8)


def _blank(cell: Any) -> bool:
    return (
        cell is None
        or (isinstance(cell, float) and np.isnan(cell))
        or (isinstance(cell, str) and not cell.strip())
    )


def _cell_text(cell: Any) -> str:
    return "" if _blank(cell) else str(cell)


def _number(cell: Any) -> float | None:
    if isinstance(cell, bool):
        return None
    if isinstance(cell, (int, float, np.integer, np.floating)):
        return None if np.isnan(float(cell)) else float(cell)
    try:
        return float(str(cell).strip())
    except ValueError:
        return None
