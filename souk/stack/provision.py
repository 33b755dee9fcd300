"""What the stack holds once up: the design's topics, the HDFS directories, the souk database."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from souk.logs import get_logger
from souk.stack.errors import StackError
from souk.stack.settings import StackSettings

if TYPE_CHECKING:
    from souk.contract import TopicSpec

log = get_logger(component="provision")

HDFS_DIRS = (
    "/data/ecommerce/clicks",
    "/data/ecommerce/purchases",
    "/data/ecommerce/inventory",
    "/user/flume/logs",
    "/user/flume/kafka-data",
    "/user/sqoop/warehouse",
    "/warehouse",
    "/reports",
    "/tmp",
)


def ensure_topics(settings: StackSettings, specs: Iterable[TopicSpec] | None = None, prefix: str | None = None) -> list[str]:
    """Create missing topics; grow partitions and set retention on existing ones. Idempotent.

    Returns the names created. Partitions only grow: Kafka cannot shrink a topic, and a
    topic with more partitions than the design still keeps per-key order.
    """
    from kafka import KafkaAdminClient
    from kafka.admin import ConfigResource, ConfigResourceType, NewPartitions, NewTopic

    from souk.contract import TOPICS

    specs = TOPICS if specs is None else specs
    prefix = settings.topic_prefix if prefix is None else prefix
    wanted = {spec.name(prefix): spec for spec in specs}
    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap, client_id="souk-provision")
    try:
        existing = set(admin.list_topics())
        missing = [
            NewTopic(
                name,
                num_partitions=spec.partitions,
                replication_factor=1,
                topic_configs={"retention.ms": str(spec.retention_ms), "cleanup.policy": "delete"},
            )
            for name, spec in wanted.items()
            if name not in existing
        ]
        if missing:
            admin.create_topics(missing)
            wait_for_leaders(admin, {t.name: t.num_partitions for t in missing})
            log.info("provision.topics.created", topics=[t.name for t in missing])
        present = [name for name in wanted if name in existing]
        if present:
            described = {d["name"]: len(d["partitions"]) for d in admin.describe_topics(present)}
            grow = {n: NewPartitions(wanted[n].partitions) for n in present if described.get(n, 0) < wanted[n].partitions}
            if grow:
                admin.create_partitions(grow)
                log.info("provision.topics.partitions_grown", topics=sorted(grow))
            admin.alter_configs(
                [
                    ConfigResource(
                        ConfigResourceType.TOPIC, n, configs={"retention.ms": str(wanted[n].retention_ms), "cleanup.policy": "delete"}
                    )
                    for n in present
                ]
            )
        return [t.name for t in missing]
    finally:
        admin.close()


def wait_for_leaders(admin: Any, partitions: dict[str, int], timeout_s: float = 30.0) -> None:
    """Block until every new topic's partitions have a leader: creation returns before that, and a
    producer or test that writes at once would otherwise see UnknownTopicOrPartition."""
    deadline = time.monotonic() + timeout_s
    while True:
        described = admin.describe_topics(list(partitions))
        ready = {
            d["name"]
            for d in described
            if d.get("error_code", 0) == 0
            and len(d["partitions"]) == partitions[d["name"]]
            and all(p.get("leader_id", -1) >= 0 for p in d["partitions"])
        }
        if ready >= set(partitions):
            return
        if time.monotonic() > deadline:
            raise StackError(f"topics without a leader after {timeout_s:.0f} s: {', '.join(sorted(set(partitions) - ready))}")
        time.sleep(0.2)


def ensure_topics_quietly(settings: StackSettings) -> None:
    ensure_topics(settings)


def ensure_hdfs_dirs(settings: StackSettings, dirs: Iterable[str] = HDFS_DIRS) -> None:
    from hdfs import InsecureClient

    client = InsecureClient(settings.hdfs_url, user=settings.hdfs_user)
    for path in dirs:
        client.makedirs(path)
    log.info("provision.hdfs.dirs", dirs=list(dirs))


def ensure_password_file(path: Path) -> None:
    """Generate the souk user's password once, readable only by its owner."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.parent.chmod(0o700)
    tmp = path.with_suffix(".tmp")
    tmp.touch(mode=0o600)
    tmp.write_text(secrets.token_urlsafe(24) + "\n", encoding="ascii")
    tmp.replace(path)


def ensure_database(settings: StackSettings, socket_path: Path) -> None:
    """The souk database and a TCP user for it, created as root over the server's socket.

    The user may also create `souk_*` databases: tests and sqoop-bridge jobs get their own.
    """
    import mysql.connector

    password = settings.mysql_password().reveal()
    user, host, db = settings.mysql_user, settings.mysql_host, settings.mysql_database
    conn = mysql.connector.connect(unix_socket=str(socket_path), user="root", password="")
    try:
        cur = conn.cursor()
        cur.execute(f"CREATE DATABASE IF NOT EXISTS `{db}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        for h in sorted({host, "localhost", "127.0.0.1"}):
            cur.execute("CREATE USER IF NOT EXISTS %s@%s IDENTIFIED BY %s", (user, h, password))
            # Keep the account on the file's password even if the file was regenerated.
            cur.execute("ALTER USER %s@%s IDENTIFIED BY %s", (user, h, password))
            cur.execute(f"GRANT ALL PRIVILEGES ON `{db}`.* TO %s@%s", (user, h))
            cur.execute(f"GRANT ALL PRIVILEGES ON `{db}\\_%`.* TO %s@%s", (user, h))
            # sqoop-bridge's list-databases and eval need to see the server's catalogue.
            cur.execute("GRANT SHOW DATABASES, PROCESS ON *.* TO %s@%s", (user, h))
        conn.commit()
    finally:
        conn.close()
    log.info("provision.mariadb.ready", database=db, user=user)
