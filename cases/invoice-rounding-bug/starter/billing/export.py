"""Export to the accounting system (one row per invoice line)."""

from __future__ import annotations

from .invoice import Invoice


def to_rows(invoice: Invoice) -> list[dict[str, object]]:
    rows = []
    for line in invoice.lines:
        net = line.net()
        vat = line.vat()
        rows.append({
            "invoice": invoice.number,
            "description": line.description,
            "net": net,
            "vat_rate": line.vat_rate,
            "vat": vat,
            "gross": net + vat,
        })
    return rows
