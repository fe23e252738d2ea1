"""The map from 2018-2020 HTS10 codes to the 2024 codes Census reports, and the 2024 notes.

One store table, for carrying 2024 trade back to the 2018-2020 schedule (``series`` at
2024 weights) and for the 2024 engine check (``tradewar check-engine``, which rates every
line through the panel; no rate is computed here):

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

The 2024 Section 301 exclusion notes are read by :mod:`.us_notes` (measures 9903.88.67-.70).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from ...config import authored_dir
from ...errors import SourceError
from ..report import ValidationReport
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
BL_CONCORDANCE = _BL + "resources/hts_concordance.csv"
_AS = "arifshehab__tariff-rate-tracker/resources/"
CLAIM_SHARES = _AS + "s301_exclusion_claim_shares.csv"
CLAIM_SHARES_BY_HEADING = _AS + "s301_exclusion_claim_shares_by_heading.csv"
IMPORTS_2024 = "tradewartracker__trade-war-redux-2025/data/2024-hs10-imports5700.parquet"

YEAR_START = dt.date(2024, 1, 1)
MAP_FROM_UNTIL = dt.date(2021, 1, 1)  # the map starts from the revisions in force before


def _revision(file: str, edition: str) -> Revision:
    return Revision(file, "usitc_hts_csv", edition, YEAR_START, "inferred-date", "-", "-")


def _read(raw: Path, file: str, edition: str, report: ValidationReport) -> pd.DataFrame:
    frame = read_hts_csv(raw, _revision(file, edition), report)
    return frame.assign(source=file, edition=edition)


def load_us_2024(raw: Path, report: ValidationReport) -> dict[str, pd.DataFrame]:
    """The ``us_code_map`` table (see the module docstring)."""
    h24 = _read(raw, HTS_2024, "HTS 2024 Basic Edition", report)
    h25 = _read(raw, HTS_2025_R3, "HTS 2025 Revision 3", report)
    h23 = _read(raw, HTS_2023_R10, "HTS 2023 Revision 10", report)
    lines = _lines_2024(h24, h25, h23)
    old = read_2018_2020(raw, authored_dir())
    code_map = build_code_map(raw, old, h24, lines, report)
    _report_coverage(code_map, raw, report)
    return {"us_code_map": code_map}


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
        if r.format == "usitc_hts_csv" and r.effective_from < MAP_FROM_UNTIL
    ]


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


def _report_coverage(code_map: pd.DataFrame, raw: Path, report: ValidationReport) -> None:
    """2024 import value (the Census HS10 file) mapped to 2018-2020 codes, in the report."""
    path = raw / IMPORTS_2024
    if not path.exists():
        report.warn(IMPORTS_2024, None, "missing", "2024 imports not found: coverage not checked")
        return
    imports = pd.read_parquet(path, columns=["I_COMMODITY", "CON_VAL_YR"])
    value = pd.to_numeric(imports.CON_VAL_YR, errors="coerce").fillna(0)
    total = value.sum()
    linked = code_map.dropna(subset=["old_code", "new_code"]).new_code
    matched = imports.I_COMMODITY.isin(linked)
    report.check(
        "us2024_import_value_mapped_to_2018_2020_codes",
        "most of $429.4bn",
        f"${value[matched].sum() / 1e9:.1f}bn of ${total / 1e9:.1f}bn",
        value[matched].sum() >= 0.9 * total,
        "2024 import value on HTS10 codes that have a 2018-2020 predecessor in us_code_map",
    )
