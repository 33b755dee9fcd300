"""The one exception the contract raises."""

from __future__ import annotations


class ContractError(ValueError):
    """A value that breaks the event contract.

    ``reason`` is one short line naming the field ("click.city: unknown city 'Paris'"); consumers
    put it in the DLQ ``error`` field as is. ``field`` is the dotted path of the offending field
    (None for problems with the message as a whole) and ``problem`` the text after it.
    """

    reason: str
    field: str | None
    problem: str

    def __init__(self, problem: str, *, field: str | None = None) -> None:
        self.field = field
        self.problem = problem
        self.reason = f"{field}: {problem}" if field else problem
        super().__init__(self.reason)

    def relocated(self, field: str) -> ContractError:
        """The same problem reported at another path (a purchase line learns its index late)."""
        return ContractError(self.problem, field=field)


def type_name(value: object) -> str:
    """The JSON-ish name of a value's type for reasons: null, bool, int, float, str, list, dict."""
    return "null" if value is None else type(value).__name__


def shown(value: object, limit: int = 40) -> str:
    """A value's repr cut to ``limit`` characters, so a reason stays one short line."""
    return clipped(repr(value), limit)


def plain(text: str, limit: int = 40) -> str:
    """``text`` as is when printable, else its repr; cut to ``limit`` characters."""
    return clipped(text if text.isprintable() else repr(text), limit)


def clipped(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, the cut marked with "..."."""
    return text if len(text) <= limit else text[: limit - 3] + "..."
