"""The agents' declarations and rendered confs, checked without servers."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from souk.settings import REPO_ROOT
from souk.stack import configs
from souk.stack.declared import load_component
from souk.stack.settings import StackSettings, stack_settings

AGENTS = ("flume-logs", "flume-kafka")


@pytest.fixture
def settings(tmp_path: Path) -> StackSettings:
    return dataclasses.replace(stack_settings(), home=tmp_path, topic_prefix="pre.")


def _rendered(settings: StackSettings, agent: str) -> dict[str, str]:
    spec_templates = [f"flume/{agent}/{agent}.conf", "flume/conf/core-site.xml", "flume/conf/hdfs-site.xml", "flume/conf/log4j2.xml"]
    for template in spec_templates:
        configs.render_path(settings, REPO_ROOT / template, name=agent)
    props: dict[str, str] = {}
    for line in settings.path("conf", "flume", agent, f"{agent}.conf").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            key, value = line.split("=", 1)
            props[key.strip()] = value.strip()
    return props


@pytest.mark.parametrize("agent", AGENTS)
def test_component_runs_flume_with_its_rendered_conf_and_monitoring_port(settings: StackSettings, agent: str) -> None:
    component = load_component(REPO_ROOT / "flume" / agent / "component.toml")
    port = settings.flume_logs_port if agent == "flume-logs" else settings.flume_kafka_port
    argv = component.command(settings)
    assert component.name == agent and component.autostart
    assert component.ports(settings) == (port,)
    assert {"namenode", "datanode"} <= set(component.requires)
    assert f"-Dflume.monitoring.port={port}" in argv
    # Flume's own HTTPMetricsServer binds every interface; ours binds the stack's address.
    assert "-Dflume.monitoring.type=souk.flume.LoopbackHTTPMetricsServer" in argv
    assert f"-Dflume.monitoring.bind={settings.bind_host}" in argv
    assert "java.base/java.nio=ALL-UNNAMED" in argv and "java.base/sun.nio.ch=ALL-UNNAMED" in argv
    assert argv[argv.index("-n") + 1] == agent
    assert argv[argv.index("-f") + 1] == str(settings.path("conf", "flume", agent, f"{agent}.conf"))
    assert argv[argv.index("-cp") + 1].split(":")[0] == str(settings.path("conf", "flume", "conf"))
    assert component.env(settings)["HADOOP_USER_NAME"] == settings.hdfs_user


@pytest.mark.parametrize("agent", AGENTS)
def test_hdfs_sink_rolls_on_size_and_time_never_on_count(settings: StackSettings, agent: str) -> None:
    props = _rendered(settings, agent)
    sink = f"{agent}.sinks.hdfs.hdfs."
    assert props[sink + "rollCount"] == "0"
    assert int(props[sink + "rollInterval"]) >= 300
    assert int(props[sink + "rollSize"]) >= 64 * 1024 * 1024
    assert props[sink + "fileType"] == "DataStream"
    assert props[sink + "timeZone"] == "UTC"
    assert settings.path("conf", "flume", "conf", "hdfs-site.xml").read_text(encoding="utf-8").count("dfs.client.use.datanode.hostname")


def test_flume_logs_tails_every_service_log_but_its_own(settings: StackSettings) -> None:
    props = _rendered(settings, "flume-logs")
    pattern = props["flume-logs.sources.taildir.filegroups.services"]
    directory, regex = pattern.rsplit("/", 1)
    assert directory == str(settings.path("logs"))
    tailed = [
        name
        for name in (
            "producer-app.log",
            "kafka.log",
            "processor-2.log",
            "flume-logs.log",
            "flume-kafka.log",
            "processor.log.1",
            "notes.txt",
        )
        if re.fullmatch(regex, name)
    ]
    assert tailed == ["producer-app.log", "kafka.log", "processor-2.log"]
    assert props["flume-logs.sinks.hdfs.hdfs.path"] == f"{settings.hdfs_rpc_url}/user/flume/logs/%Y/%m/%d"
    for key in ("positionFile",):
        assert props[f"flume-logs.sources.taildir.{key}"].startswith(str(settings.path("data", "flume-logs")))
    assert props["flume-logs.channels.file.checkpointDir"].startswith(str(settings.path("data", "flume-logs")))


def test_flume_kafka_reads_the_three_source_topics_into_topic_hour_dirs(settings: StackSettings) -> None:
    props = _rendered(settings, "flume-kafka")
    source = "flume-kafka.sources.kafka."
    assert props[source + "kafka.topics"].split(",") == ["pre.clicks", "pre.purchases", "pre.inventory"]
    assert props[source + "kafka.consumer.group.id"] == "flume-kafka"
    assert props[source + "kafka.bootstrap.servers"] == settings.kafka_bootstrap
    assert props["flume-kafka.sinks.hdfs.hdfs.path"] == f"{settings.hdfs_rpc_url}/user/flume/kafka-data/%{{topic}}/%Y/%m/%d/%H"
    assert props["flume-kafka.channels.file.dataDirs"].startswith(str(settings.path("data", "flume-kafka")))
