"""Run bookkeeping: claims, leases, exactly-once recording, retries, rate limits, what each audience sees."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from caseportal.models import Run, RunKind, RunStatus, Submission, utcnow
from caseportal.services import runs
from caseportal.services.errors import Invalid, RateLimited
from tests.conftest import Factory


@dataclass
class FakeResult:
    """Shape of sandbox.RunResult that runs.record relies on (pure-logic test; the real one is used elsewhere)."""

    outcome: str = "passed"
    explanation: str = "All checks passed."
    duration_s: float = 1.5
    artifacts: dict[str, bytes] = field(default_factory=lambda: {"shot.png": b"\x89PNG"})
    checks: list[dict[str, object]] = field(default_factory=lambda: [
        {"name": "visible_one", "status": "passed", "message": "", "visible": True},
        {"name": "hidden_one", "status": "failed", "message": "nope", "visible": False},
    ])

    def to_dict(self) -> dict[str, object]:
        return {"outcome": self.outcome, "checks": self.checks, "stdout": "out", "stderr": "",
                "duration_s": self.duration_s, "metrics": {"auc": 0.8}, "artifacts": {}}


def _submission(factory: Factory) -> Submission:
    """A draft with one file, in a meeting of its own."""
    return factory.submission(factory.meeting(), {"a.py": b"print(1)"}, submitted=False)


def test_claim_is_exclusive_and_record_happens_once(session: Session, factory: Factory) -> None:
    sub = _submission(factory)
    run = runs.request_run(session, sub, RunKind.FULL, runs_per_hour=5)
    session.commit()
    first = runs.claim(session, run.id, "w1", lease_s=60)
    second = runs.claim(session, run.id, "w2", lease_s=60)
    assert first and second is None
    assert runs.record(session, run.id, first, FakeResult())
    assert not runs.record(session, run.id, first, FakeResult()), "a second delivery must not record again"
    session.commit()
    session.refresh(run)
    assert run.status == RunStatus.DONE and run.recorded_count == 1 and run.outcome == "passed"
    assert [a.name for a in run.artifacts] == ["shot.png"]


def test_expired_lease_is_taken_over_and_the_stale_attempt_is_dropped(session: Session, factory: Factory) -> None:
    sub = _submission(factory)
    run = runs.request_run(session, sub, RunKind.FULL, runs_per_hour=5)
    session.commit()
    t0 = utcnow()
    old = runs.claim(session, run.id, "dead-worker", lease_s=10, now=t0)
    assert old
    assert runs.stale_run_ids(session, now=t0 + timedelta(seconds=5)) == []
    assert runs.stale_run_ids(session, now=t0 + timedelta(seconds=11)) == [run.id]
    new = runs.claim(session, run.id, "w2", lease_s=10, now=t0 + timedelta(seconds=11))
    assert new and new != old
    assert not runs.heartbeat(session, run.id, old, 10)
    assert not runs.record(session, run.id, old, FakeResult())
    assert runs.record(session, run.id, new, FakeResult())
    session.commit()
    session.refresh(run)
    assert run.attempts == 2 and run.recorded_count == 1


def test_infra_errors_retry_then_become_an_error_that_is_not_the_candidates_fault(
        session: Session, factory: Factory) -> None:
    sub = _submission(factory)
    run = runs.request_run(session, sub, RunKind.CHECK, runs_per_hour=5)
    session.commit()
    for attempt in (1, 2):
        token = runs.claim(session, run.id, "w", 60)
        assert token
        assert runs.release_for_retry(session, run.id, token, "engine gone", max_attempts=3)
        assert session.get(Run, run.id).status == RunStatus.QUEUED, attempt  # type: ignore[union-attr]
    token = runs.claim(session, run.id, "w", 60)
    assert token
    assert not runs.release_for_retry(session, run.id, token, "engine gone", max_attempts=3)
    session.commit()
    session.refresh(run)
    assert run.status == RunStatus.ERROR and run.outcome == "infra_error"
    view = runs.view(run, "candidate")
    assert "not your fault" in view.explanation and "engine gone" not in json.dumps(view.to_json())


def test_check_runs_are_rate_limited_and_not_duplicated(session: Session, factory: Factory) -> None:
    sub = _submission(factory)
    first = runs.request_run(session, sub, RunKind.CHECK, runs_per_hour=2)
    assert runs.request_run(session, sub, RunKind.CHECK, runs_per_hour=2).id == first.id
    first.status = RunStatus.DONE
    runs.request_run(session, sub, RunKind.CHECK, runs_per_hour=2).status = RunStatus.DONE
    with pytest.raises(RateLimited, match="limit"):
        runs.request_run(session, sub, RunKind.CHECK, runs_per_hour=2)
    # a full run (after submitting) is never refused by the check limit
    assert runs.request_run(session, sub, RunKind.FULL, runs_per_hour=2).kind == RunKind.FULL


def test_a_run_needs_files(session: Session, factory: Factory) -> None:
    sub = factory.submission(factory.meeting(), submitted=False)
    with pytest.raises(Invalid):
        runs.request_run(session, sub, RunKind.CHECK, runs_per_hour=2)


def test_candidates_see_only_visible_checks(session: Session, factory: Factory) -> None:
    sub = _submission(factory)
    run = runs.request_run(session, sub, RunKind.FULL, runs_per_hour=5)
    token = runs.claim(session, run.id, "w", 60)
    assert token and runs.record(session, run.id, token, FakeResult())
    session.commit()
    session.refresh(run)
    cand = runs.view(run, "candidate")
    rev = runs.view(run, "reviewer")
    # After handing in a candidate sees nothing of the checks, their counts, metrics or output (the app decides
    # from the kind of run; the results' visible flags are not trusted).
    assert cand.checks == [] and cand.metrics == {} and cand.stdout == "" and cand.artifacts == []
    assert cand.outcome is None
    assert [c["name"] for c in rev.checks] == ["visible_one", "hidden_one"] and rev.artifacts == ["shot.png"]
    assert rev.metrics == {"auc": 0.8}


def test_queued_runs_whose_job_never_arrived_are_recovered(session: Session, factory: Factory) -> None:
    sub = _submission(factory)
    run = runs.request_run(session, sub, RunKind.CHECK, runs_per_hour=5)
    session.commit()
    assert runs.stale_run_ids(session, queued_grace_s=60) == []
    assert runs.stale_run_ids(session, now=utcnow() + timedelta(seconds=61), queued_grace_s=60) == [run.id]


def test_worker_reloads_the_case_library_only_when_a_file_changed(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import os
    import time

    from caseportal.casebook import scaffold
    from caseportal.run_executor import _library

    scaffold(tmp_path, "demo-case", "coding")
    first = _library(tmp_path)
    assert _library(tmp_path) is first, "unchanged files: the loaded library is reused"
    brief = tmp_path / "demo-case" / "brief.md"
    brief.write_text(brief.read_text() + "\nOne more line.\n")
    later = time.time() + 5
    os.utime(brief, (later, later))
    again = _library(tmp_path)
    assert again is not first and "One more line." in again.get("demo-case").brief()  # type: ignore[union-attr]


def test_candidates_read_the_outcome_in_their_language(app, session: Session, factory: Factory) -> None:  # type: ignore[no-untyped-def]
    """The sandbox words explanations in English; a Swedish candidate gets them in Swedish, hidden counts kept out."""
    sub = _submission(factory)
    run = runs.request_run(session, sub, RunKind.FULL, runs_per_hour=5)
    token = runs.claim(session, run.id, "w", 60)
    result = FakeResult(outcome="failed", explanation="1 of 2 checks did not pass.")
    assert token and runs.record(session, run.id, token, result, limits={"timeout_s": 60.0, "memory_mb": 256})
    session.commit()
    session.refresh(run)
    from flask_babel import refresh

    with app.test_request_context(headers={"Accept-Language": "sv"}):
        refresh()  # the test holds one app context open; Babel caches the locale there
        sv = runs.view(run, "candidate").explanation
    with app.test_request_context(headers={"Accept-Language": "en"}):
        refresh()
        en = runs.view(run, "candidate").explanation
        staff = runs.view(run, "reviewer").explanation
    assert sv == "Ditt arbete är inlämnat och kontrollerat. Teamet går igenom resultatet med dig på mötet.", sv
    assert en == "Your work has been handed in and checked. The team goes through the results with you in the meeting."
    assert staff == "1 of 2 checks did not pass."  # staff read the judge's count
    assert json.loads(run.result_json or "{}")["limits"]["memory_mb"] == 256
    with app.test_request_context(headers={"Accept-Language": "sv"}):
        refresh()
        assert runs.candidate_explanation("timeout", [], {"timeout_s": 60.0}) == \
            "Din kod körde längre än tidsgränsen på 60 s och stoppades."
        assert "256 MB" in runs.candidate_explanation("oom", [], {"memory_mb": 256})
