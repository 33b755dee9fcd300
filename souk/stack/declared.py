"""Components declared by the services themselves: `services/*/component.toml`, `flume/*/component.toml`.

The supervisor never imports a service; it reads how to run one from its folder:

    name = "processor"                 # folder, logger `service`, consumer group: one name
    description = "Faust stream processor"
    requires = ["kafka"]
    command = ["{python}", "-m", "processor", "worker"]
    ports = ["{processor_port}"]
    address = "http://{bind_host}:{processor_port}"
    autostart = true                   # started by a bare `souk up` / `make up`
    stop_timeout_s = 30
    templates = ["flume/flume-logs.conf"]   # repo-relative, rendered into SOUK_HOME/conf/
    [health]
    kind = "http"                      # "http" (2xx), "heartbeat" (file age) or "process"
    url = "http://{bind_host}:{processor_port}/health"
    [env]
    SOME_VAR = "{home}/logs"

Placeholders: every StackSettings field, `{python}` (this venv's interpreter), `{java}`, `{home}`,
`{repo}`, `{name}` (with the instance suffix), `{instance}` (1, 2, …) and `{port}` (this instance's
first port). `scalable = true` lets `souk scale NAME N` run instances `NAME-2`…`NAME-N`, each
with its ports shifted by `instance - 1`. A heartbeat component touches SOUK_HOME/run/<name>.heartbeat at least every
`max_age_s` (default 15) seconds.
"""

from __future__ import annotations

import sys
import time
import tomllib
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from souk.settings import REPO_ROOT
from souk.stack import configs, install
from souk.stack.errors import StackError
from souk.stack.health import Health, failure_reason
from souk.stack.settings import StackSettings

SEARCH = ("services/*/component.toml", "flume/*/component.toml")


def _values(settings: StackSettings, name: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    values = {k: str(v) for k, v in vars(settings).items()}
    values.update(python=sys.executable, home=str(settings.home), repo=str(REPO_ROOT), name=name, instance="1")
    values.update(extra or {})
    return values


def _fill(text: str, settings: StackSettings, name: str, extra: dict[str, str] | None = None) -> str:
    values = _values(settings, name, extra)
    if "{java}" in text:
        values["java"] = install.java_binary()
    try:
        return text.format_map(values)
    except KeyError as exc:
        raise StackError(f"{name}/component.toml: unknown placeholder {{{exc.args[0]}}}") from None


def _health(spec: dict[str, Any], name: str, extra: Callable[[StackSettings], dict[str, str]]) -> Callable[[StackSettings], Health]:
    kind = spec.get("kind", "process")
    if kind == "http":

        def http(settings: StackSettings) -> Health:
            url = _fill(spec["url"], settings, name, extra(settings))
            try:
                with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - local http only
                    return Health(200 <= response.status < 300, f"GET {url} -> {response.status}")
            except OSError as exc:
                return Health(False, f"GET {url} failed: {failure_reason(exc)}")

        return http
    if kind == "heartbeat":
        max_age = float(spec.get("max_age_s", 15))

        def heartbeat(settings: StackSettings) -> Health:
            beat = settings.path("run", f"{name}.heartbeat")
            try:
                age = time.time() - beat.stat().st_mtime
            except FileNotFoundError:
                return Health(False, "no heartbeat yet")
            detail = beat.read_text(encoding="utf-8").strip()[:120] or f"heartbeat {age:.0f} s ago"
            return Health(age <= max_age, detail if age <= max_age else f"heartbeat stale ({age:.0f} s old)")

        return heartbeat
    if kind == "process":
        return lambda _: Health(True, "running")
    raise StackError(f"{name}/component.toml: health kind {kind!r} is not http, heartbeat or process")


def load_component(path: Path, instance: int = 1) -> Any:
    """The component declared in `path`; instance k > 1 is `<name>-k` with ports shifted by k - 1."""
    from souk.stack.components import Component

    try:
        spec = tomllib.loads(path.read_text(encoding="utf-8"))
        base = spec["name"]
        command, declared_ports = list(spec["command"]), list(spec.get("ports", []))
    except (tomllib.TOMLDecodeError, KeyError) as exc:
        raise StackError(f"{path}: not a valid component declaration ({exc})") from None
    name = base if instance == 1 else f"{base}-{instance}"
    templates = list(spec.get("templates", []))
    env = dict(spec.get("env", {}))

    def ports(settings: StackSettings) -> tuple[int, ...]:
        return tuple(int(_fill(str(p), settings, name)) + instance - 1 for p in declared_ports)

    def extra(settings: StackSettings) -> dict[str, str]:
        first = ports(settings)
        return {"instance": str(instance), "port": str(first[0]) if first else ""}

    def prepare(settings: StackSettings) -> None:
        if "{java}" in " ".join(command):
            install.java_binary()
            install.ensure_jars(settings)
        for template in templates:
            configs.render_path(settings, REPO_ROOT / template, name=name)

    return Component(
        name=name,
        description=spec.get("description", ""),
        requires=tuple(spec.get("requires", ())),
        ports=ports,
        address=lambda s: _fill(spec.get("address", "-"), s, name, extra(s)),
        command=lambda s: [_fill(part, s, name, extra(s)) for part in command],
        health=_health(spec.get("health", {}), name, extra),
        prepare=prepare,
        env=lambda s: {"SOUK_INSTANCE": str(instance), **{k: _fill(str(v), s, name, extra(s)) for k, v in env.items()}},
        stop_timeout_s=float(spec.get("stop_timeout_s", 30)),
        autostart=bool(spec.get("autostart", True)) and instance == 1,
        scalable=bool(spec.get("scalable", False)),
        source=path,
        instance=instance,
    )


def declared_components(root: Path = REPO_ROOT) -> list[Any]:
    paths = sorted(p for pattern in SEARCH for p in root.glob(pattern))
    return [load_component(p) for p in paths]
