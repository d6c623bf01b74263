"""A run taken over from a stopped worker tells the candidate so, on the page and in its JSON, in both languages."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from caseportal.models import Run
from caseportal.services import runs
from tests.conftest import Factory
from tests.web.test_candidate import coding_case, started, sub_of, text


def test_a_restarted_run_says_a_machine_stopped(app: Flask, factory: Factory, client: FlaskClient,
                                               session: Session) -> None:
    case = coding_case(app)
    meeting = factory.meeting(cases=[case.slug])
    token = factory.invite(meeting)
    started(client, token, case.slug)
    client.post(f"/i/{token}/case/{case.slug}/run")
    run = session.scalar(select(Run).where(Run.submission_id == sub_of(session, meeting, case.slug).id))
    assert run is not None
    page = text(client.get(f"/i/{token}/case/{case.slug}"))
    assert "machine stopped" not in page
    assert runs.claim(session, run.id, "dead:1:1", lease_s=-1)  # held by a worker whose lease ran out
    assert runs.claim(session, run.id, "live:2:1", lease_s=60)  # taken over
    session.commit()
    session.refresh(run)  # the test shares its session with the app, which loaded the run before
    data = client.get(f"/i/{token}/runs/{run.id}.json").json
    assert data is not None and data["status"] == "running" and "starting again" in data["note"]
    page = text(client.get(f"/i/{token}/case/{case.slug}"))
    assert "A test machine stopped; your run is starting again on another one." in page
    sv = client.get(f"/i/{token}/runs/{run.id}.json", headers={"Accept-Language": "sv"}).json
    assert sv is not None and sv["note"] == "En testmaskin stannade; din körning startar om på en annan."
