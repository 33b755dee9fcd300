"""pytest fixtures on the real stack, registered by the repository's root conftest.py.

`stack` (session) starts Kafka, HDFS and MariaDB unless a healthy stack is already running, and
stops at the end only what it started. Per-test fixtures give each test its own topics, HDFS
directory and MySQL database, so tests never see each other's data.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from souk.stack.settings import StackSettings, stack_settings
from souk.testing.poll import poll_until

SERVERS = ("kafka", "namenode", "datanode", "mariadb")


@dataclass
class Stack:
    """The running stack a test talks to."""

    settings: StackSettings
    started: list[str] = field(default_factory=list)

    def kafka_admin(self) -> Any:
        from kafka import KafkaAdminClient

        return KafkaAdminClient(bootstrap_servers=self.settings.kafka_bootstrap, client_id="souk-tests")

    def hdfs(self) -> Any:
        from hdfs import InsecureClient

        return InsecureClient(self.settings.hdfs_url, user=self.settings.hdfs_user)

    def mysql(self, database: str | None = None) -> Any:
        import mysql.connector

        s = self.settings
        return mysql.connector.connect(
            host=s.mysql_host,
            port=s.mysql_port,
            user=s.mysql_user,
            password=s.mysql_password().reveal(),
            database=database or s.mysql_database,
        )


def _slug(request: pytest.FixtureRequest) -> str:
    name = re.sub(r"[^a-z0-9]+", "-", request.node.name.lower()).strip("-")[:40]
    return f"{name}-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    """The real Kafka, HDFS and MariaDB: reused when healthy, else started for the session."""
    from souk.stack.supervisor import Supervisor

    settings = stack_settings()
    supervisor = Supervisor(settings)
    started = supervisor.up(SERVERS)
    yield Stack(settings, started)
    if started and os.environ.get("SOUK_KEEP_STACK") != "1":
        supervisor.down(started)


@dataclass(frozen=True)
class TestTopics:
    """The contract's six topics under a prefix unique to one test."""

    prefix: str

    def __getattr__(self, base: str) -> str:
        if base.startswith("_"):
            raise AttributeError(base)
        return self.prefix + base


@pytest.fixture
def topics(stack: Stack, request: pytest.FixtureRequest) -> Iterator[TestTopics]:
    """clicks, purchases, inventory, kpis, alerts and dlq, created fresh with the design's partitions."""
    from souk.stack.provision import ensure_topics

    prefix = f"test-{_slug(request)}."
    created = ensure_topics(stack.settings, prefix=prefix)
    yield TestTopics(prefix)
    admin = stack.kafka_admin()
    try:
        admin.delete_topics(created)
    finally:
        admin.close()


@pytest.fixture
def topic_factory(stack: Stack, request: pytest.FixtureRequest) -> Iterator[Callable[..., str]]:
    """`make(partitions=1, retention_ms=None) -> name`: one fresh topic per call, deleted after."""
    from kafka.admin import NewTopic

    admin = stack.kafka_admin()
    made: list[str] = []

    def make(partitions: int = 1, retention_ms: int | None = None) -> str:
        name = f"test-{_slug(request)}"
        configs = {"retention.ms": str(retention_ms)} if retention_ms else {}
        admin.create_topics([NewTopic(name, num_partitions=partitions, replication_factor=1, topic_configs=configs)])
        made.append(name)
        return name

    yield make
    try:
        if made:
            admin.delete_topics(made)
    finally:
        admin.close()


@pytest.fixture
def hdfs_tmpdir(stack: Stack, request: pytest.FixtureRequest) -> Iterator[str]:
    """An empty HDFS directory for one test, deleted after."""
    client = stack.hdfs()
    path = f"/tmp/souk-tests/{_slug(request)}"
    client.makedirs(path)
    yield path
    client.delete(path, recursive=True)


@pytest.fixture
def mysql_database(stack: Stack, request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh `souk_test_*` database for one test (the souk user owns `souk_*`), dropped after."""
    name = "souk_" + re.sub(r"[^a-z0-9]", "_", _slug(request))[:50]
    conn = stack.mysql()
    try:
        conn.cursor().execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        yield name
        conn.cursor().execute(f"DROP DATABASE IF EXISTS `{name}`")
    finally:
        conn.close()


@pytest.fixture(scope="session")
def spark(stack: Stack) -> Iterator[Any]:
    """A local[2] SparkSession whose default filesystem is the stack's HDFS."""
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("souk-tests")
        .config("spark.driver.memory", "1g")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.hadoop.fs.defaultFS", stack.settings.hdfs_rpc_url)
        .config("spark.hadoop.dfs.client.use.datanode.hostname", "true")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("WARN")
    yield session
    session.stop()


@pytest.fixture(name="poll_until")
def poll_until_fixture() -> Callable[..., Any]:
    return poll_until


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that uses the real stack is marked `integration`, so `make unit` can leave it out."""
    for item in items:
        if "stack" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.integration)
