"""Finding 9 of the security review: a talking point rewritten by another reviewer is shown with who edited it
and when, and keeps its original author."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from caseportal.models import TalkingPoint
from caseportal.services import audit
from tests.conftest import login
from tests.web.review.conftest import World, page


def test_an_edit_by_another_reviewer_is_recorded_and_shown(app: Flask, client: FlaskClient, session: Session,
                                                           world: World) -> None:
    sid = world.submission.id
    login(client, world.reviewer)
    client.post(f"/review/submissions/{sid}/points", data={"tp-text": "Ask about the cache"})
    point = session.scalars(select(TalkingPoint).where(TalkingPoint.submission_id == sid)).one()
    assert point.edited_at is None
    client.post(f"/review/points/{point.id}/edit", data={"tp-text": "Ask about the cache"})  # unchanged: nothing
    session.expire_all()
    assert session.get(TalkingPoint, point.id).edited_at is None  # type: ignore[union-attr]
    client.post("/logout")

    login(client, world.manager)
    resp = client.post(f"/review/points/{point.id}/edit", data={"tp-text": "Skip the cache"})
    assert resp.status_code == 302
    session.expire_all()
    edited = session.get(TalkingPoint, point.id)
    assert edited is not None and edited.text == "Skip the cache"
    assert edited.author_id == world.reviewer.id and edited.edited_by_id == world.manager.id
    assert edited.edited_at is not None
    html = page(client, f"/review/submissions/{sid}")
    item = html[html.index(f'id="point-{point.id}"'):]
    item = item[:item.index("</li>")]
    assert "Rita Reviewer" in item and f"edited by {world.manager.name}" in item
    assert edited.edited_at.strftime("%Y-%m-%d") in item
    edit_page = page(client, f"/review/points/{point.id}/edit")
    assert "Written by Rita Reviewer" in edit_page and f"edited by {world.manager.name}" in edit_page


def test_edits_and_deletions_of_points_and_meetings_are_in_the_audit_log(client: FlaskClient, session: Session,
                                                                       world: World) -> None:
    """Changes of candidate data by staff leave a line in the audit log, with who did it."""
    sid, mid = world.submission.id, world.submission.meeting_id
    login(client, world.reviewer)
    client.post(f"/review/submissions/{sid}/points", data={"tp-text": "Ask about the cache"})
    point = session.scalars(select(TalkingPoint).where(TalkingPoint.submission_id == sid)).one()
    client.post(f"/review/points/{point.id}/edit", data={"tp-text": "Ask about the retries"})
    client.post(f"/review/points/{point.id}/delete")
    client.post("/logout")
    login(client, world.manager)
    assert client.post(f"/meetings/{mid}/met", data={"met": "1"}).status_code == 302
    session.expire_all()
    got = [(e.action, e.object_type, e.detail, e.actor_id) for e in audit.events(session, meeting_id=mid)
           if e.action == "change"]
    assert got == [("change", "meeting", "met", world.manager.id),
                   ("change", "talking_point", "delete", world.reviewer.id),
                   ("change", "talking_point", "edit", world.reviewer.id)]
