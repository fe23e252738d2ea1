"""Build checks of China's schedule after 2019, run on the built panel.

* ``cn_ita_agreement_2025-03-28`` (and ``_weighted``): the schedule's additional duty on
  each ITA line on 2025-03-28 (the panel's retaliation rate for goods of the US) against
  the ITA total: the share within 0.1 pp, unweighted and weighted by China's 2017
  imports from the US (PIIE HS8, matched by code identity), with the largest
  disagreements and the layers behind them.
* ``cn_r4_reconstructed_vs_hs6``: the reconstructed Sep-2019 round at HS8 (before the
  halving; the maximum over the HS8 lines of an HS6, as the HS6 file takes the maximum
  over lines) against the HS6 file's Sep-2019 increment: the share of HS6 within 0.1 pp.
"""

from __future__ import annotations

import json

import duckdb

from ..report import ValidationReport
from .cn_2025 import ITA_DATE, ITA_FILE, R4_HALF

TOL_PP = 0.1  # percentage points
TARGET = 0.90
TOP = 10
WEIGHTS_SQL = """
    SELECT code, sum(value_usd) AS w FROM flows
    WHERE reporter = 'CN' AND partner = 'US' AND flow = 'import' AND product_level = 'HS8'
      AND period_start >= DATE '2017-01-01' AND period_end <= DATE '2018-01-01'
    GROUP BY code
"""


def cn_checks(con: duckdb.DuckDBPyConnection, report: ValidationReport) -> None:
    """Add the ITA agreement and the HS6 cross-check to ``report``."""
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    if "cn_ita_2025" not in tables:
        return
    _ita_agreement(con, report, "flows" in tables)
    _hs6_cross_check(con, report)


def _ita_agreement(con: duckdb.DuckDBPyConnection, report: ValidationReport, flows: bool) -> None:
    weights = WEIGHTS_SQL if flows else "SELECT NULL::VARCHAR AS code, NULL::DOUBLE AS w"
    rows = con.execute(
        f"""
        WITH ours AS (
            SELECT p.code, p.ret_rate FROM panel p
            WHERE p.importer = 'CN' AND p.origin_group = 'US' AND p.is_leaf
              AND p.valid_from <= $d AND p.valid_until > $d
        ), unknown AS (
            SELECT code, list(measure_id ORDER BY measure_id) AS unknown_measures
            FROM layers
            WHERE importer = 'CN' AND authority = 'Retaliation' AND rate IS NULL
              AND condition IS NULL AND valid_from <= $d
              AND (valid_until IS NULL OR valid_until > $d)
            GROUP BY code
        ), why AS (
            SELECT code, string_agg(measure_id || ' ' || rate_text, ', ' ORDER BY measure_id)
                AS layers
            FROM layers
            WHERE importer = 'CN' AND authority = 'Retaliation' AND code_level = 8
              AND valid_from <= $d AND (valid_until IS NULL OR valid_until > $d)
            GROUP BY code
        )
        SELECT i.hs8, i.ita, o.ret_rate, u.unknown_measures IS NOT NULL AS unknown,
               coalesce(w.w, 0) AS w, why.layers, i.link, i.ita_auto_extra
        FROM cn_ita_2025 i
        LEFT JOIN ours o ON o.code = i.hs8
        LEFT JOIN unknown u ON u.code = i.hs8
        LEFT JOIN ({weights}) w ON w.code = i.hs8
        LEFT JOIN why ON why.code = i.hs8
        ORDER BY i.hs8
        """,
        {"d": ITA_DATE},
    ).fetchall()
    n = len(rows)
    known = [r for r in rows if r[2] is not None and not r[3]]
    agree = [r for r in known if abs(r[2] - r[1]) * 100 <= TOL_PP + 1e-9]
    w_all = sum(r[4] for r in rows)
    w_agree = sum(r[4] for r in agree)
    share = len(agree) / n if n else 0.0
    wshare = w_agree / w_all if w_all else 0.0
    auto = sum(1 for r in rows if r[7])
    w_auto = sum(r[4] for r in rows if r[7])
    w_rest = w_all - w_auto
    off = sorted(
        (r for r in rows if r not in agree),
        key=lambda r: (-(abs((r[2] or 0) - r[1]) if not r[3] else 1.0), -r[4], r[0]),
    )
    top = [
        {
            "hs8": r[0],
            "ita_pct": round(r[1] * 100, 4),
            "ours_pct": None if r[2] is None or r[3] else round(r[2] * 100, 4),
            "import_2017_usd": round(r[4], 0),
            "link": r[6],
            "layers": r[5],
        }
        for r in off[:TOP]
    ]
    for r in off:
        ours = "unknown" if r[2] is None or r[3] else f"{r[2] * 100:g}%"
        report.difference(
            ITA_FILE, r[0], f"ITA {r[1] * 100:g}% vs schedule {ours} on {ITA_DATE} ({r[5]})"
        )
    note = (
        f"{len(agree)} of {n} ITA lines within {TOL_PP} pp ({share:.1%}); "
        f"{n - len(known)} with an unknown layer. Not independent: the reconstructed "
        "layers (Sep-2019 round, Feb-2025 round, cn.ret.net) take the ITA residual where it "
        "is a valid rate, so the test is that it is one (check cn_r4_reconstructed_lines) "
        f"and the HS6 cross-check; {auto} chapter-87 lines where ITA counts "
        "the 25% China suspended on autos (ours leaves it out); largest disagreements: "
        + json.dumps(top, ensure_ascii=False)
    )
    report.check(f"cn_ita_agreement_{ITA_DATE}", f">= {TARGET:.0%}", f"{share:.4f}",
                 share >= TARGET, note)  # fmt: skip
    report.check(
        f"cn_ita_agreement_{ITA_DATE}_weighted", f">= {TARGET:.0%}", f"{wshare:.4f}",
        wshare >= TARGET,
        f"weighted by China's 2017 imports from the US (PIIE HS8, code identity): USD "
        f"{w_agree / 1e9:.2f}bn of {w_all / 1e9:.2f}bn matched ITA lines agree ({wshare:.1%}); "
        f"ITA lines with no 2017 HS8 of the same code: "
        f"{sum(1 for r in rows if not r[4])}; the {auto} chapter-87 lines where ITA counts "
        f"the 25% China suspended on autos weigh USD {w_auto / 1e9:.2f}bn: without them "
        f"{w_agree / w_rest if w_rest else 0:.1%} agree",
    )  # fmt: skip


def _hs6_cross_check(con: duckdb.DuckDBPyConnection, report: ValidationReport) -> None:
    halves = ", ".join(str(v) for v in R4_HALF)
    rows = con.execute(f"""
        WITH ours AS (
            SELECT left(hs8, 6) AS hs6, max(2 * round(r4_residual, 6)) AS r4,
                   count(*) AS n8
            FROM cn_ita_2025
            WHERE old_known AND round(r4_residual, 6) IN ({halves})
            GROUP BY 1
        ), file AS (
            SELECT code AS hs6, max(rate) AS r4 FROM layers
            WHERE measure_id = 'cn.ret.r4' AND code_level = 6
              AND valid_from = DATE '2019-09-01'
            GROUP BY 1
        ), hs6 AS (
            SELECT DISTINCT left(code, 6) AS hs6 FROM lines
            WHERE importer = 'CN' AND code_level = 6
        )
        SELECT o.hs6, o.r4, coalesce(f.r4, 0) AS file_r4, o.n8
        FROM ours o JOIN hs6 USING (hs6) LEFT JOIN file f USING (hs6)
        ORDER BY o.hs6
    """).fetchall()
    n = len(rows)
    off = [r for r in rows if abs(r[1] - r[2]) * 100 > TOL_PP + 1e-9]
    share = (n - len(off)) / n if n else 0.0
    for r in off:
        report.difference(
            "cn.ret.r4", r[0],
            f"reconstructed Sep-2019 round (max over {r[3]} HS8) {r[1] * 100:g}% vs HS6 "
            f"file {r[2] * 100:g}%",
        )  # fmt: skip
    sample = [
        {
            "hs6": r[0],
            "reconstructed_pct": round(r[1] * 100, 4),
            "hs6_file_pct": round(r[2] * 100, 4),
        }
        for r in off[:TOP]
    ]
    report.check(
        "cn_r4_reconstructed_vs_hs6", f">= {TARGET:.0%}", f"{share:.4f}", share >= TARGET,
        f"{n - len(off)} of {n} HS6 agree within {TOL_PP} pp: the Sep-2019 round "
        "reconstructed at HS8 (ITA total less the known layers, doubled back to its "
        "pre-halving rate; maximum over the HS8 lines of the HS6) vs the HS6 file's "
        f"2019-09-01 increment; disagreements: {len(off)}, e.g. "
        + json.dumps(sample),
    )  # fmt: skip
