"""Money helpers. Amounts are Swedish kronor with two decimals (öre)."""

from __future__ import annotations


def round_money(value: float) -> float:
    """Round an amount to whole öre."""
    return round(value, 2)


def format_sek(amount: float) -> str:
    """Format like our PDFs: ``1 234,50 kr``."""
    text = f"{amount:,.2f}"
    return text.replace(",", " ").replace(".", ",") + " kr"
