"""A Swedish candidate reads the case's title, summary and focus in Swedish, once, on every page that shows them."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from caseportal.casebook import CaseSpec
from tests.conftest import Factory

SLUG = "invoice-rounding-bug"


def _get(client: FlaskClient, path: str, lang: str) -> str:
    resp = client.get(path, headers={"Accept-Language": lang})
    assert resp.status_code == 200, (path, resp.status_code)
    return resp.get_data(as_text=True)


def _body(page: str) -> str:
    """The page's main content, without <head> (the <title> repeats the page's heading by design)."""
    return page[page.index("<main"):]


def _spec(factory: Factory) -> CaseSpec:
    spec: CaseSpec = factory.app.extensions["caseportal.casebook"].get(SLUG)
    return spec


def test_meeting_page_shows_the_case_in_the_visitors_language(client: FlaskClient, factory: Factory) -> None:
    spec = _spec(factory)
    token = factory.invite(factory.meeting(cases=[SLUG]))
    sv, en = spec.text("sv"), spec.text("en")
    page = _body(_get(client, f"/i/{token}", "sv"))
    assert sv.title in page and sv.summary in page and all(f in page for f in sv.review_focus)
    assert en.title not in page and en.summary not in page and not any(f in page for f in en.review_focus)
    page = _body(_get(client, f"/i/{token}", "en"))
    assert en.title in page and sv.title not in page and all(f in page for f in en.review_focus)


def test_case_page_has_one_title_and_one_focus_list(client: FlaskClient, factory: Factory) -> None:
    spec = _spec(factory)
    token = factory.invite(factory.meeting(cases=[SLUG]))
    for lang, other in (("sv", "en"), ("en", "sv")):
        text, foreign = spec.text(lang), spec.text(other)
        page = _body(_get(client, f"/i/{token}/case/{SLUG}", lang))
        assert re.findall(r"<h1[^>]*>(.*?)</h1>", page) == [text.title.replace("'", "&#39;")], lang
        assert foreign.title not in page
        brief_h1 = spec.brief(lang).splitlines()[0].lstrip("# ").strip()
        assert brief_h1 == text.title or brief_h1 not in page, lang  # the brief's own heading is dropped
        for item in text.review_focus:
            assert page.count(item) == 1, (lang, item)
        assert page.count("<h3>Det här tittar vi på</h3>" if lang == "sv" else "<h3>What we will look at</h3>") == 1
        assert "tittar vi på" not in page if lang == "en" else "What we will look at" not in page
    # The brief's last paragraph after its focus list stays (only the list gives way).
    assert "Resultaten är underlag" in _body(_get(client, f"/i/{token}/case/{SLUG}", "sv"))


def test_the_shared_brief_names_the_case_in_swedish(client: FlaskClient, factory: Factory,
                                                    session: Session) -> None:
    spec = _spec(factory)
    meeting = factory.meeting(cases=[SLUG])
    factory.submission(meeting, {"billing/money.py": b"x = 1\n"})
    meeting.brief_shared = True
    session.commit()
    token = factory.invite(meeting)
    sv = _body(_get(client, f"/i/{token}/brief", "sv"))
    assert spec.text("sv").title in sv and spec.title not in sv
    en = _body(_get(client, f"/i/{token}/brief", "en"))
    assert spec.title in en and spec.text("sv").title not in en
