"""The components `souk up` knows: how each starts, what it needs first, how its health is read."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from souk.stack import configs, health, install, provision
from souk.stack.errors import StackError, StartFailed
from souk.stack.health import Health
from souk.stack.settings import StackSettings

Hook = Callable[[StackSettings], None]


def _nothing(_: StackSettings) -> None:
    return None


@dataclass(frozen=True)
class Component:
    """One supervised process. `ready` defaults to `health`; `provision` runs after every start."""

    name: str
    description: str
    ports: Callable[[StackSettings], tuple[int, ...]]
    address: Callable[[StackSettings], str]
    command: Callable[[StackSettings], list[str]]
    health: Callable[[StackSettings], Health]
    requires: tuple[str, ...] = ()
    prepare: Hook = _nothing
    ready: Callable[[StackSettings], Health] | None = None
    provision: Hook = _nothing
    stop_timeout_s: float = 30.0
    autostart: bool = True
    scalable: bool = False
    source: Path | None = None
    instance: int = 1
    env: Callable[[StackSettings], dict[str, str]] = field(default=lambda _: {})


def _java(
    settings: StackSettings, heap: str, classpath: list[str], main: str, *args: str, props: dict[str, str] | None = None
) -> list[str]:
    tmp = settings.path("tmp", "java")
    tmp.mkdir(parents=True, exist_ok=True)
    flags = [
        # Jetty unpacks the HDFS web apps into the temp dir: keep that under SOUK_HOME, not /tmp.
        f"-Djava.io.tmpdir={tmp}",
        f"-Xmx{heap}",
        "-Xms64m",
        "-XX:+UseG1GC",
        "-XX:+ExitOnOutOfMemoryError",
        "-Djava.awt.headless=true",
        "-Djava.net.preferIPv4Stack=true",
    ]
    flags += [f"-D{k}={v}" for k, v in (props or {}).items()]
    return [install.java_binary(), *flags, "-cp", os.pathsep.join(classpath), main, *args]


def _java_ready(settings: StackSettings) -> None:
    """Java first: without it, fetching jars would only delay the one line that matters."""
    install.java_binary()
    install.ensure_jars(settings)


def _run_once(argv: list[str], what: str, settings: StackSettings) -> str:
    result = subprocess.run(argv, capture_output=True, text=True, check=False, cwd=settings.home)
    if result.returncode != 0:
        tail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
        raise StartFailed(f"{what} failed (exit {result.returncode}): {tail[0]}")
    return result.stdout


# --- Kafka -------------------------------------------------------------------------------------


def _kafka_classpath(s: StackSettings) -> list[str]:
    return [str(install.jars_dir(s, "kafka") / "*")]


def _kafka_props(s: StackSettings) -> dict[str, str]:
    return {"log4j2.configurationFile": str(s.path("conf", "kafka", "log4j2.yaml")), "kafka.logs.dir": str(s.path("logs"))}


def _kafka_prepare(s: StackSettings) -> None:
    _java_ready(s)
    data = s.path("data", "kafka")
    configs.copy(s, "kafka/log4j2.yaml")
    conf = configs.render(s, "kafka/server.properties", data_dir=str(data))
    if (data / "meta.properties").exists():
        return
    data.mkdir(parents=True, exist_ok=True)
    storage = ["kafka.tools.StorageTool"]
    cluster_file = s.path("data", "kafka-cluster-id")
    if not cluster_file.exists():
        uuid = _run_once(_java(s, "256m", _kafka_classpath(s), *storage, "random-uuid", props=_kafka_props(s)), "kafka random-uuid", s)
        cluster_file.write_text(uuid.strip().splitlines()[-1] + "\n")
    cluster_id = cluster_file.read_text().strip()
    _run_once(
        _java(
            s,
            "256m",
            _kafka_classpath(s),
            *storage,
            "format",
            "-t",
            cluster_id,
            "-c",
            str(conf),
            "--ignore-formatted",
            props=_kafka_props(s),
        ),
        "kafka storage format",
        s,
    )


KAFKA = Component(
    name="kafka",
    description="Apache Kafka broker + KRaft controller",
    ports=lambda s: (s.kafka_port, s.kafka_controller_port),
    address=lambda s: s.kafka_bootstrap,
    command=lambda s: _java(
        s, s.kafka_heap, _kafka_classpath(s), "kafka.Kafka", str(s.path("conf", "kafka", "server.properties")), props=_kafka_props(s)
    ),
    health=health.kafka,
    prepare=_kafka_prepare,
    provision=provision.ensure_topics_quietly,
    stop_timeout_s=60.0,
)


# --- HDFS --------------------------------------------------------------------------------------


def _hadoop_classpath(s: StackSettings) -> list[str]:
    # The conf folder comes first so core-site.xml, hdfs-site.xml and log4j.properties win.
    return [str(s.path("conf", "hadoop")), str(install.jars_dir(s, "hadoop") / "*")]


def _hadoop_props(s: StackSettings, name: str) -> dict[str, str]:
    return {
        "hadoop.log.dir": str(s.path("logs")),
        "hadoop.log.file": f"{name}.log",
        "hadoop.home.dir": str(s.path("hadoop-home")),
        "hadoop.id.str": s.hdfs_user,
        "log4j.configuration": f"file:{s.path('conf', 'hadoop', 'log4j.properties')}",
    }


def _hadoop_prepare(s: StackSettings) -> None:
    _java_ready(s)
    data = s.path("data", "hdfs")
    s.path("hadoop-home").mkdir(parents=True, exist_ok=True)
    configs.copy(s, "hadoop/log4j.properties")
    configs.render(s, "hadoop/core-site.xml", data_dir=str(data))
    configs.render(s, "hadoop/hdfs-site.xml", data_dir=str(data))


def _namenode_prepare(s: StackSettings) -> None:
    _hadoop_prepare(s)
    if (s.path("data", "hdfs", "name", "current", "VERSION")).exists():
        return
    _run_once(
        _java(
            s,
            s.hdfs_heap,
            _hadoop_classpath(s),
            "org.apache.hadoop.hdfs.server.namenode.NameNode",
            "-format",
            "-force",
            "-nonInteractive",
            props=_hadoop_props(s, "namenode"),
        ),
        "namenode -format",
        s,
    )


NAMENODE = Component(
    name="namenode",
    description="HDFS NameNode with WebHDFS",
    ports=lambda s: (s.namenode_rpc_port, s.namenode_http_port),
    address=lambda s: f"{s.hdfs_rpc_url}, {s.hdfs_url}",
    command=lambda s: _java(
        s, s.hdfs_heap, _hadoop_classpath(s), "org.apache.hadoop.hdfs.server.namenode.NameNode", props=_hadoop_props(s, "namenode")
    ),
    health=health.namenode,
    prepare=_namenode_prepare,
    provision=provision.ensure_hdfs_dirs,
)

DATANODE = Component(
    name="datanode",
    description="HDFS DataNode",
    requires=("namenode",),
    ports=lambda s: (s.datanode_http_port, s.datanode_data_port, s.datanode_ipc_port),
    address=lambda s: f"{s.bind_host}:{s.datanode_data_port}",
    command=lambda s: _java(
        s, s.hdfs_heap, _hadoop_classpath(s), "org.apache.hadoop.hdfs.server.datanode.DataNode", props=_hadoop_props(s, "datanode")
    ),
    health=health.datanode,
    prepare=_hadoop_prepare,
)


# --- MariaDB -----------------------------------------------------------------------------------


def _mariadb_socket(s: StackSettings) -> str:
    return str(s.path("run", "mariadb.sock"))


def _mariadb_prepare(s: StackSettings) -> None:
    _, installer = install.ensure_mariadb()
    provision.ensure_password_file(s.mysql_password_file)
    data = s.path("data", "mariadb")
    if (data / "mysql").is_dir():
        return
    data.mkdir(parents=True, exist_ok=True)
    argv = [installer, "--no-defaults", f"--datadir={data}", "--auth-root-authentication-method=normal", "--skip-test-db"]
    if os.geteuid() == 0:
        argv.insert(2, "--user=root")
    _run_once(argv, "mariadb-install-db", s)


def _mariadb_command(s: StackSettings) -> list[str]:
    server, _ = install.ensure_mariadb()
    argv = [
        server,
        "--no-defaults",  # must come first, or Debian's /etc/mysql files leak in
        f"--datadir={s.path('data', 'mariadb')}",
        f"--socket={_mariadb_socket(s)}",
        f"--pid-file={s.path('run', 'mariadbd.pid')}",
        f"--port={s.mysql_port}",
        f"--bind-address={s.bind_host}",
        "--skip-name-resolve",
        "--character-set-server=utf8mb4",
        "--collation-server=utf8mb4_unicode_ci",
        "--default-time-zone=+00:00",
        "--innodb-buffer-pool-size=128M",
        "--performance-schema=OFF",
        "--max-connections=300",
    ]
    if os.geteuid() == 0:
        argv.insert(2, "--user=root")
    return argv


def _mariadb_socket_ready(s: StackSettings) -> Health:
    import mysql.connector

    try:
        conn = mysql.connector.connect(unix_socket=_mariadb_socket(s), user="root", password="", connection_timeout=2)
        conn.close()
    except Exception as exc:
        return Health(False, f"socket not ready: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")
    return Health(True, "socket ready")


MARIADB = Component(
    name="mariadb",
    description="MariaDB (MySQL protocol)",
    ports=lambda s: (s.mysql_port,),
    address=lambda s: f"{s.mysql_host}:{s.mysql_port}",
    command=_mariadb_command,
    health=health.mariadb_tcp,
    prepare=_mariadb_prepare,
    ready=_mariadb_socket_ready,
    provision=lambda s: provision.ensure_database(s, s.path("run", "mariadb.sock")),
)


SERVERS: tuple[Component, ...] = (KAFKA, NAMENODE, DATANODE, MARIADB)


def all_components(settings: StackSettings) -> dict[str, Component]:
    """The servers, what services and Flume agents declare, and the extra instances now running."""
    from souk.stack.declared import declared_components, load_component

    components = {c.name: c for c in SERVERS}
    for component in declared_components():
        if component.name in components:
            raise StackError(f"component {component.name!r} is declared twice")
        components[component.name] = component
        if component.scalable and component.source is not None:
            for pid in sorted(settings.path("run").glob(f"{component.name}-*.pid")):
                suffix = pid.stem.rsplit("-", 1)[1]
                if suffix.isdigit() and int(suffix) > 1:
                    extra = load_component(component.source, instance=int(suffix))
                    components[extra.name] = extra
    return components
