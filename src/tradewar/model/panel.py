"""Stacking: resolve the long ``layers`` schedule into the wide rate ``panel``.

This module holds the one definition of how layers combine. For each importer,
origin group (the named origin, or '*' for every other origin) and product code,
the panel has one row per elementary interval of entry dates (and, where a measure
depends on the export date, per export-date cell: the export dates cut at every
window bound of the layers in force) with:

* one rate and heading column per authority (MFN, Section 301, Section 232,
  Retaliation, IEEPA, Section 122); additional duties that do not apply are 0, a
  missing MFN is NULL;
* ``cv_rate``/``cv_heading``: rates charged on a content value (232 copper content),
  outside ``adval_rate``; ``total_rate`` is NULL while one applies (it needs the
  shipment's content value), ``expressible`` says whether the rest is ad valorem;
* ``claim_headings``/``claim_rate``: exclusions the importer may claim, and the rate
  a claim takes off (the programs the ``claim_removes`` rules name);
* ``adval_rate``: the sum of the ad valorem parts that are known;
* ``total_rate``: the same sum, but NULL when any layer is not expressible as an ad
  valorem rate (a specific or compound MFN, an unknown rate);
* ``approx``: some layer is an HS6 approximation; ``ambiguous``: the code is a parent
  whose lines beneath differ, so no single rate exists.

Sums are rounded to 1e-9 so that a rebuild gives identical bits whatever order the
engine adds in. Rules: layers stack additively across authorities and measures; within one
``override_group`` only the most specific code level applies (HTS10 over HTS8);
layers with a ``condition`` are not totalled; a program is dropped while another
takes it off (``stack_rules``, from ``data/stacking.yaml``). The plan is plain SQL over tables,
so it runs wherever DuckDB (or a Spark SQL port) runs.
"""

from __future__ import annotations

import duckdb

AUTHORITY_PREFIX = {
    "MFN": "mfn",
    "Section 301": "s301",
    "Section 232": "s232",
    "Retaliation": "ret",
    "IEEPA": "ieepa",
    "Section 122": "s122",
}
ADDITIONAL = [p for a, p in AUTHORITY_PREFIX.items() if a != "MFN"]
ORIGIN_GROUPS = (("US", "CN"), ("US", "*"), ("CN", "US"), ("CN", "*"))
PREFIX_LEVELS = (4, 6, 8, 10, 11)

PANEL_COLUMNS = [
    "importer", "origin_group", "code", "code_level", "is_leaf",
    "valid_from", "valid_until", "export_from", "export_until",
    "mfn_rate", "mfn_kind", "mfn_text", "mfn_spec_amount", "mfn_spec_unit", "mfn_heading",
    "s301_rate", "s301_heading", "s232_rate", "s232_heading", "ret_rate", "ret_heading",
    "ieepa_rate", "ieepa_heading", "s122_rate", "s122_heading",
    "cv_rate", "cv_heading", "claim_headings", "claim_rate",
    "adval_rate", "total_rate", "expressible", "approx", "ambiguous", "measures",
]  # fmt: skip
# the rules that take one program off a product while another applies (stacking.yaml)
STACK_RULE_COLUMNS = {
    "rule_id": "VARCHAR", "importer": "VARCHAR", "kind": "VARCHAR",
    "target_group": "VARCHAR", "by_authority": "VARCHAR", "by_group": "VARCHAR",
    "heading": "VARCHAR", "valid_from": "DATE", "valid_until": "DATE",
    "citation": "VARCHAR", "note": "VARCHAR",
}  # fmt: skip


def build_panel(con: duckdb.DuckDBPyConnection) -> None:
    """Create table ``panel`` from ``layers``, ``lines`` and ``coverage`` in ``con``."""
    cols = ", ".join(f"{n} {t}" for n, t in STACK_RULE_COLUMNS.items())
    con.execute(f"CREATE TABLE IF NOT EXISTS stack_rules ({cols})")
    groups = ", ".join(f"('{i}', '{o}')" for i, o in ORIGIN_GROUPS)
    levels = ", ".join(str(n) for n in PREFIX_LEVELS)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _groups AS
        SELECT * FROM (VALUES {groups}) t(importer, origin_group);

        -- leaves: the most detailed lines (US HTS10, China HS10 of 2018 and its A/B
        -- splits, China HS8 of 2025 from 2020), clamped to the coverage window; US
        -- chapter 99 holds measures, not goods
        CREATE OR REPLACE TEMP TABLE _leaves AS
        SELECT l.importer, l.code,
               greatest(l.valid_from, c.cov_from) AS leaf_from,
               least(coalesce(l.valid_until, c.cov_until), c.cov_until) AS leaf_until
        FROM lines l JOIN coverage c USING (importer)
        WHERE (l.code_level >= 10 OR (l.importer = 'CN' AND l.code_level = 8))
          AND NOT (l.importer = 'US' AND l.code LIKE '99%')
          AND greatest(l.valid_from, c.cov_from)
              < least(coalesce(l.valid_until, c.cov_until), c.cov_until);

        -- every layer whose code is a prefix of the leaf, for each origin group
        CREATE OR REPLACE TEMP TABLE _matches AS
        WITH prefixed AS (
            SELECT lf.*, left(lf.code, n) AS prefix, n
            FROM _leaves lf, (SELECT unnest([{levels}]) AS n) lv
            WHERE length(lf.code) >= n
        )
        SELECT p.importer, g.origin_group, p.code AS leaf, p.leaf_from, p.leaf_until,
               y.authority, y.measure_id, y.override_group, y.code_level,
               y.valid_from, y.valid_until, y.export_from, y.export_until,
               y.rate, y.rate_kind, y.rate_text, y.spec_amount, y.spec_unit,
               y.heading, y.precision, y.condition
        FROM prefixed p
        JOIN _groups g ON g.importer = p.importer
        JOIN layers y ON y.importer = p.importer AND y.code = p.prefix
                     AND y.code_level = p.n
                     AND (y.origin = '*' OR y.origin = g.origin_group)
        WHERE y.valid_from < p.leaf_until
          AND (y.valid_until IS NULL OR y.valid_until > p.leaf_from)
        QUALIFY y.code_level = max(y.code_level) OVER (
            PARTITION BY p.importer, g.origin_group, p.code, y.override_group);

        -- elementary entry-date intervals of each leaf
        CREATE OR REPLACE TEMP TABLE _intervals AS
        WITH bounds AS (
            SELECT lf.importer, g.origin_group, lf.code AS leaf, lf.leaf_from AS d
            FROM _leaves lf JOIN _groups g USING (importer)
            UNION
            SELECT lf.importer, g.origin_group, lf.code, lf.leaf_until
            FROM _leaves lf JOIN _groups g USING (importer)
            UNION
            SELECT importer, origin_group, leaf, valid_from FROM _matches
            WHERE valid_from > leaf_from AND valid_from < leaf_until
            UNION
            SELECT importer, origin_group, leaf, valid_until FROM _matches
            WHERE valid_until > leaf_from AND valid_until < leaf_until
        )
        , cut AS (
            SELECT importer, origin_group, leaf, d AS valid_from,
                   lead(d) OVER (PARTITION BY importer, origin_group, leaf ORDER BY d)
                       AS valid_until
            FROM bounds
            QUALIFY valid_until IS NOT NULL
        )
        -- a line that left the nomenclature and came back has a gap: no interval there
        SELECT c.* FROM cut c
        WHERE EXISTS (SELECT 1 FROM _leaves lf WHERE lf.importer = c.importer
                      AND lf.code = c.leaf AND lf.leaf_from <= c.valid_from
                      AND lf.leaf_until >= c.valid_until);

        -- the layers in force over each interval
        CREATE OR REPLACE TEMP TABLE _active AS
        SELECT i.importer, i.origin_group, i.leaf, i.valid_from AS iv_from,
               i.valid_until AS iv_until, m.*
               EXCLUDE (importer, origin_group, leaf, leaf_from, leaf_until)
        FROM _intervals i
        JOIN _matches m USING (importer, origin_group, leaf)
        WHERE m.valid_from <= i.valid_from
          AND (m.valid_until IS NULL OR m.valid_until >= i.valid_until)
          AND m.leaf_from <= i.valid_from AND m.leaf_until >= i.valid_until;

        -- exclusion rules: a program is off a product while a program it yields to
        -- (by authority or override group) bears a full-value rate on it (or one the
        -- data cannot state: the program still applies)
        DELETE FROM _active a USING stack_rules r
        WHERE r.kind = 'excluded_while' AND r.importer = a.importer
          AND a.override_group = r.target_group
          AND r.valid_from <= a.iv_from
          AND (r.valid_until IS NULL OR r.valid_until >= a.iv_until)
          AND EXISTS (
              SELECT 1 FROM _active b
              WHERE b.importer = a.importer AND b.origin_group = a.origin_group
                AND b.leaf = a.leaf AND b.iv_from = a.iv_from
                AND b.condition IS NULL
                AND (b.rate > 0 AND b.rate_kind = 'ad_valorem' OR b.rate_kind = 'unknown')
                AND (b.authority = r.by_authority OR b.override_group = r.by_group));

        -- export-date cells: the export dates cut at every window bound that an
        -- active layer names (one cell with no bounds when none does); a layer
        -- applies to a cell its window contains
        CREATE OR REPLACE TEMP TABLE _windows AS
        WITH cut AS (
            SELECT DISTINCT importer, origin_group, leaf, iv_from, d FROM (
                SELECT importer, origin_group, leaf, iv_from, export_from AS d FROM _active
                UNION ALL
                SELECT importer, origin_group, leaf, iv_from, export_until FROM _active
            ) WHERE d IS NOT NULL
        ), cells AS (
            SELECT importer, origin_group, leaf, iv_from, d AS export_from,
                   lead(d) OVER (PARTITION BY importer, origin_group, leaf, iv_from
                                 ORDER BY d) AS export_until
            FROM cut
            UNION ALL
            SELECT importer, origin_group, leaf, iv_from, NULL, min(d) FROM cut
            GROUP BY importer, origin_group, leaf, iv_from
        )
        SELECT i.importer, i.origin_group, i.leaf, i.valid_from AS iv_from,
               i.valid_until AS iv_until, c.export_from, c.export_until
        FROM _intervals i LEFT JOIN cells c
          ON c.importer = i.importer AND c.origin_group = i.origin_group
         AND c.leaf = i.leaf AND c.iv_from = i.valid_from;
    """)
    con.execute(_aggregate_sql("_windows", "_active", "leaf"))
    _merge_cells(con)
    _add_parents(con)


def _merge_cells(con: duckdb.DuckDBPyConnection) -> None:
    """``_leaf_panel``: ``_agg`` with neighbouring export-date cells of equal rates merged.

    A window that no longer changes the duty (List 3 after the transit window closed)
    then leaves one row with no window, so the export date matters only where it does.
    """
    cols = [r[0] for r in con.execute("DESCRIBE _agg").fetchall()]
    keys = ["importer", "origin_group", "code", "valid_from", "valid_until"]
    window = ["export_from", "export_until"]
    rest = [c for c in cols if c not in keys + window]
    sig = f"hash({', '.join(rest)})"
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _leaf_panel AS
        WITH marked AS (
            SELECT *, {sig} AS _sig FROM _agg
        ), islands AS (
            SELECT *, sum(CASE WHEN _sig IS DISTINCT FROM _prev THEN 1 ELSE 0 END) OVER (
                       PARTITION BY {", ".join(keys)} ORDER BY export_from NULLS FIRST
                       ROWS UNBOUNDED PRECEDING) AS _island
            FROM (SELECT *, lag(_sig) OVER (PARTITION BY {", ".join(keys)}
                                            ORDER BY export_from NULLS FIRST) AS _prev
                  FROM marked)
        )
        SELECT {", ".join(keys)},
               CASE WHEN bool_or(export_from IS NULL) THEN NULL ELSE min(export_from) END
                   AS export_from,
               CASE WHEN bool_or(export_until IS NULL) THEN NULL ELSE max(export_until) END
                   AS export_until,
               {", ".join(f"any_value({c}) AS {c}" for c in rest)}
        FROM islands
        GROUP BY {", ".join(keys)}, _island
    """)


def _aggregate_sql(windows: str, active: str, key: str) -> str:
    """Stack the active layers of each window into one row of authority columns.

    The join is on equalities only; whether a layer applies to an export-date cell (it
    has no window, or its window contains the cell) is a column that every aggregate
    filters on.
    """
    per_authority = []
    for authority, p in AUTHORITY_PREFIX.items():
        scope = f"applies AND authority = '{authority}' AND condition IS NULL"
        scope += " AND rate_kind <> 'content_value'" if authority != "MFN" else ""
        if authority == "MFN":
            per_authority.append(
                f"round(sum(rate) FILTER ({scope}), 9) AS mfn_rate, "
                f"any_value(rate_kind) FILTER ({scope}) AS mfn_kind, "
                f"any_value(rate_text) FILTER ({scope}) AS mfn_text, "
                f"any_value(spec_amount) FILTER ({scope}) AS mfn_spec_amount, "
                f"any_value(spec_unit) FILTER ({scope}) AS mfn_spec_unit, "
                f"any_value(heading) FILTER ({scope}) AS mfn_heading"
            )
        else:
            per_authority.append(
                f"coalesce(round(sum(rate) FILTER ({scope}), 9), 0.0) AS {p}_rate, "
                f"nullif(array_to_string(list_sort(list_distinct(list(heading) "
                f"FILTER ({scope} AND rate > 0))), '; '), '') AS {p}_heading"
            )
    return f"""
        CREATE OR REPLACE TEMP TABLE _agg AS
        WITH joined AS (
            SELECT w.importer, w.origin_group, w.{key} AS code,
                   w.iv_from AS valid_from, w.iv_until AS valid_until,
                   w.export_from AS w_from, w.export_until AS w_until,
                   a.authority, a.measure_id, a.rate, a.rate_kind, a.rate_text,
                   a.spec_amount, a.spec_unit, a.heading, a.precision, a.condition,
                   a.override_group IN (SELECT target_group FROM stack_rules
                                        WHERE kind = 'claim_removes') AS claimable,
                   a.authority IS NOT NULL
                   AND (a.export_from IS NULL OR a.export_from <= w.export_from)
                   AND (a.export_until IS NULL OR a.export_until >= w.export_until)
                       AS applies
            FROM {windows} w
            LEFT JOIN {active} a
              ON a.importer = w.importer AND a.origin_group = w.origin_group
             AND a.{key} = w.{key} AND a.iv_from = w.iv_from
        )
        SELECT importer, origin_group, code, valid_from, valid_until,
               w_from AS export_from, w_until AS export_until,
               {", ".join(per_authority)},
               coalesce(round(sum(rate) FILTER (applies AND condition IS NULL
                   AND rate_kind <> 'content_value'), 9), 0.0) AS adval_rate,
               coalesce(round(sum(rate) FILTER (applies AND condition IS NULL
                   AND rate_kind = 'content_value'), 9), 0.0) AS cv_rate,
               nullif(array_to_string(list_sort(list_distinct(list(heading) FILTER (
                   applies AND condition IS NULL AND rate_kind = 'content_value'))), '; '),
                   '') AS cv_heading,
               nullif(array_to_string(list_sort(list_distinct(list(heading) FILTER (
                   applies AND rate_kind = 'claim'))), '; '), '') AS claim_headings,
               CASE WHEN bool_or(applies AND rate_kind = 'claim')
                    THEN coalesce(round(sum(rate) FILTER (applies AND condition IS NULL
                         AND claimable), 9), 0.0) ELSE 0.0 END AS claim_rate,
               count(*) FILTER (applies AND authority = 'MFN' AND condition IS NULL) = 1
                 AND count(*) FILTER (applies AND condition IS NULL AND (rate IS NULL
                     OR rate_kind NOT IN ('ad_valorem', 'content_value'))) = 0
                   AS expressible,
               bool_or(applies AND precision = 'hs6-approximation') AS approx,
               list_sort(list_distinct(list(measure_id) FILTER (applies))) AS measures
        FROM joined
        GROUP BY importer, origin_group, code, valid_from, valid_until, w_from, w_until
    """


def _add_parents(con: duckdb.DuckDBPyConnection) -> None:
    """Panel rows for parent codes (HS6, HTS8, and 10-digit parents of A/B lines).

    A parent gets a definite row over an interval only when every line beneath it
    that exists then has the same rates and headings; otherwise it is ambiguous.
    """
    pairs = [f"{p}_{k}" for p in ADDITIONAL for k in ("rate", "heading")]
    signature = ", ".join(f"p.{c}" for c in pairs)
    mins = ", ".join(f"min(p.{c}) AS {c}" for c in pairs)
    plain = ", ".join(pairs)
    prefixed = ", ".join(f"r.{c}" for c in pairs)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _parent_map AS
        SELECT DISTINCT importer, left(code, n) AS parent, code AS leaf
        FROM _leaves, (SELECT unnest([6, 8, 10]) AS n) lv
        WHERE length(code) > n;

        CREATE OR REPLACE TEMP TABLE _parent_intervals AS
        WITH bounds AS (
            SELECT DISTINCT pm.importer, p.origin_group, pm.parent, b.d
            FROM _parent_map pm
            JOIN _leaf_panel p ON p.importer = pm.importer AND p.code = pm.leaf,
                 LATERAL (SELECT unnest([p.valid_from, p.valid_until]) AS d) b
        )
        SELECT importer, origin_group, parent, d AS valid_from,
               lead(d) OVER (PARTITION BY importer, origin_group, parent ORDER BY d)
                   AS valid_until
        FROM bounds QUALIFY valid_until IS NOT NULL;

        CREATE OR REPLACE TEMP TABLE _parent_rows AS
        SELECT pi.importer, pi.origin_group, pi.parent AS code,
               pi.valid_from, pi.valid_until, p.export_from, p.export_until,
               count(DISTINCT pm.leaf) AS n_leaves,
               count(DISTINCT (p.mfn_rate, p.mfn_kind, p.mfn_text, {signature},
                     p.cv_rate, p.claim_headings, p.claim_rate)) AS n_signatures,
               min(p.mfn_rate) AS mfn_rate, min(p.mfn_kind) AS mfn_kind,
               min(p.mfn_text) AS mfn_text,
               min(p.mfn_spec_amount) AS mfn_spec_amount,
               min(p.mfn_spec_unit) AS mfn_spec_unit,
               min(p.mfn_heading) AS mfn_heading,
               {mins},
               min(p.cv_rate) AS cv_rate, min(p.cv_heading) AS cv_heading,
               min(p.claim_headings) AS claim_headings, min(p.claim_rate) AS claim_rate,
               min(p.adval_rate) AS adval_rate,
               bool_and(p.expressible) AS expressible, bool_or(p.approx) AS approx,
               list_sort(list_distinct(flatten(list(p.measures)))) AS measures
        FROM _parent_intervals pi
        JOIN _parent_map pm ON pm.importer = pi.importer AND pm.parent = pi.parent
        JOIN _leaf_panel p ON p.importer = pi.importer AND p.origin_group = pi.origin_group
         AND p.code = pm.leaf AND p.valid_from <= pi.valid_from
         AND p.valid_until >= pi.valid_until
        GROUP BY ALL;

        CREATE OR REPLACE TEMP TABLE _alive AS
        SELECT pi.importer, pi.origin_group, pi.parent, pi.valid_from,
               count(DISTINCT p.code) AS n_alive
        FROM _parent_intervals pi
        JOIN _parent_map pm ON pm.importer = pi.importer AND pm.parent = pi.parent
        JOIN _leaf_panel p ON p.importer = pi.importer AND p.origin_group = pi.origin_group
         AND p.code = pm.leaf AND p.valid_from <= pi.valid_from
         AND p.valid_until >= pi.valid_until
        GROUP BY ALL;

        -- stored in code order, so that DuckDB's zone maps answer a lookup by code
        -- from one row group instead of a scan
        CREATE OR REPLACE TABLE panel AS
        SELECT * FROM (
        SELECT importer, origin_group, code, length(code) AS code_level, TRUE AS is_leaf,
               valid_from, valid_until, export_from, export_until,
               mfn_rate, mfn_kind, mfn_text, mfn_spec_amount, mfn_spec_unit, mfn_heading,
               {plain}, cv_rate, cv_heading, claim_headings, claim_rate,
               adval_rate,
               CASE WHEN expressible AND cv_rate = 0 THEN adval_rate END AS total_rate,
               expressible, coalesce(approx, FALSE) AS approx, FALSE AS ambiguous, measures
        FROM _leaf_panel
        UNION ALL BY NAME
        SELECT r.importer, r.origin_group, r.code, length(r.code) AS code_level,
               FALSE AS is_leaf, r.valid_from, r.valid_until, r.export_from, r.export_until,
               r.mfn_rate, r.mfn_kind, r.mfn_text, r.mfn_spec_amount, r.mfn_spec_unit,
               r.mfn_heading, {prefixed}, r.cv_rate, r.cv_heading, r.claim_headings,
               r.claim_rate, r.adval_rate,
               CASE WHEN r.expressible AND NOT amb AND r.cv_rate = 0 THEN r.adval_rate END
                   AS total_rate,
               r.expressible, coalesce(r.approx, FALSE) AS approx, amb AS ambiguous,
               r.measures
        FROM (
            SELECT r.*, (r.n_signatures > 1 OR r.n_leaves < a.n_alive) AS amb
            FROM _parent_rows r
            JOIN _alive a ON a.importer = r.importer AND a.origin_group = r.origin_group
             AND a.parent = r.code AND a.valid_from = r.valid_from
        ) r
        ) ORDER BY importer, code, origin_group, valid_from, export_from NULLS FIRST;
    """)
