"""The Swedish reads as written Swedish (docs/style-sv.md): no translated-English phrases, one word per idea."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from caseportal.casebook import load_library
from caseportal.config import REPO_ROOT
from caseportal.i18n import TRANSLATIONS_DIR

#: Phrases docs/style-sv.md rules out in the interface (a phrase, or a whole msgstr with ^...$).
CATALOGUE_BANNED = [
    "åt båda hållen", "Den här sidan är din", "i säkert förvar", "lämna därhän", "Förfrågan kunde inte tolkas",
    "gärna ner", "samtalsstartare", "samtalsöppnare", "samtalsunderlag", "rådgivande", r"Den %\(num\)s kontroll",
    "^Tyvärr$", "^Chef$", "^Acceptera$", "^Hoppa över$", "^Stannade", "^notering$", "accepterats", "hoppats över",
]
#: ... and in the briefs.
BRIEF_BANNED = ["säger upp sig", "säga upp sig", "rättning", "pollett", "märkning", "skiljer två öre", "diffar",
                r"(?<!och )kör kontroller\b", "poäng", "rådgivande", "åt båda hållen", "samtalsstartare"]
#: docs/style-sv.md, "Erbjudandet": the offer's four sections have one name each, for staff and candidates.
OFFER_LABELS = {"Growth and learning": "Utveckling och lärande", "Tech and how we work": "Teknik och arbetssätt",
                "Benefits and wellness": "Förmåner och friskvård",
                "Work-life balance": "Balans mellan arbete och fritid"}


@pytest.fixture(scope="module")
def sv() -> Catalog:
    with (TRANSLATIONS_DIR / "sv" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f, locale="sv")


def _msgstr(sv: Catalog, msgid: str) -> str:
    msg = sv.get(msgid)
    assert msg is not None and isinstance(msg.string, str) and msg.string, msgid
    return msg.string


def _briefs() -> list[Path]:
    found = sorted((REPO_ROOT / "cases").glob("*/brief.sv.md"))
    assert len(found) >= 9
    return found


def test_the_catalogue_has_none_of_the_translated_phrases(sv: Catalog) -> None:
    found = []
    for msg in sv:
        for text in ([msg.string] if isinstance(msg.string, str) else list(msg.string or ())):
            found += [(msg.id, text) for pat in CATALOGUE_BANNED if re.search(pat, text or "")]
    assert not found, "\n".join(f"{i!r}: {t!r}" for i, t in found)


def test_one_word_per_idea(sv: Catalog) -> None:
    for msgid in ("failed", "%(n)s failed"):
        assert "gick inte igenom" in _msgstr(sv, msgid)
    assert _msgstr(sv, "advisory") == "vägledande"
    assert _msgstr(sv, "Hiring manager") == "Rekryteringsansvarig"
    assert _msgstr(sv, "What we will look at") == "Det här tittar vi på"
    from caseportal.web.labels import OFFER_LABELS as in_use

    assert sorted(str(label) for label in in_use.values()) == sorted(OFFER_LABELS)  # English outside a request
    for english, swedish in OFFER_LABELS.items():
        assert _msgstr(sv, english) == swedish


def test_singular_counts_read_as_singular(sv: Catalog) -> None:
    msg = sv.get("The %(num)s check you can see passed.")
    assert msg is not None and isinstance(msg.string, tuple)
    assert msg.string[0] == "Kontrollen du kan se gick igenom."


@pytest.mark.parametrize("brief", _briefs(), ids=lambda p: p.parent.name)
def test_briefs_are_written_in_the_house_style(brief: Path, sv: Catalog) -> None:
    text = brief.read_text(encoding="utf-8")
    assert not [p for p in BRIEF_BANNED if re.search(p, text, re.I)]
    button = _msgstr(sv, "Save and run checks")
    for quoted in re.findall(r"[”\"]([^”\"\n]*kör kontroll[^”\"\n]*)[”\"]", text, re.I):
        assert quoted == button, f"{brief}: ”{quoted}” is not the button's text ”{button}”"


def test_the_swedish_brief_and_case_yaml_share_one_title() -> None:
    for spec in load_library(REPO_ROOT / "cases").cases.values():
        heading = spec.brief("sv").splitlines()[0]
        assert heading == f"# {spec.text('sv').title}", spec.slug
