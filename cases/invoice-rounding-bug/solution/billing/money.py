"""Money helpers. Amounts are Swedish kronor with two decimals (öre).

Amounts are Decimal: binary floats cannot hold 0.005 exactly, so rounding them to öre gives
results that depend on the digits (BUG-231).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
Number = Decimal | float | int | str


def to_decimal(value: Number) -> Decimal:
    """Exact decimal of a value; floats go through their shortest repr (24.9 -> 24.9, not 24.899...)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value)


def round_money(value: Number) -> Decimal:
    """Round to whole öre, halves away from zero (Decimal's ROUND_HALF_UP); never -0.00."""
    rounded = to_decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
    return rounded if rounded else abs(rounded)


def format_sek(amount: Number) -> str:
    """Format like our PDFs: ``1 234,50 kr``."""
    text = f"{round_money(amount):,.2f}"
    return text.replace(",", " ").replace(".", ",") + " kr"
