"""Preparing the meeting: talking points (own and suggested), line comments, the reviewed mark, CSRF."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from caseportal.casebook import CaseSpec, load_library
from caseportal.models import LineComment, StaffRole, Submission, TalkingPoint
from tests.conftest import PASSWORD, Factory, csrf_token_from, login
from tests.web.review.conftest import World, page

# --------------------------------------------------------------------------- talking points


def _points(session: Session, sub: Submission) -> list[tuple[str, int]]:
    session.expire_all()
    rows = session.scalars(select(TalkingPoint).where(TalkingPoint.submission_id == sub.id)
                           .order_by(TalkingPoint.position))
    return [(p.text, p.position) for p in rows]


def test_talking_points_add_move_edit_delete(client: FlaskClient, session: Session, world: World) -> None:
    sid = world.submission.id
    login(client, world.reviewer)
    for text in ("First", "Second", "Third"):
        resp = client.post(f"/review/submissions/{sid}/points", data={"tp-text": text})
        assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/review/submissions/{sid}#points")
    assert _points(session, world.submission) == [("First", 0), ("Second", 1), ("Third", 2)]
    third = session.scalars(select(TalkingPoint).where(TalkingPoint.text == "Third")).one()
    assert client.post(f"/review/points/{third.id}/move", data={"direction": "up"}).status_code == 302
    assert [t for t, _ in _points(session, world.submission)] == ["First", "Third", "Second"]
    assert client.post(f"/review/points/{third.id}/move", data={"direction": "up"}).status_code == 302
    assert client.post(f"/review/points/{third.id}/move", data={"direction": "up"}).status_code == 302  # no-op
    assert [t for t, _ in _points(session, world.submission)] == ["Third", "First", "Second"]
    assert client.post(f"/review/points/{third.id}/move", data={"direction": "down"}).status_code == 302
    assert [t for t, _ in _points(session, world.submission)] == ["First", "Third", "Second"]
    assert client.post(f"/review/points/{third.id}/move", data={"direction": "left"}).status_code == 400

    html = page(client, f"/review/points/{third.id}/edit")
    assert "Third" in html
    resp = client.post(f"/review/points/{third.id}/edit",
                       data={"tp-text": "Third, edited", "tp-file_path": "solution.py", "tp-line": "2"})
    assert resp.status_code == 302
    session.expire_all()
    edited = session.get(TalkingPoint, third.id)
    assert edited is not None and (edited.text, edited.file_path, edited.line) == ("Third, edited", "solution.py", 2)
    html = page(client, f"/review/submissions/{sid}")
    sol = sorted(f.path for f in world.submission.files).index("solution.py")
    assert f'href="#L-{sol}-2">solution.py:2</a>' in html
    assert html.index("First") < html.index("Third, edited") < html.index("Second")

    assert client.post(f"/review/points/{third.id}/delete").status_code == 302
    assert _points(session, world.submission) == [("First", 0), ("Second", 1)]


@pytest.mark.parametrize(("data", "message"), [
    ({"tp-text": "x", "tp-file_path": "solution.py", "tp-line": "3"},
     "Line 3 is outside solution.py, which has 2 lines"),
    ({"tp-text": "x", "tp-file_path": "nope.py"}, "There is no file called nope.py"),
    ({"tp-text": "x", "tp-line": "1"}, "A line number needs a file"),
    ({"tp-text": "x", "tp-file_path": "shot.png", "tp-line": "1"}, "not a text file"),
    ({"tp-text": ""}, "This field is required"),
    ({"tp-text": "x", "tp-file_path": "solution.py", "tp-line": "0"}, "Please enter a number of at least 1"),
])
def test_talking_point_validation(client: FlaskClient, session: Session, world: World, data: dict[str, str],
                                  message: str) -> None:
    login(client, world.reviewer)
    resp = client.post(f"/review/submissions/{world.submission.id}/points", data=data)
    assert resp.status_code == 400
    assert message in resp.get_data(as_text=True)
    assert _points(session, world.submission) == []


def test_edit_point_validation_keeps_the_old_text(client: FlaskClient, session: Session, world: World) -> None:
    point = TalkingPoint(submission_id=world.submission.id, text="Keep me", position=0)
    session.add(point)
    session.commit()
    login(client, world.reviewer)
    resp = client.post(f"/review/points/{point.id}/edit",
                       data={"tp-text": "New", "tp-file_path": "solution.py", "tp-line": "99"})
    assert resp.status_code == 400 and "outside" in resp.get_data(as_text=True)
    session.expire_all()
    assert session.get(TalkingPoint, point.id).text == "Keep me"  # type: ignore[union-attr]


# --------------------------------------------------------------------------- line comments


def test_line_comments_inline_and_delete_own_only(client: FlaskClient, session: Session, factory: Factory,
                                                  world: World) -> None:
    second = factory.user(StaffRole.REVIEWER, name="Second Reviewer")
    world.meeting.reviewers.append(second)
    session.commit()
    sub = world.submission
    sol_index = sorted(f.path for f in sub.files).index("solution.py")
    fid = next(f.id for f in sub.files if f.path == "solution.py")
    login(client, world.reviewer)
    resp = client.post(f"/review/submissions/{sub.id}/files/{fid}/comments",
                       data={f"c{fid}-line": "2", f"c{fid}-body": "Why sorted twice?"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"#L-{sol_index}-2")
    html = page(client, f"/review/submissions/{sub.id}")
    line2 = html.index(f'id="L-{sol_index}-2"')
    assert line2 < html.index("Why sorted twice?")
    assert "Delete my comment" in html
    comment = session.scalars(select(LineComment)).one()

    client.post("/logout")
    login(client, second)
    html = page(client, f"/review/submissions/{sub.id}")
    assert "Why sorted twice?" in html and "Delete my comment" not in html
    assert client.post(f"/review/comments/{comment.id}/delete").status_code == 403

    client.post("/logout")
    login(client, world.reviewer)
    assert client.post(f"/review/comments/{comment.id}/delete").status_code == 302
    session.expire_all()
    assert session.scalars(select(LineComment)).all() == []


@pytest.mark.parametrize(("line", "message"), [("3", "Line 3 is outside"), ("", "This field is required"),
                                               ("-1", "Please enter a number of at least 1")])
def test_comment_line_validation(client: FlaskClient, session: Session, world: World, line: str,
                                 message: str) -> None:
    sub = world.submission
    fid = next(f.id for f in sub.files if f.path == "solution.py")
    login(client, world.reviewer)
    resp = client.post(f"/review/submissions/{sub.id}/files/{fid}/comments",
                       data={f"c{fid}-line": line, f"c{fid}-body": "hm"})
    assert resp.status_code == 400 and message in resp.get_data(as_text=True)
    assert session.scalars(select(LineComment)).all() == []


def test_comment_on_a_file_of_another_submission_is_404(client: FlaskClient, world: World) -> None:
    login(client, world.reviewer)
    fid = world.draft.files[0].id
    resp = client.post(f"/review/submissions/{world.submission.id}/files/{fid}/comments",
                       data={f"c{fid}-line": "1", f"c{fid}-body": "x"})
    assert resp.status_code == 404


# --------------------------------------------------------------------------- reviewed mark


def test_mark_and_unmark_reviewed(client: FlaskClient, session: Session, world: World) -> None:
    sid = world.submission.id
    login(client, world.reviewer)
    assert "Mark as reviewed" in page(client, f"/review/submissions/{sid}")
    assert client.post(f"/review/submissions/{sid}/reviewed").status_code == 302
    session.expire_all()
    sub = session.get(Submission, sid)
    assert sub is not None and sub.reviewed_at is not None and sub.reviewed_by_id == world.reviewer.id
    html = page(client, f"/review/submissions/{sid}")
    assert "Unmark reviewed" in html and "Rita Reviewer" in html
    assert client.post(f"/review/submissions/{sid}/unreviewed").status_code == 302
    session.expire_all()
    sub = session.get(Submission, sid)
    assert sub is not None and sub.reviewed_at is None and sub.reviewed_by_id is None


# --------------------------------------------------------------------------- with CSRF on, as in production


def test_forms_carry_csrf_tokens(csrf_app: Flask, world: World, case: CaseSpec) -> None:
    """Same database file as the CSRF-off app (shared settings); only the library must be set here too."""
    csrf_app.extensions["caseportal.casebook"] = load_library(case.path.parent)
    client = csrf_app.test_client()
    token = csrf_token_from(client.get("/login").data)
    assert client.post("/login", data={"email": world.reviewer.email, "password": PASSWORD,
                                       "csrf_token": token}).status_code == 302
    sid = world.submission.id
    assert client.post(f"/review/submissions/{sid}/points", data={"tp-text": "no token"}).status_code == 400
    html = client.get(f"/review/submissions/{sid}").data
    token = csrf_token_from(html)
    assert b'name="tp-csrf_token"' in html
    resp = client.post(f"/review/submissions/{sid}/points", data={"tp-text": "with token", "tp-csrf_token": token})
    assert resp.status_code == 302
    resp = client.post(f"/review/submissions/{sid}/reviewed", data={"csrf_token": token})
    assert resp.status_code == 302


# --------------------------------------------------------------------------- suggested talking points


def _suggestion_ids(html: str) -> list[str]:
    return re.findall(r'id="suggestion-([a-z0-9-]+)"', html)


def test_suggestions_accept_edit_drop_restore_and_reorder(client: FlaskClient, session: Session,
                                                          world: World) -> None:
    from caseportal.models.review import DroppedSuggestion
    from caseportal.services.suggestion_sources import question_key

    sid = world.submission.id
    qkey = question_key("How big is the team?")
    login(client, world.reviewer)
    html = page(client, f"/review/submissions/{sid}")
    keys = _suggestion_ids(html)
    assert {"diff", "notes", qkey} <= set(keys)
    assert "Suggested talking points" in html and "Edit before adding" in html
    assert "“How big is the team?”" in html

    # accept as suggested: lands at the end of the list, anchored at the most-changed file
    resp = client.post(f"/review/submissions/{sid}/suggestions/diff/accept")
    assert resp.status_code == 302
    diff_point = session.scalars(select(TalkingPoint).where(TalkingPoint.suggestion_key == "diff")).one()
    assert resp.headers["Location"].endswith(f"#point-{diff_point.id}")
    assert (diff_point.source, diff_point.author_id, diff_point.file_path) == ("diff", world.reviewer.id,
                                                                               "solution.py")
    assert diff_point.text.startswith("You changed 6 files against the starter (+5 −4 lines)")

    # edit before accepting
    resp = client.post(f"/review/submissions/{sid}/suggestions/{qkey}/accept",
                       data={f"s-{qkey}-text": "Team size: Anna answers this one."})
    assert resp.status_code == 302
    assert _points(session, world.submission)[-1] == ("Team size: Anna answers this one.", 1)

    # drop: gone from the list, remembered per submission, offered again on request
    assert client.post(f"/review/submissions/{sid}/suggestions/notes/drop").status_code == 302
    assert session.scalars(select(DroppedSuggestion.key).where(
        DroppedSuggestion.submission_id == sid)).all() == ["notes"]
    html = page(client, f"/review/submissions/{sid}")
    assert set(_suggestion_ids(html)) == set(keys) - {"diff", qkey, "notes"}
    assert "Suggest the dropped suggestion again" in html
    assert "suggested, from the changes · added by Rita Reviewer" in html and "the candidate's question" in html
    assert client.post(f"/review/submissions/{sid}/suggestions/restore").status_code == 302
    assert "notes" in _suggestion_ids(page(client, f"/review/submissions/{sid}"))

    # an accepted suggestion is no longer open: a second accept (a stale page) changes nothing
    resp = client.post(f"/review/submissions/{sid}/suggestions/diff/accept", follow_redirects=True)
    assert "no longer open" in resp.get_data(as_text=True)
    assert len(_points(session, world.submission)) == 2

    # reorder with the existing move buttons; add one of their own
    q_point = session.scalars(select(TalkingPoint).where(TalkingPoint.suggestion_key == qkey)).one()
    assert client.post(f"/review/points/{q_point.id}/move", data={"direction": "up"}).status_code == 302
    client.post(f"/review/submissions/{sid}/points", data={"tp-text": "My own"})
    assert [t for t, _ in _points(session, world.submission)] == [
        "Team size: Anna answers this one.", diff_point.text, "My own"]


def test_suggestion_errors_and_access(client: FlaskClient, session: Session, world: World) -> None:
    sid = world.submission.id
    login(client, world.reviewer)
    resp = client.post(f"/review/submissions/{sid}/suggestions/diff/accept",
                       data={"s-diff-text": "x" * 2001})
    assert resp.status_code == 400 and "This can be at most 2000 characters long" in resp.get_data(as_text=True)
    assert client.post(f"/review/submissions/{sid}/suggestions/NOT_A_KEY/accept").status_code == 404
    resp = client.post(f"/review/submissions/{sid}/suggestions/no-such-key/drop", follow_redirects=True)
    assert "no longer open" in resp.get_data(as_text=True)
    for url in (f"/review/submissions/{world.draft.id}/suggestions/diff/accept",
                f"/review/submissions/{world.draft.id}/suggestions/diff/drop"):
        assert client.post(url).status_code == 404  # drafts are private
    client.post("/logout")
    login(client, world.other)
    for url in (f"/review/submissions/{sid}/suggestions/diff/accept",
                f"/review/submissions/{sid}/suggestions/diff/drop",
                f"/review/submissions/{sid}/suggestions/restore"):
        assert client.post(url).status_code == 404, url
    assert _points(session, world.submission) == []


def test_suggestion_forms_carry_csrf_tokens(csrf_app: Flask, world: World, case: CaseSpec) -> None:
    csrf_app.extensions["caseportal.casebook"] = load_library(case.path.parent)
    client = csrf_app.test_client()
    token = csrf_token_from(client.get("/login").data)
    client.post("/login", data={"email": world.reviewer.email, "password": PASSWORD, "csrf_token": token})
    sid = world.submission.id
    assert client.post(f"/review/submissions/{sid}/suggestions/notes/accept").status_code == 400
    html = client.get(f"/review/submissions/{sid}").data
    assert b'name="s-notes-csrf_token"' in html
    token = csrf_token_from(html)
    assert client.post(f"/review/submissions/{sid}/suggestions/notes/drop",
                       data={"s-notes-csrf_token": token}).status_code == 302
    assert client.post(f"/review/submissions/{sid}/suggestions/diff/accept",
                       data={"s-diff-csrf_token": token}).status_code == 302
