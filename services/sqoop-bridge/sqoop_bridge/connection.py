"""`--connect jdbc:mysql://host:port/db`, the password's sources, and a connection with retries.

The password comes only from `--password-file` (local, `file:` or `hdfs:` path), `-P` (prompt),
or the environment / the stack's secrets file (StackSettings.mysql_password); never from argv.
"""

from __future__ import annotations

import getpass
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from souk.logs import get_logger
from souk.settings import Secret, SettingsError
from souk.stack.settings import StackSettings
from sqoop_bridge.errors import SqoopError, UsageError
from sqoop_bridge.names import check_identifier

log = get_logger()

SCHEMES = ("jdbc:mysql://", "jdbc:mariadb://")


@dataclass(frozen=True)
class ConnectionSpec:
    """Where and as whom to connect; the password stays a Secret until the socket is opened."""

    host: str
    port: int
    database: str
    user: str
    password: Secret

    @property
    def url(self) -> str:
        return f"jdbc:mysql://{self.host}:{self.port}/{self.database}"


def parse_connect(url: str, default_port: int = 3306) -> tuple[str, int, str]:
    """(host, port, database) of a JDBC URL; Connector/J properties after '?' are accepted and ignored."""
    if not url.startswith(SCHEMES):
        raise UsageError(f"--connect {url!r}: expected jdbc:mysql://host[:port]/database (or jdbc:mariadb://)")
    parts = urlsplit(url[len("jdbc:") :])
    database = parts.path.lstrip("/")
    if not parts.hostname or not database:
        raise UsageError(f"--connect {url!r}: expected jdbc:mysql://host[:port]/database")
    check_identifier("database", database)
    try:
        port = parts.port or default_port
    except ValueError:
        raise UsageError(f"--connect {url!r}: the port is not a number") from None
    return parts.hostname, port, database


def read_password_file(location: str, hdfs_reader: Callable[[str], bytes] | None) -> Secret:
    """Sqoop's --password-file: a local path (or file:…) or an HDFS path (hdfs:… or absent locally)."""
    local: Path | None = None
    if location.startswith("file:"):
        local = Path(urlsplit(location).path)
    elif not location.startswith("hdfs:") and Path(location).expanduser().exists():
        local = Path(location).expanduser()
    try:
        if local is not None:
            data = local.read_bytes()
        elif hdfs_reader is not None:
            data = hdfs_reader(urlsplit(location).path if location.startswith("hdfs:") else location)
        else:
            raise FileNotFoundError(location)
    except (OSError, SqoopError) as exc:
        raise UsageError(f"--password-file {location}: cannot read it ({getattr(exc, 'strerror', None) or exc})") from None
    # Sqoop keeps a trailing newline as part of the password (`echo -n` is the usual advice); we drop it.
    return Secret(data.decode("utf-8").rstrip("\r\n"))


def resolve_spec(
    stack: StackSettings,
    connect: str | None,
    username: str | None,
    password_file: str | None,
    prompt: bool,
    hdfs_reader: Callable[[str], bytes] | None = None,
) -> ConnectionSpec:
    """The connection a tool uses: flags where given, else the local stack's MariaDB and the souk user."""
    if connect:
        host, port, database = parse_connect(connect, stack.mysql_port)
    else:
        host, port, database = stack.mysql_host, stack.mysql_port, stack.mysql_database
    user = username or stack.mysql_user
    if password_file:
        password = read_password_file(password_file, hdfs_reader)
    elif prompt:
        password = Secret(getpass.getpass("Enter password: "))
    else:
        try:
            password = stack.mysql_password()
        except SettingsError as exc:
            raise UsageError(str(exc)) from None
    return ConnectionSpec(host, port, database, user, password)


def c_extension_available() -> bool:
    """Whether mysql-connector's C extension could be loaded in this process (see sqoop_bridge/__init__.py)."""
    import mysql.connector

    return bool(getattr(mysql.connector, "HAVE_CEXT", False))


def connect(spec: ConnectionSpec, retries: int = 5, backoff_s: float = 0.5, database: str | None = None, c_extension: bool = False) -> Any:
    """A mysql-connector connection (utf8mb4, UTC session, autocommit off), retried with back-off.

    A refused or dropped server is retried `retries` times; wrong credentials or an unknown
    database fail at once. Either way the error is a one-line SqoopError. The pure-Python client
    is used unless `c_extension` asks for the C extension (the bulk reads of an import) and it loaded.
    """
    import mysql.connector
    from mysql.connector import errorcode

    delay = backoff_s
    for attempt in range(1, retries + 1):
        try:
            conn = mysql.connector.connect(
                host=spec.host,
                port=spec.port,
                user=spec.user,
                password=spec.password.reveal(),
                database=database if database is not None else spec.database,
                charset="utf8mb4",
                collation="utf8mb4_unicode_ci",
                time_zone="+00:00",
                autocommit=False,
                connection_timeout=10,
                use_pure=not (c_extension and c_extension_available()),
            )
            return conn
        except mysql.connector.Error as exc:
            if exc.errno in (errorcode.ER_ACCESS_DENIED_ERROR, errorcode.ER_DBACCESS_DENIED_ERROR, errorcode.ER_BAD_DB_ERROR):
                raise SqoopError(f"cannot connect to {spec.url} as {spec.user}: {exc.msg}") from None
            if attempt == retries:
                raise SqoopError(f"cannot connect to {spec.url} after {retries} attempts: {exc.msg}") from None
            log.warning("sqoop.connect.retry", url=spec.url, attempt=attempt, error=exc.msg, delay_s=delay)
            time.sleep(delay)
            delay *= 2
    raise SqoopError(f"cannot connect to {spec.url}")  # pragma: no cover - the loop returns or raises
