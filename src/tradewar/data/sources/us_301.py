"""Section 301 product lists: the USITC "China Tariffs" list, cross-checked.

The USITC list (HTS 2020 Basic) maps each covered HTS8 (or HTS10) subheading to its
chapter 99 heading. The owner converted the PDF with Adobe, and 375 codes were stored
as Excel dates (1901.10.05 became 1901-10-05); they are repaired here. Repeated page
headers are skipped. The USTR annex extraction (mitsuoxv) and the HTS revisions are
used as cross-checks, and every difference is reported.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd

from ...errors import SourceError
from ..report import ValidationReport

USITC_LIST = "mwaugh0328__tradewar-tracker/data/China-Tariffs.xlsx"
USTR_ANNEX = "mitsuoxv__us-tariffs-on-china/data/tariff_list_rdata_converted.csv"
ANNEX_OBJECTS = {
    "df_list_34b": "9903.88.01",
    "df_list_16b": "9903.88.02",
    "df_list_200b": "9903.88.03",
    "df_list_300b_a": "9903.88.15",
    "df_list_300b_c": "9903.88.16",
}
_CODE = re.compile(r"^\d{4}\.\d{2}\.\d{2}(\.?\d{2})?$")
_HEADING = re.compile(r"^9903\.88\.\d{2}$")
_HEADER_ROWS = ("Harmonized Tariff Schedule", "In several cases")


def load_usitc_list(raw: Path, report: ValidationReport) -> pd.DataFrame:
    """Rows (code, heading, source_row, source) of the USITC China Tariffs list."""
    path = raw / USITC_LIST
    try:
        sheet = pd.read_excel(path, header=None, dtype=object)
    except Exception as exc:
        raise SourceError(f"{USITC_LIST}: cannot read ({exc})") from None
    rows = []
    repaired = 0
    for index, (cell, heading) in enumerate(sheet.iloc[:, :2].itertuples(index=False), 1):
        if index <= 7 or (isinstance(cell, str) and cell.startswith(_HEADER_ROWS)):
            continue
        if isinstance(cell, dt.datetime):
            text = cell.strftime("%Y.%m.%d")
            repaired += 1
        else:
            text = str(cell).strip() if cell is not None else ""
        head = str(heading).strip() if heading is not None else ""
        if not text and not head:
            continue
        if not _CODE.match(text):
            report.reject(USITC_LIST, index, text, "not an HTS8/HTS10 code")
            continue
        if not _HEADING.match(head):
            report.reject(USITC_LIST, index, head, f"code {text}: not a 9903.88 heading")
            continue
        rows.append((text.replace(".", ""), head, index))
    frame = pd.DataFrame(rows, columns=["code", "heading", "source_row"])
    frame["source"] = USITC_LIST
    dupes = frame[frame.duplicated("code", keep=False)]
    for code, group in dupes.groupby("code"):
        report.reject(USITC_LIST, int(group.source_row.iloc[1]), code, "code listed twice")
    frame = frame.drop_duplicates("code")
    report.read(USITC_LIST, len(sheet) - 7, len(frame))
    report.check(
        "usitc_excel_date_codes_repaired",
        375,
        repaired,
        repaired == 375,
        "codes stored as Excel dates and turned back into HTS8 (SOURCES.md)",
    )
    return frame.reset_index(drop=True)


def load_ustr_annex(raw: Path, report: ValidationReport) -> pd.DataFrame:
    """HTS8 codes regex-extracted from the USTR Federal Register annexes (mitsuoxv)."""
    path = raw / USTR_ANNEX
    try:
        frame = pd.read_csv(path, dtype=str)
    except Exception as exc:
        raise SourceError(f"{USTR_ANNEX}: cannot read ({exc})") from None
    frame["source_row"] = range(2, len(frame) + 2)
    frame["hs8"] = frame["hs8"].str.strip()
    bad = ~frame["hs8"].str.fullmatch(r"\d{8}", na=False)
    for row in frame[bad].itertuples():
        report.reject(USTR_ANNEX, row.source_row, row.hs8, "not an 8-digit code")
    frame = frame[~bad]
    header = frame["hs8"].str.startswith(("9903", "9802"))
    frame = frame[~header]
    frame["heading"] = frame["list_object"].map(ANNEX_OBJECTS)
    unknown = frame["heading"].isna()
    for row in frame[unknown].itertuples():
        report.reject(USTR_ANNEX, row.source_row, row.list_object, "unknown list object")
    frame = frame[~unknown].drop_duplicates(["hs8", "heading"])
    report.read(USTR_ANNEX, len(bad), len(frame))
    return frame.rename(columns={"hs8": "code"})[["code", "heading", "source_row"]]


def annex_only(usitc: pd.DataFrame, annex: pd.DataFrame, headings: list[str]) -> pd.DataFrame:
    """Codes the USTR annex lists under ``headings`` that the USITC list lacks entirely.

    The USITC list is in the 2020 nomenclature; the annexes are in the nomenclature of
    their date. A code of the annex that the 2020 list does not mention at all (such as
    2009.89.60, split in 2019) was covered under its own number until it disappeared,
    so it is kept as a member with the annex as its source. Codes the USITC list puts
    under another heading are conflicts: they are reported by ``cross_check``, not added.
    """
    known = set(usitc.code.str[:8])
    extra = annex[annex.heading.isin(headings) & ~annex.code.isin(known)].copy()
    extra["source"] = USTR_ANNEX
    return extra


def cross_check(
    usitc: pd.DataFrame,
    annex: pd.DataFrame,
    lines: pd.DataFrame,
    starts: dict[str, dt.date],
    report: ValidationReport,
) -> pd.DataFrame:
    """Compare the USITC list with the USTR annex and with the HTS lines in force.

    ``starts`` maps each heading to its first effective date. Returns a frame of
    differences (code, heading, kind, detail) that the build stores.
    """
    diffs: list[tuple[str, str, str, str]] = []
    usitc8 = usitc[usitc.code.str.len() == 8]
    for heading, annex_codes in annex.groupby("heading").code:
        listed = set(usitc8[usitc8.heading == heading].code)
        if heading == "9903.88.03":
            listed |= {c[:8] for c in usitc[usitc.heading == "9903.88.04"].code}
        extracted = set(annex_codes)
        for code in sorted(extracted - listed):
            other = usitc.loc[usitc.code.str[:8] == code, "heading"].unique()
            detail = f"in USTR annex, not in USITC list under {heading}"
            if len(other):
                detail += f" (USITC lists it under {', '.join(other)})"
            diffs.append((code, heading, "annex_only", detail))
        for code in sorted(listed - extracted):
            diffs.append((code, heading, "usitc_only", "in USITC list, not in USTR annex"))
        report.check(
            f"s301_{heading}_usitc_vs_ustr_annex",
            len(extracted),
            len(listed & extracted),
            listed == extracted,
            f"USITC {len(listed)} codes, USTR annex {len(extracted)}, common "
            f"{len(listed & extracted)}",
        )
    diffs += _check_against_hts(usitc, lines, starts, report)
    for code, heading, kind, detail in diffs:
        report.difference(USITC_LIST, f"{code} ({heading})", f"{kind}: {detail}")
    return pd.DataFrame(diffs, columns=["code", "heading", "kind", "detail"])


def _check_against_hts(
    usitc: pd.DataFrame,
    lines: pd.DataFrame,
    starts: dict[str, dt.date],
    report: ValidationReport,
) -> list[tuple[str, str, str, str]]:
    """Codes of each list that did not exist in the HTS when the list took effect."""
    out = []
    us = lines[lines.importer == "US"]
    for heading, codes in usitc.groupby("heading").code:
        start = starts.get(heading)
        if start is None:
            continue
        live = us[(us.valid_from <= start) & (us.valid_until.isna() | (us.valid_until > start))]
        known = set(live.code)
        missing = sorted(set(codes) - known)
        for code in missing:
            later = us[us.code == code].valid_from
            when = f"first in HTS {min(later)}" if len(later) else "in no HTS revision loaded"
            out.append(
                (code, heading, "not_in_hts_at_start", f"not an HTS line on {start}; {when}")
            )
        report.check(
            f"s301_{heading}_codes_in_hts_at_start",
            len(set(codes)),
            len(set(codes)) - len(missing),
            not missing,
            f"{len(missing)} codes of the 2020 list were not HTS lines on {start} "
            "(renumbered later)",
        )
    return out
