"""The reviewer page's per-file comment forms and per-suggestion forms are plain HTML (one CSRF token for the page)
but are still validated by CommentForm / SuggestionForm: the production app (CSRF on) accepts them as rendered,
and a refused one comes back with what the reviewer typed and the field's error."""

from __future__ import annotations

import re

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from caseportal.casebook import CaseSpec, load_library
from caseportal.models import LineComment, TalkingPoint
from tests.conftest import PASSWORD, csrf_token_from
from tests.web.review.conftest import World


def _reviewer(csrf_app: Flask, world: World, case: CaseSpec):  # type: ignore[no-untyped-def]
    csrf_app.extensions["caseportal.casebook"] = load_library(case.path.parent)
    client = csrf_app.test_client()
    token = csrf_token_from(client.get("/login").data)
    assert client.post("/login", data={"email": world.reviewer.email, "password": PASSWORD,
                                       "csrf_token": token}).status_code == 302
    return client


def test_the_plain_comment_form_posts_with_its_token_and_a_refusal_keeps_the_input(
        csrf_app: Flask, session: Session, world: World, case: CaseSpec) -> None:
    client = _reviewer(csrf_app, world, case)
    sid = world.submission.id
    fid = next(f.id for f in world.submission.files if f.path == "solution.py")
    url = f"/review/submissions/{sid}/files/{fid}/comments"
    html = client.get(f"/review/submissions/{sid}").get_data(as_text=True)
    token = re.search(rf'name="c{fid}-csrf_token" type="hidden" value="([^"]+)"', html)
    assert token, "each file's comment form carries the page's CSRF token"
    assert f'<input id="c{fid}-line" max="2" min="1" name="c{fid}-line" required type="number"' in html

    assert client.post(url, data={f"c{fid}-line": "1", f"c{fid}-body": "no token"}).status_code == 400
    refused = client.post(url, data={f"c{fid}-csrf_token": token.group(1), f"c{fid}-line": "9",
                                     f"c{fid}-body": "Kept <text> & all"})
    body = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "Line 9 is outside" in body
    assert f'name="c{fid}-line" required type="number" value="9"' in body
    assert "Kept &lt;text&gt; &amp; all</textarea>" in body
    assert session.scalars(select(LineComment)).all() == []

    done = client.post(url, data={f"c{fid}-csrf_token": token.group(1), f"c{fid}-line": "2",
                                  f"c{fid}-body": "Why sorted twice?"})
    assert done.status_code == 302
    html = client.get(f"/review/submissions/{sid}").get_data(as_text=True)
    assert "Why sorted twice?" in html, "a new comment shows in the code view at once"
    assert [c.line for c in session.scalars(select(LineComment))] == [2]


def test_the_plain_suggestion_form_accepts_an_edit_and_a_refusal_keeps_it(
        csrf_app: Flask, session: Session, world: World, case: CaseSpec) -> None:
    client = _reviewer(csrf_app, world, case)
    sid = world.submission.id
    html = client.get(f"/review/submissions/{sid}").get_data(as_text=True)
    token = re.search(r'name="s-notes-csrf_token" type="hidden" value="([^"]+)"', html)
    assert token and 'name="s-notes-text" rows="3">' in html
    url = f"/review/submissions/{sid}/suggestions/notes/accept"
    too_long = "x" * 2001
    refused = client.post(url, data={"s-notes-csrf_token": token.group(1), "s-notes-text": too_long})
    assert refused.status_code == 400
    body = refused.get_data(as_text=True)
    assert f"{too_long}</textarea>" in body and "2000" in body
    assert client.post(url, data={"s-notes-csrf_token": token.group(1),
                                  "s-notes-text": "Ask about the metrics"}).status_code == 302
    assert [p.text for p in session.scalars(select(TalkingPoint))] == ["Ask about the metrics"]
