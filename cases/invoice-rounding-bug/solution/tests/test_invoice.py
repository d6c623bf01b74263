"""The team's existing tests. Run them with `python -m pytest tests`."""

import pytest

from billing import Invoice, InvoiceLine, format_sek, to_rows


def test_simple_invoice():
    inv = Invoice("1", "Test AB")
    inv.add(InvoiceLine("Lunch", 2, 100.0, 0.12))
    inv.add(InvoiceLine("Room", 1, 500.0, 0.25))
    assert inv.subtotal() == 700.0
    assert inv.vat_total() == 149.0
    assert inv.total() == 849.0


def test_export_has_one_row_per_line():
    inv = Invoice("1", "Test AB").add(InvoiceLine("Lunch", 2, 100.0, 0.12))
    assert len(to_rows(inv)) == 1


def test_format_sek():
    assert format_sek(1234.5) == "1 234,50 kr"


def test_unknown_vat_rate_rejected():
    with pytest.raises(ValueError):
        InvoiceLine("x", 1, 1.0, 0.18)


def test_bug_231_pdf_export_and_finance_agree():
    inv = Invoice("2024-117", "Café Linnea")
    inv.add(InvoiceLine("Kanelbulle", 12, 24.90, 0.12))
    inv.add(InvoiceLine("Kaffe 1 kg", 3, 189.50, 0.12, discount_pct=15))
    inv.add(InvoiceLine("Lokalhyra kväll", 1, 1250.00, 0.25))
    inv.add(InvoiceLine("Servetter", 7, 8.45, 0.25, discount_pct=10))
    inv.add(InvoiceLine("Presentkort", 2, 150.00, 0.0))
    assert format_sek(inv.total()) == "2 804,93 kr"
    assert sum(r["gross"] for r in to_rows(inv)) == inv.total()


@pytest.mark.parametrize(("qty", "price", "expected"), [(1, 2.675, "2,68 kr"), (-1, 2.675, "-2,68 kr"),
                                                       (1, 1.005, "1,01 kr"), (3, 0.335, "1,01 kr")])
def test_halves_round_away_from_zero(qty, price, expected):
    assert format_sek(InvoiceLine("x", qty, price, 0.0).net()) == expected


def test_zero_is_never_negative():
    credit = Invoice("K-1", "Bageri Norr").add(InvoiceLine("Presentkort", -1, 100.0, 0.0))
    assert format_sek(credit.vat_total()) == "0,00 kr"
    assert format_sek(-0.0) == "0,00 kr"
