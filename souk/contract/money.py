"""Money on the wire: a decimal string with exactly two places, in MAD; never a float."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, Context, Decimal, InvalidOperation
from typing import Final

from souk.contract.errors import ContractError, shown, type_name

CENT: Final = Decimal("0.01")
# 16 digits before the point keep any amount inside Spark's DecimalType(18, 2) and int64 cents.
MONEY_MAX_DIGITS: Final = 16
MONEY_LIMIT: Final = Decimal(10) ** MONEY_MAX_DIGITS

_ZERO: Final = Decimal("0.00")
_MONEY_TEXT: Final = re.compile(rf"-?[0-9]{{1,{MONEY_MAX_DIGITS}}}\.[0-9]{{2}}").fullmatch
_LONG_MONEY_TEXT: Final = re.compile(r"-?[0-9]+\.[0-9]{2}").fullmatch
# A context of our own: sums and products of money must not depend on whatever precision or
# rounding the calling thread's decimal context happens to have.
MONEY_CONTEXT: Final = Context(prec=64, rounding=ROUND_HALF_EVEN)


def parse_money(value: object, field: str) -> Decimal:
    """The Decimal a wire money value holds; ContractError unless it is a str like "245.50"."""
    if type(value) is str and _MONEY_TEXT(value) is not None:
        return Decimal(value)
    if type(value) is str and _LONG_MONEY_TEXT(value) is not None:
        problem = f"money out of range (at most {MONEY_MAX_DIGITS} digits before the point)"
    elif type(value) is str:
        problem = f"money must be a decimal string with 2 places, got {shown(value)}"
    else:
        problem = f"money must be a decimal string with 2 places, got {type_name(value)}"
    raise ContractError(problem, field=field)


def format_money(d: Decimal) -> str:
    """``d`` as wire money: rounded half-even to the cent, plain notation, never "-0.00"."""
    if type(d) is not Decimal or not d.is_finite():
        raise ContractError(f"money must be a finite Decimal, got {shown(d)}")
    try:
        cents = d.quantize(CENT, context=MONEY_CONTEXT)
    except InvalidOperation:
        raise ContractError(f"money out of range, got {shown(d)}") from None
    if not cents:
        cents = _ZERO
    return f"{cents:f}"


def to_cents(d: Decimal) -> int:
    """``d`` in whole cents, rounded half-even like format_money."""
    return int(Decimal(format_money(d)).scaleb(2, context=MONEY_CONTEXT))


def from_cents(cents: int) -> Decimal:
    """The Decimal amount, with two places, of a whole number of cents."""
    if type(cents) is not int:
        raise ContractError(f"cents must be an int, got {type_name(cents)}")
    return Decimal(cents).scaleb(-2, context=MONEY_CONTEXT)


def check_money(value: object, field: str, *, positive: bool) -> None:
    """Raise ContractError unless ``value`` is a Decimal a wire money string can carry exactly."""
    # The fast path covers every value parse_money returns; the slow one admits Decimal("5").
    if (
        type(value) is Decimal
        and value.same_quantum(CENT)
        and (value > _ZERO if positive else value > -MONEY_LIMIT)
        and value < MONEY_LIMIT
    ):
        return
    if type(value) is not Decimal:
        raise ContractError(f"must be a Decimal, got {type_name(value)}", field=field)
    if not value.is_finite():
        raise ContractError(f"must be finite, got {value}", field=field)
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        raise ContractError(f"more than 2 decimal places: {value}", field=field)
    if abs(value) >= MONEY_LIMIT:
        problem = f"money out of range (at most {MONEY_MAX_DIGITS} digits before the point)"
        raise ContractError(problem, field=field)
    if positive and value <= 0:
        raise ContractError(f"must be > 0, got {format_money(value)}", field=field)
