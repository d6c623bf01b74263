"""Swedish or English: from the browser's Accept-Language, or the visitor's own choice, which then sticks."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from caseportal.config import REPO_ROOT, Settings
from caseportal.models import Notification, StaffRole
from tests.conftest import Factory, csrf_token_from

SV_BRIEF_CASE = "api-rate-limiter"  # has brief.sv.md
EN_ONLY_CASE = "en-only-rate-limiter"  # a copy without it (built below)
SV_BRIEF_TEXT = "ungefär 75 minuter"  # from cases/api-rate-limiter/brief.sv.md
EN_BRIEF_TEXT = "about 75 minutes"  # from cases/api-rate-limiter/brief.md


@pytest.fixture()
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """The real case library; with ``indirect`` param "en-only", a small one that also has an English-only case."""
    if getattr(request, "param", None) != "en-only":
        return Settings.for_tests(tmp_path, cases_dir=REPO_ROOT / "cases")
    lib = tmp_path / "cases"
    shutil.copytree(REPO_ROOT / "cases" / SV_BRIEF_CASE, lib / SV_BRIEF_CASE)
    copy = lib / EN_ONLY_CASE
    shutil.copytree(REPO_ROOT / "cases" / SV_BRIEF_CASE, copy)
    (copy / "brief.sv.md").unlink()
    yaml = (copy / "case.yaml").read_text(encoding="utf-8")
    yaml = yaml.replace(f"slug: {SV_BRIEF_CASE}", f"slug: {EN_ONLY_CASE}").replace("languages: [en, sv]",
                                                                                  "languages: [en]")
    (copy / "case.yaml").write_text(yaml, encoding="utf-8")
    return Settings.for_tests(tmp_path, cases_dir=lib)


def html_lang(page: str) -> str:
    found = re.search(r'<html lang="([^"]*)"', page)
    assert found, "no <html lang> attribute"
    return found.group(1)


def get(client: FlaskClient, path: str, accept: str | None = None) -> str:
    headers = {"Accept-Language": accept} if accept else {}
    resp = client.get(path, headers=headers)
    assert resp.status_code == 200, (path, resp.status_code)
    return resp.get_data(as_text=True)


def switch(client: FlaskClient, code: str, next_path: str | None = "/login") -> str:
    """POST /lang/<code> as the header's switch button does; returns where it redirects."""
    data = {"next": next_path} if next_path is not None else {}
    resp = client.post(f"/lang/{code}", data=data)
    assert resp.status_code == 302
    return resp.headers["Location"]


# --------------------------------------------------------------------------- from the browser


@pytest.mark.parametrize(("accept", "lang"), [
    ("sv", "sv"),
    ("sv-SE,sv;q=0.9,en;q=0.8", "sv"),
    ("fi,sv;q=0.5", "sv"),
    ("en", "en"),
    ("en-GB,en;q=0.9,sv;q=0.5", "en"),
    ("de-DE,de;q=0.9", "en"),  # neither offered: English
    (None, "en"),
])
def test_login_page_follows_accept_language(client: FlaskClient, accept: str | None, lang: str) -> None:
    page = get(client, "/login", accept)
    assert html_lang(page) == lang
    if lang == "sv":
        assert "Inloggning för medarbetare" in page and "Logga in" in page and "Hoppa till innehållet" in page
        assert "Staff login" not in page
    else:
        assert "Staff login" in page and "Skip to content" in page
        assert "Logga in" not in page


def test_candidate_home_in_swedish_and_english(client: FlaskClient, factory: Factory) -> None:
    token = factory.invite(factory.meeting(cases=[SV_BRIEF_CASE], candidate="Åsa Öberg"))

    sv = get(client, f"/i/{token}", "sv-SE,sv;q=0.9")
    assert html_lang(sv) == "sv"
    assert "Välkommen, Åsa Öberg" in sv
    assert "Det här erbjuder vi" in sv and "Ditt case" in sv and "Läs beskrivningen" in sv
    assert "Welcome," not in sv and "What we offer" not in sv

    en = get(client, f"/i/{token}", "en-US,en;q=0.9")
    assert html_lang(en) == "en"
    assert "Welcome, Åsa Öberg" in en and "What we offer" in en and "Your taster case" in en


def test_errors_from_services_reach_the_candidate_in_their_language(client: FlaskClient) -> None:
    sv = client.get("/i/not-a-real-token", headers={"Accept-Language": "sv"})
    assert sv.status_code == 410
    page = sv.get_data(as_text=True)
    assert "Den här inbjudningslänken är inte giltig" in page and html_lang(page) == "sv"
    en = client.get("/i/not-a-real-token", headers={"Accept-Language": "en"})
    assert "This invitation link is not valid" in en.get_data(as_text=True)


# --------------------------------------------------------------------------- the visitor's choice


def test_switching_sets_a_cookie_that_beats_the_browser(client: FlaskClient, factory: Factory) -> None:
    token = factory.invite(factory.meeting(cases=[SV_BRIEF_CASE]))
    assert switch(client, "sv", f"/i/{token}") == f"/i/{token}"
    cookie = client.get_cookie("lang")
    assert cookie is not None and cookie.value == "sv"
    assert cookie.http_only and cookie.same_site == "Lax"

    page = get(client, f"/i/{token}", "en")  # the browser still asks for English
    assert html_lang(page) == "sv" and "Välkommen" in page
    login = get(client, "/login", "en")
    assert html_lang(login) == "sv" and "Logga in" in login
    # The header's switch now offers the way back, labelled in the other language.
    assert 'action="/lang/en"' in login and ">English</button>" in login

    assert switch(client, "en", f"/i/{token}") == f"/i/{token}"
    page = get(client, f"/i/{token}", "sv")  # now the browser asks for Swedish, the choice says English
    assert html_lang(page) == "en" and "Welcome" in page
    login = get(client, "/login", "sv")
    assert 'action="/lang/sv"' in login and ">Svenska</button>" in login


def test_an_unknown_language_changes_nothing(client: FlaskClient) -> None:
    switch(client, "sv")
    assert switch(client, "xx") == "/login"
    cookie = client.get_cookie("lang")
    assert cookie is not None and cookie.value == "sv"


def test_the_switch_works_with_csrf_on(csrf_app: Flask) -> None:
    """The button is a form post: it carries the CSRF token, and a post without one is refused."""
    client = csrf_app.test_client()
    page = get(client, "/login", "en")
    token = csrf_token_from(page.encode())
    assert client.post("/lang/sv", data={"next": "/login"}).status_code == 400
    resp = client.post("/lang/sv", data={"next": "/login", "csrf_token": token})
    assert resp.status_code == 302 and resp.headers["Location"] == "/login"
    assert html_lang(get(client, "/login", "en")) == "sv"


def test_without_next_it_goes_back_to_a_local_referrer_only(client: FlaskClient) -> None:
    resp = client.post("/lang/sv", headers={"Referer": "/login"})
    assert resp.headers["Location"] == "/login"
    resp = client.post("/lang/sv", headers={"Referer": "https://evil.example/phish"})
    assert resp.headers["Location"] == "/"


@pytest.mark.parametrize("target", [
    "https://evil.example/",
    "http://evil.example",
    "//evil.example/x",
    "\\\\evil.example",
    "javascript:alert(1)",
    "evil.example",
])
def test_the_switch_refuses_off_site_next(client: FlaskClient, target: str) -> None:
    location = switch(client, "sv", target)
    assert location == "/"
    cookie = client.get_cookie("lang")
    assert cookie is not None and cookie.value == "sv"  # the switch itself still works


@pytest.mark.parametrize("target", ["/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example"])
def test_the_switch_refuses_next_hidden_by_control_characters(client: FlaskClient, target: str) -> None:
    location = switch(client, "sv", target)
    assert not location.startswith("//") and "evil.example" not in location


def test_text_for_someone_else_is_not_in_the_visitors_language(client: FlaskClient, factory: Factory,
                                                                 session: Session) -> None:
    """A Swedish candidate hands in: their page says so in Swedish, the reviewer's notification is English."""
    reviewer = factory.user(StaffRole.REVIEWER)
    meeting = factory.meeting(reviewers=[reviewer], cases=["invoice-rounding-bug"])
    token = factory.invite(meeting)
    sv = {"Accept-Language": "sv"}
    assert client.post(f"/i/{token}/case/invoice-rounding-bug/start", headers=sv).status_code == 302
    resp = client.post(f"/i/{token}/case/invoice-rounding-bug/submit", headers=sv, follow_redirects=True,
                       data={"notes_more_time": "", "questions": "", "confirm": "y"})
    page = resp.get_data(as_text=True)
    assert "Tack! Ditt arbete är inlämnat." in page and html_lang(page) == "sv"
    texts = list(session.scalars(select(Notification.text).where(Notification.user_id == reviewer.id)))
    assert len(texts) == 1 and "handed in their work" in texts[0]


# --------------------------------------------------------------------------- case content


@pytest.mark.parametrize("settings", ["en-only"], indirect=True)
def test_case_brief_in_swedish_when_the_case_has_one(client: FlaskClient, factory: Factory) -> None:
    token = factory.invite(factory.meeting(cases=[SV_BRIEF_CASE, EN_ONLY_CASE]))

    sv = get(client, f"/i/{token}/case/{SV_BRIEF_CASE}", "sv")
    assert SV_BRIEF_TEXT in sv and EN_BRIEF_TEXT not in sv
    assert "Beskrivningen" in sv  # the page around the brief is Swedish too

    fallback = get(client, f"/i/{token}/case/{EN_ONLY_CASE}", "sv")
    assert EN_BRIEF_TEXT in fallback and SV_BRIEF_TEXT not in fallback  # no Swedish brief: English
    assert html_lang(fallback) == "sv" and "Beskrivningen" in fallback

    en = get(client, f"/i/{token}/case/{SV_BRIEF_CASE}", "en")
    assert EN_BRIEF_TEXT in en and SV_BRIEF_TEXT not in en


@pytest.mark.parametrize("target", ["//evil.example/", "/\t/evil.example", "https://evil.example/x", "javascript:x"])
def test_login_refuses_off_site_next(client: FlaskClient, factory: Factory, target: str) -> None:
    from caseportal.models import StaffRole
    from tests.conftest import PASSWORD

    user = factory.user(StaffRole.MANAGER)
    resp = client.post("/login?next=" + __import__("urllib.parse").parse.quote(target),
                       data={"email": user.email, "password": PASSWORD})
    assert resp.status_code == 302 and resp.headers["Location"] == "/meetings"
