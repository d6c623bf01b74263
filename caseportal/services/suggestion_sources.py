"""Suggested talking points, built from the submitted work: openers for the meeting, never verdicts.

Each suggestion comes from one source (the checks, the case's metric, the time spent, the changes against the
starter, the candidate's notes, each of their questions, the case's reviewer prompts) and has a stable key, so a
reviewer can accept or drop it (``suggestions``) and it is not suggested again for that submission.

The texts speak to the candidate ("you"): they are read out in the meeting and may be shared with the candidate
in the meeting brief, so they are written in the candidate's language (``lang``; a case's reviewer prompts from its
``translations``, English where a case has none). What is only for reviewers (where a figure comes from, what a
good answer sounds like) is in ``why``, in the reader's language, shown next to the suggestion but never stored
on the talking point. Keys do not depend on the language, so accepting or dropping works in either.

Everything here is pure (plain data in, suggestions out), so each text can be tested without a database.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any, Literal

from caseportal.casebook import CaseSpec, ReviewerPrompt
from caseportal.i18n import N_, current_language, language, ngettext
from caseportal.i18n import gettext as _
from caseportal.models import CandidateFeedback, Submission

from . import diffing

Source = Literal["checks", "metric", "time", "diff", "notes", "questions", "prompt"]
SOURCES: tuple[Source, ...] = ("checks", "metric", "time", "diff", "notes", "questions", "prompt")

#: Names listed in a check suggestion before "and N more".
MAX_NAMES = 3
#: At most this many of the candidate's questions become separate suggestions.
MAX_QUESTIONS = 12
#: Quoted notes are cut to this many characters (the full notes are on the page next to it).
MAX_QUOTE = 240
#: Above this the time between starting and handing in says nothing about effort (nights, other work).
MAX_MEANINGFUL_ELAPSED = timedelta(hours=8)
#: Outcomes where the platform, not the candidate, failed: nothing to talk about.
INFRA_OUTCOMES = ("infra_error",)
NOT_PASSING = ("failed", "error")

_LIST_MARKER = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)])\s+")


@dataclass(frozen=True)
class Suggestion:
    """One suggested talking point. ``file_path``/``line`` point at the work when there is a place to look."""

    key: str
    text: str
    source: Source
    file_path: str = ""
    line: int | None = None
    why: str = ""  # for reviewers only: where the figures come from, what a good answer sounds like


# --------------------------------------------------------------------------- small helpers


def _digest(text: str) -> str:
    norm = " ".join(text.split()).casefold()
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()[:12]


def question_key(question: str) -> str:
    return f"question-{_digest(question)}"


def prompt_key(ask: str) -> str:
    return f"prompt-{_digest(ask)}"


def number_label(value: float | int) -> str:
    """A figure as people say it: integers without a decimal point, others with four significant digits."""
    if isinstance(value, int) or float(value).is_integer():
        return str(int(value))
    return f"{value:.4g}"


_NUMBER_WORDS = (N_("One"), N_("Two"), N_("Three"), N_("Four"), N_("Five"), N_("Six"), N_("Seven"), N_("Eight"),
                 N_("Nine"))


def _count_word(n: int) -> str:
    """A small count as a word that can start a sentence ("Two"), larger ones as digits."""
    return _(_NUMBER_WORDS[n - 1]) if 1 <= n <= len(_NUMBER_WORDS) else str(n)


def _names(names: Sequence[str], display: Mapping[str, str] | None = None) -> str:
    """``a``, ``b`` and 2 more: a few names, in code spans unless the case gives a check a ``display`` name (the
    talking point is rendered as markdown)."""
    shown = [(display or {}).get(n) or f"`{n}`" for n in names[:MAX_NAMES]]
    rest = len(names) - len(shown)
    if rest:
        return _("%(names)s and %(n)s more", names=", ".join(shown), n=rest)
    if len(shown) > 1:
        return _("%(names)s and %(last)s", names=", ".join(shown[:-1]), last=shown[-1])
    return shown[0] if shown else ""


def minutes_label(minutes: float) -> str:
    """90 -> "1 h 30 min", 45 -> "45 min"."""
    total = max(0, round(minutes))
    h, m = divmod(total, 60)
    if not h:
        return f"{m} min"
    return f"{h} h" + (f" {m} min" if m else "")


def _quote(text: str, limit: int = MAX_QUOTE) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def split_questions(text: str | None) -> list[str]:
    """The candidate's questions one by one: each list item or paragraph is one question (duplicates once)."""
    items: list[list[str]] = []
    in_item = False
    for raw in (text or "").splitlines():
        line = raw.strip()
        if not line:
            in_item = False
            continue
        marker = _LIST_MARKER.match(line)
        if marker or not in_item:
            items.append([line[marker.end():].strip() if marker else line])
            in_item = True
        else:
            items[-1].append(line)  # a wrapped line continues the item
    seen: set[str] = set()
    out = []
    for words in items:
        item = " ".join(words).strip()
        key = question_key(item)
        if item and key not in seen:
            seen.add(key)
            out.append(item)
    return out


def _anchor(diff: diffing.FileDiff, files: Mapping[str, bytes]) -> tuple[str, int | None]:
    """The file to look at and its first added line, when the file is still there and is text."""
    if diff.status == "removed" or diff.path not in files:
        return "", None
    if diff.binary or diffing.as_text(files[diff.path]) is None:
        return diff.path, None
    first = next((ln.new_no for ln in diff.lines if ln.kind == "add" and ln.new_no), None)
    return diff.path, first


# --------------------------------------------------------------------------- the sources


def _from_checks(run: Mapping[str, Any], display: Mapping[str, str] | None = None) -> list[Suggestion]:
    """``display``: the case's names for its visible checks in the candidate's language (hidden checks keep
    their own names, which the candidate's brief leaves out)."""
    outcome = run.get("outcome") or ""
    if outcome in INFRA_OUTCOMES:
        return []
    checks = run.get("checks") or []
    if not checks:
        if outcome in ("timeout", "oom", "output_limit", "crashed"):
            what = {"timeout": _("ran out of time"), "oom": _("ran out of memory"),
                    "output_limit": _("printed more output than allowed"), "crashed": _("stopped early")}[outcome]
            return [Suggestion("checks-run", _("The full check run %(what)s before any check finished. What did "
                                               "you see when you ran it yourself, and where would you look first?",
                                               what=what), "checks",
                               why=str(run.get("explanation") or ""))]
        return []
    visible_bad = [c["name"] for c in checks if c["visible"] and c["status"] in NOT_PASSING]
    hidden_bad = [c["name"] for c in checks if not c["visible"] and c["status"] in NOT_PASSING]
    hidden_total = sum(1 for c in checks if not c["visible"])
    passed = sum(1 for c in checks if c["status"] == "passed")
    counted = sum(1 for c in checks if c["status"] != "advisory")
    figures = (ngettext("Latest full run: %(passed)s of %(num)s check passed, hidden checks %(hidden_passed)s of "
                        "%(hidden)s.", "Latest full run: %(passed)s of %(num)s checks passed, hidden checks "
                        "%(hidden_passed)s of %(hidden)s.", counted, passed=passed,
                        hidden_passed=hidden_total - len(hidden_bad), hidden=hidden_total) if hidden_total
               else ngettext("Latest full run: %(passed)s of %(num)s check passed.",
                             "Latest full run: %(passed)s of %(num)s checks passed.", counted, passed=passed))
    out: list[Suggestion] = []
    if hidden_bad:
        out.append(Suggestion(
            "checks-hidden",
            ngettext("%(count)s hidden edge-case check did not pass (%(names)s). How would you go about finding "
                     "cases like these, and how would you test for them?",
                     "%(count)s hidden edge-case checks did not pass (%(names)s). How would you go about finding "
                     "cases like these, and how would you test for them?",
                     len(hidden_bad), count=_count_word(len(hidden_bad)), names=_names(hidden_bad)),
            "checks", why=figures + " " + _("The candidate could not see these checks.")))
    if visible_bad:
        out.append(Suggestion(
            "checks-visible",
            ngettext("%(count)s check you could run yourself did not pass (%(names)s). Where did you get stuck, "
                     "and what would you try next?",
                     "%(count)s checks you could run yourself did not pass (%(names)s). Where did you get stuck, "
                     "and what would you try next?",
                     len(visible_bad), count=_count_word(len(visible_bad)), names=_names(visible_bad, display)),
            "checks", why=figures + " " + _("The candidate could run these checks before handing in.")))
    if not hidden_bad and not visible_bad and passed:
        question = _("Which edge cases did you think about, and how did you convince yourself the solution works?")
        facts = (ngettext("%(num)s check passed, including %(hidden)s you could not see.",
                          "All %(num)s checks passed, including %(hidden)s you could not see.", passed,
                          hidden=hidden_total) if hidden_total and passed > 1
                 else ngettext("The one check passed.", "All %(num)s checks passed.", passed))
        out.append(Suggestion("checks-passed", facts + " " + question, "checks", why=figures))
    return out


def _from_metric(run: Mapping[str, Any], case: CaseSpec) -> list[Suggestion]:
    head = run.get("headline_metric")
    if case.metric is None or not head:
        return []
    name, value, baseline = head["name"], number_label(head["value"]), head["baseline"]
    better = _("lower is better") if head["direction"] == "lower" else _("higher is better")
    if baseline is None:
        text = _("Your %(name)s came out at %(value)s (%(better)s). How did you decide it was good enough, and "
                 "what would you try next?", name=name, value=value, better=better)
    elif head["beats_baseline"]:
        text = _("Your %(name)s is %(value)s against a baseline of %(baseline)s (%(better)s): it beats the simple "
                 "approach. What made the difference, and is it worth the extra complexity?", name=name,
                 value=value, baseline=number_label(baseline), better=better)
    else:
        text = _("Your %(name)s is %(value)s against a baseline of %(baseline)s (%(better)s). What would you try "
                 "to improve it, and how would you know a change really helps?", name=name, value=value,
                 baseline=number_label(baseline), better=better)
    return [Suggestion("metric", text, "metric",
                       why=_("From the latest full run; the baseline is what a naive approach scores."))]


def _from_time(case: CaseSpec | None, submission: Submission,
               feedback: CandidateFeedback | None) -> list[Suggestion]:
    estimate = case.time_estimate_minutes if case else None
    reported = feedback.minutes_spent if feedback is not None else None
    elapsed = (submission.submitted_at - submission.started_at
               if submission.submitted_at and submission.started_at else None)
    if elapsed is not None and elapsed < timedelta(0):
        elapsed = None
    if elapsed is None and reported is None:
        return []
    parts: list[str] = []
    figures: list[str] = []
    # Clauses start in lower case and are joined with "; "; the first letter of the sentence is raised.
    if reported is not None:
        parts.append(_("you told us you spent about %(time)s on the case", time=minutes_label(reported)))
        figures.append(_("reported by the candidate: %(n)s min", n=reported))
    if elapsed is not None:
        minutes = elapsed.total_seconds() / 60
        figures.append(_("from starting to handing in: %(n)s min", n=round(minutes)))
        if elapsed <= MAX_MEANINGFUL_ELAPSED:
            parts.append(_("about %(time)s passed between starting and handing in", time=minutes_label(minutes)))
        elif elapsed < timedelta(days=2):
            parts.append(ngettext("about %(num)s hour passed between starting and handing in, breaks included",
                                  "about %(num)s hours passed between starting and handing in, breaks included",
                                  round(minutes / 60)))
        else:
            days = round(elapsed.total_seconds() / 86400)
            parts.append(ngettext("you handed in %(num)s day after starting",
                                  "you handed in %(num)s days after starting", days))
    if estimate:
        figures.append(_("the case estimate: %(n)s min", n=estimate))
    facts = "; ".join(parts)
    facts = facts[0].upper() + facts[1:]
    sentence = (_("%(facts)s (the case is meant to take about %(time)s).", facts=facts,
                  time=minutes_label(estimate)) if estimate else _("%(facts)s.", facts=facts))
    text = sentence + " " + _("How did you divide your time, and what did you decide to leave out?")
    figure_text = "; ".join(figures)
    why = (_("Time is context, not a score: the time between starting and handing in includes breaks.") + " "
           + figure_text[0].upper() + figure_text[1:] + ".")
    return [Suggestion("time", text, "time", why=why)]


def _from_diff(case: CaseSpec | None, submission: Submission) -> list[Suggestion]:
    if case is None:
        return []
    files = submission.file_map()
    diffs = diffing.diff_against_starter(case.starter_files, files)
    summary = diffing.summarize(diffs)
    if not diffs:
        return [Suggestion("diff", _("Your files are the same as the starter files. What did you explore, and "
                                     "where would you have started?"), "diff",
                           why=_("No file differs from the starter."))]
    top = max(diffs, key=lambda d: d.added + d.removed)  # diffs are sorted by path: ties go to the first
    path, line = _anchor(top, files)
    lines = _("+%(added)s −%(removed)s lines", added=summary.lines_added, removed=summary.lines_removed)
    if summary.files_total == 1:
        text = _("You changed one file against the starter, `%(path)s` (%(lines)s). Could you walk us through it: "
                 "what did you change first, and why there?", path=top.path, lines=lines)
    else:
        text = _("You changed %(n)s files against the starter (%(lines)s); most of the work is in `%(path)s` "
                 "(+%(added)s −%(removed)s). Could you walk us through it: what did you change first, and why "
                 "there?", n=summary.files_total, lines=lines, path=top.path, added=top.added, removed=top.removed)
    why = _("Files: %(changed)s changed, %(added)s added, %(removed)s removed. Lines: %(lines_added)s added, "
            "%(lines_removed)s removed.", changed=summary.files_changed, added=summary.files_added,
            removed=summary.files_removed, lines_added=summary.lines_added, lines_removed=summary.lines_removed)
    return [Suggestion("diff", text, "diff", file_path=path, line=line, why=why)]


def _from_notes(submission: Submission) -> list[Suggestion]:
    notes = (submission.notes_more_time or "").strip()
    if not notes:
        return []
    return [Suggestion("notes", _("You wrote what you would do with more time: “%(notes)s” Which of these would "
                                  "you do first, and why?", notes=_quote(notes)), "notes",
                       why=_("From the candidate's notes."))]


def _from_questions(submission: Submission) -> list[Suggestion]:
    return [Suggestion(question_key(q), _("Your question: “%(question)s” Let's make sure we answer it.",
                                          question=_quote(q, 600)),
                       "questions", why=_("The candidate asked this when handing in: make sure someone answers it."))
            for q in split_questions(submission.questions)[:MAX_QUESTIONS]]


def prompts_in(case: CaseSpec, lang: str) -> tuple[ReviewerPrompt, ...]:
    """The case's reviewer prompts in ``lang`` (``translations.<lang>.reviewer_prompts``, in the order of the
    English list), else the English ones."""
    english = tuple(case.reviewer_prompts)
    found = tuple(getattr(case.translations.get(lang), "reviewer_prompts", None) or ())
    return found if len(found) == len(english) else english


def _from_prompts(case: CaseSpec, lang: str) -> list[Suggestion]:
    out = []
    for english, p in zip(case.reviewer_prompts, prompts_in(case, lang), strict=True):
        why = _("A good answer: %(good)s", good=p.good)
        if p.tradeoffs:
            why += " " + _("Trade-offs worth discussing: %(tradeoffs)s", tradeoffs=p.tradeoffs)
        out.append(Suggestion(prompt_key(english.ask), p.ask, "prompt", why=why))
    return out


# --------------------------------------------------------------------------- building


def _build(case: CaseSpec | None, submission: Submission, run: Mapping[str, Any] | None,
           feedback: CandidateFeedback | None, lang: str) -> list[Suggestion]:
    out: list[Suggestion] = []
    if run is not None:
        out += _from_checks(run, getattr(case.text(lang), "check_names", None) if case is not None else None)
        if case is not None:
            out += _from_metric(run, case)
    out += _from_time(case, submission, feedback)
    out += _from_diff(case, submission)
    out += _from_notes(submission)
    out += _from_questions(submission)
    if case is not None:
        out += _from_prompts(case, lang)
    seen: set[str] = set()
    unique = []
    for s in out:
        if s.key not in seen:
            seen.add(s.key)
            unique.append(s)
    return unique


def build(case: CaseSpec | None, submission: Submission, run: Mapping[str, Any] | None,
          feedback: CandidateFeedback | None = None, lang: str | None = None) -> list[Suggestion]:
    """Every suggestion for one submitted piece of work, in SOURCES order, keys unique.

    ``run`` is :func:`services.review.run_summary` of the latest finished full run (None without one);
    ``feedback`` is the candidate's own feedback (for the minutes they report), if any. The texts are in ``lang``
    (the candidate's language; default: the reader's), each ``why`` in the reader's language.
    """
    reader = current_language()
    if lang is None or lang == reader:
        return _build(case, submission, run, feedback, reader)
    with language(lang):
        said = _build(case, submission, run, feedback, lang)
    notes = {s.key: s.why for s in _build(case, submission, run, feedback, reader)}
    return [replace(s, why=notes.get(s.key, s.why)) for s in said]
