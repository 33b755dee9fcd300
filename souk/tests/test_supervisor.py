"""The supervisor on stand-in processes (python one-liners): no real servers needed."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import psutil
import pytest

from souk.settings import load
from souk.stack.components import Component
from souk.stack.declared import load_component
from souk.stack.errors import PortBusy, StartFailed, UsageError
from souk.stack.health import Health
from souk.stack.settings import StackSettings
from souk.stack.supervisor import Supervisor


def _settings(tmp_path: Path) -> StackSettings:
    return load(StackSettings, {"SOUK_HOME": str(tmp_path), "SOUK_START_TIMEOUT": "10"})


def _sleeper(name: str, *, requires: tuple[str, ...] = (), ports: tuple[int, ...] = (), code: str = "") -> Component:
    """A component whose process sleeps; healthy once its process writes its marker file."""

    def command(s: StackSettings) -> list[str]:
        marker = s.path("run", f"{name}.ready")
        script = code or f"import pathlib, time; pathlib.Path({str(marker)!r}).touch(); time.sleep(600)"
        return [sys.executable, "-c", script]

    def health(s: StackSettings) -> Health:
        return Health(s.path("run", f"{name}.ready").exists(), "marker")

    return Component(
        name=name,
        description=name,
        ports=lambda _: ports,
        address=lambda _: "-",
        command=command,
        health=health,
        requires=requires,
        stop_timeout_s=5,
    )


@pytest.fixture
def supervisor(tmp_path):
    components = {c.name: c for c in (_sleeper("db"), _sleeper("app", requires=("db",)), _sleeper("web", requires=("app",)))}
    sup = Supervisor(_settings(tmp_path), components)
    yield sup
    sup.down()


def test_start_order_puts_requirements_first(supervisor):
    assert [c.name for c in supervisor.start_order(["web"])] == ["db", "app", "web"]
    assert [c.name for c in supervisor.start_order()] == ["db", "app", "web"]


def test_unknown_component_is_a_usage_error(supervisor):
    with pytest.raises(UsageError, match=r"^unknown component 'wbe' \(known: db, app, web\)$"):
        supervisor.up(["wbe"])


def test_up_is_idempotent_and_down_stops_everything(supervisor):
    assert supervisor.up(["app"]) == ["db", "app"]
    pids = {r.name: r.pid for r in supervisor.status(["app"])}
    assert supervisor.up(["app"]) == []
    assert {r.name: r.pid for r in supervisor.status(["app"])} == pids
    assert all(r.health.ok for r in supervisor.status(["app"]))
    assert supervisor.down() == ["app", "db"]
    assert not any(psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE for pid in pids.values())


def test_stale_pid_file_is_cleaned_and_component_restarted(supervisor):
    supervisor.up(["db"])
    (old,) = supervisor.status(["db"])
    psutil.Process(old.pid).kill()
    psutil.Process(old.pid).wait(5)
    (dead,) = supervisor.status(["db"])
    assert (dead.pid, dead.health.ok) == (None, False)
    assert not supervisor.settings.path("run", "db.pid").exists()
    # A pid file naming a recycled or foreign pid is stale too.
    supervisor.settings.path("run", "db.pid").write_text(f"{psutil.Process().pid} 12345.0\n")
    assert supervisor.up(["db"]) == ["db"]
    (new,) = supervisor.status(["db"])
    assert new.pid not in (None, old.pid, psutil.Process().pid)


def test_busy_port_names_the_port_and_its_holder(tmp_path):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        sup = Supervisor(_settings(tmp_path), {"db": _sleeper("db", ports=(port,))})
        with pytest.raises(PortBusy) as excinfo:
            sup.up(["db"])
    assert str(excinfo.value) == f"port {port} needed by db is taken by pid {psutil.Process().pid} ({psutil.Process().name()})"


def test_a_component_that_dies_while_starting_reports_its_last_log_line(tmp_path):
    crash = _sleeper("db", code="import sys; print('fatal: cannot open data dir', flush=True); sys.exit(3)")
    sup = Supervisor(_settings(tmp_path), {"db": crash})
    with pytest.raises(StartFailed) as excinfo:
        sup.up(["db"])
    message = str(excinfo.value)
    assert message.startswith("db exited with code 3 while starting; last log line: 'fatal: cannot open data dir'")
    assert "\n" not in message
    assert not sup.settings.path("run", "db.pid").exists()


def test_declared_component_fills_placeholders_and_shifts_ports_per_instance(tmp_path):
    toml = tmp_path / "component.toml"
    toml.write_text(
        """
name = "worker"
requires = ["kafka"]
command = ["{python}", "-m", "worker", "--port", "{port}", "--bootstrap", "{kafka_bootstrap}"]
ports = ["{processor_port}"]
address = "http://{bind_host}:{port}"
scalable = true
[health]
kind = "http"
url = "http://{bind_host}:{port}/health"
[env]
DATA = "{home}/data/{name}"
"""
    )
    settings = _settings(tmp_path)
    first, third = load_component(toml), load_component(toml, instance=3)
    assert (first.name, third.name) == ("worker", "worker-3")
    assert first.ports(settings) == (6066,) and third.ports(settings) == (6068,)
    assert third.command(settings) == [sys.executable, "-m", "worker", "--port", "6068", "--bootstrap", "127.0.0.1:9092"]
    assert third.address(settings) == "http://127.0.0.1:6068"
    assert third.env(settings) == {"SOUK_INSTANCE": "3", "DATA": f"{tmp_path}/data/worker-3"}
    assert (first.autostart, third.autostart) == (True, False)
    assert not third.health(settings).ok  # nothing listens on 6068


def test_only_scalable_components_scale(supervisor):
    with pytest.raises(UsageError, match=r"^db cannot be scaled \(scalable components: none\)$"):
        supervisor.scale("db", 2)
