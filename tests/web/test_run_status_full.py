"""A handed-in (full) run as the candidate sees it: the status JSON carries nothing of the judge's verdict, and
the page redrawn by runstatus.js from that JSON reads exactly like the server-rendered page.

The verdict of a full run comes from checks and metrics the candidate must never learn
(docs/sandbox-contract.md), so neither the JSON nor either rendering may name a check, count checks, or claim
that there were none.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from caseportal.casebook import CaseSpec
from caseportal.config import REPO_ROOT, Settings
from caseportal.models import Run, RunKind, Submission
from caseportal.services import runs
from sandbox.spec import CheckResult, Outcome, RunResult
from tests.conftest import Factory

ORIGIN = "http://portal.test"
HANDED_IN = "Your work has been handed in and checked."
NO_CHECKS = "The run finished without any checks to report."
RESULT = RunResult(
    outcome=Outcome.failed,
    checks=(CheckResult("test_visible_ok", "passed", "", visible=True),
            CheckResult("test_judge_secret_threshold", "failed", "auc 0.61 < 0.70", visible=False)),
    stdout="collected 2 items test_judge_secret_threshold", metrics={"auc": 0.61},
    explanation="1 of 2 checks failed.",
)


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    return Settings.for_tests(tmp_path, cases_dir=REPO_ROOT / "cases", queue_url="memory")


def coding_case(app: Flask) -> CaseSpec:
    library: list[CaseSpec] = list(app.extensions["caseportal.casebook"])
    for case in library:
        if case.kind == "coding" and case.has_automated_checks:
            return case
    pytest.fail("the case library needs a coding case with automated checks")


def started_full_run(app: Flask, factory: Factory, client: FlaskClient,
                     session: Session) -> tuple[str, str, Run, str]:
    """A candidate who started a case and whose full run a worker has claimed: token, case page, run, claim."""
    case = coding_case(app)
    meeting = factory.meeting(cases=[case.slug])
    token = factory.invite(meeting)
    assert client.post(f"/i/{token}/case/{case.slug}/start").status_code == 302
    sub = session.scalar(select(Submission).where(Submission.meeting_id == meeting.id))
    assert sub is not None
    run = runs.request_run(session, sub, RunKind.FULL, runs_per_hour=10**6)
    claim = runs.claim(session, run.id, "tests:0:0", lease_s=300)
    assert claim is not None
    session.commit()
    session.expire_all()
    return token, f"/i/{token}/case/{case.slug}", run, claim


def finish(session: Session, run: Run, claim: str) -> None:
    """Record the result as the worker does."""
    assert runs.record(session, run.id, claim, RESULT)
    session.commit()
    session.expire_all()  # the update bypassed the identity map; the app shares this session


def status_text(page_html: str) -> str:
    """The words of the #run-status box of a server-rendered page, as a browser would read them."""
    box = re.search(r'<div id="run-status".*?</div>', page_html, re.S)
    assert box, "no run-status box on the page"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", box.group(0))).split())


def test_full_run_json_carries_no_verdict(app: Flask, factory: Factory, client: FlaskClient,
                                          session: Session) -> None:
    token, page_url, run, claim = started_full_run(app, factory, client, session)
    finish(session, run, claim)
    data = client.get(f"/i/{token}/runs/{run.id}.json").json
    assert data is not None and data["finished"] is True and data["kind"] == "full"
    assert data["checks"] == [] and data["metrics"] == {} and data["outcome"] is None
    assert data["stdout"] == "" and data["stderr"] == "" and data["artifacts"] == []
    assert data["explanation"].startswith(HANDED_IN)
    raw = json.dumps(data)
    for secret in ("test_visible_ok", "test_judge_secret_threshold", "auc", "0.61", "1 of 2", "failed"):
        assert secret not in raw, secret
    shown = status_text(client.get(page_url).get_data(as_text=True))
    assert HANDED_IN in shown and NO_CHECKS not in shown and "checks pass" not in shown


@pytest.fixture()
def chromium_page(browser: Any) -> Iterator[Any]:
    page = browser.new_page()
    try:
        yield page
    finally:
        page.close()


def test_redrawn_full_run_reads_like_the_server_page(app: Flask, factory: Factory, client: FlaskClient,
                                                     session: Session, chromium_page: Any) -> None:
    """runstatus.js redraws a running full run from the JSON once it finishes; the words equal the server's."""
    token, page_url, run, claim = started_full_run(app, factory, client, session)

    def through_the_app(route: Any) -> None:  # the browser talks to the app through its test client
        resp = client.get(route.request.url.removeprefix(ORIGIN))
        route.fulfill(status=resp.status_code, body=resp.get_data(),
                      headers={"content-type": resp.headers.get("Content-Type", "text/html")})

    chromium_page.route(f"{ORIGIN}/**", through_the_app)
    chromium_page.goto(ORIGIN + page_url)
    box = chromium_page.locator("#run-status")
    assert "Running the checks" in box.inner_text()
    finish(session, run, claim)
    box.locator(".explanation").wait_for(timeout=10_000)
    redrawn = " ".join(box.inner_text().split())
    served = status_text(client.get(page_url).get_data(as_text=True))
    assert HANDED_IN in redrawn and NO_CHECKS not in redrawn
    assert redrawn == served
