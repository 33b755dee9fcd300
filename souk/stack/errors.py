"""Failures of the supervisor. Each message is one line a user can act on."""


class StackError(Exception):
    """A stack operation failed; `str(exc)` is one actionable line. Exit code 1."""

    exit_code = 1


class UsageError(StackError):
    """The command named something that does not exist. Exit code 2, like a bad argument."""

    exit_code = 2


class PrerequisiteMissing(StackError):
    """A tool the stack needs (java, mvn, apt-get, mariadbd) is not installed."""


class PortBusy(StackError):
    """A port a component must bind is held by another process."""


class StartFailed(StackError):
    """A component exited or stayed unhealthy while starting."""
