"""A local Spark session for Splink's Spark backend (``netcase resolve --backend spark``).

Splink's Spark comparisons call Scala UDFs (Jaro-Winkler and friends) shipped as a jar inside the
splink package; the session must load it through ``spark.jars``. On a cluster, point
``NETCASE_SPARK_MASTER`` at the master and the same code runs there.
"""

from __future__ import annotations

import os
from typing import Any


def spark_session(app_name: str = "netcase-resolve", memory: str = "4g") -> Any:
    """A Spark session with Splink's similarity jar loaded (local[*] unless NETCASE_SPARK_MASTER)."""
    from pyspark.sql import SparkSession
    from splink.backends.spark import similarity_jar_location

    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    builder = (
        SparkSession.builder.appName(app_name)
        .master(os.environ.get("NETCASE_SPARK_MASTER", "local[*]"))
        .config("spark.jars", similarity_jar_location())
        .config("spark.driver.memory", memory)
        .config("spark.sql.shuffle.partitions", os.environ.get("NETCASE_SPARK_PARTITIONS", "8"))
        .config("spark.ui.enabled", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
    )
    spark = builder.getOrCreate()
    spark.sparkContext.setCheckpointDir(os.environ.get("NETCASE_SPARK_CHECKPOINTS", "/tmp/netcase-spark-checkpoints"))
    return spark
