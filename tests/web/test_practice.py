"""The warm-up before the real case (issue 15, the practice round): the candidate's own, in the same workspace,
seen by nobody else and starting no clock, yet the candidate's data (export, erasure).

Runs on SQLite and PostgreSQL; the last test runs the warm-up for real through the worker's call site (Docker).
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from caseportal.casebook import CaseSpec, Library
from caseportal.config import REPO_ROOT, Settings
from caseportal.models import (
    CaseWork,
    Meeting,
    PracticeSubmission,
    Run,
    RunKind,
    RunStatus,
    StaffRole,
    Submission,
    SubmissionStatus,
    WebhookDelivery,
    WebhookEndpoint,
    utcnow,
)
from caseportal.services import analytics, data_export, erasure, meetings, pipeline, practice, runs
from caseportal.services.events import EVENTS
from sandbox.spec import CheckResult, Outcome, RunResult
from tests.conftest import Factory, docker_available, login, require

WARM = "warm-up"
FIXED = 'def initials(full_name: str) -> str:\n    return "".join(w[0].upper() for w in full_name.split())\n'
RESULT = RunResult(outcome=Outcome.failed, explanation="1 of 2 checks failed.", checks=(
    CheckResult("test_one_name_gives_one_letter", "passed", "", visible=True),
    CheckResult("test_every_name_gives_its_first_letter", "failed", "gave 'A'", visible=True)))


@pytest.fixture()
def settings(tmp_path: Path, database_url: str) -> Settings:
    """The real case library (with its warm-up), a queue without workers, and a meeting limit of two runs."""
    return Settings.for_tests(tmp_path, cases_dir=REPO_ROOT / "cases", database_url=database_url,
                              queue_url="memory", runs_per_hour=2)


def library(app: Flask) -> Library:
    lib: Library = app.extensions["caseportal.casebook"]
    return lib


def real_case(app: Flask) -> CaseSpec:
    """The meeting's case: a python coding case with an editable starter file."""
    return next(c for c in library(app) if c.kind == "coding" and c.runtime == "python"
                and any(c.submission.is_editable(p) for p in c.starter_files))


def meeting_with_link(factory: Factory, app: Flask, **kw: object) -> tuple[Meeting, str]:
    meeting = factory.meeting(cases=[real_case(app).slug], **kw)
    return meeting, factory.invite(meeting)


def start_warm_up(client: FlaskClient, token: str) -> None:
    resp = client.post(f"/i/{token}/warm-up/{WARM}/start")
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/i/{token}/case/{WARM}#work")


def warm_up(session: Session, meeting: Meeting) -> PracticeSubmission:
    session.expire_all()
    work = practice.get(session, meeting, WARM)
    assert work is not None
    return work


def recorded_run(session: Session, work: CaseWork) -> Run:
    """A check run of ``work`` as a worker leaves it: requested, claimed, recorded."""
    run = runs.request_run(session, work, RunKind.CHECK, runs_per_hour=100)
    token = runs.claim(session, run.id, "tests:0:0", lease_s=300)
    assert token is not None and runs.record(session, run.id, token, RESULT)
    session.commit()
    return run


def test_the_warm_up_is_a_practice_case_outside_the_catalogue(app: Flask, factory: Factory,
                                                              client: FlaskClient) -> None:
    lib = library(app)
    assert practice.offer(lib) is lib.practice[WARM] and lib.find(WARM) is lib.practice[WARM]
    assert WARM not in lib and lib.get(WARM) is None and WARM not in [c.slug for c in lib]
    login(client, factory.user(StaffRole.MANAGER))
    page = client.get("/cases").get_data(as_text=True)
    assert real_case(app).title in page and "Warm-up" not in page


def test_the_meeting_page_offers_the_warm_up_until_a_case_is_started(app: Flask, factory: Factory,
                                                                    client: FlaskClient) -> None:
    _meeting, token = meeting_with_link(factory, app)
    page = client.get(f"/i/{token}", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert "Prova en uppvärmning på fem minuter först" in page and "ett förslag, inte en gräns" in page
    page = client.get(f"/i/{token}").get_data(as_text=True)
    assert "Try a five-minute warm-up first" in page and "only a suggestion, not a limit" in page
    assert f'action="/i/{token}/warm-up/{WARM}/start"' in page

    start_warm_up(client, token)
    assert "Continue your warm-up" in client.get(f"/i/{token}").get_data(as_text=True)

    assert client.post(f"/i/{token}/case/{real_case(app).slug}/start").status_code == 302
    assert "warm-up" not in client.get(f"/i/{token}").get_data(as_text=True)


def test_the_warm_up_has_the_workspace_without_a_clock_or_a_hand_in(app: Flask, factory: Factory,
                                                                   client: FlaskClient, session: Session) -> None:
    meeting, token = meeting_with_link(factory, app)
    meeting.case_deadline = utcnow() - timedelta(days=1)
    session.commit()
    start_warm_up(client, token)
    page = client.get(f"/i/{token}/case/{WARM}").get_data(as_text=True)
    assert "Warm-up: not seen by anyone, no clock" in page and "a suggestion, not a limit" in page
    assert "Leave the warm-up" in page and "Start the warm-up over" in page and 'name="file::initials.py"' in page
    assert "Hand in my work" not in page and "hand in by" not in page and "deadline" not in page

    # the case's deadline has passed, yet the warm-up saves: it starts no clock and no clock stops it
    assert client.post(f"/i/{token}/case/{WARM}/save", data={"file::initials.py": FIXED}).status_code == 302
    assert warm_up(session, meeting).file_map()["initials.py"] == FIXED.encode()
    resp = client.post(f"/i/{token}/case/{WARM}/submit", data={"confirm": "y"})
    assert resp.status_code == 400 and "nothing to hand in" in resp.get_data(as_text=True)
    assert warm_up(session, meeting).status == SubmissionStatus.DRAFT

    assert client.post(f"/i/{token}/warm-up/{WARM}/reset").status_code == 302
    assert warm_up(session, meeting).file_map() == dict(library(app).practice[WARM].starter_files)
    sv = client.get(f"/i/{token}/case/{WARM}", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert "Uppvärmning: ingen ser den, ingen klocka går" in sv and "Lämna uppvärmningen" in sv


def test_warm_up_runs_have_their_own_limit_and_leave_the_meetings_alone(
        app: Flask, factory: Factory, client: FlaskClient, session: Session) -> None:
    meeting, token = meeting_with_link(factory, app)
    start_warm_up(client, token)
    for _ in range(3):  # more than the meeting's two runs an hour
        assert client.post(f"/i/{token}/case/{WARM}/run", data={"file::initials.py": FIXED}).status_code == 302
        session.execute(update(Run).values(status=RunStatus.DONE))  # as if a worker finished it
        session.commit()
    case = real_case(app)
    assert client.post(f"/i/{token}/case/{case.slug}/start").status_code == 302
    assert client.post(f"/i/{token}/case/{case.slug}/run").status_code == 302, "warm-up runs counted"

    work = warm_up(session, meeting)
    session.add_all([Run(submission_id=work.id, kind=RunKind.CHECK, status=RunStatus.DONE)
                     for _ in range(practice.RUNS_PER_HOUR - 3)])
    session.commit()
    resp = client.post(f"/i/{token}/case/{WARM}/run")
    assert resp.status_code == 429 and "in the last hour" in resp.get_data(as_text=True)


def test_reviewers_managers_and_analytics_never_see_the_warm_up(app: Flask, factory: Factory,
                                                               client: FlaskClient, session: Session) -> None:
    reviewer = factory.user(StaffRole.REVIEWER)
    meeting, token = meeting_with_link(factory, app, reviewers=[reviewer])
    start_warm_up(client, token)
    work = warm_up(session, meeting)
    recorded_run(session, work)

    # nothing has started as far as anyone else can tell: no stage, no case chosen, no start time
    assert dict(pipeline.pipeline(session, meeting))["started"] is None
    row = next(r for r in analytics.meeting_rows(session, library(app), analytics.Filters())
               if r.meeting_id == meeting.id)
    assert row.case_slug == real_case(app).slug and not row.reached("started") and row.minutes_spent is None
    assert session.scalar(select(func.count(Submission.id)).where(Submission.meeting_id == meeting.id)) == 0

    factory.submission(meeting, {"a.py": b"x = 1\n"})  # real work, handed in, so the staff pages have content
    review = [f"/review/meetings/{meeting.id}", "/"]
    manage = [f"/meetings/{meeting.id}", f"/meetings/{meeting.id}/brief", "/analytics", "/analytics.csv"]
    for user, urls in ((reviewer, review), (factory.user(StaffRole.MANAGER), review + manage)):
        login(client, user)
        for url in urls:
            resp = client.get(url, follow_redirects=True)
            assert resp.status_code == 200, url
            text = resp.get_data(as_text=True)
            assert "initials" not in text and "Warm-up" not in text and WARM not in text, url
        assert client.get(f"/review/submissions/{work.id}").status_code == 404
        assert client.post(f"/review/submissions/{work.id}/points", data={"text": "x"}).status_code == 404


def test_the_warm_up_emits_no_events(app: Flask, factory: Factory, client: FlaskClient, session: Session) -> None:
    session.add(WebhookEndpoint(url="http://127.0.0.1:9/", events=" ".join(EVENTS), secret="s"))
    session.commit()
    meeting, token = meeting_with_link(factory, app)
    start_warm_up(client, token)
    recorded_run(session, warm_up(session, meeting))
    assert client.post(f"/i/{token}/case/{WARM}/save", data={"file::initials.py": FIXED}).status_code == 302
    assert session.scalar(select(func.count(WebhookDelivery.id))) == 0

    assert client.post(f"/i/{token}/case/{real_case(app).slug}/start").status_code == 302
    events = session.scalars(select(WebhookDelivery.event)).all()
    assert "case.started" in events  # the same hook does fire for the real case


def test_the_export_holds_the_warm_up_and_erasure_deletes_it(app: Flask, factory: Factory, client: FlaskClient,
                                                             session: Session) -> None:
    meeting, token = meeting_with_link(factory, app)
    start_warm_up(client, token)
    assert client.post(f"/i/{token}/case/{WARM}/save", data={"file::initials.py": FIXED}).status_code == 302
    run = recorded_run(session, warm_up(session, meeting))

    data = data_export.data_of(session, meeting)
    assert data["submissions"] == [] and [w["case"] for w in data["warm_up"]] == [WARM]
    assert data["warm_up"][0]["files"] == ["initials.py"] and len(data["warm_up"][0]["check_runs"]) == 1
    with zipfile.ZipFile(io.BytesIO(data_export.export_zip(session, meeting))) as zf:
        assert zf.read(f"files/{WARM}/initials.py") == FIXED.encode()
        assert json.loads(zf.read("data.json"))["warm_up"][0]["case"] == WARM

    assert erasure.erase_candidate(session, meeting, None, "request")
    session.commit()
    assert practice.get(session, meeting, WARM) is None and session.get(Run, run.id) is None
    assert session.scalar(select(func.count(CaseWork.id)).where(CaseWork.meeting_id == meeting.id)) == 0


def test_deleting_the_meeting_deletes_the_warm_up(app: Flask, factory: Factory, client: FlaskClient,
                                                  session: Session) -> None:
    meeting, token = meeting_with_link(factory, app)
    start_warm_up(client, token)
    recorded_run(session, warm_up(session, meeting))
    meetings.delete_meeting(session, meeting)
    session.commit()
    assert session.scalar(select(func.count(CaseWork.id))) == 0 and session.scalar(select(func.count(Run.id))) == 0


def test_another_candidate_cannot_reach_the_first_ones_warm_up(app: Flask, factory: Factory, client: FlaskClient,
                                                               session: Session) -> None:
    meeting_a, token_a = meeting_with_link(factory, app, candidate="Ada")
    _meeting_b, token_b = meeting_with_link(factory, app, candidate="Bo")
    start_warm_up(client, token_a)
    secret = FIXED.replace("return", "# Ada's own\n    return")
    assert client.post(f"/i/{token_a}/case/{WARM}/run", data={"file::initials.py": secret}).status_code == 302
    run_a = session.scalars(select(Run.id)).one()
    assert client.get(f"/i/{token_a}/runs/{run_a}.json").status_code == 200

    other = app.test_client()
    assert other.get(f"/i/{token_b}/runs/{run_a}.json").status_code == 404
    page = other.get(f"/i/{token_b}/case/{WARM}").get_data(as_text=True)
    assert "Ada's own" not in page and f"/i/{token_b}/warm-up/{WARM}/start" in page
    assert other.get(f"/i/{token_b}/case/{WARM}/files/initials.py").status_code == 404
    assert other.post(f"/i/{token_b}/warm-up/{WARM}/reset").status_code == 302  # B's own warm-up, from scratch
    assert b"Ada's own" in warm_up(session, meeting_a).file_map()["initials.py"]
    assert other.post(f"/i/{token_b}/warm-up/{real_case(app).slug}/start").status_code == 404


@pytest.mark.docker
def test_a_warm_up_run_goes_through_the_worker(app: Flask, factory: Factory, client: FlaskClient,
                                               session: Session, settings: Settings) -> None:
    """Edit, run the checks, see a result: the worker's call site runs the warm-up's visible checks in the
    sandbox with the practice case's limits, and the candidate's page shows one check passed, one not."""
    require(docker_available(), "a Docker engine")
    from sandbox.images.build import ensure_images

    ensure_images(["python"])
    from caseportal.run_executor import execute_run

    meeting, token = meeting_with_link(factory, app)
    start_warm_up(client, token)
    half = "def initials(full_name: str) -> str:\n    return full_name[0].upper()\n"
    assert client.post(f"/i/{token}/case/{WARM}/run", data={"file::initials.py": half}).status_code == 302
    run_id = session.scalars(select(Run.id)).one()

    assert execute_run(settings, app.extensions["caseportal.db"], run_id) == "done"
    status = client.get(f"/i/{token}/runs/{run_id}.json").get_json()
    assert status["finished"] and status["outcome"] == "failed", status
    assert {c.get("check", c["name"]): c["status"] for c in status["checks"]} == {  # the checker's names
        "test_one_name_gives_one_letter": "passed", "test_every_name_gives_its_first_letter": "failed"}
    session.expire_all()
    done = session.get(Run, run_id)
    assert done is not None and json.loads(done.result_json or "{}")["limits"]["timeout_s"] == 20
    page = client.get(f"/i/{token}/case/{WARM}").get_data(as_text=True)
    assert re.search(r"1 of 2 checks? did not pass", page), page[:2000]
    assert warm_up(session, meeting).status == SubmissionStatus.DRAFT


@pytest.mark.docker
def test_cases_check_proves_the_warm_up() -> None:
    """``caseportal cases check`` proves the practice case like the others: reference passes, starter fails."""
    require(docker_available(), "a Docker engine")
    from caseportal.case_runs import check_case
    from caseportal.casebook import load_library
    from sandbox.images.build import ensure_images

    case = load_library(REPO_ROOT / "cases").practice[WARM]
    report = check_case(case, image_ref=ensure_images(["python"])["python"])
    assert report.ok and {"reference", "starter"} <= {r.subject for r in report.rows}, report.rows
