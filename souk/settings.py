"""Typed settings read from the environment (and an optional `.env` file), failing fast.

Every service builds one frozen dataclass of settings with `load(SettingsClass)`. A value that
does not parse raises `SettingsError` whose message is one line naming the variable, so a
command can print it and exit 2 instead of dying later with a traceback.
"""

from __future__ import annotations

import contextvars
import dataclasses
import os
import types
import typing
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

# The environment a `load` is reading, so settings that derive defaults from other settings while
# being built (a service's from the stack's) read that same environment, not os.environ.
_LOADING: contextvars.ContextVar[Mapping[str, str] | None] = contextvars.ContextVar("souk_settings_loading", default=None)

REPO_ROOT = Path(__file__).resolve().parents[1]


class SettingsError(ValueError):
    """A setting is missing or malformed; the message is one line naming the variable."""


class Secret:
    """A value that never shows itself in reprs, logs or tracebacks; `reveal()` to use it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def env(name: str, default: Any = dataclasses.MISSING, *, doc: str = "") -> Any:
    """Declare a settings field read from environment variable `name`.

    A Secret field also accepts `<name>_FILE`, the path of a file holding the value, so
    secrets need not sit in the environment of every process.
    """
    meta = {"env": name, "doc": doc}
    if callable(default) and not isinstance(default, type):
        return dataclasses.field(default_factory=default, metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


def read_dotenv(path: Path) -> dict[str, str]:
    """Parse a `.env` file: KEY=VALUE lines, `#` comments, optional surrounding quotes."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export ") :]
        key, sep, value = line.partition("=")
        if not sep or not key.strip().isidentifier():
            raise SettingsError(f"{path}:{number}: expected KEY=VALUE, got {line!r}")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The repo's `.env` overlaid by the process environment (the environment wins)."""
    if environ is None and (loading := _LOADING.get()) is not None:
        return dict(loading)
    merged = read_dotenv(REPO_ROOT / ".env")
    merged.update(os.environ if environ is None else environ)
    return merged


def _parse_bool(raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off", ""):
        return False
    raise ValueError("expected true or false")


def _parse_int(raw: str) -> int:
    try:
        return int(raw.strip())
    except ValueError:
        raise ValueError("expected an integer") from None


def _parse_float(raw: str) -> float:
    try:
        return float(raw.strip())
    except ValueError:
        raise ValueError("expected a number") from None


_PARSERS: dict[Any, Callable[[str], Any]] = {
    str: str,
    int: _parse_int,
    float: _parse_float,
    bool: _parse_bool,
    Path: lambda raw: Path(raw).expanduser(),
    Secret: Secret,
}


def _parser_for(hint: Any) -> tuple[Callable[[str], Any], bool]:
    """The parser for a type hint and whether None is allowed (for `X | None`)."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(args) == 1 and args[0] in _PARSERS:
            return _PARSERS[args[0]], True
    if hint in _PARSERS:
        return _PARSERS[hint], False
    raise TypeError(f"unsupported settings type {hint!r}")


def load(cls: type[T], environ: Mapping[str, str] | None = None) -> T:
    """Build `cls` (a dataclass whose fields were declared with `env`) from the environment."""
    source = environment(environ)
    hints = typing.get_type_hints(cls)
    values: dict[str, Any] = {}
    for field in dataclasses.fields(cls):  # type: ignore[arg-type]
        name = field.metadata.get("env")
        if name is None:
            continue
        parse, optional = _parser_for(hints[field.name])
        raw = source.get(name)
        if raw is None and parse is Secret and source.get(f"{name}_FILE"):
            file = Path(source[f"{name}_FILE"]).expanduser()
            try:
                raw = file.read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise SettingsError(f"{name}_FILE={file}: cannot read ({exc.strerror})") from None
        if raw is None:
            continue
        if optional and raw == "":
            values[field.name] = None
            continue
        try:
            values[field.name] = parse(raw)
        except ValueError as exc:
            shown = "**********" if parse is Secret else repr(raw)
            raise SettingsError(f"{name}={shown}: {exc}") from None
    token = _LOADING.set(source)
    try:
        return cls(**values)
    except SettingsError:
        raise
    except (TypeError, ValueError) as exc:
        raise SettingsError(f"{cls.__name__}: {exc}") from None
    finally:
        _LOADING.reset(token)


def check_port(name: str, value: int) -> None:
    if not 0 < value < 65536:
        raise SettingsError(f"{name}={value}: a port must be between 1 and 65535")


def describe(cls: type[Any]) -> list[tuple[str, str, str]]:
    """(variable, default, doc) rows of a settings class, for READMEs and `--help`."""
    rows = []
    for field in dataclasses.fields(cls):
        if "env" not in field.metadata:
            continue
        default = field.default if field.default is not dataclasses.MISSING else "(derived)"
        rows.append((field.metadata["env"], str(default), field.metadata.get("doc", "")))
    return rows
