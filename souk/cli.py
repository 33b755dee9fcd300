"""`souk`: the command line of the local stack (up, down, status, logs).

Every failure is one line on stderr and a non-zero exit: 2 for a bad argument or an unknown
name, 1 for anything that went wrong at run time. No traceback unless SOUK_DEBUG=1.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NoReturn

from souk.logs import configure_logging
from souk.settings import SettingsError
from souk.stack.errors import StackError

if TYPE_CHECKING:
    from souk.stack.supervisor import Status, Supervisor


# Commands that belong to a service: `souk` runs the service's module (it never imports a
# service), passing the rest of the command line through.
DELEGATES: dict[str, list[str]] = {
    "produce": ["producer"],
    "setup-db": ["sqoop_bridge.setup_db"],
    "compact": ["archiver.compact"],
    "sql": ["batch", "sql"],
    "report": ["batch", "report"],
    "daily": ["batch", "daily"],
    "reconcile": ["batch", "reconcile"],
}


def delegate(command: str, rest: Sequence[str]) -> int:
    import importlib.util

    module, *args = DELEGATES[command]
    if importlib.util.find_spec(module.split(".")[0]) is None:
        sys.stderr.write(f"souk: {command} is not available: the {module.split('.')[0]} service is not installed (run make install)\n")
        return 1
    os.execv(sys.executable, [sys.executable, "-m", module, *args, *rest])
    return 1  # unreachable: execv replaces this process


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a bad argument prints one line (`souk: error: …`), not the usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def _supervisor() -> Supervisor:
    from souk.stack.settings import stack_settings
    from souk.stack.supervisor import Supervisor

    return Supervisor(stack_settings())


def cmd_up(args: argparse.Namespace) -> int:
    sup = _supervisor()
    started = time.monotonic()
    sup.up(args.components)
    rows = sup.status(args.components)
    _write(_table(rows))
    _write(f"\nup in {time.monotonic() - started:.1f} s; logs in {sup.settings.path('logs')}\n")
    return 0 if all(r.health.ok for r in rows) else 1


def cmd_install(args: argparse.Namespace) -> int:
    from souk.stack import install
    from souk.stack.settings import stack_settings

    settings = stack_settings()
    install.java_binary()
    fetched = install.ensure_jars(settings)
    install.ensure_mariadb()
    done = ["jars " + ("fetched" if fetched else "cached"), "mariadb"]
    if args.browser:
        install.ensure_browser()
        done.append("chromium")
    _write(f"installed: {', '.join(done)}\n")
    return 0


def cmd_down(args: argparse.Namespace) -> int:
    stopped = _supervisor().down(args.components)
    _write(("stopped: " + ", ".join(stopped) if stopped else "nothing was running") + "\n")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    rows = _supervisor().status(args.components)
    _write(_table(rows))
    return 0 if all(r.health.ok for r in rows) else 1


def cmd_scale(args: argparse.Namespace) -> int:
    sup = _supervisor()
    names = sup.scale(args.component, args.count)
    _write(_table(sup.status(names)))
    return 0


def cmd_logs(args: argparse.Namespace) -> int:
    path = _supervisor().log_path(args.component)
    try:
        with open(path, "rb") as f:
            lines = f.read().decode("utf-8", "replace").splitlines()[-args.lines :]
            _write("".join(line + "\n" for line in lines))
            while args.follow:
                chunk = f.read()
                if chunk:
                    _write(chunk.decode("utf-8", "replace"))
                else:
                    time.sleep(0.5)
    except FileNotFoundError:
        raise StackError(f"no log yet for {args.component} ({path})") from None
    return 0


def _table(rows: list[Status]) -> str:
    header = ("COMPONENT", "PID", "ADDRESS", "HEALTH", "UPTIME", "RSS", "DETAIL")
    body = [
        (
            r.name,
            str(r.pid or "-"),
            r.address,
            "healthy" if r.health.ok else "DOWN" if r.pid is None else "UNHEALTHY",
            r.uptime,
            f"{r.rss_bytes / 2**20:.0f} MiB" if r.rss_bytes else "-",
            r.health.detail,
        )
        for r in rows
    ]
    widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]
    return "".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() + "\n" for row in [header, *body])


def _write(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def build_parser() -> OneLineParser:
    parser = OneLineParser(prog="souk", description="souk: the local e-commerce data stack")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)

    up = sub.add_parser("up", help="start components (all when none named) and wait until healthy")
    up.add_argument("components", nargs="*", metavar="COMPONENT")
    up.set_defaults(func=cmd_up)

    inst = sub.add_parser("install", help="install what the stack needs and is missing (jars, MariaDB), without starting it")
    inst.add_argument("--browser", action="store_true", help="also Chromium and chromedriver, for the browser tests")
    inst.set_defaults(func=cmd_install)

    down = sub.add_parser("down", help="stop components (all when none named), keeping their data")
    down.add_argument("components", nargs="*", metavar="COMPONENT")
    down.set_defaults(func=cmd_down)

    status = sub.add_parser("status", help="one table of every component; exit 0 only when all are healthy")
    status.add_argument("components", nargs="*", metavar="COMPONENT")
    status.set_defaults(func=cmd_status)

    scale = sub.add_parser("scale", help="run exactly N instances of a scalable service (e.g. processor)")
    scale.add_argument("component", metavar="COMPONENT")
    scale.add_argument("count", type=int, metavar="N")
    scale.set_defaults(func=cmd_scale)

    for command, (module, *_rest) in DELEGATES.items():
        sub.add_parser(command, help=f"run `python -m {module}` (see `souk {command} --help`)", add_help=False)

    logs = sub.add_parser("logs", help="print (or follow) a component's log")
    logs.add_argument("component", metavar="COMPONENT")
    logs.add_argument("-n", "--lines", type=int, default=50)
    logs.add_argument("-f", "--follow", action="store_true")
    logs.set_defaults(func=cmd_logs)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] in DELEGATES:
        return delegate(argv[0], argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging("souk", level=os.environ.get("SOUK_LOG_LEVEL", "INFO"))
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except (StackError, SettingsError) as exc:
        if os.environ.get("SOUK_DEBUG") == "1":
            raise
        sys.stderr.write(f"souk: {exc}\n")
        return getattr(exc, "exit_code", 2 if isinstance(exc, SettingsError) else 1)
    except KeyboardInterrupt:
        sys.stderr.write("souk: interrupted\n")
        return 130
    except Exception as exc:
        if os.environ.get("SOUK_DEBUG") == "1":
            raise
        sys.stderr.write(f"souk: unexpected {type(exc).__name__}: {exc} (SOUK_DEBUG=1 shows the traceback)\n")
        return 1


if __name__ == "__main__":
    sys.exit(main())
