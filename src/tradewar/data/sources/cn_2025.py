"""China's schedule from 2020-01-01 on the HS8 lines of its 2025 tariff schedule.

No China tariff schedule of 2020-2024 is in the sources, so the HS8 lines of the 2025
schedule that the 2025 sources name stand in for every date from ``SWITCH`` (2020-01-01);
the PIIE HS10 lines of 2018 end there. Sources:

* Commerce ITA "Retaliation Product Matrix" of 2025-03-28 (China rows): China's total
  additional duty on US goods per HS8 line on that date, every line with a duty > 0;
* the 2025-03-10 lists (Tariff Commission 2025 No. 2), 711 HS8 lines at 10% and 29 at
  15%, extracted from the official annex PDFs.

Lines (``U``): the ITA lines, the Mar-2025 lines, and the 2018 HS8 codes (first 8 digits
of the PIIE HS10 lines) of every HS6 that no 2025 source names (carried by identity).

Links (table ``cn_code_links``): each 2025 line takes the 2018 HS10 lines with the same
first 8 digits (``identity``), else those with the same HS6 (``hs6``), the rule of the US
code map (same HTS8, else same HS6); else it is ``unlinked``. A rate carried over a link
is the one rate of every linked line; when the linked lines differ the value is
``ambiguous`` (reported, never picked).

Rate columns built here (fractions; NaN = unknown, never 0):

* ``mfn_hs8_2025``: the 2019-01-01 MFN level carried forward (precision
  ``mfn-carried-forward``);
* ``ret_{r232,r1,r2,r3}_hs8_2025``: each 2018 round's 2019 level (auto suspension
  applied) carried over the link, on lines whose four rounds are all unambiguous;
* ``ret_feb_2025``: the 2025-02-10 round (rates by the headings of the measure file) on
  the lines under those headings whose ITA total holds it (reconstructed);
* ``ret_mar_2025``: the Mar-2025 lists (exact);
* ``ret_r4_hs8_full`` / ``ret_r4_hs8_half``: the Sep-2019 round before and after the
  2020-02-14 halving, reconstructed as the ITA total less the layers known exactly;
* ``ret_net_hs8_full`` / ``ret_net_hs8_half``: on ITA lines whose 2018 rounds cannot be
  carried (ambiguous or unlinked links), the ITA total less the 2025 rounds, as one
  layer of the 2018-2019 rounds together (unknown before the halving).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from ...errors import SourceError
from ..report import ValidationReport

SWITCH = dt.date(2020, 1, 1)
ITA_FILE = (
    "jnbamzaiwokhlu__retaliatory-tariff/data/county_exposure/tariff_by_industry/raw/"
    "underlying_trade_retaliations.csv"
)
MAR_FILES = {
    0.10: "tradewartracker__trade-war-redux-2025/tariff-lists/"
    "china-10-030425.pdf.DERIVED_extracted.csv",
    0.15: "tradewartracker__trade-war-redux-2025/tariff-lists/"
    "china-15-030425.pdf.DERIVED_extracted.csv",
}
MAR_COUNTS = {0.10: 711, 0.15: 29}
ITA_CHINA_ROWS = 7048
ITA_DATE = dt.date(2025, 3, 28)
SOURCE_HS8 = "cn_hs8_2025"  # scope.source: every 2025 line
SOURCE_FEB = "cn_feb_2025"  # scope.source: the Feb-2025 headings (scope.codes)
ROUNDS_2018 = {  # 2018 round -> its 2019 level column of the PIIE HS10 products
    "r232": "ret_r232_20180402",
    "r1": "ret_r1_20190101",
    "r2": "ret_r2_20190101",
    "r3": "ret_r3_20190601",
}
# rounds China suspended on US autos and parts from 2019-01-01 -> their first level column
SUSPENDED_ROUNDS = {"r1": "ret_r1_20180706", "r2": "ret_r2_20180823", "r3": "ret_r3_20180924"}
R4_HALF = (0.0, 0.025, 0.05)  # Sep-2019 round after the halving (5% -> 2.5%, 10% -> 5%)
# ITA shows a further 25% on some chapter-87 lines whose 2018 rounds China suspended
# (autos and parts, 税委会公告〔2018〕10号, continued by 〔2019〕7号): reported, not applied.
ITA_AUTO_EXTRA = 0.25
TOL = 1e-6


def read_ita(raw: Path, report: ValidationReport) -> pd.DataFrame:
    """ITA China rows: hs8, ita (fraction), description, source_row."""
    path = raw / ITA_FILE
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except Exception as exc:
        raise SourceError(f"{ITA_FILE}: cannot read ({exc})") from None
    frame.columns = [c.strip() for c in frame.columns]
    need = ["Foreign National Tariff Line", "Country", "Foreign Tariff Line Description",
            "Current Total Estimated Retaliatory Tariff"]  # fmt: skip
    if missing := [c for c in need if c not in frame.columns]:
        raise SourceError(f"{ITA_FILE}: missing columns {missing}")
    rows = []
    seen: set[str] = set()
    china = frame[frame["Country"] == "China"]
    for index, r in china.iterrows():
        row = int(index) + 2
        code = r["Foreign National Tariff Line"].strip()
        text = r["Current Total Estimated Retaliatory Tariff"].strip().rstrip("%")
        try:
            pct = float(text)
        except ValueError:
            report.reject(ITA_FILE, row, text, f"{code}: tariff is not a percentage")
            continue
        if not (len(code) == 8 and code.isdigit()):
            report.reject(ITA_FILE, row, code, "not an 8-digit China tariff line")
            continue
        if code in seen:
            report.reject(ITA_FILE, row, code, "line repeats")
            continue
        if not 0 <= pct <= 200:
            report.reject(ITA_FILE, row, pct, f"{code}: outside 0..200%")
            continue
        seen.add(code)
        desc = r["Foreign Tariff Line Description"].strip() or None
        rows.append((code, round(pct / 100, 8), desc, row))
    out = pd.DataFrame(rows, columns=["hs8", "ita", "description", "source_row"])
    report.read(ITA_FILE, len(china), len(out))
    report.check("cn_ita_china_lines", ITA_CHINA_ROWS, len(out), len(out) == ITA_CHINA_ROWS,
                 "China rows of the ITA matrix (2025-03-28) kept")  # fmt: skip
    return out


def read_mar(raw: Path, report: ValidationReport) -> pd.DataFrame:
    """The 2025-03-10 lists: hs8, rate (fraction), name_zh, source, source_row."""
    frames = []
    for rate, file in MAR_FILES.items():
        try:
            frame = pd.read_csv(raw / file, dtype=str, keep_default_na=False)
        except Exception as exc:
            raise SourceError(f"{file}: cannot read ({exc})") from None
        if list(frame.columns) != ["line_no", "hs8", "name_zh", "additional_rate_pct"]:
            raise SourceError(f"{file}: columns {list(frame.columns)} are not the expected")
        kept = []
        for index, r in frame.iterrows():
            row = int(index) + 2
            code = r["hs8"].strip()
            if not (len(code) == 8 and code.isdigit()):
                report.reject(file, row, code, "not an 8-digit China tariff line")
                continue
            if abs(float(r["additional_rate_pct"]) / 100 - rate) > TOL:
                report.reject(file, row, r["additional_rate_pct"], f"{code}: rate is not {rate}")
                continue
            kept.append((code, rate, r["name_zh"].strip() or None, file, row))
        out = pd.DataFrame(kept, columns=["hs8", "rate", "name_zh", "source", "source_row"])
        report.read(file, len(frame), len(out))
        frames.append(out)
    mar = pd.concat([f for f in frames if len(f)] or frames[:1], ignore_index=True)
    dup = mar[mar.hs8.duplicated(keep=False)]
    for r in dup.itertuples():
        report.reject(r.source, r.source_row, r.hs8, "line on both Mar-2025 lists or twice")
    mar = mar.drop_duplicates("hs8", keep=False)
    counts = mar.groupby("rate").size().to_dict()
    report.check("cn_mar2025_lines", "711 at 10%, 29 at 15%",
                 f"{counts.get(0.10, 0)} at 10%, {counts.get(0.15, 0)} at 15%",
                 all(counts.get(r, 0) == n for r, n in MAR_COUNTS.items()),
                 "lines of the 2025-03-10 lists (official count 740)")  # fmt: skip
    return mar


def universe(ita: pd.DataFrame, mar: pd.DataFrame, hs10: pd.DataFrame) -> pd.DataFrame:
    """The 2025 HS8 lines: code, description, source (where the line is named)."""
    named = pd.concat(
        [
            ita[["hs8", "description"]].assign(source=ITA_FILE),
            mar[["hs8", "name_zh", "source"]].rename(columns={"name_zh": "description"}),
        ],
        ignore_index=True,
    ).drop_duplicates("hs8", keep="first")
    hs6_named = set(named.hs8.str[:6])
    old8 = pd.Series(sorted(set(hs10.code.str[:8])))
    carried = old8[~old8.str[:6].isin(hs6_named)]
    carried_frame = pd.DataFrame(
        {"hs8": carried, "description": None, "source": "2018 HS8 carried (no 2025 source)"}
    )
    out = pd.concat([named, carried_frame], ignore_index=True)
    return out.rename(columns={"hs8": "code"}).sort_values("code").reset_index(drop=True)


def links(codes: pd.Series, hs10: pd.DataFrame) -> pd.DataFrame:
    """For each 2025 code: method (identity / hs6 / unlinked) and the linked HS10 codes."""
    old = hs10[["code"]].assign(hs8=hs10.code.str[:8], hs6=hs10.code.str[:6])
    new = pd.DataFrame({"new_code": codes})
    ident = new.merge(old, left_on="new_code", right_on="hs8")[["new_code", "code"]]
    rest = new[~new.new_code.isin(ident.new_code)]
    by6 = rest.assign(hs6=rest.new_code.str[:6]).merge(old, on="hs6")[["new_code", "code"]]
    none = new[~new.new_code.isin(ident.new_code) & ~new.new_code.isin(by6.new_code)]
    out = pd.concat(
        [
            ident.assign(method="identity"),
            by6.assign(method="hs6"),
            none.assign(code=None, method="unlinked"),
        ],
        ignore_index=True,
    )
    return out.rename(columns={"code": "old_code"}).sort_values(["new_code", "old_code"])


def carried(link: pd.DataFrame, hs10: pd.DataFrame, column: str) -> pd.DataFrame:
    """Per new code: the one value of ``column`` over its linked lines, else NaN.

    Columns: value, ambiguous (linked lines differ), lo, hi (their range).
    """
    joined = link.dropna(subset=["old_code"]).merge(
        hs10[["code", column]], left_on="old_code", right_on="code"
    )
    values = joined[column]
    grouped = joined.assign(v=values.fillna(-1.0)).groupby("new_code")["v"]
    lo, hi = grouped.min(), grouped.max()
    out = pd.DataFrame({"lo": lo, "hi": hi})
    out["ambiguous"] = (out.hi - out.lo).abs() > TOL
    out["value"] = np.where(out.ambiguous | (out.lo < 0), np.nan, out.lo)
    out.loc[out.lo < 0, ["lo"]] = np.nan
    return out


def build_hs8(
    hs10: pd.DataFrame,
    hs6_r4: pd.DataFrame,
    feb_headings: dict[str, float],
    ita: pd.DataFrame,
    mar: pd.DataFrame,
    report: ValidationReport,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Products of the 2025 lines (code, rate columns, notes), the links, the lines.

    ``feb_headings`` maps each heading prefix of the Feb-2025 round to its rate.
    ``hs6_r4`` is the HS6 file's Sep-2019 round (code, ``ret_r4_20190901``).
    """
    lines = universe(ita, mar, hs10)
    link = links(lines.code, hs10)
    method = link.groupby("new_code")["method"].first()
    n_linked = link.dropna(subset=["old_code"]).groupby("new_code").size()
    prod = pd.DataFrame({"code": lines.code})
    prod["link"] = prod.code.map(method)
    prod["n_linked"] = prod.code.map(n_linked).fillna(0).astype(int)
    prod = prod.merge(ita[["hs8", "ita", "source_row"]], left_on="code", right_on="hs8",
                      how="left").drop(columns="hs8")  # fmt: skip
    prod["ret_mar_2025"] = prod.code.map(mar.set_index("hs8")["rate"]).fillna(0.0)

    # MFN carried forward
    mfn = carried(link, hs10, "mfn_20190101")
    prod["mfn_hs8_2025"] = prod.code.map(mfn["value"])
    prod["note_mfn"] = [
        _mfn_note(code, how, n, mfn)
        for code, how, n in zip(prod.code, prod.link, prod.n_linked, strict=True)
    ]

    # 2018 rounds carried
    rounds = {rnd: carried(link, hs10, col) for rnd, col in ROUNDS_2018.items()}
    known = pd.Series(True, index=prod.index)
    for rnd, frame in rounds.items():
        prod[f"c_{rnd}"] = prod.code.map(frame["value"])
        known &= prod[f"c_{rnd}"].notna()
    prod["old_known"] = known & (prod.link != "unlinked")
    # the auto-and-parts suspension carried too: a round that started above 0 on the
    # linked lines and stood at 0 in 2019 is suspended there, not absent
    for rnd, first in SUSPENDED_ROUNDS.items():
        started = prod.code.map(carried(link, hs10, first)["value"])
        suspended = prod.old_known & (started > 0) & (prod[f"c_{rnd}"] == 0)
        prod[f"ret_{rnd}_hs8_2025_status"] = np.where(suspended, "suspended", None)
    old = sum(prod[f"c_{rnd}"].fillna(0) for rnd in rounds)
    mar_rate = prod.ret_mar_2025

    # Feb-2025 round: under a named heading and the ITA total holds it
    feb_rate = pd.Series(np.nan, index=prod.index)
    for prefix, rate in sorted(feb_headings.items(), key=lambda kv: len(kv[0])):
        feb_rate[prod.code.str.startswith(prefix)] = rate
    rest = prod.ita - mar_rate - np.where(prod.old_known, old, 0.0)
    held = rest - feb_rate
    in_feb = (
        feb_rate.notna()
        & prod.ita.notna()
        & np.where(prod.old_known, _explained(held, prod.code), held >= -TOL)
    )
    prod["ret_feb_2025"] = np.where(in_feb, feb_rate, np.nan)
    feb = prod.ret_feb_2025.fillna(0)

    # Sep-2019 round (lines whose 2018 rounds are known) and the net layer (the others)
    r4 = (prod.ita - mar_rate - old - feb).round(6)
    auto = (
        prod.old_known & prod.code.str.startswith("87") & ~_in(r4, R4_HALF)
        & _in(r4 - ITA_AUTO_EXTRA, R4_HALF)
    )  # fmt: skip
    r4 = r4.where(~auto, (r4 - ITA_AUTO_EXTRA).round(6))
    prod["ita_auto_extra"] = auto
    on_ita = prod.ita.notna() & prod.old_known
    good = on_ita & _in(r4, R4_HALF)
    prod["r4_residual"] = r4.where(on_ita)
    half = r4.where(good)
    # lines outside the ITA matrix: the HS6 file says whether the round touched the HS6
    r4_6 = prod.code.str[:6].map(hs6_r4.set_index("code")["ret_r4_20190901"]).fillna(0.0)
    outside = prod.ita.isna() & prod.old_known
    half = half.where(~(outside & (r4_6.abs() < TOL)), 0.0)
    # lines whose 2018 rounds are not known take the net layer instead (absent = 0)
    prod["ret_r4_hs8_half"] = half.where(prod.old_known, 0.0)
    prod["ret_r4_hs8_full"] = (2 * half).where(prod.old_known, 0.0)
    for rnd in rounds:
        prod[f"ret_{rnd}_hs8_2025"] = prod[f"c_{rnd}"].where(prod.old_known, 0.0)
    net = (prod.ita - mar_rate - feb).round(6)
    needs_net = ~prod.old_known
    prod["ret_net_hs8_half"] = np.where(needs_net, net.where(net >= -TOL), 0.0)
    prod["ret_net_hs8_full"] = np.where(needs_net, np.nan, 0.0)
    prod["note"] = [_note(r) for r in prod.itertuples()]
    _report(prod, rounds, report)
    lines_out = lines.assign(
        importer="CN", code_level=lines.code.str.len(), valid_from=SWITCH, valid_until=None
    )
    link_out = link.assign(
        method=link.method,
        ambiguous_mfn=link.new_code.map(mfn["ambiguous"]).astype("boolean").fillna(False),
    )
    return prod, link_out, lines_out


def _in(values: pd.Series, allowed: tuple[float, ...]) -> pd.Series:
    return values.apply(lambda v: pd.notna(v) and any(abs(v - a) < TOL for a in allowed))


def _explained(held: pd.Series, codes: pd.Series) -> pd.Series:
    """ITA remainder after the Feb rate is a Sep-2019 rate (or that plus the auto 25%)."""
    plain = _in(held, R4_HALF)
    auto = codes.str.startswith("87") & _in(held - ITA_AUTO_EXTRA, R4_HALF)
    return plain | auto


def _mfn_note(code: str, how: str, n: int, mfn: pd.DataFrame) -> str:
    base = "China's MFN after 2019 is not in the sources: the 2019-01-01 level carried forward"
    if how == "unlinked":
        return f"{base}; no 2018 line links to {code}: MFN unknown"
    linked = f"{n} 2018 HS10 line(s) linked by {how}"
    if code in mfn.index and mfn.at[code, "ambiguous"]:
        lo, hi = mfn.at[code, "lo"], mfn.at[code, "hi"]
        return f"{base}; {linked} differ ({lo * 100:g}% to {hi * 100:g}%): MFN unknown (ambiguous)"
    return f"{base}; {linked}"


def _note(r: object) -> str:
    parts = [f"2025 line; link to 2018 lines: {r.link} ({r.n_linked} HS10 lines)"]
    if not r.old_known:
        parts.append("the 2018 rounds cannot be carried (linked lines differ, or none)")
    if pd.notna(r.ita):
        parts.append(f"ITA 2025-03-28 total {r.ita * 100:g}%")
    if r.ita_auto_extra:
        parts.append("ITA counts a further 25% that China suspended on autos (not applied)")
    if pd.notna(r.r4_residual) and pd.isna(r.ret_r4_hs8_half):
        parts.append(
            f"ITA less the known layers is {r.r4_residual * 100:g}%, not a Sep-2019 rate: "
            "that round is unknown on this line"
        )
    return "; ".join(parts)


def _report(prod: pd.DataFrame, rounds: dict[str, pd.DataFrame], report: ValidationReport) -> None:
    counts = prod.link.value_counts().to_dict()
    on_ita = prod.ita.notna()
    unlinked_ita = int((on_ita & (prod.link == "unlinked")).sum())
    ambiguous = int((~prod.old_known & (prod.link != "unlinked")).sum())
    report.check(
        "cn_links_2025_to_2018", len(prod), int(counts.get("identity", 0)),
        True,
        f"2025 HS8 lines: {counts.get('identity', 0)} identity, {counts.get('hs6', 0)} by "
        f"HS6, {counts.get('unlinked', 0)} unlinked ({unlinked_ita} of them on the ITA "
        f"matrix); {ambiguous} "
        "linked lines whose 2018 rounds differ across the linked HS10 lines (ambiguous: "
        "carried as one reconstructed 2018-2019 layer from the ITA total)",
    )  # fmt: skip
    for r in prod[(prod.link != "unlinked") & ~prod.old_known].head(100).itertuples():
        amb = [rnd for rnd, f in rounds.items() if r.code in f.index and f.at[r.code, "ambiguous"]]
        report.difference(
            "cn_code_links", r.code, f"2018 lines linked by {r.link} differ in {', '.join(amb)}"
        )
    bad = prod[prod.r4_residual.notna() & prod.ret_r4_hs8_half.isna()]
    for r in bad.itertuples():
        report.difference(
            ITA_FILE, r.code,
            f"ITA {r.ita * 100:g}% less the known layers = {r.r4_residual * 100:g}%: not a "
            "Sep-2019 rate (0/2.5/5% after the halving); that round is unknown here",
        )  # fmt: skip
    report.check(
        "cn_r4_reconstructed_lines", int((prod.old_known & on_ita).sum()),
        int((prod.old_known & on_ita).sum() - len(bad)), len(bad) == 0,
        f"ITA lines with known 2018 rounds whose residual is a Sep-2019 rate; {len(bad)} "
        f"are not (unknown there); {int(prod.ita_auto_extra.sum())} chapter-87 lines "
        "where ITA also counts the suspended 25% on autos",
    )  # fmt: skip
