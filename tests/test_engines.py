"""The bulk plan on two engines (engine/plan.py, engine/backends.py): DuckDB and Spark.

The same input, on real codes and dates, must give the same rows, rates and rejects on
both; partitioned inputs are read and written as partitioned datasets; a missing Java or
PySpark is a one-line error. Spark runs in ``local[2]`` with one session for the module
(start-up takes ~8 s).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from tradewar import api
from tradewar.data.store import attach_path
from tradewar.engine.plan import DUCKDB, PANEL_COLUMNS, SPARK, shipments_sql

pytestmark = pytest.mark.realdata

N_ROWS = 200_000
RATES = [c for c in PANEL_COLUMNS if c.endswith("_rate")]
TEXT = ["code", "importer", "origin", "origin_group", "mfn_text", "mfn_heading",
        "s301_heading", "s232_heading", "ret_heading", "note"]  # fmt: skip


@pytest.fixture(scope="module")
def spark():
    """One local[2] SparkSession for the module. Without Java or PySpark the module fails
    with the reason (both are requirements of the test suite); set TRADEWAR_SKIP_SPARK=1
    to skip it instead on a machine that has neither."""
    from tradewar.engine.backends import spark_session
    from tradewar.errors import InputError

    try:
        session = spark_session("local[2]")
    except InputError as exc:
        if os.environ.get("TRADEWAR_SKIP_SPARK") == "1":
            pytest.skip(str(exc))
        pytest.fail(f"Spark is not usable here: {exc} (TRADEWAR_SKIP_SPARK=1 skips)")
    yield session
    session.stop()


def _shipments(store: Path, root: Path, rows: int) -> Path:
    """``rows`` shipments on every code of the panel (leaves and parents), both
    importers, partner and other origins, entry dates 2017-12 .. 2020-02 (some outside
    the coverage), a fifth with an export date, and a few malformed rows; written as a
    Parquet dataset partitioned by entry year."""
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH '{attach_path(store)}' AS s (READ_ONLY)")
        con.execute("SELECT setseed(0.42)")
        con.execute("""
            CREATE TEMP TABLE codes AS
            SELECT row_number() OVER (ORDER BY importer, code) - 1 AS k, importer, code
            FROM (SELECT DISTINCT importer, code FROM s.panel)
        """)
        n = con.execute("SELECT count(*) FROM codes").fetchone()[0]
        con.execute(f"""
            COPY (
                WITH g AS (
                    SELECT i, CAST(floor(random() * {n}) AS BIGINT) AS k, random() AS r1,
                           DATE '2017-12-01' + CAST(floor(random() * 800) AS INTEGER) AS day,
                           random() AS r3, CAST(floor(random() * 90) AS INTEGER) AS back,
                           random() AS r5
                    FROM range({rows}) t(i))
                SELECT g.i AS id,
                       CASE WHEN g.i % 997 = 0 THEN 'XX' || c.code
                            WHEN g.i % 3 = 0 THEN substr(c.code, 1, 4) || '.' || substr(c.code, 5)
                            ELSE c.code END AS code,
                       c.importer,
                       CASE WHEN g.i % 1009 = 0 THEN 'ZZ'
                            WHEN g.r1 < 0.7 THEN (CASE c.importer WHEN 'US' THEN 'CN' ELSE 'US' END)
                            ELSE (['DE', 'JP', 'MX', 'VN', 'BR'])[1 + CAST(g.i % 5 AS INTEGER)]
                       END AS origin,
                       g.day AS entered,
                       CASE WHEN g.r3 < 0.2 THEN g.day - g.back END AS exported,
                       CASE WHEN g.r5 < 0.01 THEN NULL ELSE round(100 + g.r5 * 100000, 2) END
                           AS value,
                       year(g.day) AS year
                FROM g JOIN codes c ON c.k = g.k
            ) TO '{root}' (FORMAT parquet, PARTITION_BY (year))
        """)  # fmt: skip
    finally:
        con.close()
    return root


def _frame(path: Path) -> pd.DataFrame:
    frame = pd.read_parquet(path)
    if "year" in frame.columns:
        frame["year"] = frame.year.astype(int)
    return frame.sort_values("id", ignore_index=True)


@pytest.fixture(scope="module")
def runs(real_store, spark, tmp_path_factory) -> dict:
    """The same partitioned input rated on both engines (with the monthly aggregate)."""
    tmp = tmp_path_factory.mktemp("engines")
    source = _shipments(real_store, tmp / "shipments", N_ROWS)
    out = {"source": source}
    for engine in ("duckdb", "spark"):
        result = api.bulk(
            source, tmp / f"rated_{engine}", store=real_store, engine=engine,
            aggregate=tmp / f"monthly_{engine}.parquet",
        )  # fmt: skip
        out[engine] = result
    return out


def test_engines_rate_the_same_rows_identically(runs):
    duck, spark = runs["duckdb"], runs["spark"]
    assert (duck.engine, spark.engine) == ("duckdb", "spark")
    assert duck.rows == spark.rows == N_ROWS
    assert (duck.rated, duck.rejected) == (spark.rated, spark.rejected)
    a, b = _frame(duck.output), _frame(spark.output)
    assert len(a) == duck.rated and list(a.columns) == list(b.columns)
    assert a.id.tolist() == b.id.tolist()
    # the sample spans what it should: both importers, all origin groups, transit goods
    assert set(a.importer) == {"US", "CN"} and set(a.origin_group) == {"US", "CN", "*"}
    assert a.total_rate.notna().sum() > 0.5 * len(a) and a.total_rate.isna().sum() > 100
    assert a.exported.notna().sum() > 10_000 and a.s301_heading.eq("9903.88.09").sum() > 0
    for column in RATES:  # the same panel row: bit-identical rates
        assert np.array_equal(a[column].to_numpy(float), b[column].to_numpy(float),
                              equal_nan=True), column  # fmt: skip
    np.testing.assert_allclose(a.duty.to_numpy(float), b.duty.to_numpy(float),
                               rtol=0, atol=1e-9, equal_nan=True)  # fmt: skip
    for column in [*TEXT, "entered", "exported", "value", "approx", "year"]:
        assert (
            a[column].fillna("<null>").astype(str).equals(b[column].fillna("<null>").astype(str))
        ), column


def test_engines_reject_the_same_rows_for_the_same_reason(runs):
    duck, spark = runs["duckdb"], runs["spark"]
    a = pd.read_csv(duck.rejects, dtype=str, keep_default_na=False)
    b = pd.read_csv(spark.rejects, dtype=str, keep_default_na=False)
    assert list(a.columns) == list(b.columns)
    key = list(a.columns)
    a, b = a.sort_values(key, ignore_index=True), b.sort_values(key, ignore_index=True)
    assert a.equals(b)
    reasons = " | ".join(sorted(set(a.reason)))
    for words in ("malformed code", "unknown origin", "outside the schedule coverage",
                  "not in the schedule", "parent code whose lines differ"):  # fmt: skip
        assert words in reasons, words


def test_partitioned_input_gives_partitioned_output_on_both_engines(runs):
    expected = sorted(p.name for p in runs["source"].iterdir())
    assert expected == ["year=2017", "year=2018", "year=2019", "year=2020"]
    for engine in ("duckdb", "spark"):
        result = runs[engine]
        assert result.partition_by == ["year"]
        assert result.output.is_dir()
        # December 2017 is before both schedules' coverage: all its rows are rejected
        parts = sorted(p.name for p in result.output.iterdir() if p.is_dir())
        assert parts == expected[1:], engine
        rated = _frame(result.output)
        assert (rated.year == pd.to_datetime(rated.entered).dt.year).all(), engine


def test_monthly_aggregate_agrees_between_engines(runs):
    a = pd.read_parquet(runs["duckdb"].aggregate)
    b = pd.read_parquet(runs["spark"].aggregate)
    assert list(a.columns) == list(b.columns) and len(a) == len(b) > 24
    keys = ["month", "importer", "origin"]
    assert a[keys].equals(b[keys])
    assert a.shipments.tolist() == b.shipments.tolist()
    assert a.with_rate.tolist() == b.with_rate.tolist()
    for column in ("value", "dutiable_value", "duty", "tw_rate", "avg_rate"):
        np.testing.assert_allclose(a[column], b[column], rtol=1e-12, equal_nan=True)
    # the trade-weighted rate is what it says: duty over the value that bears a duty
    rated = _frame(runs["duckdb"].output)
    us = rated[(rated.importer == "US") & (rated.origin == "CN")]
    us = us[pd.to_datetime(us.entered).dt.strftime("%Y-%m") == "2019-07"].dropna(subset=["duty"])
    row = a[(a.month == "2019-07") & (a.importer == "US") & (a.origin == "CN")].iloc[0]
    assert row.tw_rate == pytest.approx(us.duty.sum() / us.value.sum(), rel=1e-12)
    assert row.shipments > len(us)  # rows without a duty are counted, not taken as 0


def test_csv_file_input_and_rejects_on_spark(real_store, spark, tmp_path):
    """A CSV read as text on Spark gives DuckDB's rates and reasons (single-file input)."""
    rows = [
        "code,importer,origin,entered,exported,value",
        "9403.60.80.81,US,CN,2019-06-20,,1000",
        "9403.60.80.81,US,CN,2019-05-20,2019-05-01,1000",
        "1201.90.10.00,CN,US,2018-07-06,,1000",
        "0201.10.10.10,US,CN,2019-06-20,,1000",
        "9403.60.8,US,CN,2019-06-20,,1",
        "9403.60.80.81,US,CN,2019-02-30,,2",
        "9403.60.80.81,US,CN,2019-06-20,2019-06-21,3",
        "9403.60.80.81,US,CN,2019-06-20,,lots",
        "8517.62.00,US,CN,2019-10-01,,5",
    ]
    source = tmp_path / "in.csv"
    source.write_text("\n".join(rows) + "\n")
    got = {}
    for engine in ("duckdb", "spark"):
        result = api.bulk(source, tmp_path / f"{engine}.parquet", store=real_store, engine=engine)
        assert result.partition_by == []
        rated = pd.read_parquet(result.output).sort_values(["entered", "code"])
        rejects = pd.read_csv(result.rejects, dtype=str, keep_default_na=False)
        got[engine] = (rated, rejects.sort_values("value", ignore_index=True))
    (a, ra), (b, rb) = got["duckdb"], got["spark"]
    # 1201 soybeans 2018-07-06, 9403 in transit, 0201 (specific MFN), 9403 at 25%
    assert a.code.tolist() == ["1201901000", "9403608081", "0201101010", "9403608081"]
    rates = a.total_rate.tolist()
    assert [rates[0], rates[1], rates[3]] == pytest.approx([0.28, 0.10, 0.25])
    assert np.isnan(rates[2]) and "not ad valorem" in a.note.tolist()[2]
    assert np.array_equal(a.total_rate.to_numpy(), b.total_rate.to_numpy(), equal_nan=True)
    assert a.note.fillna("").tolist() == b.note.fillna("").tolist()
    assert len(ra) == 5 and ra.equals(rb)


# rows on which the engines' own parsers disagree (issue 15): one rule (formats.py)
# decides for both what is a date, a number and a code
HOSTILE = [
    "id,code,importer,origin,entered,exported,value",
    "1,9403.60.80.81,US,CN,2019-06-20,,1000",
    "2,9403608081,US,CN,2019-06-20 (BC),,1000",
    "3,9403608081,US,CN,2019/06/20,,1000",
    "4,9403608081,US,CN,2019-06-20,,1_000",
    "5,9403608081,US,CN,2019-06-20,,inf",
    "6,9403608081,US,CN,2019-06-20,,NaN",
    "7,9403608081,US,CN,2019-06-20,,1e309",
    "8,9403\u202f608081,US,CN,2019-06-20,,5",
    "9,9403608081,us, cn ,2019-06-20T10:30:00,,+1e3",
    "10,9403608081,US,CN, 2019-06-20 ,,.5",
    "11,9403608081,US,CN,20190620,,1",
    "12,9403608081,US,CN,2019-W25-4,,1",
    "13,9403608081,US,CN,0000-01-01,,1",
    "14,9403608081,US,CN,2019-02-30,,1",
    "15,9403608081,US,CN,2019-06-20,2019-06-20 (BC),1",
    "16,9403608081,US,CN,2019-06-20,,0x10",
    "17,9403608081,US,CN,2019-06-20,,\u0661\u0662",
    "18,\uff19403608081,US,CN,2019-06-20,,1",
    "19,9403608081,US,CN,2019-06-20\\t,,1",
    "20,9403-60-80-81,US,CN,2019-06-20,,1",
    "21,9403608081,US,CN,2019-06-20,,-0",
    "22,9403608081,US,CN,2019-06-20,,1e300",
    "23,9403608081,US,CN,2019-06-20 10:00:00.123456,,1",
    "24,9403608081,US,CN,2019-06-20,, 7 ",
]


def test_engines_agree_on_a_hostile_file(real_store, spark, tmp_path):
    """Equal rated rows and equal rejects from both engines on inputs their parsers read
    differently; and single-shipment input decides each row the same way."""
    from tradewar.errors import InputError
    from tradewar.formats import number

    source = tmp_path / "hostile.csv"
    text = "\n".join(HOSTILE).encode().decode("unicode_escape").encode("latin-1").decode()
    source.write_text(text + "\n", encoding="utf-8")
    got = {}
    for engine in ("duckdb", "spark"):
        result = api.bulk(source, tmp_path / f"{engine}.parquet", store=real_store, engine=engine)
        rated = pd.read_parquet(result.output)
        rated = rated.assign(id=rated.id.astype(int)).sort_values("id", ignore_index=True)
        rejects = pd.read_csv(result.rejects, dtype=str, keep_default_na=False)
        got[engine] = (rated, rejects.sort_values(list(rejects.columns), ignore_index=True))
    (a, ra), (b, rb) = got["duckdb"], got["spark"]
    assert a.id.tolist() == [1, 9, 10, 21, 22, 23, 24]
    assert a.id.tolist() == b.id.tolist() and a.value.tolist() == b.value.tolist()
    assert a.value.tolist() == [1000.0, 1000.0, 0.5, 0.0, 1e300, 1.0, 7.0]
    assert a.entered.astype(str).tolist() == b.entered.astype(str).tolist()
    assert np.array_equal(a.duty.to_numpy(float), b.duty.to_numpy(float), equal_nan=True)
    assert ra.equals(rb) and len(ra) == len(HOSTILE) - 1 - len(a)
    # single shipments: the same rows accepted, the same refused
    import csv
    import io

    for row in csv.DictReader(io.StringIO(text)):
        try:
            value = number(row["value"]) if row["value"].strip(" ") else None
            if row["value"].strip(" ") and value is None:
                raise InputError("not a number")
            api.duty(row["code"], row["importer"], row["origin"].strip(), row["entered"],
                     row["exported"] or None, value, store=real_store)  # fmt: skip
            accepted = True
        except (InputError, ValueError):
            accepted = False
        assert accepted == (int(row["id"]) in a.id.tolist()), row


# --------------------------------------------------------------------------- errors


def _cli(store: Path, env: dict, *args: str) -> subprocess.CompletedProcess:
    script = Path(sys.executable).with_name("tradewar")
    command = [str(script)] if script.exists() else [
        sys.executable, "-c", "from tradewar.interfaces.cli import main; main()",
    ]  # fmt: skip
    full = {**os.environ, "TRADEWAR_HOME": str(store.parent), **env}
    full.pop("TRADEWAR_DEBUG", None)
    for key, value in env.items():
        if value is None:
            full.pop(key)
    return subprocess.run(
        [*command, *args], capture_output=True, text=True, env=full, timeout=120, check=False
    )


def _no_java_path(tmp: Path) -> str:
    """A PATH with the Python scripts and no java."""
    empty = tmp / "bin"
    empty.mkdir()
    return os.pathsep.join([str(empty), str(Path(sys.executable).parent)])


@pytest.mark.parametrize(
    ("case", "words"),
    [("java_home_nowhere", "JAVA_HOME=/nonexistent"), ("no_java", "no java is on PATH"),
     ("no_pyspark", "needs PySpark")],
)  # fmt: skip
def test_missing_java_or_pyspark_is_a_one_line_error(real_store, tmp_path, case, words):
    source = tmp_path / "in.csv"
    source.write_text("code,importer,origin,entered,value\n9403608081,US,CN,2019-06-20,1\n")
    env: dict = {"PATH": _no_java_path(tmp_path)}
    if case == "java_home_nowhere":
        env["JAVA_HOME"] = "/nonexistent"
    elif case == "no_java":
        env["JAVA_HOME"] = None
    else:
        fake = tmp_path / "fake" / "pyspark"
        fake.mkdir(parents=True)
        (fake / "__init__.py").write_text("raise ImportError('No module named pyspark')\n")
        env = {"PYTHONPATH": str(fake.parent)}
    output = tmp_path / "out"
    p = _cli(real_store, env, "duty", "--input", str(source), "--output", str(output),
             "--engine", "spark", "--json")  # fmt: skip
    assert p.returncode == 2, (p.returncode, p.stderr[-2000:])
    lines = [line for line in p.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), p.stderr[-2000:]
    assert words in lines[0] and "--engine duckdb" in lines[0], lines[0]
    assert "Traceback" not in p.stderr and p.stdout == ""
    assert not output.exists()


def test_unknown_engine_is_a_one_line_error(real_store, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("code,importer,origin,entered,value\n9403608081,US,CN,2019-06-20,1\n")
    p = _cli(real_store, {}, "duty", "--input", str(source), "--output",
             str(tmp_path / "o.parquet"), "--engine", "flink")  # fmt: skip
    assert p.returncode == 2 and p.stderr.strip().startswith("error: engine 'flink'")


def test_the_plan_text_is_shared_and_differs_only_in_dialect_spellings():
    """One definition: the two SQL texts differ only where the Dialect spells them."""
    columns = ["code", "importer", "origin", "entered", "exported", "value", "note x"]
    duck = shipments_sql(DUCKDB, columns, [])
    spark = shipments_sql(SPARK, columns, [])
    assert '"note x"' in duck and "`note x`" in spark
    assert "regexp_full_match" in duck and "RLIKE" in spark and "udf" not in spark.lower()
    strip = [line for line in duck.splitlines() if "regexp" in line or '"note x"' in line]
    same = [a for a, b in zip(duck.splitlines(), spark.splitlines(), strict=True) if a == b]
    assert len(same) == len(duck.splitlines()) - len(strip)
