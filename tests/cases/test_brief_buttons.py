"""Briefs quote the buttons the candidate presses exactly as the page says them, in every language.

The run button's text is read from the workspace template (its msgid) and the Swedish catalogue (its msgstr), so
renaming the button without the briefs, or the briefs without the button, fails here. Issue 18: briefs said
"Run checks" / "Kör kontroller" while the button said "Save and run checks" / "Spara och kör kontrollerna".
"""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po

from caseportal.casebook import load_library
from caseportal.config import REPO_ROOT

TEMPLATE = REPO_ROOT / "caseportal" / "templates" / "candidate" / "case.html"
CATALOGUE = REPO_ROOT / "caseportal" / "translations" / "sv" / "LC_MESSAGES" / "messages.po"
CASES = [c for c in load_library(REPO_ROOT / "cases") if c.runtime != "none"]
#: How each language quotes a button, and words that show a sentence is naming the run button.
QUOTES = {"en": ('"', '"', re.compile(r"\brun\b.*\bchecks\b", re.I)),
          "sv": ("”", "”", re.compile(r"\bkör\b.*\bkontroll", re.I))}


def run_button() -> dict[str, str]:
    """The run button's text in each language, as the page renders it."""
    found = re.search(r'id="run-button"[^>]*>\s*\{\{\s*_\((["\'])(.+?)\1\)\s*\}\}', TEMPLATE.read_text("utf-8"))
    assert found, "the workspace has no run button with id=\"run-button\" and a translated label"
    msgid = found.group(2)
    with CATALOGUE.open("rb") as f:
        message = read_po(f).get(msgid)
    assert message is not None and message.string, f"{msgid!r} has no Swedish translation"
    return {"en": msgid, "sv": str(message.string)}


def _quoted(text: str, lang: str) -> list[str]:
    opening, closing, _words = QUOTES[lang]
    return re.findall(re.escape(opening) + r"([^" + re.escape(closing) + r"\n]{2,80})" + re.escape(closing), text)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.slug)
def test_every_brief_quotes_the_run_button_exactly(case) -> None:  # type: ignore[no-untyped-def]
    button = run_button()
    for lang in case.languages:
        text = " ".join(case.brief(lang).split())  # quotes may wrap across lines
        opening, closing, words = QUOTES[lang]
        assert f"{opening}{button[lang]}{closing}" in text, f"{case.slug} brief ({lang}) never quotes the button"
        wrong = [q for q in _quoted(text, lang) if words.search(q) and q != button[lang]]
        assert not wrong, f"{case.slug} brief ({lang}) names the run button as {wrong}; it says {button[lang]!r}"


def test_the_check_finds_a_wrong_quote() -> None:
    assert _quoted('Press "Run checks" to see "Uppsala C"', "en") == ["Run checks", "Uppsala C"]
    assert QUOTES["sv"][2].search("Kör kontroller") and not QUOTES["en"][2].search("Uppsala C")
