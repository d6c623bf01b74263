"""A Swedish candidate meets no English sentence: every candidate page, the shared brief, form errors and error
pages are rendered in Swedish and their visible text is searched for English.

The check is a small English stop-word list over the visible text (and the attributes a person hears or sees:
alt, title, aria-label, placeholder): a sentence with two or more different English function words is English.
Code (<code>, <pre>, the editor's <textarea>), names (ALLOWED) and the case's own data (the preview of a CSV in
data/, the title an image in data/ carries) are left out: materials are in the language of the data.
"""

from __future__ import annotations

import io
import re
from html import escape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy.exc
from flask import Flask, abort
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException, default_exceptions

from caseportal.models import Meeting
from caseportal.services import invitations, suggestions
from caseportal.services.invitation_mail import invitation_email
from caseportal.web.error_pages import KNOWN_CODES
from sandbox.spec import CheckResult, RunResult
from tests.conftest import Factory, make_case_library, use_library

#: Words that are common in English sentences and are not Swedish words a page would use.
STOP_WORDS = frozenset("""
the and you your we our with this that what will would have has for are was were of to please can could
its on been from they their there which when who how not don't doesn't isn't into about than
""".split())
#: Names and code-like terms that may stay English on a Swedish page.
ALLOWED = ("Customer Success", "Support Operations", "caseportal")
_EXCEPTIONS = default_exceptions
_SKIP_TAGS = {"script", "style", "code", "pre", "textarea", "svg"}
_SPOKEN_ATTRS = ("alt", "title", "aria-label", "placeholder")


class _VisibleText(HTMLParser):
    """The text a person reads or hears, one chunk per element, without code."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        at = dict(attrs)
        data_preview = tag == "table" and "preview" in (at.get("class") or "").split()
        if tag in _SKIP_TAGS or data_preview:
            self._skip += 1
        case_image = tag == "img" and "/case/" in (at.get("src") or "")
        if not self._skip:
            self.chunks += [v for k, v in attrs if k in _SPOKEN_ATTRS and v and not (case_image and k == "alt")]

    def handle_endtag(self, tag: str) -> None:
        if (tag in _SKIP_TAGS or tag == "table") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.chunks.append(data)


def english_sentences(html: str) -> list[str]:
    """The stretches of ``html``'s visible text that read as English."""
    parser = _VisibleText()
    parser.feed(html)
    text = " ".join(parser.chunks)
    for name in ALLOWED:
        text = text.replace(name, " ")
    found = []
    for sentence in re.split(r"(?<=[.!?:;])\s+|\n\s*\n", text):
        words = {w.lower() for w in re.findall(r"[A-Za-z']+", sentence)}
        if len(words & STOP_WORDS) >= 2:
            found.append(" ".join(sentence.split())[:200])
    return found


def _sv(client: FlaskClient, path: str, data: dict[str, str] | None = None) -> str:
    """The page at ``path`` in Swedish (a POST of ``data`` that is refused and shown again, with ``data``)."""
    headers = {"Accept-Language": "sv"}
    resp = client.post(path, headers=headers, data=data) if data else client.get(path, headers=headers)
    assert resp.status_code in ((200, 400) if data else (200,)), (path, resp.status_code)
    page: str = resp.get_data(as_text=True)
    assert '<html lang="sv"' in page, path
    return page


def test_the_detector_finds_english_and_passes_swedish() -> None:
    assert english_sentences("<p>We look forward to meeting you about the role.</p>")
    assert english_sentences('<img alt="A photo of the team and what we do">')
    assert not english_sentences("<p>Vi ser fram emot att träffa dig. Caset är en utgångspunkt för samtalet.</p>")
    assert not english_sentences("<pre>for x in the_list: return x and not y</pre><code>if you are</code>")


@pytest.fixture()
def meeting(factory: Factory) -> Meeting:
    lib = factory.app.extensions["caseportal.casebook"]
    return factory.meeting(cases=sorted(lib.cases))


def test_every_candidate_page_reads_in_swedish(client: FlaskClient, factory: Factory, session: Session,
                                               meeting: Meeting) -> None:
    lib = factory.app.extensions["caseportal.casebook"]
    token = factory.invite(meeting)
    pages = {"home": _sv(client, f"/i/{token}"), "privacy": _sv(client, f"/i/{token}/privacy")}
    for slug in meeting.case_slugs:  # every case's page before starting: its brief, focus and materials
        pages[f"case {slug}"] = _sv(client, f"/i/{token}/case/{slug}")
    slug = "invoice-rounding-bug"
    assert client.post(f"/i/{token}/case/{slug}/start", headers={"Accept-Language": "sv"}).status_code == 302
    pages["workspace"] = _sv(client, f"/i/{token}/case/{slug}")
    found = {name: hits for name, page in pages.items() if (hits := english_sentences(page))}
    assert not found, "English on Swedish pages:\n" + "\n".join(f"{n}: {h}" for n, h in found.items())
    assert len(pages) == len(lib.cases) + 3


def test_handed_in_work_feedback_and_the_shared_brief_read_in_swedish(
        client: FlaskClient, factory: Factory, session: Session) -> None:
    slug = "api-rate-limiter"
    meeting = factory.meeting(cases=[slug])
    sub = factory.submission(meeting, {"ratelimit/limiters.py": b"x = 1\n"},
                             questions="- Hur stort är teamet?")
    factory.run(sub, RunResult(outcome="failed", checks=(
        CheckResult("test_bucket_refills", "passed"), CheckResult("test_boundary_burst", "failed", "assert 3 == 2"))))
    meeting.brief_shared = True
    session.commit()
    token = factory.invite(meeting)
    pages = {"handed in": _sv(client, f"/i/{token}/case/{slug}"), "home": _sv(client, f"/i/{token}"),
             "brief": _sv(client, f"/i/{token}/brief"), "feedback": _sv(client, f"/i/{token}/feedback"),
             "feedback errors": _sv(client, f"/i/{token}/feedback",
                                    data={"realistic": "nio", "minutes_spent": "many"})}
    # Our own form messages, not WTForms' ("Inte ett giltigt heltal", "Inte ett giltigt val").
    assert "Ange ett heltal." in pages["feedback errors"] and "Välj ett av alternativen." in pages["feedback errors"]
    assert "Inte ett giltigt" not in pages["feedback errors"]
    found = {name: hits for name, page in pages.items() if (hits := english_sentences(page))}
    assert not found, "English on Swedish pages:\n" + "\n".join(f"{n}: {h}" for n, h in found.items())


@pytest.mark.parametrize("code", KNOWN_CODES)
def test_error_pages_for_every_status_are_ours(app: Flask, client: FlaskClient, code: int) -> None:
    """Werkzeug's English description never shows; each status has our text in both languages."""
    app.add_url_rule("/_test/abort", "issue18_abort", lambda: abort(code))
    werkzeug_text = str(HTTPException.get_description(_EXCEPTIONS[code]())) if code in _EXCEPTIONS else ""
    pages = {}
    for lang in ("sv", "en"):
        resp = client.get("/_test/abort", headers={"Accept-Language": lang})
        assert resp.status_code == code
        pages[lang] = resp.get_data(as_text=True)
        assert f'<html lang="{lang}"' in pages[lang] and 'class="error-message"' in pages[lang]
    message = re.search(r'class="error-message">(.*?)</p>', pages["en"], re.S)
    assert message and message.group(1).strip() not in werkzeug_text
    assert not english_sentences(pages["sv"]), (code, english_sentences(pages["sv"]))


def test_every_wtforms_message_has_one_of_ours() -> None:
    """A WTForms message without ours would reach the visitor in WTForms' words (or English)."""
    from babel.messages.pofile import read_po
    from wtforms.i18n import messages_path

    from caseportal.web.form_messages import PLURAL, SINGULAR

    with open(f"{messages_path()}/sv/LC_MESSAGES/wtforms.po", "rb") as f:
        theirs = [m.id for m in read_po(f) if m.id]
    assert len(theirs) > 30
    unmapped = [i for i in theirs if (i[0] not in PLURAL if isinstance(i, tuple) else i not in SINGULAR)]
    assert not unmapped


def _sv_error(client: FlaskClient, path: str, code: int, method: str = "GET", **kw: Any) -> str:
    """The error page ``path`` answers in Swedish, which must be ``code`` and one of ours."""
    resp = client.open(path, method=method, headers={"Accept-Language": "sv"}, **kw)
    assert resp.status_code == code, (path, resp.status_code)
    page: str = resp.get_data(as_text=True)
    assert '<html lang="sv"' in page and 'class="error-message"' in page, path
    return page


def test_the_errors_a_candidate_meets_read_in_swedish(app: Flask, client: FlaskClient, factory: Factory,
                                                      tmp_path: Path) -> None:
    """Each error through the candidate's own links: a wrong case or address, a form sent the wrong way, an expired
    link, an upload over the limit, a case or the database out of reach. (Every status, also the ones a
    candidate cannot cause on purpose, is rendered in test_error_pages_for_every_status_are_ours.)"""
    slug = "invoice-rounding-bug"
    meeting = factory.meeting(cases=[slug])
    factory.submission(meeting, {"invoice/totals.py": b"x = 1\n"}, submitted=False)
    token = factory.invite(meeting)
    app.config["MAX_CONTENT_LENGTH"] = 4096

    def down(token: str) -> str:
        raise sqlalchemy.exc.OperationalError("SELECT 1", {}, Exception("connection refused"))

    app.add_url_rule("/i/<token>/_test/down", "issue18_down", down)
    pages = {
        "404 case": _sv_error(client, f"/i/{token}/case/no-such-case", 404),
        "404 address": _sv_error(client, f"/i/{token}/no-such-page", 404),
        "405": _sv_error(client, f"/i/{token}/case/{slug}/submit", 405),
        "410": _sv_error(client, f"/i/{factory.invite(factory.meeting(cases=[slug]), days=-1)}", 410),
        "413": _sv_error(client, f"/i/{token}/case/{slug}/upload", 413, method="POST",
                         data={"files": (io.BytesIO(b"x" * 8192), "big.csv")}),
    }
    resp = client.get(f"/i/{token}/_test/down", headers={"Accept-Language": "sv"})
    assert resp.status_code == 503
    pages["503 database"] = resp.get_data(as_text=True)
    assert '<html lang="sv"' in pages["503 database"]
    use_library(app, make_case_library(tmp_path / "library"))  # the meeting's case is gone from the library
    pages["503 case"] = _sv_error(client, f"/i/{token}/case/{slug}", 503)
    pages["home, case unavailable"] = _sv(client, f"/i/{token}")
    found = {name: hits for name, page in pages.items() if (hits := english_sentences(page))}
    assert not found, "English on Swedish pages:\n" + "\n".join(f"{n}: {h}" for n, h in found.items())


def test_a_form_sent_without_its_token_reads_in_swedish(csrf_app: Flask) -> None:
    """400: the CSRF refusal (a form left open too long) is ours and Swedish."""
    client = csrf_app.test_client()
    page = _sv_error(client, "/login", 400, method="POST", data={"email": "a@example.org", "password": "x"})
    assert not english_sentences(page), english_sentences(page)


def test_the_brief_with_every_suggestion_accepted_reads_in_swedish(
        app: Flask, client: FlaskClient, factory: Factory, session: Session) -> None:
    """A Swedish reviewer accepts every suggested talking point as it stands (the case's own prompts come from its
    Swedish translation): the brief the candidate reads is Swedish throughout."""
    slug = "api-rate-limiter"
    meeting = factory.meeting(cases=[slug])
    sub = factory.submission(meeting, {"ratelimit/limiters.py": b"x = 1\n", "NOTES.md": b"Tankar\n"},
                             notes="Jag skulle lägga till tester för kanterna.",
                             questions="- Hur stort är teamet?\n- Hur ser en vanlig vecka ut?")
    factory.run(sub, RunResult(outcome="failed", checks=(
        CheckResult("test_bucket_refills", "passed"), CheckResult("test_boundary_burst", "failed", "assert 3 == 2"),
        CheckResult("test_hidden_fairness", "failed", "", False))))
    case = app.extensions["caseportal.casebook"].get(slug)
    with app.test_request_context("/", headers={"Accept-Language": "sv"}):
        keys = [s.key for s in suggestions.open_for(session, sub, case)]
        assert {"checks-hidden", "checks-visible", "time", "diff", "notes"} <= set(keys)
        assert sum(k.startswith("prompt-") for k in keys) == len(case.reviewer_prompts)
        for key in keys:
            suggestions.accept(session, sub, case, None, key)
        meeting.brief_shared = True
        session.commit()
    token = factory.invite(meeting)
    page = _sv(client, f"/i/{token}/brief")
    assert case.text("sv").reviewer_prompts[0].ask in page
    assert not english_sentences(page), english_sentences(page)


def test_the_invitation_mail_and_calendar_entry_read_in_swedish(app: Flask, client: FlaskClient,
                                                                 factory: Factory, session: Session) -> None:
    """What reaches the candidate outside the pages: the invitation (written in the sender's language, here
    Swedish) and the calendar entry from their page."""
    meeting = factory.meeting(cases=["invoice-rounding-bug"], place="Kontoret på Götgatan 9")
    inv = invitations.issue(session, meeting, 14)
    session.commit()
    token = invitations.token_for(inv, app.config["SECRET_KEY"])
    with app.test_request_context("/", headers={"Accept-Language": "sv"}):
        subject, body = invitation_email(session, meeting, f"https://portal.example/i/{token}", inv)
    assert not english_sentences(f"<p>{escape(subject)}</p><pre>{escape(body)}</pre>".replace("pre>", "p>"))
    resp = client.get(f"/i/{token}/meeting.ics", headers={"Accept-Language": "sv"})
    assert resp.status_code == 200
    ics = resp.get_data(as_text=True).replace("\r\n ", "").replace("\\n", "\n").replace("\\,", ",")
    text = "\n".join(line.split(":", 1)[1] for line in ics.splitlines()
                     if line.startswith(("SUMMARY", "DESCRIPTION", "LOCATION")))
    assert "Götgatan" in text
    assert not english_sentences(f"<p>{escape(text)}</p>"), english_sentences(f"<p>{escape(text)}</p>")


def test_withdrawing_reads_in_swedish(client: FlaskClient, factory: Factory) -> None:
    """The privacy pages after the notice: the confirmation asked for, then what happens to the data."""
    token = factory.invite(factory.meeting(cases=["invoice-rounding-bug"]))
    pages = {"confirm first": _sv(client, f"/i/{token}/privacy/withdraw", data={"confirm": ""}),
             "withdrawn": _sv(client, f"/i/{token}/privacy/withdraw", data={"confirm": "y"})}
    assert "Din inbjudningslänk fungerar inte längre" in pages["withdrawn"]
    found = {name: hits for name, page in pages.items() if (hits := english_sentences(page))}
    assert not found, "English on Swedish pages:\n" + "\n".join(f"{n}: {h}" for n, h in found.items())
