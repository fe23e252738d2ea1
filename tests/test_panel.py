"""Stacking rules of the rate panel, on a hand-written schedule."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
import pytest

from tradewar.model.panel import build_panel
from tradewar.model.schema import LAYER_COLUMNS, LINE_COLUMNS, enforce

D = dt.date


def layer(code, authority, measure, rate, start, until=None, **kw):
    group = kw.pop("group", {"MFN": "us.mfn"}.get(authority, "us.s301"))
    return {
        "importer": "US",
        "origin": "*" if authority == "MFN" else "CN",
        "authority": authority,
        "measure_id": measure,
        "measure_name": measure,
        "override_group": group,
        "code": code,
        "valid_from": start,
        "valid_until": until,
        "rate": rate,
        "rate_kind": kw.pop("kind", "ad_valorem" if rate is not None else "unknown"),
        "rate_text": kw.pop("text", f"{rate}"),
        "heading": kw.pop("heading", measure),
        "citation": "test",
        "source": "fixture",
        **kw,
    }


@pytest.fixture()
def con():
    lines = pd.DataFrame(
        [
            ("US", c, 10, None, D(2018, 1, 1), None, "fixture")
            for c in ("1111110010", "1111110020", "2222220010", "3333330010", "4444440010")
        ],
        columns=["importer", "code", "code_level", "description", "valid_from",
                 "valid_until", "source"],
    )  # fmt: skip
    lines["code_level"] = lines.code.str.len()
    layers = pd.DataFrame(
        [
            layer("11111100", "MFN", "us.mfn", 0.05, D(2018, 1, 1)),
            layer("22222200", "MFN", "us.mfn", 0.0, D(2018, 1, 1)),
            layer("33333300", "MFN", "us.mfn", 0.02, D(2018, 1, 1), kind="compound",
                  text="1¢/kg + 2%"),
            layer("44444400", "MFN", "us.mfn", None, D(2018, 1, 1)),
            # List 4A at HTS8, List 4B overriding one HTS10 line beneath it
            layer("11111100", "Section 301", "4a", 0.15, D(2019, 9, 1), D(2020, 2, 14)),
            layer("11111100", "Section 301", "4a", 0.075, D(2020, 2, 14)),
            layer("1111110020", "Section 301", "4b", 0.0, D(2019, 12, 15), status="suspended"),
            # List 3 with the transit rule
            layer("22222200", "Section 301", "l3", 0.10, D(2018, 9, 24), D(2019, 5, 10)),
            layer("22222200", "Section 301", "l3", 0.10, D(2019, 5, 10), D(2019, 6, 15),
                  export_until=D(2019, 5, 10)),
            layer("22222200", "Section 301", "l3", 0.25, D(2019, 5, 10),
                  export_from=D(2019, 5, 10)),
            layer("22222200", "Section 301", "l3", 0.25, D(2019, 6, 15),
                  export_until=D(2019, 5, 10)),
            # Section 232 at HS6 stacks on top of 301
            layer("222222", "Section 232", "steel", 0.25, D(2018, 3, 23), group="us.s232"),
        ]
    )  # fmt: skip
    c = duckdb.connect()
    c.register("l", enforce(lines, LINE_COLUMNS))
    c.register("y", enforce(layers, LAYER_COLUMNS))
    c.execute("CREATE TABLE lines AS SELECT * FROM l")
    c.execute("CREATE TABLE layers AS SELECT * FROM y")
    c.execute(
        "CREATE TABLE coverage AS SELECT 'US' AS importer, DATE '2018-01-01' AS cov_from, "
        "DATE '2021-01-01' AS cov_until, 'fixture' AS basis"
    )
    build_panel(c)
    yield c
    c.close()


def at(con, code, day, exported=None, group="CN"):
    exported = exported or day
    rows = con.execute(
        """SELECT total_rate, adval_rate, s301_rate, s232_rate, ambiguous, expressible
           FROM panel WHERE importer='US' AND origin_group=? AND code=?
             AND valid_from <= ? AND valid_until > ?
             AND (export_from IS NULL OR export_from <= ?)
             AND (export_until IS NULL OR export_until > ?)""",
        [group, code, day, day, exported, exported],
    ).fetchall()
    assert len(rows) == 1, rows
    return dict(
        zip(["total", "adval", "s301", "s232", "ambiguous", "expressible"], rows[0], strict=True)
    )


def test_list_4a_steps_and_hts10_override(con):
    assert at(con, "1111110010", D(2019, 8, 31))["total"] == pytest.approx(0.05)
    assert at(con, "1111110010", D(2019, 9, 1))["total"] == pytest.approx(0.20)
    assert at(con, "1111110010", D(2020, 2, 14))["total"] == pytest.approx(0.125)
    # the HTS10 entry on List 4B (0%, suspended) overrides the HTS8 entry on 4A
    assert at(con, "1111110020", D(2019, 9, 1))["total"] == pytest.approx(0.05)
    assert at(con, "1111110020", D(2020, 1, 1))["total"] == pytest.approx(0.05)


def test_other_origins_get_mfn_only(con):
    assert at(con, "1111110010", D(2019, 9, 1), group="*")["total"] == pytest.approx(0.05)


def test_transit_rule_both_sides_of_each_cutoff(con):
    code = "2222220010"
    assert at(con, code, D(2019, 5, 9))["s301"] == pytest.approx(0.10)
    assert at(con, code, D(2019, 5, 10), D(2019, 5, 9))["s301"] == pytest.approx(0.10)
    assert at(con, code, D(2019, 5, 10), D(2019, 5, 10))["s301"] == pytest.approx(0.25)
    assert at(con, code, D(2019, 6, 14), D(2019, 5, 9))["s301"] == pytest.approx(0.10)
    assert at(con, code, D(2019, 6, 15), D(2019, 5, 9))["s301"] == pytest.approx(0.25)
    # 232 stacks on top: 0% MFN + 25% 301 + 25% 232
    assert at(con, code, D(2019, 6, 20))["total"] == pytest.approx(0.50)


def test_specific_and_unknown_rates_are_never_zero(con):
    compound = at(con, "3333330010", D(2019, 1, 1))
    assert compound["total"] is None and not compound["expressible"]
    assert compound["adval"] == pytest.approx(0.02)
    unknown = at(con, "4444440010", D(2019, 1, 1))
    assert unknown["total"] is None and not unknown["expressible"]


def test_parent_code_is_ambiguous_only_when_lines_differ(con):
    # 1111.11.00 has two lines: same duty until 4B's HTS10 entry matters (from 4A)
    assert at(con, "11111100", D(2019, 1, 1))["total"] == pytest.approx(0.05)
    assert at(con, "11111100", D(2019, 1, 1))["ambiguous"] is False
    assert at(con, "11111100", D(2019, 9, 1))["ambiguous"] is True
    assert at(con, "11111100", D(2019, 9, 1))["total"] is None
