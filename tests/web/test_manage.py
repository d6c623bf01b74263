"""The manager's room through the Flask test client: real app, real database, real objects."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask, g, url_for
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from caseportal.casebook import scaffold
from caseportal.config import Settings
from caseportal.models import Invitation, JobRole, Meeting, StaffRole
from caseportal.services import invitations
from caseportal.services.errors import LinkInvalid
from tests.conftest import PASSWORD, Factory, csrf_token_from, login

SOLUTION_MARKER = "SOLUTION-ONLY-FOR-AUTHORS-7f3a"


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    """A case library of our own (coding, data, ux and one broken case), independent of the real one."""
    lib = tmp_path / "cases"
    titles = {"rate-limiter": "Fair rate limiting", "churn-model": "Who is about to churn?",
              "signup-form": "A friendlier sign-up form"}
    for slug, kind in (("rate-limiter", "coding"), ("churn-model", "data"), ("signup-form", "ux")):
        folder = scaffold(lib, slug, kind)
        yaml_path = folder / "case.yaml"
        yaml_path.write_text(yaml_path.read_text().replace(
            '"TODO: a title that says what the candidate gets to do"', f'"{titles[slug]}"'))
        for sol in (folder / "solution").iterdir():
            sol.write_text(sol.read_text() + f"\n# {SOLUTION_MARKER}\n")
    broken = lib / "half-written"
    broken.mkdir()
    (broken / "brief.md").write_text("# Not done yet\n")
    return Settings.for_tests(tmp_path, cases_dir=lib, base_url="https://jobs.example.org")


def _meeting_form(factory: Factory, **kw: object) -> dict[str, object]:
    data: dict[str, object] = {
        "candidate_name": "Grace Hopper", "candidate_email": "grace@example.org",
        "job_role_id": str(factory.job_role().id), "starts_at": "2030-03-31T10:00", "timezone": "Europe/Stockholm",
        "duration_minutes": "75", "place": "", "video_link": "https://meet.example.org/grace",
        "cases": ["rate-limiter", "churn-model"], "case_deadline": "2030-03-29T17:00",
    }
    data.update(kw)
    return {k: v for k, v in data.items() if v is not None}


# --------------------------------------------------------------------------- access


@pytest.mark.parametrize("path", ["/meetings", "/meetings/new", "/meetings/1", "/meetings/1/edit",
                                  "/meetings/1/meeting.ics", "/roles", "/roles/new", "/cases",
                                  "/cases/rate-limiter", "/meetings/1/delete"])
def test_anonymous_visitors_and_candidates_are_sent_to_login(client: FlaskClient, factory: Factory,
                                                             path: str) -> None:
    m = factory.meeting()
    token = factory.invite(m)  # a candidate holds a link, never a staff session
    resp = client.get(path.replace("/1", f"/{m.id}"))
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    client.get(f"/i/{token}")
    resp = client.get(path.replace("/1", f"/{m.id}"))
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


@pytest.mark.parametrize("path", ["/meetings/1/invite", "/meetings/1/revoke", "/meetings/1/met",
                                  "/meetings/new"])
def test_anonymous_posts_change_nothing(client: FlaskClient, factory: Factory, session: Session,
                                        path: str) -> None:
    m = factory.meeting()
    resp = client.post(path.replace("/1", f"/{m.id}"), data=_meeting_form(factory))
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    session.expire_all()
    assert session.scalars(select(Invitation)).all() == [] and m.met_at is None
    assert len(session.scalars(select(Meeting)).all()) == 1


def test_reviewer_cannot_see_or_touch_other_meetings(client: FlaskClient, factory: Factory) -> None:
    rev, other = factory.user(), factory.user()
    mine = factory.meeting(reviewers=[rev], candidate="Mine Person")
    theirs = factory.meeting(reviewers=[other], candidate="Other Person")
    login(client, rev)
    assert client.get(f"/meetings/{mine.id}").status_code == 200
    assert client.get(f"/meetings/{mine.id}/meeting.ics").status_code == 200
    assert client.get(f"/meetings/{theirs.id}").status_code == 404
    assert client.get(f"/meetings/{theirs.id}/meeting.ics").status_code == 404
    # manager-only pages: the role check refuses before anything is loaded
    for path in (f"/meetings/{mine.id}/edit", f"/meetings/{theirs.id}/edit", "/meetings/new", "/roles",
                 "/cases", f"/meetings/{mine.id}/delete"):
        assert client.get(path).status_code == 403, path
    for path in (f"/meetings/{mine.id}/invite", f"/meetings/{mine.id}/revoke", f"/meetings/{mine.id}/met"):
        assert client.post(path).status_code == 403, path
    page = client.get("/meetings").data
    assert b"Mine Person" in page and b"Other Person" not in page
    # the invitation link is the candidate's credential: reviewers never see it
    factory.invite(mine)
    assert b"/i/" not in client.get(f"/meetings/{mine.id}").data


def test_manager_sees_404_for_missing_meeting(client: FlaskClient, factory: Factory) -> None:
    login(client, factory.user(StaffRole.MANAGER))
    assert client.get("/meetings/4242").status_code == 404
    assert client.post("/meetings/4242/invite").status_code == 404


# --------------------------------------------------------------------------- dashboard


def test_dashboard_shows_rows_with_pipeline(client: FlaskClient, factory: Factory, session: Session) -> None:
    manager, rev = factory.user(StaffRole.MANAGER), factory.user()
    m = factory.meeting(reviewers=[rev], candidate="Linus Candidate")
    m.starts_at = datetime(2030, 7, 1, 8, 0, tzinfo=UTC)
    session.commit()
    factory.invite(m)
    factory.meeting(candidate="Unscheduled Person").starts_at = None
    session.commit()
    login(client, manager)
    html = client.get("/meetings").get_data(as_text=True)
    assert "Linus Candidate" in html and "Unscheduled Person" in html and "not scheduled yet" in html
    assert "Backend developer" in html
    assert "2030-07-01 10:00 CEST" in html  # shown in the meeting's own zone
    assert html.count('class="pipeline"') == 2
    row = html[html.index("Linus Candidate"):]
    row = row[:row.index("</tr>")]
    assert re.search(r'<li class="done"[^>]*>\s*invited', row)
    assert re.search(r'<li class="todo">\s*opened', row)
    assert 'href="/meetings/new"' in html


def test_dashboard_links_reviewers_to_the_review_page_when_it_exists(app: Flask, client: FlaskClient,
                                                                     factory: Factory) -> None:
    if "review.meeting" not in app.view_functions:  # the review blueprint may land later
        app.add_url_rule("/review/<int:meeting_id>", endpoint="review.meeting", view_func=lambda meeting_id: "")
    rev = factory.user()
    m = factory.meeting(reviewers=[rev])
    login(client, rev)
    html = client.get("/meetings").get_data(as_text=True)
    with app.test_request_context():
        link = url_for("review.meeting", meeting_id=m.id)
    assert f'href="{link}"' in html


def test_blind_review_shows_reviewers_no_name(client: FlaskClient, factory: Factory) -> None:
    rev = factory.user()
    m = factory.meeting(reviewers=[rev], blind_review=True, candidate="Secret Name")
    login(client, rev)
    for path in ("/meetings", f"/meetings/{m.id}"):
        html = client.get(path).get_data(as_text=True)
        assert "Secret Name" not in html and m.candidate_email not in html
        assert f"Candidate #{m.id}" in html
    ics = client.get(f"/meetings/{m.id}/meeting.ics").get_data(as_text=True)
    assert "Secret Name" not in ics and f"Candidate #{m.id}" in ics


# --------------------------------------------------------------------------- roles


def test_manager_creates_previews_and_edits_a_role(client: FlaskClient, factory: Factory,
                                                   session: Session) -> None:
    login(client, factory.user(StaffRole.MANAGER))
    assert b"Describe a new role" in client.get("/roles/new").data
    form = {"title": "Data scientist", "team": "Insights", "location": "Göteborg", "remote": "y",
            "role_family": "data-science", "offer_growth": "- **Mentor** from day one",
            "offer_tech": "Python, DuckDB", "offer_benefits": "Wellness <script>alert(1)</script>",
            "offer_worklife": "Four-day summer weeks"}
    preview = client.post("/roles/new", data={**form, "action": "preview"})
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    assert "<strong>Mentor</strong>" in html and "not saved yet" in html
    assert "<script>alert(1)</script>" not in html  # rendered through the sanitising markdown filter
    assert session.scalars(select(JobRole)).all() == []

    resp = client.post("/roles/new", data={**form, "action": "save"})
    assert resp.status_code == 302
    role = session.scalars(select(JobRole)).one()
    assert (role.title, role.team, role.remote, role.role_family) == ("Data scientist", "Insights", True,
                                                                      "data-science")
    assert role.offer_growth == "- **Mentor** from day one"
    listing = client.get("/roles").get_data(as_text=True)
    assert "Data scientist" in listing and "complete" in listing

    edit = client.get(f"/roles/{role.id}").get_data(as_text=True)
    assert 'value="Data scientist"' in edit and "<strong>Mentor</strong>" in edit
    resp = client.post(f"/roles/{role.id}", data={**form, "offer_worklife": "", "remote": "", "action": "save"})
    assert resp.status_code == 302
    session.refresh(role)
    assert role.offer_worklife == "" and role.remote is False
    assert "missing: Work-life balance" in client.get("/roles").get_data(as_text=True)
    assert client.post("/roles/new", data={**form, "title": "", "action": "save"}).status_code == 200
    assert client.post("/roles/new", data={**form, "role_family": "Data Science!"}).status_code == 200
    assert len(session.scalars(select(JobRole)).all()) == 1
    assert client.get("/roles/999").status_code == 404


# --------------------------------------------------------------------------- meetings


def test_manager_creates_a_meeting(client: FlaskClient, factory: Factory, session: Session) -> None:
    manager = factory.user(StaffRole.MANAGER)
    rev = factory.user(name="Rita Reviewer")
    factory.user(StaffRole.ADMIN, name="Ada Admin")
    login(client, manager)
    page = client.get("/meetings/new").get_data(as_text=True)
    assert "Rita Reviewer" in page and "Ada Admin" not in page  # reviewers and managers only
    assert "Fair rate limiting (Coding, about 60 min)" in page
    assert 'type="datetime-local"' in page and '<option selected value="Europe/Stockholm">' in page

    resp = client.post("/meetings/new", data=_meeting_form(factory, reviewers=[str(rev.id)], blind_review="y"))
    assert resp.status_code == 302, resp.data[:3000]
    m = session.scalars(select(Meeting)).one()
    assert resp.headers["Location"].endswith(f"/meetings/{m.id}")
    assert m.starts_at == datetime(2030, 3, 31, 8, 0, tzinfo=UTC)  # 10:00 CEST
    assert m.case_deadline == datetime(2030, 3, 29, 16, 0, tzinfo=UTC)  # 17:00 CET, before the DST change
    assert (m.duration_minutes, m.blind_review, m.case_slugs) == (75, True, ["rate-limiter", "churn-model"])
    assert [u.id for u in m.reviewers] == [rev.id] and m.created_by_id == manager.id

    detail = client.get(f"/meetings/{m.id}").get_data(as_text=True)
    assert "2030-03-31 10:00 CEST" in detail and "Fair rate limiting" in detail and "Rita Reviewer" in detail
    assert "No working link yet" in detail and "Send invitation" in detail
    # the edit form shows the local time again
    edit = client.get(f"/meetings/{m.id}/edit").get_data(as_text=True)
    assert 'value="2030-03-31T10:00"' in edit and 'value="2030-03-29T17:00"' in edit


@pytest.mark.parametrize(("change", "error"), [
    ({"cases": ["rate-limiter", "not-a-case"]}, "is not one of the options"),
    ({"cases": None}, "at least one case"),
    ({"video_link": "javascript:alert(1)"}, "http"),
    ({"starts_at": "2030-03-31T02:30", "case_deadline": ""}, "does not exist"),
    ({"case_deadline": "2030-04-02T09:00"}, "before the meeting"),
    ({"candidate_email": "nope"}, "email"),
    ({"timezone": "Not/AZone"}, "Please choose one of the options"),
])
def test_meeting_form_rejects_bad_input(client: FlaskClient, factory: Factory, session: Session,
                                        change: dict[str, object], error: str) -> None:
    login(client, factory.user(StaffRole.MANAGER))
    resp = client.post("/meetings/new", data=_meeting_form(factory, **change))
    assert resp.status_code == 200
    assert error.lower() in resp.get_data(as_text=True).lower()
    assert session.scalars(select(Meeting)).all() == []


def test_meeting_dst_start_in_new_york(client: FlaskClient, factory: Factory, session: Session) -> None:
    login(client, factory.user(StaffRole.MANAGER))
    resp = client.post("/meetings/new", data=_meeting_form(factory, timezone="America/New_York",
                                                            starts_at="2030-03-10T09:00",
                                                            case_deadline="2030-03-08T17:00"))
    assert resp.status_code == 302
    m = session.scalars(select(Meeting)).one()
    assert m.starts_at == datetime(2030, 3, 10, 13, 0, tzinfo=UTC)  # EDT (-4) from 10 March 2030
    assert m.case_deadline == datetime(2030, 3, 8, 22, 0, tzinfo=UTC)  # still EST (-5)


def test_manager_edits_a_meeting(client: FlaskClient, factory: Factory, session: Session) -> None:
    login(client, factory.user(StaffRole.MANAGER))
    m = factory.meeting(cases=["rate-limiter"])
    resp = client.post(f"/meetings/{m.id}/edit", data=_meeting_form(
        factory, candidate_name="Grace B. Hopper", cases=["signup-form"], place="Kungsgatan 1",
        video_link="", starts_at="", case_deadline=""))
    assert resp.status_code == 302
    session.refresh(m)
    assert (m.candidate_name, m.case_slugs, m.place, m.video_link) == ("Grace B. Hopper", ["signup-form"],
                                                                       "Kungsgatan 1", "")
    assert m.starts_at is None and m.case_deadline is None
    # no time yet: no calendar entry, with a friendly message
    resp = client.get(f"/meetings/{m.id}/meeting.ics")
    assert resp.status_code == 400 and b"no date and time yet" in resp.data


def test_invitation_send_reissue_revoke(app: Flask, client: FlaskClient, factory: Factory, session: Session,
                                        caplog: pytest.LogCaptureFixture) -> None:
    login(client, factory.user(StaffRole.MANAGER))
    m = factory.meeting()
    with caplog.at_level(logging.INFO):
        resp = client.post(f"/meetings/{m.id}/invite", follow_redirects=True)
    html = resp.get_data(as_text=True)
    assert "link is ready" in html
    found = re.search(r'id="candidate-link"[^>]*value="(https://jobs\.example\.org/i/[^"]+)"', html)
    assert found, html
    url1 = found.group(1)
    assert url1 in caplog.text  # no mail server: the link is written to the log too
    token1 = url1.rsplit("/", 1)[1]
    assert invitations.resolve(session, token1, "test-secret").meeting_id == m.id
    # the link stays visible to managers later (re-derived from the signed id and nonce)
    assert url1 in client.get(f"/meetings/{m.id}").get_data(as_text=True)

    resp = client.post(f"/meetings/{m.id}/invite", follow_redirects=True)
    html = resp.get_data(as_text=True)
    assert "old one no longer works" in html
    url2 = re.search(r'id="candidate-link"[^>]*value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
    assert url2 != url1
    session.expire_all()
    with pytest.raises(LinkInvalid):
        invitations.resolve(session, token1, "test-secret")
    invitations.resolve(session, url2.rsplit("/", 1)[1], "test-secret")

    resp = client.post(f"/meetings/{m.id}/revoke", follow_redirects=True)
    assert "withdrawn" in resp.get_data(as_text=True)
    session.expire_all()
    with pytest.raises(LinkInvalid):
        invitations.resolve(session, url2.rsplit("/", 1)[1], "test-secret")
    assert "No working link yet" in client.get(f"/meetings/{m.id}").get_data(as_text=True)
    assert "no working link" in client.post(f"/meetings/{m.id}/revoke", follow_redirects=True
                                            ).get_data(as_text=True)


def test_mark_met_and_undo(client: FlaskClient, factory: Factory, session: Session) -> None:
    login(client, factory.user(StaffRole.MANAGER))
    m = factory.meeting()
    client.post(f"/meetings/{m.id}/met", data={"met": "1"})
    session.refresh(m)
    assert m.met_at is not None
    html = client.get("/meetings").get_data(as_text=True)
    assert re.search(r'<li class="done"[^>]*>\s*met', html)
    client.post(f"/meetings/{m.id}/met", data={"met": "0"})
    session.refresh(m)
    assert m.met_at is None


def test_delete_needs_confirmation(client: FlaskClient, factory: Factory, session: Session) -> None:
    login(client, factory.user(StaffRole.MANAGER))
    m = factory.meeting()
    factory.invite(m)
    page = client.get(f"/meetings/{m.id}/delete")
    assert page.status_code == 200 and b"cannot be undone" in page.data
    resp = client.post(f"/meetings/{m.id}/delete", data={})
    assert resp.status_code == 200 and b"tick the box" in resp.data
    assert session.get(Meeting, m.id) is not None
    resp = client.post(f"/meetings/{m.id}/delete", data={"confirm": "y"})
    assert resp.status_code == 302
    session.expire_all()
    assert session.get(Meeting, m.id) is None
    assert session.scalars(select(Invitation)).all() == []
    assert client.get(f"/meetings/{m.id}").status_code == 404


def test_ics_download(client: FlaskClient, factory: Factory, session: Session) -> None:
    rev = factory.user()
    m = factory.meeting(reviewers=[rev], place="Office; floor 3, room A")
    m.starts_at = datetime(2030, 10, 28, 9, 0, tzinfo=UTC)
    session.commit()
    for user in (factory.user(StaffRole.MANAGER), rev):
        client.post("/logout")
        login(client, user)
        resp = client.get(f"/meetings/{m.id}/meeting.ics")
        assert resp.status_code == 200
        assert resp.mimetype == "text/calendar"
        assert "attachment" in resp.headers["Content-Disposition"]
        body = resp.data
        assert body.startswith(b"BEGIN:VCALENDAR\r\n") and body.endswith(b"END:VCALENDAR\r\n")
        assert b"DTSTART:20301028T090000Z\r\n" in body and b"DTEND:20301028T100000Z\r\n" in body
        assert b"LOCATION:Office\\; floor 3\\, room A\r\n" in body
        assert all(len(line) <= 75 for line in body.split(b"\r\n"))


# --------------------------------------------------------------------------- case library


def test_case_library_and_detail(client: FlaskClient, factory: Factory) -> None:
    login(client, factory.user(StaffRole.MANAGER))
    html = client.get("/cases").get_data(as_text=True)
    for text in ("Coding", "Data", "UX", "backend", "data-science", "ux-design", "Fair rate limiting",
                 "Who is about to churn?", "about 60 min", "Python checks", "Browser checks"):
        assert text in html, text
    assert html.index(">Coding<") < html.index(">Data<") < html.index(">UX<")
    assert "Cases with problems" in html and "half-written" in html and "case.yaml is missing" in html

    detail = client.get("/cases/rate-limiter").get_data(as_text=True)
    assert "Fair rate limiting" in detail
    assert "TODO: a question for the meeting" in detail and "TODO: what a good answer sounds like" in detail
    assert "TODO: what the team does" in detail  # the brief, rendered
    assert detail.count("<h1>") == 1 and "<h3>TODO: title</h3>" in detail  # brief headings nest below the page
    assert "solution.py" in detail  # the starter file name
    assert SOLUTION_MARKER not in detail and "most_common" not in detail
    assert client.get("/cases/no-such-case").status_code == 404


def test_admin_sees_the_manager_pages(client: FlaskClient, factory: Factory) -> None:
    login(client, factory.user(StaffRole.ADMIN))
    for path in ("/meetings", "/roles", "/cases", "/meetings/new"):
        assert client.get(path).status_code == 200, path


# --------------------------------------------------------------------------- CSRF


def test_csrf_is_enforced_on_meeting_creation(csrf_app: Flask, tmp_path: Path) -> None:
    session = csrf_app.extensions["caseportal.db"].session()
    factory = Factory(csrf_app, session)
    manager = factory.user(StaffRole.MANAGER)
    client = csrf_app.test_client()
    token = csrf_token_from(client.get("/login").data)
    assert client.post("/login", data={"email": manager.email, "password": PASSWORD,
                                       "csrf_token": token}).status_code == 302
    # The fixture keeps one app context open, so requests share flask.g, where Flask-WTF caches the token
    # it handed out before login (which cleared the session). Drop it, as a fresh request would.
    g.pop("csrf_token", None)
    form = _meeting_form(factory)
    assert client.post("/meetings/new", data=form).status_code == 400
    assert session.scalars(select(Meeting)).all() == []
    m = factory.meeting()
    assert client.post(f"/meetings/{m.id}/invite").status_code == 400
    assert client.post(f"/meetings/{m.id}/delete", data={"confirm": "y"}).status_code == 400

    token = csrf_token_from(client.get("/meetings/new").data)
    resp = client.post("/meetings/new", data={**form, "csrf_token": token})
    assert resp.status_code == 302, re.findall(rb'class="error-message">([^<]*)', resp.data)
    session.expire_all()
    assert len(session.scalars(select(Meeting)).all()) == 2
