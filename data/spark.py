"""Spark: the session the batch jobs run on, and the aggregate refresh of a Parquet warehouse.

The analytics and the aggregates are Ibis expressions; here they meet PySpark. PySpark is
imported inside the functions only, so nothing else (the dashboard above all) needs it
installed: ``pip install -r requirements-spark.txt``.

Where the session comes from, first match wins:

1. the active session of this process (``spark-submit`` starts one for the script, tests make
   one per module);
2. a new one with ``master`` (``--spark-master``) or ``$JINYE_SPARK_MASTER``, e.g. ``local[4]``,
   ``spark://host:7077``, ``yarn``; with neither, whatever Spark's own configuration says
   (``spark-defaults.conf``, ``spark-submit --master``; ``local[*]`` when nothing does).

The refresh (``refresh_aggregates``) computes the derived tables of ``data.aggregates`` from the
Parquet facts with the same expressions the DuckDB refresh compiles to SQL, over the whole
history in one job (Spark spills and spreads what DuckDB does in chunks), writes them partitioned
by month beside the facts, and records their rows in the manifest.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import ibis
import ibis.expr.types as ir

from data import layout, schema
from data.aggregates import AGGREGATES, GROUP_AGGREGATES, client_group_facts, client_product_rows, count_sales
from data.calendar_cn import next_period_start, period_start

# Conf of every session this module makes: our own progress lines instead of Spark's bars and
# its start-up chatter (override with --spark-conf spark.log.level=INFO), and results brought to
# the driver through Arrow rather than row by row.
DEFAULT_CONF = {"spark.ui.showConsoleProgress": "false", "spark.log.level": "ERROR",
                "spark.sql.execution.arrow.pyspark.enabled": "true"}
_IBIS_TYPES = {"text": "string", "int": "int64", "float": "float64", "date": "date",
               "timestamp": "timestamp", "bool": "boolean"}
SPARK_TYPES = {"text": "string", "int": "bigint", "float": "double", "date": "date",
               "timestamp": "timestamp", "bool": "boolean"}


class SparkUnavailable(RuntimeError):
    """Spark cannot start here (no pyspark, no Java); the message says what to install."""


def session(master: str | None = None, conf: dict[str, str] | None = None,
            app_name: str = "jinye"):
    """The SparkSession to run on (see the module docstring), and whether it was made here.

    Args:
        master: the cluster manager URL; None: ``$JINYE_SPARK_MASTER`` or Spark's default.
        conf: extra Spark configuration for a new session (ignored when one is active).
        app_name: the application name a cluster shows.

    Returns:
        (session, created): ``created`` is False for an active session, which the caller must
        then leave running.

    Raises:
        SparkUnavailable: pyspark is not installed or Java is missing.
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise SparkUnavailable("pyspark is not installed: pip install -r requirements-spark.txt") from None
    active = SparkSession.getActiveSession()
    if active is not None:
        return active, False
    if not (os.environ.get("JAVA_HOME") or shutil.which("java")):
        raise SparkUnavailable("Spark needs Java (17): install it (e.g. apt-get install openjdk-17-jre-headless) "
                               "or set JAVA_HOME")
    builder = SparkSession.builder.appName(app_name)
    master = master or os.environ.get("JINYE_SPARK_MASTER")
    if master:
        builder = builder.master(master)
    for key, value in {**DEFAULT_CONF, **(conf or {})}.items():
        builder = builder.config(key, value)
    try:
        return builder.getOrCreate(), True
    except Exception as exc:  # py4j and pyspark raise several types for a JVM that will not start
        raise SparkUnavailable(f"cannot start Spark: {str(exc).splitlines()[0]}") from None


def parse_conf(items: list[str] | None) -> dict[str, str]:
    """``KEY=VALUE`` texts (``--spark-conf``) as a dict.

    Raises:
        ValueError: an item without '='.
    """
    conf = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--spark-conf {item!r}: use KEY=VALUE, e.g. spark.driver.memory=4g")
        conf[key.strip()] = value.strip()
    return conf


def read_table(spark, directory: Path, name: str):
    """Table ``name`` of the Parquet warehouse as a Spark DataFrame with exactly the declared
    columns, in order and with their declared types (the ``month`` partition column dropped).

    Files may differ in their types (a 32-bit quantity in one month, 64-bit in the next, as
    different tools write them): Spark reads every file into the declared types, widening where
    it must, rather than into those of the one file it would infer them from.

    Raises:
        layout.LayoutError: a declared column is missing (in the file Spark infers from).
    """
    folder = directory / name
    found = spark.read.parquet(str(folder)).columns
    declared = schema.declared(name).columns
    missing = [c.name for c in declared if c.name not in found]
    if missing:
        raise layout.LayoutError(f"{folder} lacks the column(s) {', '.join(missing)} (see data.schema)")
    ddl = ", ".join(f"`{c.name}` {SPARK_TYPES[c.dtype]}" for c in declared)
    return spark.read.schema(ddl).parquet(str(folder)).select(*(c.name for c in declared))


def refresh_aggregates(directory: str | Path, spark=None, master: str | None = None,
                       conf: dict[str, str] | None = None,
                       progress: Callable[[str], None] | None = None) -> dict[str, float]:
    """Build the aggregate tables of the Parquet warehouse in ``directory`` on Spark.

    Each table is written to a staging folder first and renamed into place when complete; the
    manifest is updated last with the rows of each table and of the facts they were built from
    (``aggregates_from``, which ``data.export.load_aggregates`` checks).

    Args:
        directory: the Parquet warehouse (``data.layout``); needs the facts, not the aggregates.
        spark: a session to use (default: ``session(master, conf)``).
        progress: called with a line per step.

    Returns:
        Seconds taken per table (and by 'count_sales', the per-count sales both grains use).

    Raises:
        layout.LayoutError: not a Parquet warehouse.
        SparkUnavailable: Spark cannot start.
    """
    from data.warehouse import SparkWarehouse  # late: warehouse opens Spark through this module

    directory = Path(directory)
    say = progress or (lambda text: None)
    wh = SparkWarehouse.open(directory, spark=spark, master=master, conf=conf, require_aggregates=False)
    staging = directory / f".refresh-{uuid.uuid4().hex[:12]}"
    timings: dict[str, float] = {}
    try:
        b, s = wh.backend(), wh.spark
        orders, snapshots, prices = (b.table(t) for t in layout.FACTS)
        first, last, fact_rows = _facts(b)
        if not any(fact_rows.values()):
            raise layout.LayoutError(f"{directory} holds no orders, stock counts or prices: nothing to aggregate")
        started = time.perf_counter()
        say(f"count_sales: stock counts from {first} to {last}")
        _write(b, count_sales(orders, snapshots, period_start(first, "month"), last + dt.timedelta(days=1)),
               staging / "_count_sales", partition=None)
        s.read.parquet(str(staging / "_count_sales")).createOrReplaceTempView("_count_sales")
        counts = b.table("_count_sales")
        timings["count_sales"] = time.perf_counter() - started
        for period, name in AGGREGATES.items():
            started = time.perf_counter()
            say(name)
            start = period_start(first, period)
            end = next_period_start(period_start(last, period), period)
            _write(b, client_product_rows(orders, snapshots, prices, counts, period, start, end),
                   staging / name, partition="period_start", table=name)
            timings[name] = time.perf_counter() - started
        for period, name in GROUP_AGGREGATES.items():
            started = time.perf_counter()
            say(name)
            s.read.parquet(str(staging / AGGREGATES[period])).createOrReplaceTempView("_facts")
            _write(b, client_group_facts(b.table("_facts"), b.table("products")), staging / name,
                   partition="period_start", table=name)
            timings[name] = time.perf_counter() - started
        manifest = dict(wh.manifest)
        manifest["aggregates_from"] = fact_rows
        for t, rows in manifest["aggregates_from"].items():
            layout.add_table(manifest, t, rows)
        for name in (*AGGREGATES.values(), *GROUP_AGGREGATES.values()):
            layout.add_table(manifest, name, s.read.parquet(str(staging / name)).count())
            _replace(staging / name, directory / name, staging)
        manifest["aggregates_built_at"] = dt.datetime.now().isoformat(timespec="seconds")
        layout.write_manifest(directory, manifest)
    finally:
        for view in ("_count_sales", "_facts"):
            wh.spark.catalog.dropTempView(view)
        wh.close()
        shutil.rmtree(staging, ignore_errors=True)
    return timings


def _facts(backend) -> tuple[dt.date | None, dt.date | None, dict[str, int]]:
    """The first and last fact date (None without facts) and the rows of each fact table."""
    import pandas as pd

    parts, rows = [], {}
    for table in layout.FACTS:
        t = backend.table(table)
        column = t[layout.PARTITIONED[table]]
        parts.append(t.aggregate(lo=column.min(), hi=column.max(), rows=t.count()).to_pandas())
        rows[table] = int(parts[-1]["rows"].iloc[0])
    both = pd.concat(parts)
    if both["lo"].isna().all():
        return None, None, rows
    return pd.Timestamp(both["lo"].min()).date(), pd.Timestamp(both["hi"].max()).date(), rows


def _write(backend, expr: ir.Table, folder: Path, partition: str | None, table: str | None = None) -> None:
    """Run ``expr`` and write it as Parquet to ``folder`` (partitioned by the month of column
    ``partition``), with the types ``data.schema`` declares for ``table``."""
    from pyspark.sql import functions as F

    if table is not None:
        declared = schema.declared(table).columns
        expr = expr.select(**{c.name: expr[c.name].cast(_IBIS_TYPES[c.dtype]) for c in declared})
    df = backend.raw_sql(backend.compile(expr))  # a Spark DataFrame: Spark writes the files
    if partition is None:
        df.write.parquet(str(folder))
        return
    df.withColumn(layout.PARTITION, F.date_format(partition, "yyyy-MM")) \
        .write.partitionBy(layout.PARTITION).parquet(str(folder))


def _replace(new: Path, target: Path, staging: Path) -> None:
    """Rename ``new`` over ``target``; the old folder goes into ``staging`` (deleted with it)."""
    if target.exists():
        target.rename(staging / f"old-{target.name}")
    new.rename(target)


def ibis_backend(spark) -> ibis.BaseBackend:
    """An Ibis backend on ``spark`` (which Ibis switches to UTC: dates carry no time zone)."""
    return ibis.pyspark.connect(spark)
