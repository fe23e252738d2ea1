"""Shipments drawn from the store's panel rows, for equivalence tests and benchmarks.

``panel_shipments`` picks rows of every authority and stacking case and places entry
and export dates inside, at the ends of and just past each row's interval, the
coverage and the export windows (``tests/test_index.py``, ``bench/duty_latency.py``).
"""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np

PANEL_FACTS = """
    SELECT importer, origin_group, code, valid_from, valid_until, export_from, export_until,
           ambiguous, NOT is_leaf AS parent, coalesce(s301_rate, 0) > 0 AS s301,
           coalesce(s232_rate, 0) > 0 AS s232, coalesce(ieepa_rate, 0) > 0 AS ieepa,
           coalesce(s122_rate, 0) > 0 AS s122, coalesce(ret_rate, 0) > 0 AS ret,
           claim_headings IS NOT NULL AS claim, coalesce(cv_rate, 0) > 0 AS cv,
           export_from IS NOT NULL OR export_until IS NOT NULL AS has_window,
           coalesce(mfn_kind IN ('specific', 'compound'), false) AS specific,
           split_part(claim_headings, '; ', 1) AS claim_heading, mfn_spec_unit
    FROM panel
"""
STRATA = ("ambiguous", "parent", "s301", "s232", "ieepa", "s122", "ret", "claim", "cv",
          "has_window", "specific")  # fmt: skip
OTHER_ORIGINS = ("DE", "JP", "MX", "VN", "BR")
TRANSIT = (dt.date(2019, 5, 10), dt.date(2019, 6, 15))  # List 3 transit rule: export, entry


def panel_shipments(con: duckdb.DuckDBPyConnection, n: int, seed: int = 7) -> list[dict]:
    """``n`` shipments drawn from the store's panel rows, for equivalence tests and
    latency benchmarks: every authority and stacking case (``STRATA``) and random rows,
    both importers, entry dates inside, at the ends of and just past a row's interval and
    the coverage, export dates inside and around export windows (the List 3 transit
    dates included), parent codes and a few unknown codes.

    Each is a dict of ``code, importer, origin, entered, exported`` plus hints from its
    panel row (``claim_heading``, ``cv``, ``spec_unit``) for tests of claims and rates.
    """
    rng = np.random.default_rng(seed)
    facts = con.execute(PANEL_FACTS).fetch_arrow_table()
    cover = {
        imp: (a, b)
        for imp, a, b in con.execute(
            "SELECT importer, cov_from, cov_until FROM coverage"
        ).fetchall()
    }
    pools = [np.arange(facts.num_rows)]
    pools += [np.flatnonzero(facts.column(s).to_numpy(zero_copy_only=False)) for s in STRATA]
    pools = [p for p in pools if len(p)]
    picks = np.concatenate([rng.choice(p, n // len(pools) + 1) for p in pools])[:n]
    rng.shuffle(picks)
    out = []
    for row in facts.take(picks).to_pylist():
        first, end = cover[row["importer"]]
        until = min(row["valid_until"], end + dt.timedelta(days=3))
        entered = _pick_day(rng, row["valid_from"], until, first, end)
        exported = _pick_export(rng, entered, row["export_from"], row["export_until"])
        if rng.random() < 0.03:
            exported, entered = (t + dt.timedelta(days=int(rng.integers(-3, 4))) for t in TRANSIT)
        group = row["origin_group"]
        out.append({
            "code": _pick_code(rng, row["code"]),
            "importer": row["importer"],
            "origin": group if group != "*" else OTHER_ORIGINS[int(rng.integers(5))],
            "entered": entered,
            "exported": exported,
            "claim_heading": row["claim_heading"] or None,
            "cv": row["cv"],
            "spec_unit": row["mfn_spec_unit"],
        })  # fmt: skip
    return out


def _pick_day(
    rng: np.random.Generator, start: dt.date, until: dt.date, first: dt.date, end: dt.date
) -> dt.date:
    """A day in [start, until), at its ends, just past it, or at a coverage edge."""
    one = dt.timedelta(days=1)
    span = max((until - start).days, 1)
    choices = (start + dt.timedelta(days=int(rng.integers(span))), start, until - one, until,
               first, first - one, end - one, end)  # fmt: skip
    weights = (0.55, 0.1, 0.1, 0.1, 0.04, 0.03, 0.04, 0.04)
    return choices[int(rng.choice(len(choices), p=weights))]


def _pick_export(
    rng: np.random.Generator, entered: dt.date, start: dt.date | None, until: dt.date | None
) -> dt.date | None:
    """No export date, or one before entry: inside or around the row's export window."""
    edges = [e for e in (start, until) if e is not None]
    if edges and rng.random() < 0.8:
        day = edges[int(rng.integers(len(edges)))] + dt.timedelta(days=int(rng.integers(-3, 3)))
        return min(day, entered)
    if rng.random() < 0.5:
        return None
    return entered - dt.timedelta(days=int(rng.integers(0, 60)))


def _pick_code(rng: np.random.Generator, code: str) -> str:
    """The row's code, mostly; else a parent of it, or a code in no schedule."""
    roll = rng.random()
    if roll < 0.01:
        return "9999" + code[4:]
    if roll < 0.12 and len(code) > 6:
        return code[: 6 if len(code) <= 8 or rng.random() < 0.5 else 8]
    return code
