"""Invoices and their lines.

Finance's rule (BUG-231): round each line's net and VAT to öre, then sum the rounded amounts,
so the PDF and the accounting export agree by construction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from .money import Number, round_money, to_decimal

VAT_RATES = (0.25, 0.12, 0.06, 0.0)
_VAT_DECIMALS = {to_decimal(r) for r in VAT_RATES}
_ZERO = Decimal("0.00")


@dataclass(frozen=True)
class InvoiceLine:
    description: str
    quantity: Number
    unit_price: Number
    vat_rate: Number = 0.25
    discount_pct: Number = 0.0

    def __post_init__(self) -> None:
        if to_decimal(self.vat_rate) not in _VAT_DECIMALS:
            raise ValueError(f"unsupported VAT rate {self.vat_rate}")
        if not 0 <= to_decimal(self.discount_pct) <= 100:
            raise ValueError("discount_pct must be between 0 and 100")

    def net(self) -> Decimal:
        """The line amount excluding VAT, after discount, in whole öre."""
        factor = 1 - to_decimal(self.discount_pct) / 100
        return round_money(to_decimal(self.quantity) * to_decimal(self.unit_price) * factor)

    def vat(self) -> Decimal:
        """VAT on the *rounded* net, rounded again."""
        return round_money(self.net() * to_decimal(self.vat_rate))


@dataclass
class Invoice:
    number: str
    customer: str
    lines: list[InvoiceLine] = field(default_factory=list)

    def add(self, line: InvoiceLine) -> Invoice:
        self.lines.append(line)
        return self

    def subtotal(self) -> Decimal:
        return sum((line.net() for line in self.lines), _ZERO)

    def vat_by_rate(self) -> dict[Number, Decimal]:
        """VAT per rate, as printed in the PDF's VAT summary: sums of the lines' VAT."""
        out: dict[Number, Decimal] = {}
        for line in self.lines:
            out[line.vat_rate] = out.get(line.vat_rate, _ZERO) + line.vat()
        return {rate: round_money(amount) for rate, amount in out.items()}

    def vat_total(self) -> Decimal:
        return round_money(sum((line.vat() for line in self.lines), _ZERO))

    def total(self) -> Decimal:
        return round_money(self.subtotal() + self.vat_total())
