"""Probes, in the candidate's container during full runs: Finance's cases from BUG-231 and the edges (exact
halves, credit notes, negative zero, VAT summary, many small lines) are run through the candidate's code and
what came back is saved as an observation. No expected value lives here (the candidate's code can read this
folder): the judge compares the observations with checks/judge/answers.json in a container without candidate
code. Amounts travel as exact text, so 298.8 and Decimal("298.80") compare as the same amount."""

from decimal import Decimal

from caseportal_check import probe


def d(x):
    return str(Decimal(str(x)))


def bug_231_invoice():
    from billing import Invoice, InvoiceLine

    inv = Invoice("2024-117", "Café Linnea")
    inv.add(InvoiceLine("Kanelbulle", 12, 24.90, 0.12))
    inv.add(InvoiceLine("Kaffe 1 kg", 3, 189.50, 0.12, discount_pct=15))
    inv.add(InvoiceLine("Lokalhyra kväll", 1, 1250.00, 0.25))
    inv.add(InvoiceLine("Servetter", 7, 8.45, 0.25, discount_pct=10))
    inv.add(InvoiceLine("Presentkort", 2, 150.00, 0.0))
    return inv


@probe
def test_bug_231_total_matches_finance():
    return d(bug_231_invoice().total())


@probe
def test_bug_231_line_amounts():
    lines = bug_231_invoice().lines
    return {"net": [d(line.net()) for line in lines], "vat": [d(line.vat()) for line in lines]}


@probe
def test_export_rows_are_exact_to_the_ore():
    from billing import to_rows

    return [{key: d(row[key]) for key in ("net", "vat", "gross")} for row in to_rows(bug_231_invoice())]


@probe
def test_vat_summary_is_the_sum_of_line_vat():
    inv = bug_231_invoice()
    by_rate = {float(k): d(v) for k, v in inv.vat_by_rate().items()}
    return {"vat_12": by_rate.get(0.12), "vat_25": by_rate.get(0.25), "total": d(inv.vat_total())}


@probe
def test_halves_round_away_from_zero():
    from billing import InvoiceLine

    cases = [(1, 2.675), (1, 1.005), (3, 0.335), (1, 0.125), (1, 2.674)]
    return [d(InvoiceLine("x", qty, price, 0.0).net()) for qty, price in cases]


@probe
def test_credit_lines_round_symmetrically():
    from billing import InvoiceLine

    return [d(InvoiceLine("x", -1, 2.675, 0.0).net()), d(InvoiceLine("x", -1, 0.125, 0.25).vat())]


@probe
def test_credit_note_is_the_exact_negative():
    from billing import Invoice, InvoiceLine, to_rows

    credit = Invoice("K-117", "Café Linnea")
    for line in bug_231_invoice().lines:
        credit.add(InvoiceLine(line.description, -line.quantity, line.unit_price, line.vat_rate, line.discount_pct))
    return {"total": d(credit.total()), "sum_of_rows": str(sum(Decimal(d(r["gross"])) for r in to_rows(credit)))}


@probe
def test_zero_is_printed_without_a_minus():
    from billing import Invoice, InvoiceLine, format_sek

    credit = Invoice("K-1", "Bageri Norr").add(InvoiceLine("Presentkort", -1, 100.0, 0.0))
    return [format_sek(credit.vat_total()), format_sek(-0.0), format_sek(-0.001)]


@probe
def test_negative_amounts_are_formatted():
    from billing import format_sek

    return format_sek(-1234.5)


@probe
def test_many_small_lines_do_not_drift():
    from billing import Invoice, InvoiceLine

    inv = Invoice("2", "Test AB")
    for _ in range(1000):
        inv.add(InvoiceLine("Sugar", 1, 0.10, 0.0))
    return d(inv.subtotal())


@probe
def test_existing_validation_kept_vat_rate():
    from billing import InvoiceLine

    return InvoiceLine("x", 1, 1.0, 0.18).net()


@probe
def test_existing_validation_kept_discount():
    from billing import InvoiceLine

    return InvoiceLine("x", 1, 1.0, 0.25, discount_pct=120).net()
