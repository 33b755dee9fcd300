"""Field checks shared by the event classes; each raises ContractError naming the field.

Every check starts with one cheap test that valid values pass, and works out the precise reason
only when it fails: the processor validates tens of thousands of events a second per worker.
"""

from __future__ import annotations

import re
from typing import Final

from souk.contract.errors import ContractError, shown, type_name

SCHEMA_VERSION: Final = 1
ID_MAX_LEN: Final = 64
TEXT_MAX_LEN: Final = 1000
INT64_MIN: Final = -(2**63)
INT64_MAX: Final = 2**63 - 1
# Outside these bounds an event time is a producer bug (seconds instead of ms, a zero default).
EVENT_TIME_MIN_MS: Final = 946_684_800_000  # 2000-01-01T00:00:00Z
EVENT_TIME_END_MS: Final = 4_102_444_800_000  # 2100-01-01T00:00:00Z, excluded

# Exactly the strings x with str(uuid.UUID(x)) == x, without building a UUID (7x faster): the
# event_id is the dedupe key and is compared as a string, so only the canonical spelling is valid.
_CANONICAL_UUID: Final = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}").fullmatch


def check_event_id(value: object, field: str) -> None:
    """A canonical (lowercase, hyphenated) UUID string."""
    if type(value) is str and _CANONICAL_UUID(value) is not None:
        return
    if type(value) is not str:
        raise ContractError(f"must be a UUID string, got {type_name(value)}", field=field)
    raise ContractError(f"not a canonical UUID: {shown(value)}", field=field)


def check_time_ms(value: object, field: str) -> None:
    """Epoch milliseconds, UTC, in [2000-01-01, 2100-01-01)."""
    if type(value) is int and EVENT_TIME_MIN_MS <= value < EVENT_TIME_END_MS:
        return
    if type(value) is not int:
        raise ContractError(f"must be an int, got {type_name(value)}", field=field)
    problem = f"{value} is not epoch ms in [2000-01-01, 2100-01-01)"
    raise ContractError(problem, field=field)


def check_schema_version(value: object) -> None:
    """The one schema version this code reads and writes."""
    if type(value) is int and value == SCHEMA_VERSION:
        return
    if type(value) is not int:
        raise ContractError(f"must be an int, got {type_name(value)}", field="schema_version")
    raise ContractError(f"schema_version {value} not supported")


def check_text(value: object, field: str, max_len: int = TEXT_MAX_LEN) -> None:
    """A non-empty str of at most ``max_len`` characters that can be written as UTF-8."""
    if type(value) is str and 0 < len(value) <= max_len and value.isascii():
        return
    if type(value) is not str:
        raise ContractError(f"must be a string, got {type_name(value)}", field=field)
    if not value:
        raise ContractError("must not be empty", field=field)
    if len(value) > max_len:
        raise ContractError(f"longer than {max_len} characters", field=field)
    _check_encodable(value, field)


def check_raw_text(value: object, field: str) -> None:
    """A str, possibly empty, that can be written as UTF-8."""
    if type(value) is not str:
        raise ContractError(f"must be a string, got {type_name(value)}", field=field)
    if not value.isascii():
        _check_encodable(value, field)


def _check_encodable(value: str, field: str) -> None:
    # JSON's "\ud800" escape decodes to a lone surrogate, which would make encode() fail later.
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ContractError("contains a lone surrogate", field=field) from None


def check_id(value: object, field: str) -> None:
    """An identifier: a non-empty str of at most 64 characters."""
    if type(value) is str and 0 < len(value) <= ID_MAX_LEN and value.isascii():
        return
    check_text(value, field, ID_MAX_LEN)


def check_choice(value: object, field: str, choices: tuple[str, ...], noun: str) -> None:
    """One of ``choices``; the reason says "unknown <noun> '<value>'"."""
    if value in choices:
        return
    if type(value) is not str:
        raise ContractError(f"must be a string, got {type_name(value)}", field=field)
    raise ContractError(f"unknown {noun} {shown(value)}", field=field)


def check_int(value: object, field: str, minimum: int = INT64_MIN) -> None:
    """An int (not a bool) in [minimum, int64 max]."""
    if type(value) is int and minimum <= value <= INT64_MAX:
        return
    if type(value) is not int:
        raise ContractError(f"must be an int, got {type_name(value)}", field=field)
    if value > INT64_MAX or value < INT64_MIN:
        raise ContractError("out of int64 range", field=field)
    if minimum == 1:
        raise ContractError(f"must be > 0, got {value}", field=field)
    raise ContractError(f"must be >= {minimum}, got {value}", field=field)
