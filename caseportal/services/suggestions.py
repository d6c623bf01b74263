"""Suggested talking points, built from the submitted work: openers for the meeting, never verdicts.

Each suggestion comes from one source (the checks, the case's metric, the time spent, the changes against the
starter, the candidate's notes, each of their questions, the case's reviewer prompts) and has a stable key, so a
reviewer can accept it (it becomes a talking point), edit it first, or drop it: an accepted or dropped key is
not suggested again for that submission.

The texts speak to the candidate ("you"): they are read out in the meeting and may be shared with the candidate
in the meeting brief. What is only for reviewers (where a figure comes from, what a good answer sounds like) is
in ``why``, which is shown next to the suggestion but never stored on the talking point.

:func:`build` is pure (plain data in, suggestions out); the other functions read and write the session.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from caseportal.casebook import CaseSpec
from caseportal.models import CandidateFeedback, Submission, TalkingPoint, User
from caseportal.models.review import DroppedSuggestion

from . import diffing
from . import review as review_svc
from .errors import Invalid, NotFound

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


def _count(n: int, one: str, many: str) -> str:
    words = {1: "One", 2: "Two", 3: "Three", 4: "Four", 5: "Five", 6: "Six", 7: "Seven", 8: "Eight", 9: "Nine"}
    return f"{words.get(n, str(n))} {one if n == 1 else many}"


def _names(names: Sequence[str]) -> str:
    """``a``, ``b`` and 2 more: a few names in code spans (the talking point is rendered as markdown)."""
    shown = [f"`{n}`" for n in names[:MAX_NAMES]]
    rest = len(names) - len(shown)
    if rest:
        return ", ".join(shown) + f" and {rest} more"
    if len(shown) > 1:
        return ", ".join(shown[:-1]) + " and " + shown[-1]
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


def _from_checks(run: Mapping[str, Any]) -> list[Suggestion]:
    outcome = run.get("outcome") or ""
    if outcome in INFRA_OUTCOMES:
        return []
    checks = run.get("checks") or []
    if not checks:
        if outcome in ("timeout", "oom", "output_limit", "crashed"):
            what = {"timeout": "ran out of time", "oom": "ran out of memory",
                    "output_limit": "printed more output than allowed", "crashed": "stopped early"}[outcome]
            return [Suggestion("checks-run", f"The full check run {what} before any check finished. What did "
                               "you see when you ran it yourself, and where would you look first?", "checks",
                               why=str(run.get("explanation") or ""))]
        return []
    visible_bad = [c["name"] for c in checks if c["visible"] and c["status"] in NOT_PASSING]
    hidden_bad = [c["name"] for c in checks if not c["visible"] and c["status"] in NOT_PASSING]
    hidden_total = sum(1 for c in checks if not c["visible"])
    passed = sum(1 for c in checks if c["status"] == "passed")
    counted = sum(1 for c in checks if c["status"] != "advisory")
    figures = (f"Latest full run: {passed} of {counted} checks passed"
               + (f", hidden checks {hidden_total - len(hidden_bad)} of {hidden_total}" if hidden_total else "")
               + ".")
    out: list[Suggestion] = []
    if hidden_bad:
        out.append(Suggestion(
            "checks-hidden",
            f"{_count(len(hidden_bad), 'hidden edge-case check', 'hidden edge-case checks')} did not pass "
            f"({_names(hidden_bad)}). How would you go about finding cases like these, and how would you test "
            "for them?", "checks", why=figures + " The candidate could not see these checks."))
    if visible_bad:
        out.append(Suggestion(
            "checks-visible",
            f"{_count(len(visible_bad), 'check you could run yourself', 'checks you could run yourself')} "
            f"did not pass ({_names(visible_bad)}). Where did you get stuck, and what would you try next?",
            "checks", why=figures + " The candidate could run these checks before handing in."))
    if not hidden_bad and not visible_bad and passed:
        hidden = f", including {hidden_total} you could not see" if hidden_total else ""
        out.append(Suggestion(
            "checks-passed",
            f"All {passed} checks passed{hidden}. Which edge cases did you think about, and how did you "
            "convince yourself the solution works?", "checks", why=figures))
    return out


def _from_metric(run: Mapping[str, Any], case: CaseSpec) -> list[Suggestion]:
    head = run.get("headline_metric")
    if case.metric is None or not head:
        return []
    name, value, baseline = head["name"], number_label(head["value"]), head["baseline"]
    better = "lower" if head["direction"] == "lower" else "higher"
    if baseline is None:
        text = (f"Your {name} came out at {value} ({better} is better). How did you decide it was good enough, "
                "and what would you try next?")
    elif head["beats_baseline"]:
        text = (f"Your {name} is {value} against a baseline of {number_label(baseline)} ({better} is better): it "
                "beats the simple approach. What made the difference, and is it worth the extra complexity?")
    else:
        text = (f"Your {name} is {value} against a baseline of {number_label(baseline)} ({better} is better). "
                "What would you try to improve it, and how would you know a change really helps?")
    return [Suggestion("metric", text, "metric",
                       why="From the latest full run; the baseline is what a naive approach scores.")]


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
    if reported is not None:
        parts.append(f"you told us you spent about {minutes_label(reported)} on the case")
        figures.append(f"reported by the candidate: {reported} min")
    if elapsed is not None:
        minutes = elapsed.total_seconds() / 60
        figures.append(f"from starting to handing in: {round(minutes)} min")
        if elapsed <= MAX_MEANINGFUL_ELAPSED:
            parts.append(f"about {minutes_label(minutes)} passed between starting and handing in")
        elif elapsed < timedelta(days=2):
            parts.append(f"about {round(minutes / 60)} hours passed between starting and handing in, breaks "
                         "included")
        else:
            days = round(elapsed.total_seconds() / 86400)
            parts.append(f"you handed in {days} day{'s' if days != 1 else ''} after starting")
    if estimate:
        figures.append(f"the case estimate: {estimate} min")
    sentence = "; ".join(parts)
    sentence = sentence[0].upper() + sentence[1:]
    if estimate:
        sentence += f" (the case is meant to take about {minutes_label(estimate)})"
    text = sentence + ". How did you divide your time, and what did you decide to leave out?"
    why = ("Time is context, not a score: the time between starting and handing in includes breaks. "
           + "; ".join(figures).capitalize() + ".")
    return [Suggestion("time", text, "time", why=why)]


def _from_diff(case: CaseSpec | None, submission: Submission) -> list[Suggestion]:
    if case is None:
        return []
    files = submission.file_map()
    diffs = diffing.diff_against_starter(case.starter_files, files)
    summary = diffing.summarize(diffs)
    if not diffs:
        return [Suggestion("diff", "Your files are the same as the starter files. What did you explore, and "
                           "where would you have started?", "diff", why="No file differs from the starter.")]
    top = max(diffs, key=lambda d: d.added + d.removed)  # diffs are sorted by path: ties go to the first
    path, line = _anchor(top, files)
    lines = f"+{summary.lines_added} −{summary.lines_removed} lines"
    if summary.files_total == 1:
        text = (f"You changed one file against the starter, `{top.path}` ({lines}). Could you walk us through "
                "it: what did you change first, and why there?")
    else:
        text = (f"You changed {summary.files_total} files against the starter ({lines}); most of the work is in "
                f"`{top.path}` (+{top.added} −{top.removed}). Could you walk us through it: what did you change "
                "first, and why there?")
    why = (f"Files: {summary.files_changed} changed, {summary.files_added} added, {summary.files_removed} removed. "
           f"Lines: {summary.lines_added} added, {summary.lines_removed} removed.")
    return [Suggestion("diff", text, "diff", file_path=path, line=line, why=why)]


def _from_notes(submission: Submission) -> list[Suggestion]:
    notes = (submission.notes_more_time or "").strip()
    if not notes:
        return []
    return [Suggestion("notes", f"You wrote what you would do with more time: “{_quote(notes)}” Which of these "
                       "would you do first, and why?", "notes", why="From the candidate's notes.")]


def _from_questions(submission: Submission) -> list[Suggestion]:
    return [Suggestion(question_key(q), f"Your question: “{_quote(q, 600)}” Let's make sure we answer it.",
                       "questions", why="The candidate asked this when handing in: make sure someone answers it.")
            for q in split_questions(submission.questions)[:MAX_QUESTIONS]]


def _from_prompts(case: CaseSpec) -> list[Suggestion]:
    out = []
    for p in case.reviewer_prompts:
        why = f"A good answer: {p.good}" + (f" Trade-offs worth discussing: {p.tradeoffs}" if p.tradeoffs else "")
        out.append(Suggestion(prompt_key(p.ask), p.ask, "prompt", why=why))
    return out


# --------------------------------------------------------------------------- building


def build(case: CaseSpec | None, submission: Submission, run: Mapping[str, Any] | None,
          feedback: CandidateFeedback | None = None) -> list[Suggestion]:
    """Every suggestion for one submitted piece of work, in SOURCES order, keys unique.

    ``run`` is :func:`services.review.run_summary` of the latest finished full run (None without one);
    ``feedback`` is the candidate's own feedback (for the minutes they report), if any.
    """
    out: list[Suggestion] = []
    if run is not None:
        out += _from_checks(run)
        if case is not None:
            out += _from_metric(run, case)
    out += _from_time(case, submission, feedback)
    out += _from_diff(case, submission)
    out += _from_notes(submission)
    out += _from_questions(submission)
    if case is not None:
        out += _from_prompts(case)
    seen: set[str] = set()
    unique = []
    for s in out:
        if s.key not in seen:
            seen.add(s.key)
            unique.append(s)
    return unique


def _feedback(session: Session, submission: Submission) -> CandidateFeedback | None:
    fb = session.scalar(select(CandidateFeedback).where(CandidateFeedback.meeting_id == submission.meeting_id))
    if fb is None or (fb.case_slug and fb.case_slug != submission.case_slug):
        return None
    return fb


def all_for(session: Session, submission: Submission, case: CaseSpec | None) -> list[Suggestion]:
    """Every suggestion for the work, accepted and dropped ones included."""
    if not submission.is_submitted:
        return []
    run = review_svc.latest_full_run(session, submission)
    summary = review_svc.run_summary(run, case) if run is not None else None
    return build(case, submission, summary, _feedback(session, submission))


def accepted_keys(session: Session, submission: Submission) -> set[str]:
    return set(session.scalars(select(TalkingPoint.suggestion_key).where(
        TalkingPoint.submission_id == submission.id, TalkingPoint.suggestion_key != "")))


def dropped_keys(session: Session, submission: Submission) -> set[str]:
    return set(session.scalars(select(DroppedSuggestion.key).where(DroppedSuggestion.submission_id == submission.id)))


def open_for(session: Session, submission: Submission, case: CaseSpec | None) -> list[Suggestion]:
    """The suggestions still to decide on: neither accepted nor dropped."""
    done = accepted_keys(session, submission) | dropped_keys(session, submission)
    return [s for s in all_for(session, submission, case) if s.key not in done]


def _open_one(session: Session, submission: Submission, case: CaseSpec | None, key: str) -> Suggestion:
    found = next((s for s in open_for(session, submission, case) if s.key == key), None)
    if found is None:
        raise NotFound("That suggestion is no longer open: it was accepted or dropped already.")
    return found


def accept(session: Session, submission: Submission, case: CaseSpec | None, author: User | None, key: str,
           text: str | None = None) -> TalkingPoint:
    """Turn a suggestion into a talking point at the end of the list, with the reviewer's edited text if given."""
    s = _open_one(session, submission, case, key)
    body = s.text if text is None or not text.strip() else text
    return review_svc.add_talking_point(session, submission, author, body, s.file_path, s.line, source=s.source,
                                        suggestion_key=s.key)


def drop(session: Session, submission: Submission, case: CaseSpec | None, user: User | None,
         key: str) -> DroppedSuggestion:
    """Remember that this submission needs no talking point from this suggestion."""
    if not submission.is_submitted:
        raise Invalid("This work has not been submitted yet.")
    _open_one(session, submission, case, key)
    row = DroppedSuggestion(submission_id=submission.id, key=key, dropped_by_id=user.id if user else None)
    session.add(row)
    session.flush()
    return row


def restore_dropped(session: Session, submission: Submission) -> int:
    """Offer every dropped suggestion again; returns how many there were."""
    result = session.execute(delete(DroppedSuggestion).where(DroppedSuggestion.submission_id == submission.id))
    session.flush()
    return int(getattr(result, "rowcount", 0) or 0)
