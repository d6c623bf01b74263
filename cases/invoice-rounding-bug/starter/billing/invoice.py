"""Invoices and their lines."""

from __future__ import annotations

from dataclasses import dataclass, field

from .money import round_money

VAT_RATES = (0.25, 0.12, 0.06, 0.0)


@dataclass(frozen=True)
class InvoiceLine:
    description: str
    quantity: float
    unit_price: float
    vat_rate: float = 0.25
    discount_pct: float = 0.0

    def __post_init__(self) -> None:
        if self.vat_rate not in VAT_RATES:
            raise ValueError(f"unsupported VAT rate {self.vat_rate}")
        if not 0 <= self.discount_pct <= 100:
            raise ValueError("discount_pct must be between 0 and 100")

    def net(self) -> float:
        """The line amount excluding VAT, after discount, in whole öre."""
        return round_money(self.quantity * self.unit_price * (1 - self.discount_pct / 100))

    def vat(self) -> float:
        return round_money(self.net() * self.vat_rate)


@dataclass
class Invoice:
    number: str
    customer: str
    lines: list[InvoiceLine] = field(default_factory=list)

    def add(self, line: InvoiceLine) -> Invoice:
        self.lines.append(line)
        return self

    def subtotal(self) -> float:
        return round_money(sum(line.net() for line in self.lines))

    def vat_by_rate(self) -> dict[float, float]:
        """VAT per rate, as printed in the PDF's VAT summary."""
        out: dict[float, float] = {}
        for line in self.lines:
            out[line.vat_rate] = out.get(line.vat_rate, 0.0) + line.net()
        return {rate: round_money(base * rate) for rate, base in out.items()}

    def vat_total(self) -> float:
        return round_money(sum(self.vat_by_rate().values()))

    def total(self) -> float:
        return round_money(self.subtotal() + self.vat_total())
