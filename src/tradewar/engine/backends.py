"""Executors of the bulk plan (``engine/plan.py``): DuckDB, embedded, and Spark.

Both expose the same small interface: load the schedule (the keyed panel, coverage and
cut dates, built from the store in DuckDB), bind the input as the relation ``source``,
define the plan's views from SQL text, write Parquet and CSV, and fetch a small result
as Arrow. The plan's SQL is the same for both; only :class:`plan.Dialect` differs.

Spark runs wherever ``spark.master`` points (``local[2]`` by default; the option
``spark_master`` or the environment variable ``TRADEWAR_SPARK_MASTER``). The schedule
travels as Parquet files and is broadcast to the workers.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import tempfile
import threading
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from ..data.store import attach_path
from ..errors import InputError
from .plan import DUCKDB, SCHEDULE_TABLES, SPARK, Dialect, Span, column_kind, schedule_sql

ENGINES = ("duckdb", "spark")
SPARK_MASTER_ENV = "TRADEWAR_SPARK_MASTER"
SPARK_MEMORY_ENV = "TRADEWAR_SPARK_DRIVER_MEMORY"
DEFAULT_MASTER = "local[2]"
MIN_JAVA = 17
# DuckDB errors that are bugs in the plan, not a problem with the input or output file
PLAN_ERRORS = (
    duckdb.BinderException, duckdb.CatalogException, duckdb.ParserException,
    duckdb.InternalException,
)  # fmt: skip
SPARK_CONF = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "8",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
    "spark.sql.maxConcurrentOutputFileWriters": "64",  # partitioned writes without a sort
    "spark.sql.sources.partitionOverwriteMode": "static",
    "spark.hadoop.mapreduce.fileoutputcommitter.marksuccessfuljobs": "false",
    "spark.driver.extraJavaOptions": "-Dlog4j2.configurationFile={log4j}",
}
_LOG4J = """status = error
rootLogger.level = error
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = spark: %p %c{1}: %m%n
logger.repl.name = org.apache.spark.repl.Main
logger.repl.level = error
"""
SPARK_LOG_ENV = "TRADEWAR_SPARK_LOG"
# DuckDB's Parquet options for the rated output, chosen by measurement at 1M and 10M rows
# (``bench/bulk_duty.py --codecs``, docs/scale.md): snappy writes as fast as any codec
# and smaller than none; row groups of 122,880 rows write faster than of 1M and keep the
# writer's buffers (and peak RSS) small; a dictionary of at most 3,000 values per column
# chunk gives up sooner on the unique values and duties (8-10% less write time, the same
# file size: the rate and text columns stay dictionary-encoded)
PARQUET_OPTIONS = "COMPRESSION snappy, ROW_GROUP_SIZE 122880, DICTIONARY_SIZE_LIMIT 3000"


def quote(path: Path | str) -> str:
    """``path`` inside a single-quoted SQL string."""
    return str(path).replace("'", "''")


def hive_keys(path: Path) -> list[str]:
    """The hive partition keys of a dataset directory (``year=2019/month=6/...``)."""
    keys: list[str] = []
    here = path
    while here.is_dir():
        subdirs = sorted(p for p in here.iterdir() if p.is_dir() and "=" in p.name)
        if not subdirs:
            break
        keys.append(subdirs[0].name.split("=", 1)[0])
        here = subdirs[0]
    return keys


def data_files(path: Path, suffix: str) -> list[Path]:
    """The data files of a file or dataset directory (hidden and ``_`` files skipped)."""
    if path.is_file():
        return [path]
    return sorted(
        p
        for p in path.rglob(f"*{suffix}")
        if p.is_file()
        and not any(part.startswith((".", "_")) for part in p.relative_to(path).parts)
    )


# --------------------------------------------------------------------------- DuckDB


def duckdb_source(path: Path) -> str:
    """A DuckDB table function reading ``path`` (file or directory, CSV or Parquet)."""
    if not path.exists():
        raise InputError(f"input {path} does not exist")
    if path.is_dir():
        if data_files(path, ".parquet"):
            return (
                f"read_parquet('{quote(path)}/**/*.parquet', hive_partitioning = true, "
                "union_by_name = true)"
            )
        if data_files(path, ".csv"):
            return f"read_csv('{quote(path)}/**/*.csv', all_varchar = true, header = true)"
        raise InputError(f"input directory {path} holds no .csv or .parquet files")
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return f"read_parquet('{quote(path)}')"
    if suffix in (".csv", ".txt"):
        return f"read_csv('{quote(path)}', all_varchar = true, header = true)"
    raise InputError(f"input {path}: expected a .csv or .parquet file")


def load_schedule(
    con: duckdb.DuckDBPyConnection, store: Path, entries: Span | None = None
) -> tuple[list[dt.date], list[Span]]:
    """Attach ``store`` as ``s`` and build the schedule tables (for entry dates in
    ``entries`` if given, ``plan.schedule_sql``); return the cut dates and the
    entry-date spans where the export date matters."""
    con.execute(f"ATTACH '{quote(attach_path(store))}' AS s (READ_ONLY)")
    con.execute(schedule_sql(entries))
    return _cuts_and_spans(con.execute)


def _cuts_and_spans(run: Any) -> tuple[list[dt.date], list[Span]]:
    """The cut dates and spans, from a backend's SQL runner (rows as tuples)."""
    cuts = [r[0] for r in _collect(run("SELECT cut FROM cuts ORDER BY cut"))]
    spans = [(r[0], r[1]) for r in _collect(run("SELECT span_from, span_until FROM spans"))]
    return cuts, spans


def _collect(result: Any) -> list[Any]:
    return result.fetchall() if hasattr(result, "fetchall") else result.collect()


class DuckDBBackend:
    """The plan on an in-process DuckDB connection."""

    name = "duckdb"
    dialect: Dialect = DUCKDB

    def __init__(
        self,
        store: Path,
        threads: int | None = None,
        memory_limit: str = "1500MB",
        progress: Callable[[float], None] | None = None,
    ) -> None:
        self.store = store
        self.progress = progress
        self.kinds: dict[str, str] = {}  # the input's column kinds (plan.column_kind)
        self.parquet_source = False
        self.con = duckdb.connect()
        self.con.execute(f"SET memory_limit = '{memory_limit}'")
        self.con.execute("SET preserve_insertion_order = false")
        self.con.execute("SET enable_progress_bar = false")
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")

    def load_schedule(self, entries: Span | None = None) -> tuple[list[dt.date], list[Span]]:
        return load_schedule(self.con, self.store, entries)

    def read_input(self, path: Path, name: str = "source") -> list[str]:
        """Bind ``path`` as the view ``name``; return its columns (kinds in ``kinds``)."""
        source = duckdb_source(path)
        try:
            self.con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT * FROM {source}")
            described = self.con.execute(f"DESCRIBE SELECT * FROM {name}").fetchall()
        except duckdb.Error as exc:
            raise InputError(f"cannot read {path}: {first_line(exc)}") from None
        self.kinds = {r[0]: column_kind(r[1]) for r in described}
        if name == "source":  # Parquet knows its row count without a scan
            self.parquet_source = source.startswith("read_parquet")
        return [r[0] for r in described]

    def read_output(self, path: Path, name: str) -> None:
        """Bind a rated dataset (file or hive directory) as the view ``name``."""
        glob = f"{quote(path)}/**/*.parquet" if path.is_dir() else quote(path)
        self.con.execute(
            f"CREATE OR REPLACE TEMP VIEW {name} AS "
            f"SELECT * FROM read_parquet('{glob}', hive_partitioning = true)"
        )

    def define(self, name: str, sql: str) -> None:
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS {sql}")

    def write(
        self,
        out_sql: str,
        out: Path,
        partition_by: Sequence[str],
        rej_sql: str,
        rejects: Path,
        per_thread: bool = False,
    ) -> None:
        """Write the rated rows to ``out`` (Parquet) and the rejects to ``rejects`` (CSV);
        ``per_thread``: ``out`` is a directory of one file per thread."""
        options = f"FORMAT parquet, {PARQUET_OPTIONS}"
        if per_thread:
            options += ", PER_THREAD_OUTPUT true, FILENAME_PATTERN 'part-{i}'"
        if partition_by:
            options += f", PARTITION_BY ({', '.join(self.dialect.ident(k) for k in partition_by)})"
        written = _run(self.con, f"COPY ({out_sql}) TO '{quote(out)}' ({options})", self.progress)
        if self._all_rated(written):  # no rejects: the header alone, without a second pass
            rej_sql = f"SELECT * FROM ({rej_sql}) WHERE false"
        _run(self.con, f"COPY ({rej_sql}) TO '{quote(rejects)}' (FORMAT csv, HEADER)", None)

    def _all_rated(self, written: tuple[Any, ...] | None) -> bool:
        """Whether the output holds every input row (so no row is rejected): known
        cheaply for a Parquet input only, from its metadata."""
        if not self.parquet_source or not written:
            return False
        return self.con.execute("SELECT count(*) FROM source").fetchone()[0] == written[0]

    def arrow(self, sql: str) -> pa.Table:
        return self.con.execute(sql).fetch_arrow_table()

    def is_plan_error(self, exc: BaseException) -> bool:
        return isinstance(exc, PLAN_ERRORS)

    def is_run_error(self, exc: BaseException) -> bool:
        return isinstance(exc, duckdb.Error)

    def close(self) -> None:
        self.con.close()


def _run(
    con: duckdb.DuckDBPyConnection, sql: str, progress: Callable[[float], None] | None
) -> tuple[Any, ...] | None:
    """Run ``sql`` and return its first row, reporting DuckDB's query progress to
    ``progress`` from a thread."""
    if progress is None:
        return con.execute(sql).fetchone()
    done = threading.Event()
    errors: list[BaseException] = []
    rows: list[tuple[Any, ...] | None] = []

    def work() -> None:
        try:
            rows.append(con.execute(sql).fetchone())
        except BaseException as exc:  # re-raised in the caller's thread
            errors.append(exc)
        finally:
            done.set()

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    while not done.wait(0.2):
        try:
            value = con.query_progress()
        except duckdb.Error:
            value = -1
        if value >= 0:
            progress(min(value, 100.0))
    thread.join()
    if errors:
        raise errors[0]
    progress(100.0)
    return rows[0] if rows else None


def first_line(exc: BaseException, limit: int = 300) -> str:
    """The first line of an error message, shortened."""
    text = str(exc).strip()
    line = text.splitlines()[0] if text else type(exc).__name__
    return line if len(line) <= limit else line[: limit - 3] + "..."


# --------------------------------------------------------------------------- Spark


def check_java() -> str:
    """The java Spark will start (as spark-class picks it), or an InputError saying
    what to install. Spark 4 needs Java 17 or later."""
    home = os.environ.get("JAVA_HOME")
    if home:
        java = Path(home) / "bin" / "java"
        if not (java.is_file() and os.access(java, os.X_OK)):
            raise InputError(
                f"--engine spark needs Java {MIN_JAVA}+, and JAVA_HOME={home} has no bin/java: "
                "point JAVA_HOME at a JDK (e.g. apt-get install openjdk-17-jre-headless) "
                "or use --engine duckdb"
            )
        command = str(java)
    else:
        found = shutil.which("java")
        if found is None:
            raise InputError(
                f"--engine spark needs Java {MIN_JAVA}+, and JAVA_HOME is unset and no java "
                "is on PATH: install a JDK (e.g. apt-get install openjdk-17-jre-headless) "
                "or use --engine duckdb"
            )
        command = found
    try:
        done = subprocess.run(
            [command, "-version"], capture_output=True, text=True, timeout=60, check=False
        )
    except OSError as exc:
        raise InputError(f"--engine spark: cannot run {command}: {exc}") from None
    match = re.search(r'version "(\d+)(?:\.(\d+))?', done.stderr + done.stdout)
    if done.returncode != 0 or not match:
        raise InputError(f"--engine spark: {command} -version failed: {first_line(done.stderr)}")
    major = int(match.group(1))
    major = int(match.group(2) or 0) if major == 1 else major  # 1.8 -> 8
    if major < MIN_JAVA:
        raise InputError(
            f"--engine spark needs Java {MIN_JAVA}+, and {command} is Java {major}: "
            "install a newer JDK and set JAVA_HOME, or use --engine duckdb"
        )
    return command


def check_pyspark() -> None:
    """PySpark is importable, or an InputError saying what to install."""
    try:
        import pyspark  # noqa: F401
        from pyspark.sql import SparkSession  # noqa: F401
    except ImportError as exc:
        raise InputError(
            f"--engine spark needs PySpark ({exc}): pip install 'tradewar[spark]' "
            "(pyspark 4.x), or use --engine duckdb"
        ) from None


def spark_session(master: str | None = None, memory: str | None = None) -> Any:
    """The running SparkSession, or a new one on ``master`` (default ``local[2]``,
    or ``TRADEWAR_SPARK_MASTER``), quiet (log level ERROR) and without its web UI."""
    check_pyspark()
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    check_java()
    master = master or os.environ.get(SPARK_MASTER_ENV) or DEFAULT_MASTER
    memory = memory or os.environ.get(SPARK_MEMORY_ENV) or "2g"
    log4j = Path(tempfile.gettempdir()) / "tradewar-spark-log4j2.properties"
    if not log4j.exists() or log4j.read_text() != _LOG4J:
        tmp = log4j.with_name(f".{log4j.name}.{uuid.uuid4().hex}")
        tmp.write_text(_LOG4J)
        os.replace(tmp, log4j)
    builder = SparkSession.builder.master(master).appName("tradewar")
    for key, value in SPARK_CONF.items():
        builder = builder.config(key, value.format(log4j=f"file:{log4j}"))
    builder = builder.config("spark.driver.memory", memory)
    # the JVM inherits stderr: point it at a log file while it starts, so its start-up
    # warnings and later log lines stay out of the command's output
    log = Path(os.environ.get(SPARK_LOG_ENV) or Path(tempfile.gettempdir()) / "tradewar-spark.log")
    saved = os.dup(2)
    try:
        with log.open("ab") as sink:
            os.dup2(sink.fileno(), 2)
            try:
                spark = builder.getOrCreate()
            finally:
                os.dup2(saved, 2)
    except Exception as exc:  # the JVM did not start: say why in one line
        raise InputError(
            f"cannot start Spark on {master}: {first_line(exc)} (JVM log: {log})"
        ) from None
    finally:
        os.close(saved)
    spark.sparkContext.setLogLevel("ERROR")
    return spark


class SparkBackend:
    """The plan on a SparkSession; the schedule is exported to Parquet and broadcast.

    ``schedule_dir`` is where the schedule's Parquet files go: a temporary directory by
    default (removed on close), or a directory every Spark worker can read (a shared
    mount) when the master is a cluster. Without one on a cluster, the schedule is
    shipped from the driver instead.
    """

    name = "spark"
    dialect: Dialect = SPARK

    def __init__(
        self,
        store: Path,
        master: str | None = None,
        schedule_dir: Path | None = None,
        memory: str | None = None,
    ) -> None:
        self.store = store
        self.spark = spark_session(master, memory)
        self.own_dir = schedule_dir is None
        self.schedule_dir = schedule_dir or Path(tempfile.mkdtemp(prefix="tradewar-schedule-"))
        self.views: list[str] = []
        self.kinds: dict[str, str] = {}  # the input's column kinds (plan.column_kind)

    def load_schedule(self, entries: Span | None = None) -> tuple[list[dt.date], list[Span]]:
        """Export the schedule tables to Parquet and read them as Spark views."""
        paths = export_schedule(self.store, self.schedule_dir, entries)
        local = self.spark.sparkContext.master.startswith("local")
        for table, path in paths.items():
            if local or not self.own_dir:
                frame = self.spark.read.parquet(str(path))
            else:  # a cluster that cannot see a local temp dir: ship from the driver
                import pyarrow.parquet as pq

                frame = self.spark.createDataFrame(pq.read_table(path))
            self._view(table, frame)
        return _cuts_and_spans(self.spark.sql)

    def _view(self, name: str, frame: Any) -> None:
        frame.createOrReplaceTempView(name)
        self.views.append(name)

    def read_input(self, path: Path, name: str = "source") -> list[str]:
        """Bind ``path`` (file or directory, CSV or Parquet) as the view ``name``."""
        duckdb_source(path)  # the same checks and messages as DuckDB
        reader = self.spark.read
        parquet = path.suffix.lower() == ".parquet" or (
            path.is_dir() and bool(data_files(path, ".parquet"))
        )
        if path.is_dir() and not hive_keys(path):
            suffix = ".parquet" if parquet else ".csv"
            reader = reader.option("recursiveFileLookup", "true").option(
                "pathGlobFilter", f"*{suffix}"
            )
        try:
            if parquet:
                frame = reader.option("mergeSchema", "true").parquet(str(path))
            else:
                frame = reader.options(header=True, inferSchema=False, mode="FAILFAST").csv(
                    str(path)
                )
            columns = frame.columns
            self.kinds = {c: column_kind(t) for c, t in frame.dtypes}
        except Exception as exc:
            raise InputError(f"cannot read {path}: {first_line(exc)}") from None
        self._view(name, frame)
        return list(columns)

    def read_output(self, path: Path, name: str) -> None:
        self._view(name, self.spark.read.parquet(str(path)))

    def define(self, name: str, sql: str) -> None:
        self._view(name, self.spark.sql(sql))

    def write(
        self,
        out_sql: str,
        out: Path,
        partition_by: Sequence[str],
        rej_sql: str,
        rejects: Path,
        per_thread: bool = True,
    ) -> None:
        """Write the rated rows to ``out`` (a Parquet dataset directory, always one part
        per task) and the rejects to ``rejects`` (one CSV file, joined from the parts)."""
        writer = self.spark.sql(out_sql).write.mode("overwrite")
        if partition_by:
            writer = writer.partitionBy(*partition_by)
        writer.parquet(str(out))
        parts = rejects.with_name(f".{rejects.name}.parts-{uuid.uuid4().hex}")
        try:
            frame = self.spark.sql(rej_sql)
            frame.write.mode("overwrite").options(
                header=True, escape='"', ignoreLeadingWhiteSpace=False,
                ignoreTrailingWhiteSpace=False,  # rejects keep the text as given, as DuckDB's
            ).csv(str(parts))  # fmt: skip
            _join_csv(sorted(parts.glob("part-*.csv")), rejects, frame.columns)
        finally:
            shutil.rmtree(parts, ignore_errors=True)

    def arrow(self, sql: str) -> pa.Table:
        return self.spark.sql(sql).toArrow()

    def is_plan_error(self, exc: BaseException) -> bool:
        from pyspark.errors import AnalysisException

        return isinstance(exc, AnalysisException)

    def is_run_error(self, exc: BaseException) -> bool:
        from py4j.protocol import Py4JJavaError
        from pyspark.errors import PySparkException

        return isinstance(exc, (PySparkException, Py4JJavaError))

    def close(self) -> None:
        for name in self.views:
            self.spark.catalog.dropTempView(name)
        if self.own_dir:
            shutil.rmtree(self.schedule_dir, ignore_errors=True)


def _join_csv(parts: list[Path], target: Path, columns: Sequence[str]) -> None:
    """Concatenate CSV part files (each with a header) into ``target``, one header."""
    with target.open("wb") as out:
        out.write((",".join(columns) + "\n").encode())
        for part in parts:
            with part.open("rb") as f:
                f.readline()  # the part's header
                shutil.copyfileobj(f, out, 1 << 20)


def export_schedule(store: Path, directory: Path, entries: Span | None = None) -> dict[str, Path]:
    """Write the schedule tables (keyed panel, coverage, cut dates) built from ``store``
    to ``directory`` as Parquet; return their paths by table name."""
    directory.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    try:
        load_schedule(con, store, entries)
        paths = {}
        for table in SCHEDULE_TABLES:
            path = directory / f"{table}.parquet"
            tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
            con.execute(f"COPY {table} TO '{quote(tmp)}' (FORMAT parquet)")
            os.replace(tmp, path)
            paths[table] = path
    finally:
        con.close()
    return paths


def make_backend(
    engine: str,
    store: Path,
    *,
    threads: int | None = None,
    memory_limit: str = "1500MB",
    progress: Callable[[float], None] | None = None,
    spark_master: str | None = None,
    schedule_dir: Path | None = None,
) -> DuckDBBackend | SparkBackend:
    """The executor for ``engine`` (``duckdb`` or ``spark``)."""
    if engine == "duckdb":
        return DuckDBBackend(store, threads, memory_limit, progress)
    if engine == "spark":
        return SparkBackend(store, spark_master, schedule_dir)
    raise InputError(f"unknown engine {engine!r}: use {' or '.join(ENGINES)}")
