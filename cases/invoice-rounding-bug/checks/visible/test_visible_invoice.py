"""Visible checks: the existing behaviour, and the reproduction from BUG_REPORT.md."""

from decimal import Decimal

from billing import Invoice, InvoiceLine, format_sek, to_rows


def d(x):
    """Exact decimal of whatever the code returns (float or Decimal): 66.53999 stays 66.53999."""
    return Decimal(str(x))


def bug_231_invoice():
    inv = Invoice("2024-117", "Café Linnea")
    inv.add(InvoiceLine("Kanelbulle", 12, 24.90, 0.12))
    inv.add(InvoiceLine("Kaffe 1 kg", 3, 189.50, 0.12, discount_pct=15))
    inv.add(InvoiceLine("Lokalhyra kväll", 1, 1250.00, 0.25))
    inv.add(InvoiceLine("Servetter", 7, 8.45, 0.25, discount_pct=10))
    inv.add(InvoiceLine("Presentkort", 2, 150.00, 0.0))
    return inv


def test_simple_invoice_still_adds_up():
    inv = Invoice("1", "Test AB")
    inv.add(InvoiceLine("Lunch", 2, 100.0, 0.12))
    inv.add(InvoiceLine("Room", 1, 500.0, 0.25))
    assert (d(inv.subtotal()), d(inv.vat_total()), d(inv.total())) == (700, 149, 849)


def test_format_sek_unchanged():
    assert format_sek(1234.5) == "1 234,50 kr"


def test_bug_231_export_sums_to_the_pdf_total():
    inv = bug_231_invoice()
    exported = sum(d(r["gross"]) for r in to_rows(inv))
    assert exported == d(inv.total()), f"export sums to {exported}, PDF says {inv.total()}"
