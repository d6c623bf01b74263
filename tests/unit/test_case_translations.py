"""Per-language case text: every listed language has its title, summary and focus, with English as the fallback."""

from __future__ import annotations

from pathlib import Path

import yaml

from caseportal.casebook import load_case, load_library, scaffold, validate
from caseportal.config import REPO_ROOT

SV = {"title": "Ett demo-case", "summary": "Ett kort demo-case på svenska.", "review_focus": ["Koden", "Testerna"],
      "reviewer_prompts": [{"ask": "En fråga till mötet", "good": "Så låter ett bra svar", "tradeoffs": "Avvägningar"}],
      "check_names": {"test_visible": "Den synliga kontrollen"}}


def _case(tmp_path: Path, **changes: object) -> Path:
    """A scaffolded case listed in English and Swedish, with a Swedish brief and ``changes`` to its yaml."""
    folder = scaffold(tmp_path, "demo-case", "coding")
    (folder / "brief.sv.md").write_text("# Ett demo-case\n\nHej.\n", encoding="utf-8")
    data = yaml.safe_load((folder / "case.yaml").read_text(encoding="utf-8"))
    data.update(languages=["en", "sv"], review_focus=["The code", "The tests"], **changes)
    data = {k: v for k, v in data.items() if v is not None}
    (folder / "case.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return folder


def test_every_shipped_case_reads_in_swedish() -> None:
    lib = load_library(REPO_ROOT / "cases")
    assert lib.cases
    for spec in lib.cases.values():
        assert "sv" in spec.languages, spec.slug
        sv = spec.text("sv")
        assert sv.title != spec.title and sv.summary != spec.summary, spec.slug
        assert len(sv.review_focus) == len(spec.review_focus), spec.slug
        assert not set(sv.review_focus) & set(spec.review_focus), spec.slug


def test_a_listed_language_needs_its_text(tmp_path: Path) -> None:
    problems = validate(_case(tmp_path))
    assert [(p.field, Path(p.file).name) for p in problems] == [("translations.sv", "case.yaml")]
    assert "title, summary and review_focus" in problems[0].message


def test_a_translation_needs_all_three_fields(tmp_path: Path) -> None:
    problems = validate(_case(tmp_path, translations={"sv": {"title": "Bara en titel"}}))
    assert sorted((p.field, p.message) for p in problems) == [
        ("translations.sv.check_names", "give a name in 'sv' to every visible check; missing: test_visible"),
        ("translations.sv.review_focus", "required field is missing"),
        ("translations.sv.reviewer_prompts", "required field is missing"),
        ("translations.sv.summary", "required field is missing")]


def test_the_focus_lists_match_point_for_point(tmp_path: Path) -> None:
    problems = validate(_case(tmp_path, translations={"sv": {**SV, "review_focus": ["Bara en punkt"]}}))
    assert [p.field for p in problems] == ["translations.sv.review_focus"]
    assert "has 1 items; the English review_focus has 2" in problems[0].message


def test_english_is_not_a_translation(tmp_path: Path) -> None:
    problems = validate(_case(tmp_path, translations={"sv": SV, "en": SV}))
    assert [p.field for p in problems] == ["translations.en"]


def test_text_in_the_language_else_english(tmp_path: Path) -> None:
    spec = load_case(_case(tmp_path, translations={"sv": {**SV, "summary": "Ett kort\n  demo-case   på svenska."}}))
    sv = spec.text("sv")
    assert (sv.title, sv.summary, sv.review_focus) == (SV["title"], SV["summary"], ("Koden", "Testerna"))
    for lang in ("en", "de"):
        assert spec.text(lang).title == spec.title and spec.text(lang).review_focus == ("The code", "The tests")
