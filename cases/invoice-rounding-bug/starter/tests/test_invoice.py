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
