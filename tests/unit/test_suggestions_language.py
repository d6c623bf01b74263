"""Suggested talking points speak the candidate's language: the case's own reviewer prompts from its Swedish
``translations`` (English where a case has none), the generated texts from the catalogue, with keys that do not
depend on the language and reviewer-only notes in the reader's language."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from caseportal.casebook import CaseSpec, ReviewerPrompt
from caseportal.casebook.model import CaseText
from caseportal.models import StaffRole, Submission, User
from caseportal.services import suggestion_sources as src
from caseportal.services import suggestions as sg
from sandbox.spec import CheckResult, RunResult
from tests.conftest import PROMPT_ASK, PROMPT_GOOD, PROMPT_TRADEOFFS, SOLUTION, Factory, install_case

ASK_SV = "Hur skulle du få begränsaren att fungera på flera servrar?"
GOOD_SV = "Nämner delat tillstånd, till exempel Redis, och vad ett nätverksanrop kostar."


def _with_swedish(case: CaseSpec, prompts: tuple[ReviewerPrompt, ...],
                  check_names: dict[str, str] | None = None) -> CaseSpec:
    """The case as if its case.yaml had ``translations.sv`` with these reviewer prompts and check names."""
    sv = CaseText("Toppnamn", "S", ("F",), check_names=check_names or {}, reviewer_prompts=prompts)
    return dataclasses.replace(case, translations={"sv": sv})


@contextmanager
def visiting(app: Flask, lang: str) -> Iterator[None]:
    """A request of its own in ``lang`` (Flask-Babel caches the locale per request)."""
    with app.app_context(), app.test_request_context("/", headers={"Accept-Language": lang}):
        yield


@pytest.fixture()
def case(app: Flask, tmp_path: Path) -> CaseSpec:
    return _with_swedish(install_case(app, tmp_path / "library"), (ReviewerPrompt(ASK_SV, GOOD_SV),),
                         {"test_visible_order": "Ordningen stämmer"})


@pytest.fixture()
def reviewer(factory: Factory) -> User:
    return factory.user(StaffRole.REVIEWER)


@pytest.fixture()
def submission(factory: Factory, case: CaseSpec, reviewer: User) -> Submission:
    m = factory.meeting(reviewers=[reviewer], cases=[case.slug])
    sub = factory.submission(m, {"solution.py": SOLUTION}, case=case)
    factory.run(sub, RunResult(outcome="failed", checks=(
        CheckResult("test_visible_basic", "passed", "", True), CheckResult("test_visible_order", "failed", "", True),
        CheckResult("test_hidden_ties", "failed", "", False))))
    return sub


@pytest.mark.parametrize(("prompts", "ask"), [
    ((ReviewerPrompt(ASK_SV, GOOD_SV),), ASK_SV),
    ((), PROMPT_ASK),  # a language without prompts: the English ones
    ((ReviewerPrompt(ASK_SV, GOOD_SV),) * 2, PROMPT_ASK),  # not the English list's length: never a mix
])
def test_prompts_in_a_language(case: CaseSpec, prompts: tuple[ReviewerPrompt, ...], ask: str) -> None:
    (p,) = src.prompts_in(_with_swedish(case, prompts), "sv")
    assert p.ask == ask
    assert src.prompts_in(case, "en") == (ReviewerPrompt(PROMPT_ASK, PROMPT_GOOD, PROMPT_TRADEOFFS),)
    assert src.prompts_in(case, "de") == src.prompts_in(case, "en")


def test_a_swedish_reviewer_gets_swedish_suggestions_with_the_english_keys(
        app: Flask, session: Session, submission: Submission, case: CaseSpec) -> None:
    english = {s.key: s for s in sg.all_for(session, submission, case)}
    with visiting(app, "sv"):
        assert sg.candidate_language(session, submission) == "sv"
        swedish = {s.key: s for s in sg.all_for(session, submission, case)}
    assert list(swedish) == list(english)  # accepting or dropping works whichever language the page was in
    prompt = swedish[src.prompt_key(PROMPT_ASK)]
    assert prompt.text == ASK_SV and f"Ett bra svar: {GOOD_SV}" in prompt.why
    assert swedish["checks-hidden"].text.startswith("En dold kontroll av kantfall gick inte igenom")
    assert "Senaste fullständiga körning: 1 av 3 kontroller gick igenom" in swedish["checks-hidden"].why
    # a visible check by the name the case gives it in Swedish, a hidden one by its own (the brief hides it)
    assert "(Ordningen stämmer)" in swedish["checks-visible"].text and "(`test_visible_order`)" in (
        english["checks-visible"].text)
    assert "(`test_hidden_ties`)" in swedish["checks-hidden"].text


def test_texts_in_the_candidates_language_and_notes_in_the_readers(
        app: Flask, session: Session, submission: Submission, case: CaseSpec) -> None:
    with visiting(app, "en"):
        items = {s.key: s for s in sg.all_for(session, submission, case, lang="sv")}
    prompt = items[src.prompt_key(PROMPT_ASK)]
    assert prompt.text == ASK_SV and prompt.why.startswith(f"A good answer: {PROMPT_GOOD}")
    assert items["checks-hidden"].text.startswith("En dold kontroll")
    assert items["checks-hidden"].why.startswith("Latest full run: 1 of 3 checks passed")


def test_an_accepted_suggestion_keeps_the_candidates_wording(
        app: Flask, session: Session, submission: Submission, case: CaseSpec, reviewer: User) -> None:
    with visiting(app, "sv"):
        point = sg.accept(session, submission, case, reviewer, src.prompt_key(PROMPT_ASK))
        session.commit()  # before the request ends (its teardown rolls back what is not committed)
    assert point.text == ASK_SV and point.source == "prompt"
    assert src.prompt_key(PROMPT_ASK) not in {s.key for s in sg.open_for(session, submission, case)}


def test_counts_read_right_in_both_languages(app: Flask) -> None:
    """One check is "the one check", never "All 1 checks"; Swedish has its own singular."""
    one = {"checks": [{"name": "test_a", "visible": True, "status": "passed"}], "outcome": "passed"}
    two = {"checks": [{"name": f"test_{n}", "visible": n == "a", "status": "passed"} for n in "ab"],
           "outcome": "passed"}
    (said,) = src._from_checks(one)
    assert said.text.startswith("The one check passed.") and "1 of 1 check passed." in said.why
    (said,) = src._from_checks(two)
    assert said.text.startswith("All 2 checks passed, including 1 you could not see.")
    with visiting(app, "sv"):
        (said,) = src._from_checks(one)
        assert said.text.startswith("Kontrollen gick igenom.") and "1 av 1 kontroll gick igenom." in said.why
        (said,) = src._from_checks(two)
        assert said.text.startswith("Alla 2 kontroller gick igenom, även 1 som du inte kunde se.")
