"""Visible checks: the existing behaviour, the reproduction from BUG_REPORT.md, and Finance's rules
from the report on the report's own invoice and on a second one.

Making the export agree with the PDF is not enough: both must give what Finance gets by hand,
so a fix of the symptom (say, a total computed from the export rows) fails here, not only after
submitting.
"""

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


def test_bug_231_total_is_what_finance_gets_by_hand():
    total = d(bug_231_invoice().total())
    assert total == Decimal("2804.93"), (
        f"the PDF total is {total}; Maja's hand calculation in BUG_REPORT.md gives 2 804,93 kr")


def test_totals_are_sums_of_the_rounded_line_amounts():
    """Finance's rule on another invoice: every line rounded to öre first, then summed."""
    inv = Invoice("2024-118", "Salong Vera")
    inv.add(InvoiceLine("Lunchbuffé", 3, 89.90, 0.12))
    inv.add(InvoiceLine("Smörgåstårta", 1, 120.70, 0.12))
    inv.add(InvoiceLine("Lokalhyra", 2, 45.10, 0.25))
    nets, vats = [d(line.net()) for line in inv.lines], [d(line.vat()) for line in inv.lines]
    assert all(x == x.quantize(Decimal("0.01")) for x in nets + vats), f"lines not in whole öre: {nets} {vats}"
    assert d(inv.subtotal()) == sum(nets), f"subtotal {inv.subtotal()} is not the sum of the line nets {sum(nets)}"
    assert d(inv.vat_total()) == sum(vats), f"VAT total {inv.vat_total()} is not the sum of the line VAT {sum(vats)}"
    assert d(inv.total()) == sum(nets) + sum(vats), f"total {inv.total()} is not subtotal + VAT"
