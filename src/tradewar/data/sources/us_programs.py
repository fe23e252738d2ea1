"""Product scopes of the 2024-2026 US programs, and measures that replace others.

Three scope sources besides the 2020 USITC list (``us_301``) and hand-written ranges:

* ``us_all_products``: every HTS heading (4 digits) of chapters 01-97 that the US
  lines hold; a measure on all goods of the origin (IEEPA, Section 122);
* ``csv``: a raw CSV list (``file``, ``code_column``, per-product ``from_column`` /
  ``until_column`` dates, NA = open, and ``where`` row filters);
* ``hts_footnotes``: the lines whose footnotes in one official HTS JSON revision
  name one of the measure's ``headings`` ("See 9903.91.03.");
* ``us_note``: the products a U.S. note to chapter 99 enumerates (the Section 301
  exclusion notes 20(ttt), (uuu), ...; :mod:`.us_notes`);
* ``us_note_list``: the HTS numbers a U.S. note lists between two lines (the Section
  232 annexes of note 16(c), the wood products of note 37, the vehicles of note 38).

A ``floor`` step (the 15% of the 2026 metals Annex III) gets its rate per line from the
MFN layers (:func:`floor_rates`).

A measure with ``replaces`` takes the place of another measure of its override
group on its products and dates (:func:`supersede`): the four-year-review headings
replace the list heading; an ``exemption`` (rate 0, e.g. Annex II of the reciprocal
tariff) does so only where the replaced measure applies.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import re
from pathlib import Path

import pandas as pd

from ...errors import SourceError
from ...model.measures import Measure
from ..report import ValidationReport
from .us_hts import load_revisions, read_hts_json
from .us_notes import CH99_NOTES, note_items, note_list

OPEN = dt.date.max
# the note of a base row copied onto a line that another measure replaces at other dates
CARRIED = "carried onto this line outside the dates another measure replaces it"


def all_products(us_lines: pd.DataFrame) -> pd.DataFrame:
    """Every 4-digit heading of chapters 01-97 in the US lines."""
    codes = us_lines.loc[us_lines.importer == "US", "code"].str[:4].drop_duplicates()
    codes = codes[(codes < "98") & codes.str.fullmatch(r"\d{4}")].sort_values()
    return pd.DataFrame({"code": codes.to_numpy()})


def csv_products(raw: Path, measure: Measure, report: ValidationReport) -> pd.DataFrame:
    """Products of a CSV list: code (digits), product window, source row."""
    scope = measure.scope
    if not scope.file or not scope.code_column:
        raise SourceError(f"{measure.id}: a csv scope needs file and code_column")
    try:
        # a .txt list is one code a line, no header: its column takes ``code_column``
        plain = scope.file.endswith(".txt")
        frame = pd.read_csv(
            raw / scope.file, dtype=str, comment="#", keep_default_na=False,
            header=None if plain else "infer", names=[scope.code_column] if plain else None,
        )  # fmt: skip
    except (OSError, ValueError) as exc:
        raise SourceError(f"{scope.file}: cannot read ({exc})") from None
    frame["source_row"] = frame.index + (1 if plain else 2)
    for column, value in scope.where.items():
        if column not in frame.columns:
            raise SourceError(f"{scope.file}: no column {column!r} (scope of {measure.id})")
        frame = frame[frame[column] == value]
    if scope.code_column not in frame.columns:
        raise SourceError(f"{scope.file}: no column {scope.code_column!r}")
    codes = frame[scope.code_column].str.replace(".", "", regex=False).str.strip()
    bad = ~codes.str.fullmatch(r"\d{4}(\d{2}){0,3}")
    for row, value in zip(frame.source_row[bad], codes[bad], strict=True):
        report.reject(scope.file, int(row), value, f"not an HTS code ({measure.id} scope)")
    out = pd.DataFrame({"code": codes[~bad], "source_row": frame.source_row[~bad]})
    out["product_from"] = _dates(frame, scope.from_column, ~bad, scope.file, report)
    out["product_until"] = _dates(frame, scope.until_column, ~bad, scope.file, report)
    out["source"] = scope.file
    out = out.drop_duplicates(["code", "product_from", "product_until"])
    out = _earliest_listing(out, measure.id, report)
    report.read(scope.file, len(frame), len(out))
    return out.reset_index(drop=True)


def _earliest_listing(out: pd.DataFrame, measure_id: str, report: ValidationReport) -> pd.DataFrame:
    """One row per code and end: a code listed again with a later start (an undated row
    and an inclusion of the same code) is in scope from its earliest start, as one
    layer, never two overlapping ones. Each later listing is reported as a warning."""
    start = out.product_from.map(lambda d: dt.date.min if d is None else d)
    until = out.product_until.map(lambda d: OPEN if d is None else d)
    order = out.assign(_start=start, _until=until).sort_values(["code", "_until", "_start"])
    again = order.duplicated(["code", "_until"])
    first = order[~again].set_index(["code", "_until"]).source_row
    for _, r in order[again].iterrows():
        when = r.product_from or "undated"
        report.warn(
            r.source, int(r.source_row), r.code,
            f"{measure_id}: code listed again from {when} (first at row "
            f"{int(first[(r.code, r._until)])}): in scope from its earliest listing",
        )  # fmt: skip
    return order[~again].drop(columns=["_start", "_until"]).sort_index()


def _dates(
    frame: pd.DataFrame, column: str | None, keep: pd.Series, file: str, report: ValidationReport
) -> list[dt.date | None]:
    if column is None:
        return [None] * int(keep.sum())
    if column not in frame.columns:
        raise SourceError(f"{file}: no column {column!r}")
    text = frame.loc[keep, column].str.strip()
    parsed = pd.to_datetime(text.where(~text.isin(["", "NA"])), errors="coerce")
    for row, value in zip(
        frame.source_row[keep][parsed.isna() & ~text.isin(["", "NA"])],
        text[parsed.isna() & ~text.isin(["", "NA"])],
        strict=True,
    ):
        report.reject(file, int(row), value, f"{column}: not a YYYY-MM-DD date (read as open)")
    return [None if pd.isna(d) else d.date() for d in parsed]


@functools.lru_cache(maxsize=4)
def revision_rows(raw: Path, authored: Path, revision: str) -> pd.DataFrame:
    """The HTS8/HTS10 rows of one JSON revision (by its key in hts_revisions.yaml)."""
    revs = {r.revision_key: r for r in load_revisions(authored / "hts_revisions.yaml")}
    rev = revs.get(revision)
    if rev is None:
        raise SourceError(f"HTS revision {revision!r} is not listed in hts_revisions.yaml")
    rows = read_hts_json(raw, rev, ValidationReport())
    rows.attrs["file"] = rev.file
    return rows


def renumbered_list_products(
    raw: Path, authored: Path, headings: list[str], listed: set[str], old: set[str]
) -> pd.DataFrame:
    """Lines the 2025 basic edition footnotes put under ``headings`` that the 2020
    USITC list misses at every level and that are not lines of 2018-2020 (``old``):
    lines renumbered since, e.g. by HS 2022."""
    rows = revision_rows(raw, authored, "basic")
    rows = rows[rows.footnotes.notna() & ~rows.code.isin(old)]
    hit = rows.footnotes.str.split(";").map(lambda hs: next((h for h in hs if h in headings), None))
    rows = rows.assign(heading=hit)[hit.notna()]
    known = rows.code.map(lambda c: any(c[:n] in listed for n in (6, 8, 10) if n <= len(c)))
    out = rows.loc[~known, ["code", "heading", "source_row"]]
    return out.assign(
        source=rows.attrs.get("file", "HTS 2025 basic JSON"),
        note="line renumbered after 2020: list from its footnote in the HTS 2025 basic edition",
    ).reset_index(drop=True)


def footnote_products(
    raw: Path, authored: Path, measure: Measure, report: ValidationReport
) -> pd.DataFrame:
    """Lines whose footnotes in the named JSON revision cite one of the headings."""
    every = revision_rows(raw, authored, str(measure.scope.revision))
    rev_file = every.attrs["file"]
    rows = every[every.footnotes.notna()]
    cited = rows.footnotes.str.split(";")
    hit = cited.map(lambda hs: next((h for h in hs if h in measure.scope.headings), None))
    out = rows.loc[hit.notna(), ["code", "source_row"]].assign(
        heading=hit[hit.notna()], source=rev_file
    )
    # the additional rate each heading's own chapter 99 row states ("... + 25%")
    texts = every.set_index("code").rate_text
    added = {h: _plus_rate(texts.get(h.replace(".", ""), "")) for h in measure.scope.headings}
    out["heading_rate"] = out.heading.map(added)
    return _narrow(out, measure.scope.narrow)


def note_products(raw: Path, measure: Measure, report: ValidationReport) -> pd.DataFrame:
    """The codes U.S. note 20(``us_note``) names, one row per code.

    ``note`` says whether the note names the whole statistical reporting number (every
    product of the line is excluded) or a product described within it.
    """
    note = measure.scope.us_note
    if not note:
        raise SourceError(f"{measure.id}: a us_note scope needs us_note (e.g. 'ttt')")
    items = note_items(raw, note)
    report.read(CH99_NOTES, len(items), items.code.nunique())
    rows = []
    parts = items.part.max()
    for code, group in items.groupby("code", sort=True):
        first = group.iloc[0]
        refs = ", ".join(
            f"20({note}){_roman(r.part) if parts > 1 else ''}({r.item})" for r in group.itertuples()
        )
        if group.whole_line.any():
            text = f"the whole statistical reporting number is excluded (U.S. note {refs})"
        else:
            text = f"only the product described in U.S. note {refs}: {_short(first.text)}"
        rows.append({"code": code, "source_row": int(first.source_row), "note": text})
    return pd.DataFrame(rows).assign(source=CH99_NOTES)


def note_list_products(raw: Path, measure: Measure, report: ValidationReport) -> pd.DataFrame:
    """The codes a U.S. note lists between ``list_start`` and ``list_end``."""
    scope = measure.scope
    if not scope.list_start or not scope.list_end:
        raise SourceError(f"{measure.id}: a us_note_list scope needs list_start and list_end")
    items = note_list(raw, scope.list_start, scope.list_end)
    report.read(CH99_NOTES, len(items), len(items))
    return items.assign(source=CH99_NOTES)


def scope_conditions(products: pd.DataFrame, measure: Measure) -> pd.DataFrame:
    """Add the scope's ``condition`` (outside ``unconditional_chapters``) and the end
    dates of codes a later instrument took off the list (``ends``)."""
    scope = measure.scope
    out = products
    if scope.conditional:
        out = out.assign(condition=out.code.map(scope.conditional))
    if scope.condition:
        text = " ".join(scope.condition.split())
        free = tuple(scope.unconditional_chapters)
        out = out.assign(condition=[None if free and c.startswith(free) else text
                                    for c in out.code])  # fmt: skip
    if scope.ends:
        if "product_from" not in out:
            out = out.assign(product_from=None)
        ends = out.code.map(scope.ends)
        if "product_until" in out:
            ends = ends.fillna(out["product_until"])
        out = out.assign(product_until=ends.astype(object).where(ends.notna(), None))
    return out


def floor_rates(
    rows: pd.DataFrame, measure: Measure, mfn: pd.DataFrame, report: ValidationReport
) -> pd.DataFrame:
    """Rows of a ``floor`` step, cut at the MFN steps of their line and rated.

    The additional duty is the floor less the column 1 rate of the line (its HTS8),
    never below 0; at 0 the row takes the step's ``heading_at_floor``. Where the
    column 1 rate is not ad valorem (specific, compound) its ad valorem equivalent is
    not in the data, so the rate is unknown.
    """
    is_floor = rows.rate_kind == "floor"
    if not is_floor.any():
        return rows
    by_code = {c: g for c, g in mfn.groupby("code", sort=False)}
    steps = [s for s in measure.steps if s.kind == "floor"]
    out: list[dict] = []
    for row in rows[is_floor].to_dict("records"):
        step = next(s for s in reversed(steps) if s.valid_from <= row["valid_from"])
        floor = float(row["rate"])
        hts8 = row["code"][:8]
        runs = by_code.get(hts8)
        if runs is None:
            report.warn(CH99_NOTES, row.get("source_row"), row["code"],
                        f"{measure.id}: no MFN rate for this line: floor rate unknown")  # fmt: skip
            out.append({**row, "rate": None, "rate_kind": "unknown",
                        "rate_text": "rate not given in source: no column 1 rate"})  # fmt: skip
            continue
        start, end = row["valid_from"], _end(row["valid_until"])
        for m in runs.itertuples():
            lo, hi = max(start, m.valid_from), min(end, _end(m.valid_until))
            if lo >= hi:
                continue
            piece = {**row, "valid_from": lo, "valid_until": None if hi == OPEN else hi}
            if m.rate_kind != "ad_valorem" or pd.isna(m.rate):
                piece.update(rate=None, rate_kind="unknown", rate_text=(
                    f"{floor:.0%} less the column 1 rate {m.rate_text!r}: its ad valorem "
                    "equivalent is not in the data, so the rate is unknown"))  # fmt: skip
            else:
                rate = round(max(0.0, floor - float(m.rate)), 9)
                piece.update(rate=rate, rate_kind="ad_valorem", rate_text=(
                    f"+{rate * 100:g}% ({floor * 100:g}% less the column 1 rate "
                    f"{float(m.rate) * 100:g}%)"))  # fmt: skip
                if rate == 0 and step.heading_at_floor:
                    piece["heading"] = step.heading_at_floor
            out.append(piece)
    rated = pd.DataFrame(out, columns=rows.columns)
    return pd.concat([rows[~is_floor], rated], ignore_index=True)


def _roman(n: int) -> str:
    return "(" + (("i", "ii", "iii", "iv", "v", "vi")[n - 1] if 1 <= n <= 6 else str(n)) + ")"


def _short(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def _narrow(products: pd.DataFrame, narrow: dict[str, list[str]]) -> pd.DataFrame:
    """Replace each code of ``narrow`` by the codes the instrument names beneath it."""
    if not narrow:
        return products.reset_index(drop=True)
    wide = products[products.code.isin(narrow)]
    parts = [
        wide.assign(code=[c] * len(wide), note=f"the instrument names {c} only")
        for code in wide.code.unique()
        for c in narrow[code]
    ]
    kept = products[~products.code.isin(narrow)]
    return pd.concat([kept, *parts], ignore_index=True)


def _plus_rate(text: str) -> float | None:
    """0.25 from 'The duty provided in the applicable subheading + 25%'."""
    match = re.search(r"\+\s*(\d+(?:\.\d+)?)%", text or "")
    return float(match.group(1)) / 100 if match else None


def supersede(base: pd.DataFrame, new: pd.DataFrame, exemption: bool) -> pd.DataFrame:
    """Layer rows of ``base`` and ``new`` (one override group) with ``new`` in place.

    For each code of ``new`` and the union of its windows: base rows on a parent code
    are copied onto the new code outside those windows (the override group keeps the
    most specific code, so the copy carries the base rate there); base rows on the same
    or a deeper code are cut out of those windows, and the new rows are copied onto the
    deeper codes. With ``exemption``, new rows are kept only where the base applies.
    """
    base_rows = base.to_dict("records")
    by_code: dict[str, list[dict]] = {}
    for row in base_rows:
        by_code.setdefault(row["code"], []).append(row)
    codes = sorted(by_code)
    out: list[dict] = []
    touched: set[str] = set()
    for code, group in new.groupby("code", sort=False):
        windows = _union([(r.valid_from, _end(r.valid_until)) for r in group.itertuples()])
        parents = [p for n in (4, 6, 8, 10) if n < len(code) for p in by_code.get(code[:n], [])]
        same = by_code.get(code, [])
        lo = bisect.bisect_right(codes, code)
        deeper = []
        while lo < len(codes) and codes[lo].startswith(code):
            deeper.append(codes[lo])
            lo += 1
        where = _union([(r["valid_from"], _end(r["valid_until"])) for r in parents + same])
        for row in group.to_dict("records"):
            pieces = [(row["valid_from"], _end(row["valid_until"]))]
            if exemption:
                pieces = _intersect(pieces, where)
            out += [_clip(row, a, b) for a, b in pieces]
            for child in deeper:
                out += [
                    _clip({**row, "code": child, "code_level": len(child)}, a, b) for a, b in pieces
                ]
        for row in parents:
            out += [
                _clip({**row, "code": code, "code_level": len(code), "note": CARRIED}, a, b)
                for a, b in _subtract([(row["valid_from"], _end(row["valid_until"]))], windows)
            ]
        for c in [code, *deeper]:
            if c in by_code:
                touched.add(c)
                # the code's own base rows, cut out of the new windows; for deeper
                # codes this happens per code below
        for row in same:
            out += [
                _clip(row, a, b)
                for a, b in _subtract([(row["valid_from"], _end(row["valid_until"]))], windows)
            ]
        for child in deeper:
            for row in by_code[child]:
                out += [
                    _clip(row, a, b)
                    for a, b in _subtract([(row["valid_from"], _end(row["valid_until"]))], windows)
                ]
    kept = [r for r in base_rows if r["code"] not in touched]
    frame = pd.DataFrame(kept + out, columns=base.columns)
    return frame.reset_index(drop=True)


def _end(value: object) -> dt.date:
    """An exclusive end date, with an open end as the latest date."""
    return OPEN if value is None or pd.isna(value) else value  # type: ignore[return-value]


def _clip(row: dict, start: dt.date, end: dt.date) -> dict:
    return {**row, "valid_from": start, "valid_until": None if end == OPEN else end}


def _union(spans: list[tuple[dt.date, dt.date]]) -> list[tuple[dt.date, dt.date]]:
    out: list[tuple[dt.date, dt.date]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _intersect(spans, other):  # type: ignore[no-untyped-def]
    out = []
    for a, b in spans:
        for c, d in other:
            lo, hi = max(a, c), min(b, d)
            if lo < hi:
                out.append((lo, hi))
    return out


def _subtract(spans, cuts):  # type: ignore[no-untyped-def]
    out = list(spans)
    for c, d in cuts:
        nxt = []
        for a, b in out:
            if d <= a or c >= b:
                nxt.append((a, b))
                continue
            if a < c:
                nxt.append((a, c))
            if d < b:
                nxt.append((d, b))
        out = nxt
    return out
