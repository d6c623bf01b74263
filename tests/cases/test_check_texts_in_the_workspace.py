"""A Swedish candidate reads a practice run's check names and the checks' own messages in Swedish, on the
workspace page and in the status JSON the page polls; an English candidate reads the English display names.
The messages are the real ones of the invoice case's visible checks on its starter (a cp-pytest report)."""

from __future__ import annotations

from flask.testing import FlaskClient

from caseportal.models import RunKind
from sandbox.spec import CheckResult, RunResult
from tests.conftest import Factory

SLUG = "invoice-rounding-bug"
REPORT = ("/case/checks/visible/test_visible_invoice.py:43: in test_bug_231_export_sums_to_the_pdf_total\n"
          "    assert exported == d(inv.total()), f\"export sums to {exported}, PDF says {inv.total()}\"\n"
          "E   AssertionError: export sums to 2804.90999999999999, PDF says 2804.9\n"
          "E   assert Decimal('2804.90999999999999') == Decimal('2804.9')")


def _practice_run(factory: Factory) -> tuple[str, int]:
    meeting = factory.meeting(cases=[SLUG])
    sub = factory.submission(meeting, {"billing/invoice.py": b"x = 1\n"}, submitted=False)
    run = factory.run(sub, RunResult(outcome="failed", checks=(
        CheckResult("test_format_sek_unchanged", "passed"),
        CheckResult("test_bug_231_export_sums_to_the_pdf_total", "failed", REPORT))), kind=RunKind.CHECK)
    return factory.invite(meeting), run.id


def test_a_swedish_candidate_reads_check_names_and_messages_in_swedish(client: FlaskClient,
                                                                       factory: Factory) -> None:
    token, run_id = _practice_run(factory)
    sv = {"Accept-Language": "sv"}
    page = client.get(f"/i/{token}/case/{SLUG}", headers=sv).get_data(as_text=True)
    assert "BUG-231: exporten summerar till PDF:ens totalsumma" in page
    assert "Beloppen formateras som förut" in page
    assert "exporten summerar till 2804.90999999999999, PDF:en säger 2804.9" in page
    assert "export sums to 2804.90999999999999" not in page
    status = client.get(f"/i/{token}/runs/{run_id}.json", headers=sv).get_json()
    failed = next(c for c in status["checks"] if c["status"] == "failed")
    assert failed["name"] == "BUG-231: exporten summerar till PDF:ens totalsumma"
    assert failed["check"] == "test_bug_231_export_sums_to_the_pdf_total"
    assert failed["text"] == "exporten summerar till 2804.90999999999999, PDF:en säger 2804.9"

    en = client.get(f"/i/{token}/runs/{run_id}.json", headers={"Accept-Language": "en"}).get_json()
    failed = next(c for c in en["checks"] if c["status"] == "failed")
    assert failed["name"] == "BUG-231: the export adds up to the PDF's total" and failed["message"] == REPORT
