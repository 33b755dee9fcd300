"""Real health checks: a Kafka metadata request, WebHDFS LISTSTATUS, NameNode JMX, `SELECT 1`."""

from __future__ import annotations

import json
import logging
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from souk.stack.settings import StackSettings

# kafka-python logs every refused connection at ERROR; a health probe expects refusals.
logging.getLogger("kafka").setLevel(logging.CRITICAL)


@dataclass(frozen=True)
class Health:
    ok: bool
    detail: str


def tcp_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def http_json(url: str, timeout: float = 3.0) -> Any:
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - local http only
        return json.loads(response.read())


def kafka(settings: StackSettings) -> Health:
    if not tcp_open(settings.bind_host, settings.kafka_port):
        return Health(False, f"nothing listens on {settings.kafka_bootstrap}")
    from kafka import KafkaAdminClient

    try:
        admin = KafkaAdminClient(
            bootstrap_servers=settings.kafka_bootstrap,
            client_id="souk-health",
            request_timeout_ms=5000,
        )
    except Exception as exc:  # kafka-python raises several unrelated types while a broker boots
        return Health(False, f"metadata request failed: {exc}")
    try:
        cluster = admin.describe_cluster()
        topics = [t for t in admin.list_topics() if not t.startswith("__")]
    except Exception as exc:
        return Health(False, f"metadata request failed: {exc}")
    finally:
        admin.close()
    brokers = len(cluster.get("brokers", []))
    if brokers < 1:
        return Health(False, "no broker registered")
    return Health(True, f"{brokers} broker, {len(topics)} topics")


def namenode(settings: StackSettings) -> Health:
    url = f"{settings.hdfs_url}/webhdfs/v1/?op=LISTSTATUS&user.name={settings.hdfs_user}"
    try:
        listing = http_json(url)
        entries = len(listing["FileStatuses"]["FileStatus"])
    except (OSError, ValueError, KeyError) as exc:
        return Health(False, f"WebHDFS LISTSTATUS failed: {failure_reason(exc)}")
    return Health(True, f"WebHDFS ok, {entries} entries in /")


def datanode(settings: StackSettings) -> Health:
    """Healthy when the NameNode counts a live DataNode and is out of safe mode (writes work)."""
    url = f"{settings.hdfs_url}/jmx?qry=Hadoop:service=NameNode,name=FSNamesystemState"
    try:
        bean = http_json(url)["beans"][0]
    except (OSError, ValueError, KeyError, IndexError) as exc:
        return Health(False, f"NameNode JMX unavailable: {failure_reason(exc)}")
    live, state = bean.get("NumLiveDataNodes", 0), bean.get("FSState", "?")
    if live < 1:
        return Health(False, "no live DataNode registered with the NameNode")
    if state != "Operational":
        return Health(False, f"NameNode state {state}")
    used = bean.get("CapacityUsed", 0)
    total = bean.get("CapacityTotal", 0)
    return Health(True, f"{live} live, {_size(used)} of {_size(total)} used")


def mariadb_tcp(settings: StackSettings) -> Health:
    """`SELECT 1` as the souk user over TCP, as every service connects."""
    import mysql.connector

    try:
        password = settings.mysql_password().reveal()
        conn = mysql.connector.connect(
            host=settings.mysql_host,
            port=settings.mysql_port,
            user=settings.mysql_user,
            password=password,
            database=settings.mysql_database,
            connection_timeout=3,
        )
    except Exception as exc:
        return Health(False, f"connect failed: {failure_reason(exc)}")
    try:
        cur = conn.cursor()
        cur.execute("SELECT 1, VERSION()")
        one, version = cur.fetchone()  # type: ignore[misc]
    finally:
        conn.close()
    return Health(one == 1, f"SELECT 1 ok, {str(version).split('-')[0]}")


def failure_reason(exc: BaseException) -> str:
    """One line saying why a probe failed (HTTP status, socket error, first line of the message)."""
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code}"
    if isinstance(exc, urllib.error.URLError):
        return str(exc.reason)
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _size(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"
