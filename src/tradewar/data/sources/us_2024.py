"""US rates on goods of China in 2024, and the map from 2018-2020 HTS10 codes to 2024 codes.

Two store tables, for the 2024 engine check and for weighting the 2018-2020 schedule with
2024 trade (``tradewar check-engine``, issue 3):

``us_rates_2024``: one row per HTS10 line of the 2024 HTS (basic edition; HTS8 lines
with no HTS10 beneath keep their 8-digit code), plus the lines that appear in the 2025
rev. 3 file but not in the 2024 basic edition (statistical splits of mid-2024, e.g.
8542.31.00.15-.75, which Census reports for 2024) and the 2023 rev. 10 lines that the
2024 basic edition dropped (``line_source`` says which). Each row carries:

* the MFN column 1 general rate of the 2024 basic edition (the HTS10 row's own text, else
  its HTS8 row's), parsed with ``parse_rate``: kind, ad valorem part, specific parts;
* the Section 301 heading and rate in force on 2024-01-01 and on 2024-12-31. Membership
  of lists 1-4B (9903.88.01-.04, .15, .16) is the USITC 2020 list carried forward by
  code identity (HTS10 entries over HTS8 entries, the rule the 2018-2020 schedule uses);
  a line created since 2020 under an HTS8 of 2020 takes its closest 2020 predecessors'
  membership through ``us_code_map`` (the 2020 list names HTS10 items, and their
  exceptions, within such HTS8); lines whose HTS8 did not exist in 2020 take the Budget
  Lab list (2026 nomenclature, scraped from the Chapter 99 notes), else their
  predecessors' membership. The four-year-review headings 9903.91.01-.03 (Budget Lab
  list) apply from 2024-09-27 and replace the 9903.88 heading (the products were moved
  out of the U.S. note 20 lists into note 31). 9903.88.16 (List 4B) is suspended: 0%;
* the Section 232 heading and rate (steel 25%, aluminium 10%, and the 2020 derivatives),
  scope from ``data/measures/us/section_232.yaml`` expanded against the 2024 lines;
* ``adval_jan``/``adval_dec``: the sum of the ad valorem parts on 2024-01-01 and on
  2024-12-31, and ``adval_2024``, the time-weighted 2024 rate (270 days before the
  2024-09-27 increase, 96 after, of 366), which the engine check uses; ``total_*`` are
  the same sums but NULL when the MFN rate is not purely ad valorem;
* the 301 exclusions in force in 2024 that name the line (U.S. notes 20(ttt), (uuu),
  (vvv), (www)); exclusions cover described products within a line, so they are
  reported, not applied.

Rates come from the 2024 HTS chapter 99 rows (9903.88.xx, 9903.80.01, 9903.85.01) and
the 2025 rev. 3 rows (9903.91.01-.03, added in September 2024), cross-checked with the
Budget Lab rate table; every rate has a Federal Register citation.

``us_code_map``: every HTS10 leaf code of the 2018-2020 revisions (chapters 01-98) to
its 2024 code(s), through the USITC revisions 2020 rev. 10, 2021 rev. 3/10, 2022
rev. 3/10, 2023 rev. 5/10 and 2024 basic (and mid-2024 splits). Between two files a code
that persists maps to itself; a code that disappears maps to the codes that appear in
the next file under the same HTS8 (with the same description if any has it), else under
the same HS6, else to the new codes with the same description under the same heading
(HS4), else to all the new codes under that heading, else it is unmapped. A new code
that no vanished code reaches was carved out of codes that persist: it is linked to
those under the same HTS8 (else HS6). 2024 codes with no 2018-2020 predecessor get a row
with no old code. ``method`` is the least certain step on the path. The Budget Lab concordance
covers only 2025-2026 revisions, so it does not apply (reported as a check).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ...config import authored_dir
from ...engine.expressions import parse_rate
from ...errors import SourceError
from ...model.measures import load_measure_file
from ..report import ValidationReport
from ..yamlload import load_yaml
from . import us_301
from .scopes import expand_scope
from .us_hts import Revision, load_revisions, read_hts_csv

_SJC = "Santiago-Jaramillo-Cilio__Harmonized-Tariff-Schedule-of-the-US/"
HTS_2024 = _SJC + "hts_2024_basic_edition_csv.csv"
_DMK = "DMK041218__3009GroupProject/Data/HistoryTariff/"
HTS_2023_R10 = _DMK + "hts_2023_revision_10_csv.csv"
HTS_2025_R3 = _DMK + "hts_2025_revision_3_csv.csv"
LATER_REVISIONS = (
    (_DMK + "hts_2021_revision_basic_3_csv.csv", "HTS 2021 Revision 3"),
    (_DMK + "hts_2021_revision_basic_10_csv.csv", "HTS 2021 Revision 10"),
    (_DMK + "hts_2022_revision_3_csv.csv", "HTS 2022 Revision 3"),
    (_DMK + "hts_2022_revision_10_csv.csv", "HTS 2022 Revision 10"),
    (_DMK + "hts_2023_revision_5_csv.csv", "HTS 2023 Revision 5"),
    (HTS_2023_R10, "HTS 2023 Revision 10"),
    (HTS_2024, "HTS 2024 Basic Edition"),
)
_BL = "Budget-Lab-Yale__tariff-rate-tracker/"
BL_LISTS = _BL + "resources/s301_product_lists.csv"
BL_PARAMS = _BL + "config/policy_params.yaml"
BL_CONCORDANCE = _BL + "resources/hts_concordance.csv"
CH99_NOTES = _BL + "data/us_notes/chapter99_2026_rev_6.txt"
IMPORTS_2024 = "tradewartracker__trade-war-redux-2025/data/2024-hs10-imports5700.parquet"

YEAR_START = dt.date(2024, 1, 1)
FOUR_YEAR_REVIEW = dt.date(2024, 9, 27)
DAYS_BEFORE = (FOUR_YEAR_REVIEW - YEAR_START).days  # 270
DAYS_2024 = 366
WEIGHT_JAN = DAYS_BEFORE / DAYS_2024

# Section 301 headings in force in 2024: list name, measure id in section_301.yaml
S301_HEADINGS = {
    "9903.88.01": ("1", "us.s301.list1"),
    "9903.88.02": ("2", "us.s301.list2"),
    "9903.88.03": ("3", "us.s301.list3"),
    "9903.88.04": ("3_addl", "us.s301.list3"),
    "9903.88.15": ("4A", "us.s301.list4a"),
    "9903.88.16": ("4B", "us.s301.list4b"),
}
BIDEN_HEADINGS = {"9903.91.01": "biden_25", "9903.91.02": "biden_50", "9903.91.03": "biden_100"}
LIST_NAMES = {**{h: v[0] for h, v in S301_HEADINGS.items()}, **BIDEN_HEADINGS}
BIDEN_CITATION = (
    "89 FR 76581 (September 18, 2024), Notice of Modification, Four-Year Review of the "
    "Section 301 actions; effective for entries on or after 2024-09-27"
)
# exclusion notes to subchapter III of chapter 99 in force for some of 2024
EXCLUSION_NOTES = {
    "ttt": ("9903.88.67", "2021-10-12 to 2024-05-31 (reinstated exclusions)"),
    "uuu": ("9903.88.68", "2023-06-01 to 2024-05-31 (COVID-19 exclusions)"),
    "vvv": ("9903.88.69", "from 2024-06-15 (extended exclusions)"),
    "www": ("9903.88.70", "from 2024-01-01 (solar manufacturing equipment)"),
}
_PCT = re.compile(r"(?:\+|plus)\s*(\d+(?:\.\d+)?)\s*%", re.IGNORECASE)

RATE_COLUMNS = [
    "code", "hts8", "description", "hts8_description", "unit", "line_source", "line_source_row",
    "mfn_text", "mfn_kind", "mfn_adval", "mfn_specific", "mfn_spec_amount",
    "mfn_spec_unit", "mfn_spec_parts", "mfn_source", "mfn_source_row", "mfn_citation",
    "s301_heading_jan", "s301_list_jan", "s301_rate_jan", "s301_heading_dec",
    "s301_list_dec", "s301_rate_dec", "s301_rate_2024", "s301_member_source",
    "s301_usitc2020", "s301_usitc2020_any", "s301_usitc2020_dates",
    "s301_budget_lab", "s301_rate_2024_budget_lab", "s301_citation", "s301_source",
    "s301_source_row",
    "s232_heading", "s232_rate", "s232_measure", "s232_citation", "s232_source",
    "exclusions_named", "adval_jan", "adval_dec", "adval_2024", "total_jan", "total_dec",
    "total_2024", "expressible", "citation",
]  # fmt: skip


def joined_values(keys: pd.Series, values: pd.Series, sep: str = "+") -> pd.Series:
    """The distinct values of each key, sorted and joined (e.g. '9903.88.03+9903.88.16').

    Vectorised over the few distinct values (headings, notes), not over rows.
    """
    if keys.empty:
        return pd.Series(dtype=object)
    wide = pd.crosstab(keys.values, values.values).gt(0)
    out = np.full(len(wide), "", dtype=object)
    for value in sorted(wide.columns):
        has = wide[value].to_numpy()
        out = np.where(has & (out == ""), value, np.where(has, out + sep + value, out))
    return pd.Series(out, index=wide.index)


def _revision(file: str, edition: str) -> Revision:
    return Revision(file, "usitc_hts_csv", edition, YEAR_START, "inferred-date", "-", "-")


def _read(raw: Path, file: str, edition: str, report: ValidationReport) -> pd.DataFrame:
    frame = read_hts_csv(raw, _revision(file, edition), report)
    return frame.assign(source=file, edition=edition)


def load_us_2024(raw: Path, report: ValidationReport) -> dict[str, pd.DataFrame]:
    """The ``us_rates_2024`` and ``us_code_map`` tables (see the module docstring)."""
    authored = authored_dir()
    h24 = _read(raw, HTS_2024, "HTS 2024 Basic Edition", report)
    h25 = _read(raw, HTS_2025_R3, "HTS 2025 Revision 3", report)
    h23 = _read(raw, HTS_2023_R10, "HTS 2023 Revision 10", report)
    lines = _lines_2024(h24, h25, h23)
    old = read_2018_2020(raw, authored)
    code_map = build_code_map(raw, old, h24, lines, report)
    last = old[-1][2]
    hts8_2020 = set(last[last.level == 8].code)
    rates = _mfn(lines, h24)
    heads = pd.concat([h24, h25, h23])
    heads = heads[heads.level == 8].drop_duplicates("code").set_index("code").description
    rates["hts8_description"] = rates.hts8.map(heads)
    units = _units(raw, [HTS_2024, HTS_2025_R3, HTS_2023_R10])
    rates = rates.merge(
        units.rename(columns={"source": "line_source"}), on=["code", "line_source"], how="left"
    )
    ch99 = _ch99_rates(h24, h25, raw, report)
    rates = _section_301(rates, raw, authored, ch99, code_map, hts8_2020, report)
    rates = _section_232(rates, authored, ch99, report)
    rates = _exclusions(rates, raw, report)
    rates = _totals(rates)
    _report_coverage(rates, code_map, raw, report)
    return {"us_rates_2024": rates[RATE_COLUMNS], "us_code_map": code_map}


# ---------------------------------------------------------------------------- lines


def _lines_2024(h24: pd.DataFrame, h25: pd.DataFrame, h23: pd.DataFrame) -> pd.DataFrame:
    """Lines of 2024: the basic edition, mid-2024 additions, codes dropped in 2024.

    HTS10 rows, plus the HTS8 rows of the 2024 edition with no HTS10 row beneath (watch
    and clock subheadings, whose statistical suffixes only Census adds): those keep
    their 8-digit code.
    """
    goods = h24[~h24.code.str.startswith("99")]
    tens = goods[goods.level == 10]
    bare = goods[(goods.level == 8) & ~goods.code.isin(tens.code.str[:8])]
    base = pd.concat([tens, bare], ignore_index=True)
    later = h25[(h25.level == 10) & ~h25.code.str.startswith("99") & ~h25.code.isin(base.code)]
    earlier = h23[(h23.level == 10) & ~h23.code.str.startswith("99")]
    earlier = earlier[~earlier.code.isin(base.code) & ~earlier.code.isin(later.code)]
    frame = pd.concat([base, later, earlier], ignore_index=True)
    return frame.assign(hts8=frame.code.str[:8])


def _units(raw: Path, files: list[str]) -> pd.DataFrame:
    """Unit of quantity per (source, row) of the CSV files (column 4)."""
    frames = []
    for file in files:
        sheet = pd.read_csv(raw / file, dtype=str, encoding="utf-8-sig", keep_default_na=False)
        frames.append(
            pd.DataFrame(
                {
                    "code": sheet["HTS Number"].str.strip().str.replace(".", "", regex=False),
                    "unit": sheet["Unit of Quantity"].str.strip(),
                    "source": file,
                }
            )
        )
    return pd.concat(frames, ignore_index=True).drop_duplicates(["source", "code"])


def _parsed_texts(text: pd.Series) -> pd.DataFrame:
    """Parsed fields of each distinct rate text (one parse per text, not per line)."""
    rows = []
    for t in text.unique():
        p = parse_rate(t)
        first = p.components[0] if p.components else None
        rows.append(
            (t, p.kind, p.ad_valorem,
             "; ".join(f"{c.amount:g} USD/{c.label}" for c in p.components) or None,
             first.amount if first else None, first.label if first else None, len(p.components))
        )  # fmt: skip
    return pd.DataFrame(
        rows,
        columns=["rate_key", "mfn_kind", "mfn_adval", "mfn_specific", "mfn_spec_amount",
                 "mfn_spec_unit", "mfn_spec_parts"],
    ).astype({"mfn_adval": float, "mfn_spec_amount": float})  # fmt: skip


def _mfn(lines: pd.DataFrame, h24: pd.DataFrame) -> pd.DataFrame:
    """The 2024 general rate: the line's own text, else its HTS8 row's (2024 edition first)."""
    own = lines[["code", "hts8", "description", "rate_text", "source", "source_row", "edition"]]
    h8 = h24[(h24.level == 8) & (h24.rate_text != "")][["code", "rate_text", "source_row"]]
    h8 = h8.rename(columns={"code": "hts8", "rate_text": "h8_text", "source_row": "h8_row"})
    frame = own.merge(h8, on="hts8", how="left")
    use_own = frame.rate_text != ""
    use_h8 = ~use_own & frame.h8_text.notna()
    # a line absent from the 2024 edition whose HTS8 row is there takes the 2024 HTS8 rate
    later_line = frame.source != HTS_2024
    use_h8 = use_h8 | (later_line & frame.h8_text.notna())
    use_own = use_own & ~use_h8
    text = frame.rate_text.where(use_own, frame.h8_text.where(use_h8, ""))
    src = frame.source.where(use_own, HTS_2024).where(use_own | use_h8, None)
    row = frame.source_row.where(use_own, frame.h8_row.where(use_h8, pd.NA))
    edition = frame.edition.where(use_own, "HTS 2024 Basic Edition")
    parsed = _parsed_texts(text)
    out = pd.DataFrame(
        {
            "code": frame.code,
            "hts8": frame.hts8,
            "description": frame.description,
            "line_source": frame.source,
            "line_source_row": frame.source_row,
            "mfn_text": text.where(text != "", None),
            "rate_key": text,
            "mfn_source": src,
            "mfn_source_row": pd.array(row, dtype="Int64"),
            "mfn_citation": "HTSUS column 1 general rate, USITC " + edition,
        }
    )
    out = out.merge(parsed, on="rate_key", how="left").drop(columns="rate_key")
    return out.drop_duplicates("code").reset_index(drop=True)


# --------------------------------------------------------------------- chapter 99


def _ch99_rates(
    h24: pd.DataFrame, h25: pd.DataFrame, raw: Path, report: ValidationReport
) -> pd.DataFrame:
    """Additional rates of the chapter 99 headings used here, from the HTS rows."""
    wanted = [*S301_HEADINGS, "9903.80.01", "9903.80.03", "9903.85.01", "9903.85.03"]
    rows = []
    for heading in [*wanted, *BIDEN_HEADINGS]:
        digits = heading.replace(".", "")
        table = h24 if heading not in BIDEN_HEADINGS else h25
        hit = table[table.code == digits]
        if hit.empty:
            raise SourceError(f"{table.source.iloc[0]}: no row for heading {heading}")
        text = hit.rate_text.iloc[0]
        found = _PCT.search(text)
        rate = float(found.group(1)) / 100 if found else None
        suspended = "suspended" in hit.description.iloc[0].lower()
        rows.append(
            (heading, rate, 0.0 if suspended else rate, suspended, text, hit.source.iloc[0],
             int(hit.source_row.iloc[0]), hit.edition.iloc[0])
        )  # fmt: skip
    ch99 = pd.DataFrame(
        rows,
        columns=["heading", "text_rate", "rate", "suspended", "text", "source", "row", "edition"],
    )
    _check_budget_lab_rates(ch99, raw, report)
    return ch99.set_index("heading")


def _check_budget_lab_rates(ch99: pd.DataFrame, raw: Path, report: ValidationReport) -> None:
    params = load_yaml(raw / BL_PARAMS)
    table = {str(r["ch99_pattern"]): float(r["s301_rate"]) for r in params["section_301_rates"]}
    s301 = ch99[ch99.heading.isin([*S301_HEADINGS, *BIDEN_HEADINGS])]
    same = s301[s301.heading.map(table) == s301.rate]
    report.check(
        "us2024_s301_rates_vs_budget_lab",
        len(s301),
        len(same),
        len(same) == len(s301) - int(s301.suspended.sum()),
        "Section 301 rates from the 2024 HTS (9903.88) and 2025 rev. 3 (9903.91) rows agree "
        "with Budget Lab policy_params.yaml except where the HTS marks the heading suspended",
    )
    for heading, rate in s301[s301.heading.map(table) != s301.rate][["heading", "rate"]].values:
        report.difference(
            BL_PARAMS,
            f"{heading}: {table.get(heading)} vs {rate}",
            "Budget Lab rate differs from the HTS; the HTS compiler's note says the provision "
            "is suspended (84 FR 69447), so 0 is used",
        )


def _citations(authored: Path) -> dict[str, str]:
    """The Federal Register citation of each 9903.88 heading's 2024 rate (its last step)."""
    mfile = load_measure_file(authored / "measures" / "us" / "section_301.yaml")
    last = {m.id: m.steps[-1].citation for m in mfile.measures}
    return {h: last[mid] for h, (_name, mid) in S301_HEADINGS.items()}


# --------------------------------------------------------------------- Section 301


def _budget_lab(raw: Path, report: ValidationReport) -> pd.DataFrame:
    lists = pd.read_csv(raw / BL_LISTS, dtype=str)
    lists["source_row"] = range(2, len(lists) + 2)
    bad = ~lists.hts8.str.fullmatch(r"\d{8}", na=False)
    for row, value in lists.loc[bad, ["source_row", "hts8"]].itertuples(False):
        report.reject(BL_LISTS, row, value, "not an 8-digit code")
    report.read(BL_LISTS, len(lists), int((~bad).sum()))
    return lists[~bad]


def _membership(members: pd.DataFrame, key: str) -> pd.DataFrame:
    """One heading per key: the highest 2024 rate among several (4B last)."""
    ordered = members.sort_values([key, "rate", "heading"], ascending=[True, False, True])
    joined = joined_values(ordered[key], ordered.heading).rename("all_headings")
    first = ordered.drop_duplicates(key).set_index(key)
    return first.join(joined).reset_index()


def _section_301(
    rates: pd.DataFrame,
    raw: Path,
    authored: Path,
    ch99: pd.DataFrame,
    code_map: pd.DataFrame,
    hts8_2020: set[str],
    report: ValidationReport,
) -> pd.DataFrame:
    cite = _citations(authored)
    rate_of = ch99.rate.to_dict()
    usitc = us_301.load_usitc_list(raw, ValidationReport())  # read and checked by the build
    usitc = usitc.assign(rate=usitc.heading.map(rate_of))
    bl = _budget_lab(raw, report)
    bl88 = bl[bl.ch99_code.isin(S301_HEADINGS)].rename(columns={"ch99_code": "heading"})
    bl88 = bl88.assign(rate=bl88.heading.map(rate_of))
    biden = bl[bl.ch99_code.isin(BIDEN_HEADINGS)].rename(columns={"ch99_code": "heading"})
    biden = biden.assign(rate=biden.heading.map(rate_of))

    u10 = _membership(usitc[usitc.code.str.len() == 10], "code")
    u8 = _membership(usitc[usitc.code.str.len() == 8].rename(columns={"code": "hts8"}), "hts8")
    b8 = _membership(bl88, "hts8")
    bd = _membership(biden, "hts8")
    pick = ["heading", "rate", "source_row", "all_headings"]
    frame = rates.merge(u10[["code", *pick]].add_prefix("u10_"), how="left",
                        left_on="code", right_on="u10_code")  # fmt: skip
    frame = frame.merge(u8[["hts8", *pick]].add_prefix("u8_"), how="left",
                        left_on="hts8", right_on="u8_hts8")  # fmt: skip
    frame = frame.merge(b8[["hts8", *pick]].add_prefix("b_"), how="left",
                        left_on="hts8", right_on="b_hts8")  # fmt: skip
    frame = frame.merge(bd[["hts8", *pick]].add_prefix("d_"), how="left",
                        left_on="hts8", right_on="d_hts8")  # fmt: skip

    # predecessors' 2020 membership through the code map (the closest predecessors only),
    # for lines whose HTS8 is new since 2020 and that the Budget Lab list does not name
    old = code_map.dropna(subset=["old_code", "new_code"])[["old_code", "new_code", "method"]]
    old = old.assign(hts8=old.old_code.str[:8], rank=old.method.map(METHOD_RANK))
    old = old[old["rank"] == old.groupby("new_code")["rank"].transform("min")]
    via10 = old.merge(u10[["code", "heading"]], left_on="old_code", right_on="code", how="left")
    via8 = old.merge(u8[["hts8", "heading"]], on="hts8", how="left")
    via = via10.heading.combine_first(via8.heading).fillna("none")
    via = pd.DataFrame({"new_code": old.new_code.values, "heading": via.values})
    via = via.drop_duplicates().sort_values(["new_code", "heading"])
    frame["m_heading"] = frame.code.map(joined_values(via.new_code, via.heading))

    in_2020 = frame.hts8.isin(hts8_2020)
    codes_2020 = set(code_map.old_code.dropna())
    u_head = frame.u10_heading.combine_first(frame.u8_heading)
    u_row = frame.u10_source_row.combine_first(frame.u8_source_row)
    m_single = frame.m_heading.notna() & ~frame.m_heading.fillna("").str.contains("+", regex=False)
    source = pd.Series(
        np.select(
            [
                frame.u10_heading.notna(),
                frame.u8_heading.notna(),
                in_2020 & (frame.code.isin(codes_2020) | frame.m_heading.isna()),
                in_2020 & m_single,
                in_2020 & frame.m_heading.notna(),
                frame.b_heading.notna(),
                m_single,
                frame.m_heading.notna(),
            ],
            [
                "usitc_2020_hts10",
                "usitc_2020_hts8",
                "not_on_usitc_2020_list",
                "usitc_2020_via_code_map",
                "ambiguous_via_code_map",
                "budget_lab_2026_hts8",
                "usitc_2020_via_code_map",
                "ambiguous_via_code_map",
            ],
            "no_source",
        ),
        index=frame.index,
    )
    from_usitc = source.isin(["usitc_2020_hts10", "usitc_2020_hts8"])
    heading = u_head.where(from_usitc)
    heading = heading.combine_first(frame.b_heading.where(source == "budget_lab_2026_hts8"))
    heading = heading.combine_first(
        frame.m_heading.where((source == "usitc_2020_via_code_map") & (frame.m_heading != "none"))
    )
    src_file = source.map(
        {
            "usitc_2020_hts10": us_301.USITC_LIST,
            "usitc_2020_hts8": us_301.USITC_LIST,
            "budget_lab_2026_hts8": BL_LISTS,
            "usitc_2020_via_code_map": us_301.USITC_LIST + " (via us_code_map)",
        }
    )
    src_row = u_row.where(from_usitc, frame.b_source_row.where(source == "budget_lab_2026_hts8"))
    rate_jan = heading.map(rate_of).fillna(0.0)
    heading_dec = frame.d_heading.combine_first(heading)
    rate_dec = heading_dec.map(rate_of).fillna(0.0)
    hts_ref = (
        "rate per USITC " + ch99.edition + " heading " + ch99.index + " (" + ch99.source
        + " line " + ch99.row.astype(str) + "): " + ch99.text
    ).to_dict()  # fmt: skip
    citation = heading.map(cite) + "; " + heading.map(hts_ref)
    with_biden = frame.d_heading.notna()
    citation = citation.where(
        ~with_biden, citation.fillna("none") + " until 2024-09-26; from 2024-09-27 "
        + frame.d_heading.fillna("") + ": " + BIDEN_CITATION + "; "
        + frame.d_heading.map(hts_ref).fillna("")
    )  # fmt: skip
    src_file = src_file.where(~with_biden, src_file.fillna("") + "; " + BL_LISTS)
    frame = frame.assign(
        s301_heading_jan=heading,
        s301_list_jan=heading.map(LIST_NAMES),
        s301_rate_jan=rate_jan,
        s301_heading_dec=heading_dec,
        s301_list_dec=heading_dec.map(LIST_NAMES),
        s301_rate_dec=rate_dec,
        s301_rate_2024=WEIGHT_JAN * rate_jan + (1 - WEIGHT_JAN) * rate_dec,
        s301_member_source=source,
        s301_usitc2020=frame.u10_all_headings.combine_first(frame.u8_all_headings).combine_first(
            ("via code map: " + frame.m_heading).where(frame.m_heading.notna())
        ),
        s301_budget_lab=frame.b_all_headings,
        s301_rate_2024_budget_lab=WEIGHT_JAN * frame.b_rate.fillna(0.0)
        + (1 - WEIGHT_JAN) * frame.d_rate.combine_first(frame.b_rate).fillna(0.0),
        s301_citation=citation,
        s301_source=src_file,
        s301_source_row=pd.array(src_row, dtype="Int64"),
    )
    frame = frame.join(_any_match(frame, usitc))
    _compare_301_methods(frame, rate_of, report)
    return frame[rates.columns.tolist() + [c for c in frame.columns if c.startswith("s301_")]]


def excel_date_like(code: pd.Series) -> pd.Series:
    """HTS8 codes that read as a valid date YYYY.MM.DD from 1900 on.

    These are the codes the Adobe conversion of the USITC list stored as Excel dates
    (the build checks there are 375); SOURCES.md's per-list values left them out.
    """
    eight = code.str.fullmatch(r"\d{8}")
    digits = code.where(eight, "00000000")
    year = digits.str[:4].astype(int)
    month = digits.str[4:6].astype(int)
    day = digits.str[6:8].astype(int)
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    days = month.map({1: 31, 2: 28, 3: 31, 4: 30, 5: 31, 6: 30, 7: 31, 8: 31, 9: 30,
                      10: 31, 11: 30, 12: 31}).fillna(0) + ((month == 2) & leap)  # fmt: skip
    return eight & (year >= 1900) & (day >= 1) & (day <= days)


def _any_match(frame: pd.DataFrame, usitc: pd.DataFrame) -> pd.DataFrame:
    """Every 2020 list heading matching a line at HTS10 or HTS8 (no override), as text.

    ``s301_usitc2020_any`` lists them; ``s301_usitc2020_dates`` lists those matched only
    through codes stored as Excel dates (to reproduce SOURCES.md's figures).
    """
    entries = usitc.assign(is_date=excel_date_like(usitc.code))
    by10 = frame[["code"]].merge(entries[["code", "heading", "is_date"]], on="code")
    by8 = frame[["code", "hts8"]].merge(
        entries.rename(columns={"code": "hts8"})[["hts8", "heading", "is_date"]], on="hts8"
    )
    hits = pd.concat([by10, by8[["code", "heading", "is_date"]]], ignore_index=True)
    # a heading counts as matched through Excel-date codes only when every entry is one
    hits = hits.groupby(["code", "heading"], as_index=False).is_date.all()
    out = pd.DataFrame(index=frame.index)
    out["s301_usitc2020_any"] = frame.code.map(joined_values(hits.code, hits.heading))
    dates = hits[hits.is_date]
    out["s301_usitc2020_dates"] = frame.code.map(joined_values(dates.code, dates.heading))
    return out


def read_codes(raw: Path, file: str, edition: str) -> pd.DataFrame:
    """HTS8/HTS10 codes and descriptions of a revision CSV (for the code map only).

    A light read (two columns): rows without a well-formed HTS number are skipped.
    """
    try:
        sheet = pd.read_csv(
            raw / file,
            dtype=str,
            encoding="utf-8-sig",
            usecols=["HTS Number", "Description"],
            keep_default_na=False,
        )
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise SourceError(f"{file}: cannot read ({exc})") from None
    number = sheet["HTS Number"].str.strip()
    ok = number.str.fullmatch(r"\d{4}\.\d{2}\.\d{2}(?:\.\d{2})?")
    digits = number[ok].str.replace(".", "", regex=False)
    return pd.DataFrame(
        {
            "code": digits,
            "level": digits.str.len(),
            "description": sheet.Description[ok].str.strip(),
            "edition": edition,
            "source": file,
        }
    ).drop_duplicates("code")


def read_2018_2020(raw: Path, authored: Path) -> list[tuple[str, str, pd.DataFrame]]:
    """The 2018-2020 HTS revision CSVs of ``hts_revisions.yaml`` (file, edition, rows).

    The build reads and checks them already (``us_hts``); here only codes are needed.
    """
    revs = load_revisions(authored / "hts_revisions.yaml")
    return [
        (r.file, r.edition, read_codes(raw, r.file, r.edition))
        for r in revs
        if r.format == "usitc_hts_csv" and r.effective_from < dt.date(2021, 1, 1)
    ]


def _compare_301_methods(frame: pd.DataFrame, rate_of: dict, report: ValidationReport) -> None:
    """Lines where the USITC 2020 list and the Budget Lab list give different 2024 rates."""
    usitc = frame.u10_heading.combine_first(frame.u8_heading).map(rate_of).fillna(0.0)
    bl = frame.b_heading.map(rate_of).fillna(0.0)
    both = frame.u10_heading.combine_first(frame.u8_heading).notna() | frame.b_heading.notna()
    differ = both & ((usitc - bl).abs() > 1e-9)
    report.check(
        "us2024_s301_usitc2020_vs_budget_lab",
        "same 2024-01-01 rate",
        f"{int(differ.sum())} of {int(both.sum())} lines differ",
        True,
        "USITC 2020 list by code identity vs Budget Lab 2026 list at HTS8 (9903.88 lists "
        "only); differences come from HTS10-level entries, renumbered codes and the products "
        "moved to 9903.91 in 2024 (values: check-engine membership_alternative)",
    )


# --------------------------------------------------------------------- Section 232


def _section_232(
    rates: pd.DataFrame, authored: Path, ch99: pd.DataFrame, report: ValidationReport
) -> pd.DataFrame:
    path = authored / "measures" / "us" / "section_232.yaml"
    mfile = load_measure_file(path)
    source = f"data/{path.relative_to(authored)}"
    lines = pd.DataFrame({"code": pd.concat([rates.code, rates.hts8]).unique()})
    scratch = ValidationReport()
    frames = []
    for measure in mfile.measures:
        # the step in force in mid-2024 (later steps are the 2025-2026 increases)
        step = [s for s in measure.steps if s.valid_from <= dt.date(2024, 7, 1)][-1]
        products = expand_scope(measure.scope, lines, source, scratch)
        frames.append(
            products.assign(
                heading=step.heading or measure.heading,
                rate=step.rate,
                measure=measure.id,
                citation=step.citation,
            )
        )
    for issue in scratch.issues:
        report.warn(source, None, issue.value, f"{issue.reason} (2024 HTS lines)")
    scope = pd.concat(frames, ignore_index=True)
    hts_rate = ch99.rate.to_dict()
    for heading, rate in scope[["heading", "rate"]].drop_duplicates().values:
        report.check(
            f"us2024_s232_{heading}_rate",
            rate,
            hts_rate.get(heading),
            hts_rate.get(heading) is None or abs(hts_rate[heading] - rate) < 1e-9,
            "rate in section_232.yaml vs the 2024 HTS chapter 99 row",
        )
    # a line matches its most specific scope entry (HTS10 derivative over an HTS8 entry)
    prefixes = pd.concat(
        [pd.DataFrame({"code": rates.code, "n": n, "prefix": rates.code.str[:n]})
         for n in (4, 6, 8, 10)],
        ignore_index=True,
    )  # fmt: skip
    hit = prefixes.merge(scope, left_on="prefix", right_on="code", suffixes=("", "_scope"))
    hit = hit.sort_values(["code", "n"], ascending=[True, False]).drop_duplicates("code")
    hit = hit.set_index("code")
    return rates.assign(
        s232_heading=rates.code.map(hit.heading),
        s232_rate=rates.code.map(hit.rate).fillna(0.0),
        s232_measure=rates.code.map(hit.measure),
        s232_citation=rates.code.map(hit.citation),
        s232_source=rates.code.map(hit.source),
    )


# --------------------------------------------------------------------- exclusions


def exclusion_codes(raw: Path) -> pd.DataFrame:
    """Codes named in the 301 exclusion notes in force in 2024.

    Returns (note, heading, code, source_row): each 8- or 10-digit number printed in
    U.S. notes 20(ttt), (uuu), (vvv) and (www), with its line in the text file. A note
    runs to the next one; the last ends at the next numbered note ("(21) (a)").
    """
    try:
        text = (raw / CH99_NOTES).read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise SourceError(f"{CH99_NOTES}: cannot read ({exc})") from None
    lines = pd.Series(text.split("\n"))  # physical lines, as grep -n counts them
    starts = {}
    for note in EXCLUSION_NOTES:  # four notes
        hit = lines.str.startswith(f"({note})")
        if not hit.any():
            raise SourceError(f"{CH99_NOTES}: U.S. note 20({note}) not found")
        starts[note] = int(hit.idxmax())
    last = max(starts.values())
    after = lines.index[(lines.index > last) & lines.str.match(r"^(?:\(\d+\)|\d+\.)\s+\(a\)")]
    bounds = sorted([*starts.values(), int(after[0]) if len(after) else len(lines)])
    section = pd.Series(pd.NA, index=lines.index, dtype=object)
    for note, start in starts.items():
        section.iloc[start : bounds[bounds.index(start) + 1]] = note
    inside = lines[section.notna()]
    found = inside.str.extractall(r"\b(?P<code>\d{4}\.\d{2}\.\d{2}(?:\d{2})?)\b")
    found = found.reset_index(level=0).rename(columns={"level_0": "line"})
    frame = pd.DataFrame(
        {
            "note": found.line.map(section).values,
            "code": found.code.str.replace(".", "", regex=False).values,
            "source_row": (found.line + 1).values,
        }
    )
    frame["heading"] = frame.note.map({k: v[0] for k, v in EXCLUSION_NOTES.items()})
    frame = frame[~frame.code.str.startswith("99")]
    return frame.drop_duplicates(["note", "code"]).reset_index(drop=True)


def _exclusions(rates: pd.DataFrame, raw: Path, report: ValidationReport) -> pd.DataFrame:
    codes = exclusion_codes(raw)
    report.read(CH99_NOTES, len(codes), len(codes))
    labels = codes.assign(label="20(" + codes.note + ")")
    per10 = labels[labels.code.str.len() == 10][["code", "label"]]
    per8 = labels[labels.code.str.len() == 8][["code", "label"]].rename(columns={"code": "hts8"})
    hits = pd.concat(
        [rates[["code"]].merge(per10, on="code"),
         rates[["code", "hts8"]].merge(per8, on="hts8")[["code", "label"]]],
        ignore_index=True,
    ).drop_duplicates().sort_values(["code", "label"])  # fmt: skip
    named = rates.code.map(joined_values(hits.code, hits.label, ","))
    return rates.assign(exclusions_named=named)


# --------------------------------------------------------------------- totals


def _totals(rates: pd.DataFrame) -> pd.DataFrame:
    mfn = rates.mfn_adval
    expressible = rates.mfn_kind.isin(["free", "ad_valorem"])
    out = rates.assign(
        adval_jan=(mfn.fillna(0) + rates.s301_rate_jan + rates.s232_rate).round(9),
        adval_dec=(mfn.fillna(0) + rates.s301_rate_dec + rates.s232_rate).round(9),
        adval_2024=(mfn.fillna(0) + rates.s301_rate_2024 + rates.s232_rate).round(9),
        expressible=expressible,
    )
    for when in ("jan", "dec", "2024"):
        out[f"total_{when}"] = out[f"adval_{when}"].where(expressible)
    s301 = ("Section 301 " + out.s301_heading_jan.fillna("") + ": " + out.s301_citation).fillna("")
    s232 = ("Section 232 " + out.s232_heading.fillna("") + ": " + out.s232_citation).fillna("")
    out["citation"] = (
        out.mfn_citation
        + s301.where(s301 == "", " | " + s301)
        + s232.where(s232 == "", " | " + s232)
    )
    return out


# --------------------------------------------------------------------- code map

_TIERS = (
    ("same_hts8_description", 8, True),
    ("same_hts8", 8, False),
    ("same_hs6_description", 6, True),
    ("same_hs6", 6, False),
    ("same_hs4_description", 4, True),
    ("same_hs4", 4, False),
)
_CARVED = (("carved_out_same_hts8", 8), ("carved_out_same_hs6", 6))
METHOD_RANK = {
    "identity": 0,
    "curated": 1,
    **{name: i + 2 for i, (name, _n, _d) in enumerate(_TIERS)},
    **{name: len(_TIERS) + i + 2 for i, (name, _n) in enumerate(_CARVED)},
}
OVERRIDES_FILE = "concordance/hts_overrides.yaml"


def curated_links(authored: Path) -> pd.DataFrame:
    """Authored correspondences (code_a, code_b) that take precedence over the heuristics."""
    from ..yamlload import load_yaml

    entries = load_yaml(authored / OVERRIDES_FILE) or []
    rows = [(e["from"], to) for e in entries for to in e["to"]]
    return pd.DataFrame(rows, columns=["code_a", "code_b"])


def _norm(text: pd.Series) -> pd.Series:
    """Descriptions compared without case, markup and punctuation (once per distinct text)."""
    distinct = pd.Series(text.fillna("").unique())
    clean = (
        distinct.str.lower()
        .str.replace(r"<[^>]*>", "", regex=True)
        .str.replace(r"[^a-z0-9]+", " ", regex=True)
        .str.strip()
    )
    return text.fillna("").map(dict(zip(distinct, clean, strict=True)))


def _snapshot(frame: pd.DataFrame) -> pd.DataFrame:
    ten = frame[(frame.level == 10) & ~frame.code.str.startswith("99")]
    out = ten[["code", "description"]].assign(desc=_norm(ten.description))
    for n in (4, 6, 8):
        out[f"k{n}"] = out.code.str[:n]
    return out


def _step(a: pd.DataFrame, b: pd.DataFrame, curated: pd.DataFrame | None = None) -> pd.DataFrame:
    """Map every code of snapshot ``a`` to codes of ``b`` (code_a, code_b, method).

    ``curated`` links (authored, cited) apply first to codes that vanish between ``a``
    and ``b`` when all their targets exist in ``b``; the heuristics handle the rest.
    """
    keep = a[a.code.isin(b.code)]
    same = pd.DataFrame({"code_a": keep.code, "code_b": keep.code, "method": "identity"})
    gone = a[~a.code.isin(b.code)]
    new = b[~b.code.isin(a.code)]
    found = []
    if curated is not None and len(curated):
        links = curated[curated.code_a.isin(gone.code) & curated.code_b.isin(b.code)]
        found.append(links.assign(method="curated", rank=-1))
        gone = gone[~gone.code.isin(links.code_a)]
    for rank, (name, n, with_desc) in enumerate(_TIERS):
        left = gone.assign(key=gone[f"k{n}"])
        right = new.assign(key=new[f"k{n}"])
        on = ["key", "desc"] if with_desc else ["key"]
        pairs = left.merge(right, on=on, suffixes=("_a", "_b"))
        if name == "same_hs4_description":
            pairs = pairs[pairs.desc != "other"] if "desc" in pairs else pairs
        found.append(pairs[["code_a", "code_b"]].assign(method=name, rank=rank))
    cand = pd.concat(found, ignore_index=True)
    cand = cand[cand["rank"] == cand.groupby("code_a")["rank"].transform("min")]
    # carve-outs: a new code that no vanished code reaches was split off a code that stays
    orphans = new[~new.code.isin(cand.code_b)]
    carved = []
    for rank, (name, n) in enumerate(_CARVED):
        pairs = keep[["code", f"k{n}"]].merge(
            orphans[["code", f"k{n}"]], on=f"k{n}", suffixes=("_a", "_b")
        )
        carved.append(pairs[["code_a", "code_b"]].assign(method=name, rank=rank))
    carved = pd.concat(carved, ignore_index=True)
    carved = carved[carved["rank"] == carved.groupby("code_b")["rank"].transform("min")]
    return pd.concat([same, cand, carved], ignore_index=True).drop(columns="rank")


def build_code_map(
    raw: Path,
    old_revisions: list[tuple[str, str, pd.DataFrame]],
    h24: pd.DataFrame,
    lines: pd.DataFrame,
    report: ValidationReport,
) -> pd.DataFrame:
    """The 2018-2020 to 2024 HTS10 map (see the module docstring)."""
    curated = curated_links(authored_dir())
    snaps: list[tuple[str, str, pd.DataFrame]] = [
        (file, edition, _snapshot(rows)) for file, edition, rows in old_revisions
    ]
    first_later = len(snaps)
    for file, edition in LATER_REVISIONS[:-1]:
        rows = read_codes(raw, file, edition)
        report.read(file, len(rows), len(rows))
        snaps.append((file, edition, _snapshot(rows)))
    snaps.append((HTS_2024, "HTS 2024 Basic Edition", _snapshot(h24)))
    # last step: 2024 basic -> 2024 lines incl. mid-2024 splits (a 2024 code stays itself)
    final = lines[(lines.code.str.len() == 10) & (lines.source != HTS_2023_R10)]
    final_snap = _snapshot(final.assign(level=10))

    old = pd.concat(
        [s.assign(step=i, edition=e) for i, (_f, e, s) in enumerate(snaps[:first_later])],
        ignore_index=True,
    )
    first = old.groupby("code").agg(first_step=("step", "min"), last_step=("step", "max"))
    desc = old.sort_values("step").drop_duplicates("code", keep="last").set_index("code")
    frontier = pd.DataFrame(
        {"old_code": first.index, "cur": first.index, "start": first.last_step.values,
         "rank": 0, "changed_in": None}
    )  # fmt: skip
    lost = []
    for i in range(len(snaps) - 1):
        step = _step(snaps[i][2], snaps[i + 1][2], curated)
        active = frontier[frontier.start <= i]
        waiting = frontier[frontier.start > i]
        moved = active.merge(step, left_on="cur", right_on="code_a", how="left")
        nowhere = moved.code_b.isna()
        lost.append(moved[nowhere].assign(changed_in=snaps[i + 1][1], lost=True))
        moved = moved[~nowhere]
        changed = moved.method != "identity"
        moved["changed_in"] = moved.changed_in.where(
            moved.changed_in.notna() | ~changed, snaps[i + 1][1]
        )
        moved["rank"] = np.maximum(moved["rank"], moved.method.map(METHOD_RANK))
        moved = moved.assign(cur=moved.code_b)[frontier.columns]
        frontier = pd.concat([waiting, moved], ignore_index=True).drop_duplicates(
            ["old_code", "cur"]
        )
    # mid-2024 splits: a 2024 basic code absent from the 2025 rev. 3 file also maps to the
    # codes that appear there under the same HTS8 (Census reports both for 2024)
    extra = final_snap[~final_snap.code.isin(snaps[-1][2].code)]
    split = _step(snaps[-1][2], pd.concat([snaps[-1][2], extra]))
    split = split[split.method != "identity"]
    later = frontier.merge(split, left_on="cur", right_on="code_a")
    later = later.assign(
        cur=later.code_b,
        rank=np.maximum(later["rank"], later.method.map(METHOD_RANK)),
        changed_in=later.changed_in.fillna("2024 statistical revision (2025 rev. 3 file)"),
    )[frontier.columns]
    frontier = pd.concat([frontier, later], ignore_index=True)
    names = {v: k for k, v in METHOD_RANK.items()}
    editions = {i: e for i, (_f, e, _s) in enumerate(snaps)}
    mapped = frontier.assign(method=frontier["rank"].map(names), new_code=frontier.cur)
    unmapped = pd.concat(lost, ignore_index=True)
    unmapped = unmapped[~unmapped.old_code.isin(mapped.old_code)].drop_duplicates("old_code")
    unmapped = unmapped.assign(method="unmapped", new_code=None)
    out = pd.concat([mapped, unmapped], ignore_index=True)
    out = out.assign(
        old_description=out.old_code.map(desc.description),
        old_first_edition=out.old_code.map(first.first_step).map(editions),
        old_last_edition=out.old_code.map(first.last_step).map(editions),
    )
    targets = final_snap.set_index("code").description
    out["new_description"] = out.new_code.map(targets)
    # 2024 codes with no 2018-2020 predecessor
    orphans = final_snap[~final_snap.code.isin(out.new_code)]
    out = pd.concat(
        [out, pd.DataFrame({"new_code": orphans.code, "new_description": orphans.description,
                            "method": "no_2018_2020_predecessor"})],
        ignore_index=True,
    )  # fmt: skip
    out["n_targets"] = out.groupby("old_code").new_code.transform("count")
    out["n_sources"] = out.groupby("new_code").old_code.transform("count")
    out["new_in_2024_basic"] = out.new_code.isin(snaps[-1][2].code)
    out["source"] = "USITC HTS revision CSVs 2018 rev. 8.1 to 2024 basic (and 2025 rev. 3)"
    out = out.sort_values(["old_code", "new_code"], na_position="last").reset_index(drop=True)
    _check_concordance(raw, report)
    return out[
        ["old_code", "old_description", "old_first_edition", "old_last_edition", "new_code",
         "new_description", "new_in_2024_basic", "method", "changed_in", "n_targets",
         "n_sources", "source"]
    ]  # fmt: skip


def _check_concordance(raw: Path, report: ValidationReport) -> None:
    conc = pd.read_csv(raw / BL_CONCORDANCE, dtype=str)
    report.read(BL_CONCORDANCE, len(conc), 0)
    revisions = sorted(set(conc.revision_from) | set(conc.revision_to))
    report.check(
        "us2024_budget_lab_concordance_applicable_rows",
        0,
        0,
        True,
        f"{len(conc)} rows, revisions {', '.join(revisions)}: changes of 2025-2026, after the "
        "2024 target nomenclature, so none is used for the 2018-2020 to 2024 map",
    )


# --------------------------------------------------------------------- report


def _report_coverage(
    rates: pd.DataFrame, code_map: pd.DataFrame, raw: Path, report: ValidationReport
) -> None:
    """Matched and unmatched 2024 import value (the Census HS10 file) in the report."""
    path = raw / IMPORTS_2024
    if not path.exists():
        report.warn(IMPORTS_2024, None, "missing", "2024 imports not found: coverage not checked")
        return
    imports = pd.read_parquet(path, columns=["I_COMMODITY", "CON_VAL_YR"])
    value = pd.to_numeric(imports.CON_VAL_YR, errors="coerce").fillna(0)
    total = value.sum()
    rated = imports.I_COMMODITY.isin(rates.code)
    report.check(
        "us2024_import_value_with_rate_line",
        "most of $429.4bn",
        f"${value[rated].sum() / 1e9:.1f}bn of ${total / 1e9:.1f}bn",
        value[rated].sum() >= 0.95 * total,
        "2024 imports from China whose HTS10 is a line of us_rates_2024 (others: Census-only "
        "statistical codes, e.g. watch parts, and 9999.95 low-value estimates)",
    )
    linked = code_map.dropna(subset=["old_code", "new_code"]).new_code
    matched = imports.I_COMMODITY.isin(linked)
    report.check(
        "us2024_import_value_mapped_to_2018_2020_codes",
        "most of $429.4bn",
        f"${value[matched].sum() / 1e9:.1f}bn of ${total / 1e9:.1f}bn",
        value[matched].sum() >= 0.9 * total,
        "2024 import value on HTS10 codes that have a 2018-2020 predecessor in us_code_map",
    )
