"""A Spark session for Splink's Spark backend (``netcase resolve --backend spark``).

Splink's Spark comparisons call Scala UDFs (Jaro-Winkler and friends) shipped as a jar inside the
splink package; the session must load it through ``spark.jars``. Locally (``local[*]``, the
default) intermediate tables are kept in memory (``persist``) and shuffles use one partition per
core, because writing every intermediate table to parquet and shuffling into 200 partitions is what
made a 600-row trial crawl. On a cluster, point ``NETCASE_SPARK_MASTER`` at the master (and
``NETCASE_SPARK_LINEAGE=parquet``, ``NETCASE_SPARK_PARTITIONS``) and the same code runs there.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SparkConfig:
    """Where Spark runs and how Splink breaks lineage there (read from the environment)."""

    master: str
    partitions: int
    lineage: str
    memory: str
    checkpoints: str

    @property
    def local(self) -> bool:
        """Whether this is a single-machine session."""
        return self.master.startswith("local")


def spark_config(env: dict[str, str] | None = None) -> SparkConfig:
    """The Spark settings from ``NETCASE_SPARK_*`` variables, with single-machine defaults."""
    e = dict(os.environ if env is None else env)
    master = e.get("NETCASE_SPARK_MASTER", "local[*]")
    local = master.startswith("local")
    cores = os.cpu_count() or 2
    return SparkConfig(
        master=master,
        partitions=int(e.get("NETCASE_SPARK_PARTITIONS", str(cores if local else 200))),
        lineage=e.get("NETCASE_SPARK_LINEAGE", "persist" if local else "parquet"),
        memory=e.get("NETCASE_SPARK_DRIVER_MEMORY", "4g"),
        checkpoints=e.get("NETCASE_SPARK_CHECKPOINTS", "/tmp/netcase-spark-checkpoints"),
    )


def similarity_jar() -> str:
    """The path of Splink's bundled Scala similarity UDF jar (for Spark 4) inside the splink package."""
    from splink.backends.spark import similarity_jar_location

    path = str(similarity_jar_location())
    if not os.path.exists(path):
        raise FileNotFoundError(f"Splink's similarity jar is missing at {path}; reinstall splink")
    return path


def spark_session(config: SparkConfig | None = None, app_name: str = "netcase-resolve") -> Any:
    """A Spark session with Splink's similarity jar loaded; raises a clear error without Java."""
    import shutil

    from pyspark.sql import SparkSession

    if not os.environ.get("JAVA_HOME") and shutil.which("java") is None:
        raise RuntimeError("--backend spark needs Java 17 (java on PATH or JAVA_HOME); none was found")
    cfg = config or spark_config()
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    builder = (
        SparkSession.builder.appName(app_name)
        .master(cfg.master)
        .config("spark.jars", similarity_jar())
        .config("spark.driver.memory", cfg.memory)
        .config("spark.sql.shuffle.partitions", str(cfg.partitions))
        .config("spark.default.parallelism", str(cfg.partitions))
        .config("spark.ui.enabled", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.adaptive.enabled", "true")
    )
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    spark.sparkContext.setCheckpointDir(cfg.checkpoints)
    return spark


def splink_spark_api(spark: Any = None, config: SparkConfig | None = None) -> Any:
    """Splink's SparkAPI on ``spark`` (a new local session when None), lineage broken as configured."""
    from splink import SparkAPI

    cfg = config or spark_config()
    session = spark if spark is not None else spark_session(cfg)
    return SparkAPI(spark_session=session, break_lineage_method=cfg.lineage,
                    num_partitions_on_repartition=cfg.partitions)
