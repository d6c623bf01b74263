"""The rendered-page cache (web/page_cache.py) never shows stale data or another visitor's page.

Each test opens a page twice so the second view comes from the cache (the cache's hit counter says so), then
changes what the page depends on and checks the next view shows the change at once.
"""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from caseportal.models import Meeting, StaffRole
from caseportal.services import audit, invitations
from caseportal.web.page_cache import EXTENSION, PageCache
from tests.conftest import Factory, csrf_token_from, login


def _cache(app: Flask) -> PageCache:
    cache: PageCache = app.extensions[EXTENSION]
    return cache


def _twice(app: Flask, client: FlaskClient, url: str, **kw: object) -> str:
    """The page, opened twice after a first visit (which notes the opened link: a write); the second view must be
    the cached one."""
    client.get(url, **kw)
    first = client.get(url, **kw)
    hits = _cache(app).hits
    second = client.get(url, **kw)
    assert first.status_code == second.status_code == 200
    assert _cache(app).hits == hits + 1, "the second view was rendered again"
    assert _tokens_masked(second.data) == _tokens_masked(first.data)
    return second.get_data(as_text=True)


def _tokens_masked(html: bytes) -> bytes:
    """The page with its CSRF tokens blanked: a signed token carries the second it was signed in."""
    token = csrf_token_from(html) if b'name="csrf_token"' in html else ""
    return html.replace(token.encode(), b"TOKEN") if token else html


def test_the_candidate_page_shows_a_change_by_another_process_at_once(
        app: Flask, client: FlaskClient, factory: Factory, session: Session) -> None:
    meeting = factory.meeting(place="Room 1")
    token = factory.invite(meeting)
    assert "Room 1" in _twice(app, client, f"/i/{token}")
    # A commit on a connection of its own, as a worker or another web process would make it.
    other = create_engine(app.extensions["caseportal.db"].url)
    with other.begin() as conn:
        conn.execute(text("UPDATE meetings SET place = 'Room 42' WHERE id = :id"), {"id": meeting.id})
    other.dispose()
    session.expire_all()  # the test's session is the requests' too (one app context); a request has its own
    page = client.get(f"/i/{token}").get_data(as_text=True)
    assert "Room 42" in page and "Room 1" not in page


def test_the_workspace_shows_the_candidates_own_change_at_once(
        app: Flask, client: FlaskClient, factory: Factory, session: Session) -> None:
    meeting = factory.meeting()
    token = factory.invite(meeting)
    slug = meeting.case_slugs[0]
    url = f"/i/{token}/case/{slug}"
    assert f'action="{url}/start"' in _twice(app, client, url)
    assert client.post(f"{url}/start").status_code == 302  # the candidate starts the case: a write, then a redirect
    page = client.get(url).get_data(as_text=True)
    assert "Your workspace is ready" in page and f'action="{url}/start"' not in page
    again = _twice(app, client, url)
    assert "Your workspace is ready" not in again, "a flash is shown once, never kept with the page"
    assert f'action="{url}/start"' not in again


def test_a_cached_page_is_never_served_to_another_visitor(csrf_app: Flask, session: Session) -> None:
    """Two browsers with the same link: each gets its own page, with its own CSRF token that works for it alone."""
    factory = Factory(csrf_app, session)
    meeting = factory.meeting()
    token = factory.invite(meeting)
    url = f"/i/{token}/case/{meeting.case_slugs[0]}"
    first, second = csrf_app.test_client(), csrf_app.test_client()
    mine = csrf_token_from(_twice(csrf_app, first, url).encode())
    hits = _cache(csrf_app).hits
    theirs_page = second.get(url).data
    assert _cache(csrf_app).hits == hits + 1, "one entry for everyone with the link"
    theirs = csrf_token_from(theirs_page)
    assert mine != theirs and mine.encode() not in theirs_page
    assert second.post(f"{url}/start", data={"csrf_token": mine}).status_code == 400, "another browser's token"
    assert second.post(f"{url}/start", data={"csrf_token": theirs}).status_code == 302


def test_the_reviewer_page_notes_a_view_once_a_minute_and_comes_from_the_cache_between(
        app: Flask, client: FlaskClient, factory: Factory, session: Session) -> None:
    """The first view writes an audit note (a change of the database, so it is rendered); views within the next
    minute write nothing more, so the page comes from the cache; another reviewer's view is a line of its own."""
    reviewer, other = factory.user(), factory.user()
    sub = factory.submission(factory.meeting(reviewers=[reviewer, other]), {"main.py": b"print('hello')\n"})
    login(client, reviewer)
    url = f"/review/submissions/{sub.id}"
    assert client.get(url).status_code == 200
    hits = _cache(app).hits
    first = client.get(url)
    again = client.get(url)
    assert first.status_code == again.status_code == 200 and _cache(app).hits == hits + 1
    assert first.get_data() == again.get_data()
    login(client, other)
    assert client.get(url).status_code == 200
    seen = [e.actor_id for e in audit.events(session) if e.action == "view" and e.object_type == "submission"]
    assert sorted(seen) == sorted([reviewer.id, other.id])


def test_language_and_time_are_part_of_the_page(app: Flask, client: FlaskClient, factory: Factory) -> None:
    token = factory.invite(factory.meeting(candidate="Ada Candidate"))
    english = _twice(app, client, f"/i/{token}", headers={"Accept-Language": "en"})
    swedish = client.get(f"/i/{token}", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert "Welcome, Ada Candidate" in english and "Welcome, Ada Candidate" not in swedish
    now = [100.0]
    cache = PageCache(ttl_s=2.0, clock=lambda: now[0])
    cache.put("k", "page", 4)
    assert cache.get("k") == "page"
    now[0] += 2.5
    assert cache.get("k") is None, "a page older than the time limit is rendered again"


def test_the_cache_keeps_to_its_size(app: Flask) -> None:
    cache = PageCache(max_bytes=10)
    cache.put("a", "aaaa", 4)
    cache.put("b", "bbbb", 4)
    assert cache.get("a") == "aaaa"  # "a" is now the most recently used
    cache.put("c", "cccc", 4)
    assert cache.get("b") is None and cache.get("a") == "aaaa" and cache.get("c") == "cccc"
    cache.put("huge", "x" * 11, 11)
    assert cache.get("huge") is None


def test_a_withdrawn_invitation_is_not_served_from_the_cache(
        app: Flask, client: FlaskClient, factory: Factory, session: Session) -> None:
    meeting = factory.meeting()
    token = factory.invite(meeting)
    _twice(app, client, f"/i/{token}")
    m = session.get(Meeting, meeting.id)
    assert m is not None
    assert invitations.revoke(m) == 1
    session.commit()
    resp = client.get(f"/i/{token}")
    assert resp.status_code != 200 and b"replaced or withdrawn" in resp.data


def test_staff_pages_outside_the_cache_are_untouched(app: Flask, client: FlaskClient, factory: Factory) -> None:
    login(client, factory.user(StaffRole.MANAGER))
    hits, misses = _cache(app).hits, _cache(app).misses
    assert client.get("/meetings").status_code == 200
    assert (_cache(app).hits, _cache(app).misses) == (hits, misses)
