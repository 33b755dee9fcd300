"""Start components in dependency order, wait on real health, stop them, report their status."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from souk.logs import get_logger
from souk.stack import process
from souk.stack.components import Component, all_components
from souk.stack.errors import PortBusy, StartFailed, UsageError
from souk.stack.health import Health
from souk.stack.process import PidFile
from souk.stack.settings import StackSettings

log = get_logger(component="supervisor")


@dataclass(frozen=True)
class Status:
    name: str
    pid: int | None
    address: str
    health: Health
    uptime: str
    rss_bytes: int


class Supervisor:
    """Runs the stack's components as detached processes with pid files under SOUK_HOME/run."""

    def __init__(self, settings: StackSettings, components: Mapping[str, Component] | None = None) -> None:
        self.settings = settings
        self.components = dict(all_components(settings) if components is None else components)

    # -- naming and ordering ------------------------------------------------------------------

    def check_names(self, names: Iterable[str]) -> list[str]:
        names = list(names)
        unknown = [n for n in names if n not in self.components]
        if unknown:
            known = ", ".join(self.components)
            raise UsageError(f"unknown component {unknown[0]!r} (known: {known})")
        return names

    def start_order(self, names: Iterable[str] = ()) -> list[Component]:
        """The named components (all autostart ones when none) and what they require, dependencies first."""
        wanted = self.check_names(names) or [n for n, c in self.components.items() if c.autostart]
        ordered: list[Component] = []

        def visit(name: str) -> None:
            component = self.components[name]
            for dep in component.requires:
                visit(dep)
            if component not in ordered:
                ordered.append(component)

        for name in wanted:
            visit(name)
        return ordered

    # -- files --------------------------------------------------------------------------------

    def pidfile(self, component: Component) -> PidFile:
        return PidFile(self.settings.path("run", f"{component.name}.pid"))

    def log_path(self, name: str) -> os.PathLike[str]:
        self.check_names([name])
        return self.settings.path("logs", f"{name}.log")

    # -- operations ---------------------------------------------------------------------------

    def up(self, names: Iterable[str] = ()) -> list[str]:
        """Start what is not running; returns the names actually started. Idempotent."""
        started = []
        for component in self.start_order(names):
            if self.start(component):
                started.append(component.name)
        return started

    def start(self, component: Component) -> bool:
        s = self.settings
        ready = component.ready or component.health
        running = self.pidfile(component).read()
        if running is not None:
            self._wait(component, ready, running.pid, proc=None)
            component.provision(s)
            log.info("supervisor.already_running", name=component.name, pid=running.pid)
            return False
        for port in component.ports(s):
            if not process.port_is_free(s.bind_host, port):
                raise PortBusy(f"port {port} needed by {component.name} is taken by {process.port_holder(port)}")
        for directory in ("run", "logs", "data"):
            s.path(directory).mkdir(parents=True, exist_ok=True)
        component.prepare(s)
        argv = component.command(s)
        env = {**os.environ, **component.env(s)}
        started = time.monotonic()
        proc = process.spawn(argv, log=s.path("logs", f"{component.name}.log"), env=env, cwd=s.home)
        self.pidfile(component).write(proc.pid)
        log.info("supervisor.started", name=component.name, pid=proc.pid)
        self._wait(component, ready, proc.pid, proc=proc)
        component.provision(s)
        log.info("supervisor.healthy", name=component.name, pid=proc.pid, seconds=round(time.monotonic() - started, 1))
        return True

    def _wait(self, component: Component, ready: Callable[[StackSettings], Health], pid: int, proc: subprocess.Popen[bytes] | None) -> None:
        deadline = time.monotonic() + self.settings.start_timeout_s
        last = Health(False, "not checked yet")
        delay = 0.2
        while time.monotonic() < deadline:
            if proc is not None and proc.poll() is not None:
                self.pidfile(component).remove()
                raise StartFailed(
                    f"{component.name} exited with code {proc.returncode} while starting; "
                    f"last log line: {self._last_log_line(component)!r} (see {self.log_path(component.name)})"
                )
            if self.pidfile(component).read() is None:
                raise StartFailed(f"{component.name} (pid {pid}) died while starting; see {self.log_path(component.name)}")
            last = ready(self.settings)
            if last.ok:
                return
            time.sleep(delay)
            delay = min(delay * 1.5, 2.0)
        raise StartFailed(
            f"{component.name} (pid {pid}) not healthy after {self.settings.start_timeout_s:.0f} s: {last.detail}; "
            f"see {self.log_path(component.name)}"
        )

    def _last_log_line(self, component: Component) -> str:
        try:
            with open(self.log_path(component.name), "rb") as f:
                f.seek(0, os.SEEK_END)
                f.seek(max(0, f.tell() - 4096))
                lines = [ln for ln in f.read().decode("utf-8", "replace").splitlines() if ln.strip()]
        except FileNotFoundError:
            return ""
        return lines[-1][:300] if lines else ""

    def down(self, names: Iterable[str] = ()) -> list[str]:
        """Stop the named components (all when none), dependents before what they need."""
        wanted = set(self.check_names(names))
        stopped = []
        for component in reversed(self.start_order(self.components)):
            if wanted and component.name not in wanted:
                continue
            running = self.pidfile(component).read()
            if running is None:
                continue
            clean = process.terminate(running.pid, timeout=component.stop_timeout_s)
            self.pidfile(component).remove()
            log.info("supervisor.stopped", name=component.name, pid=running.pid, clean=clean)
            stopped.append(component.name)
        return stopped

    def scale(self, name: str, count: int) -> list[str]:
        """Run exactly `count` instances of a scalable component; returns the instance names."""
        from souk.stack.declared import load_component

        self.check_names([name])
        base = self.components[name]
        if not base.scalable or base.source is None:
            scalable = ", ".join(n for n, c in self.components.items() if c.scalable and c.instance == 1) or "none"
            raise UsageError(f"{name} cannot be scaled (scalable components: {scalable})")
        if count < 1:
            raise UsageError("the instance count must be at least 1")
        wanted = [base] + [load_component(base.source, instance=k) for k in range(2, count + 1)]
        for component in wanted:
            self.components[component.name] = component
            self.up([component.name])
        surplus = [c.name for c in self.components.values() if c.source == base.source and c.instance > count]
        if surplus:
            self.down(surplus)
        return [c.name for c in wanted]

    def status(self, names: Iterable[str] = ()) -> list[Status]:
        """The named components, else every autostart one plus any other that is running."""
        rows = []
        shown = (
            self.start_order(names)
            if names
            else [c for c in self.start_order(self.components) if c.autostart or self.pidfile(c).read() is not None]
        )
        for component in shown:
            running = self.pidfile(component).read()
            if running is None:
                held = [p for p in component.ports(self.settings) if not process.port_is_free(self.settings.bind_host, p)]
                detail = f"not running; port {held[0]} held by {process.port_holder(held[0])}" if held else "not running"
                rows.append(Status(component.name, None, component.address(self.settings), Health(False, detail), "-", 0))
                continue
            rows.append(
                Status(
                    component.name,
                    running.pid,
                    component.address(self.settings),
                    component.health(self.settings),
                    process.uptime(running.started_at),
                    process.rss_bytes(running.pid),
                )
            )
        return rows
