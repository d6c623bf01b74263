"""Hidden checks: Finance's rules from BUG-231, pinned on the report's invoice and the edge cases
(exact halves, credit notes, negative zero, VAT summary, no float drift)."""

from decimal import Decimal

import pytest
from billing import Invoice, InvoiceLine, format_sek, to_rows


def d(x):
    return Decimal(str(x))


def bug_231_invoice():
    inv = Invoice("2024-117", "Café Linnea")
    inv.add(InvoiceLine("Kanelbulle", 12, 24.90, 0.12))
    inv.add(InvoiceLine("Kaffe 1 kg", 3, 189.50, 0.12, discount_pct=15))
    inv.add(InvoiceLine("Lokalhyra kväll", 1, 1250.00, 0.25))
    inv.add(InvoiceLine("Servetter", 7, 8.45, 0.25, discount_pct=10))
    inv.add(InvoiceLine("Presentkort", 2, 150.00, 0.0))
    return inv


def test_bug_231_total_matches_finance():
    assert d(bug_231_invoice().total()) == Decimal("2804.93")


def test_bug_231_line_amounts():
    nets = [d(line.net()) for line in bug_231_invoice().lines]
    vats = [d(line.vat()) for line in bug_231_invoice().lines]
    assert nets == [Decimal(x) for x in ("298.80", "483.23", "1250.00", "53.24", "300.00")]
    assert vats == [Decimal(x) for x in ("35.86", "57.99", "312.50", "13.31", "0.00")]


def test_export_rows_are_exact_to_the_ore():
    for row in to_rows(bug_231_invoice()):
        for key in ("net", "vat", "gross"):
            value = d(row[key])
            assert value == value.quantize(Decimal("0.01")), f"{key}={row[key]!r} is not whole öre"
        assert d(row["gross"]) == d(row["net"]) + d(row["vat"])


def test_vat_summary_is_the_sum_of_line_vat():
    inv = bug_231_invoice()
    by_rate = {float(k): d(v) for k, v in inv.vat_by_rate().items()}
    assert by_rate[0.12] == Decimal("93.85")
    assert by_rate[0.25] == Decimal("325.81")
    assert sum(by_rate.values()) == d(inv.vat_total())


@pytest.mark.parametrize(("qty", "price", "expected"), [
    (1, 2.675, "2.68"), (1, 1.005, "1.01"), (3, 0.335, "1.01"), (1, 0.125, "0.13"), (1, 2.674, "2.67"),
])
def test_halves_round_away_from_zero(qty, price, expected):
    assert d(InvoiceLine("x", qty, price, 0.0).net()) == Decimal(expected)


def test_credit_lines_round_symmetrically():
    assert d(InvoiceLine("x", -1, 2.675, 0.0).net()) == Decimal("-2.68")
    assert d(InvoiceLine("x", -1, 0.125, 0.25).vat()) == Decimal("-0.03")


def test_credit_note_is_the_exact_negative():
    original = bug_231_invoice()
    credit = Invoice("K-117", "Café Linnea")
    for line in original.lines:
        credit.add(InvoiceLine(line.description, -line.quantity, line.unit_price, line.vat_rate, line.discount_pct))
    assert d(credit.total()) == -d(original.total())
    assert sum(d(r["gross"]) for r in to_rows(credit)) == d(credit.total())


def test_zero_is_printed_without_a_minus():
    credit = Invoice("K-1", "Bageri Norr").add(InvoiceLine("Presentkort", -1, 100.0, 0.0))
    assert format_sek(credit.vat_total()) == "0,00 kr"
    assert format_sek(-0.0) == "0,00 kr"
    assert format_sek(-0.001) == "0,00 kr"


def test_negative_amounts_are_formatted():
    assert format_sek(-1234.5) == "-1 234,50 kr"


def test_many_small_lines_do_not_drift():
    inv = Invoice("2", "Test AB")
    for _ in range(1000):
        inv.add(InvoiceLine("Sugar", 1, 0.10, 0.0))
    assert d(inv.subtotal()) == Decimal("100.00")


def test_existing_validation_kept():
    with pytest.raises(ValueError):
        InvoiceLine("x", 1, 1.0, 0.18)
    with pytest.raises(ValueError):
        InvoiceLine("x", 1, 1.0, 0.25, discount_pct=120)
