"""Simple (unweighted) statistics over tariff lines at each schedule change.

These count tariff lines, not trade: the trade-weighted series needs trade flows
and belongs to the averages engine. Each point says how many lines it averages.
"""

from __future__ import annotations

from typing import Any

import duckdb

from .lookups import rows as _rows


def event_dates(con: duckdb.DuckDBPyConnection, importer: str) -> list[Any]:
    """Every date on which some leaf line's stacked rate changes, inside coverage."""
    rows = con.execute(
        """SELECT DISTINCT p.valid_from FROM panel p JOIN coverage c USING (importer)
           WHERE p.importer = ? AND p.is_leaf ORDER BY 1""",
        [importer],
    ).fetchall()
    return [r[0] for r in rows]


def line_series(con: duckdb.DuckDBPyConnection, importer: str) -> list[dict[str, Any]]:
    """At each event date: lines, simple average total rate, share of lines covered.

    Goods are taken as exported on the entry date. The average is over lines whose
    total is expressible as an ad valorem rate; the others are counted apart.
    """
    partner = {"US": "CN", "CN": "US"}[importer]
    dates = event_dates(con, importer)
    return _rows(
        con,
        """WITH d AS (SELECT unnest($dates::DATE[]) AS day)
           SELECT d.day,
                  count(*) AS lines,
                  count(*) FILTER (p.total_rate IS NOT NULL) AS lines_expressible,
                  avg(p.total_rate) AS simple_avg_total,
                  avg(p.mfn_rate) FILTER (p.total_rate IS NOT NULL) AS simple_avg_mfn,
                  avg(CASE WHEN p.s301_rate + p.s232_rate + p.ret_rate > 0 THEN 1 ELSE 0 END)
                      AS share_lines_covered,
                  avg(p.s301_rate + p.s232_rate + p.ret_rate) AS simple_avg_additional
           FROM d JOIN panel p
             ON p.importer = $importer AND p.origin_group = $partner AND p.is_leaf
            AND p.valid_from <= d.day AND p.valid_until > d.day
            AND (p.export_from IS NULL OR p.export_from <= d.day)
            AND (p.export_until IS NULL OR p.export_until > d.day)
           GROUP BY d.day ORDER BY d.day""",
        {"dates": dates, "importer": importer, "partner": partner},
    )


def measure_rate_series(con: duckdb.DuckDBPyConnection, importer: str) -> list[dict[str, Any]]:
    """For each non-MFN measure and each date its layers change: the mean rate over
    the lines it covers then, and how many lines those are (exported = entered)."""
    return _rows(
        con,
        """WITH d AS (
               SELECT DISTINCT measure_id, valid_from AS day FROM layers
               WHERE importer = $importer AND authority <> 'MFN' AND condition IS NULL
               UNION
               SELECT DISTINCT measure_id, valid_until FROM layers
               WHERE importer = $importer AND authority <> 'MFN' AND condition IS NULL
                 AND valid_until IS NOT NULL
           )
           SELECT d.measure_id, any_value(y.measure_name) AS name, d.day,
                  avg(y.rate) AS mean_rate, count(DISTINCT y.code) AS lines
           FROM d LEFT JOIN layers y
             ON y.measure_id = d.measure_id AND y.condition IS NULL
            AND y.valid_from <= d.day AND (y.valid_until IS NULL OR y.valid_until > d.day)
            AND (y.export_from IS NULL OR y.export_from <= d.day)
            AND (y.export_until IS NULL OR y.export_until > d.day)
           GROUP BY ALL ORDER BY d.measure_id, d.day""",
        {"importer": importer},
    )
