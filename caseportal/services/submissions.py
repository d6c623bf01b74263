"""A candidate's work on a case: start it, save drafts, upload, delete, hand in.

Rules kept here so every entry point (form, autosave, upload) obeys them alike:
- work can change until the case deadline and until it is handed in; viewing always stays possible;
- several attached cases may be started (the candidate can switch), but once one is handed in the meeting's
  choice is made: no other case can be started, changed or handed in;
- every change is all-or-nothing (nothing is flushed before every check has passed) and touches
  ``Submission.updated_at``; each stored file carries its size and sha256.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from caseportal.casebook import CaseSpec
from caseportal.i18n import N_
from caseportal.i18n import gettext as _
from caseportal.models import (
    CaseWork,
    Meeting,
    PracticeSubmission,
    Submission,
    SubmissionFile,
    SubmissionStatus,
    utcnow,
)

from . import case_versions, events, practice, uploads
from .errors import Invalid, NotFound
from .uploads import Limits, LimitSource, human_size

MAX_NOTE_CHARS = 10_000

# Marked for translation here, translated where used (closed_reason), in the visitor's language.
DEADLINE_PASSED = N_("The deadline for the case has passed, so your work can no longer be changed. "
                     "You can still look at it, and we look forward to talking about it in the meeting.")
ALREADY_SUBMITTED = N_("You have handed in your work, so it can no longer be changed.")
OTHER_SUBMITTED = N_("You have already handed in another case for this meeting, so this one can't be started "
                     "or changed.")


def _digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _new_file(path: str, content: bytes, now: datetime) -> SubmissionFile:
    return SubmissionFile(path=path, content=content, size=len(content), sha256=_digest(content), updated_at=now)


def _set_content(f: SubmissionFile, content: bytes, now: datetime) -> None:
    f.content, f.size, f.sha256, f.updated_at = content, len(content), _digest(content), now


def deadline_passed(meeting: Meeting, now: datetime | None = None) -> bool:
    return meeting.case_deadline is not None and (now or utcnow()) > meeting.case_deadline


def is_open(meeting: Meeting, submission: CaseWork | None, now: datetime | None = None) -> bool:
    """Whether this work may still change: before the deadline and not yet handed in.

    (That another case of the meeting was handed in is checked by :func:`closed_reason`, which has a session.)
    """
    return not deadline_passed(meeting, now) and not (submission is not None and submission.is_submitted)


def handed_in(session: Session, meeting: Meeting) -> Submission | None:
    """The meeting's handed-in submission, if any (there is at most one)."""
    return session.scalar(select(Submission).where(Submission.meeting_id == meeting.id,
                                                   Submission.status == SubmissionStatus.SUBMITTED)
                          .order_by(Submission.submitted_at))


def for_meeting(session: Session, meeting: Meeting) -> dict[str, Submission]:
    """The meeting's submissions by case slug."""
    rows = session.scalars(select(Submission).where(Submission.meeting_id == meeting.id))
    return {s.case_slug: s for s in rows}


def get(session: Session, meeting: Meeting, slug: str) -> Submission | None:
    return session.scalar(select(Submission).where(Submission.meeting_id == meeting.id,
                                                   Submission.case_slug == slug))


def closed_reason(session: Session, meeting: Meeting, submission: CaseWork | None,
                  now: datetime | None = None) -> str | None:
    """Why this work can't change right now (a sentence for the candidate), or None when it can. A warm-up
    (``services.practice``) is always open: no deadline or hand-in closes it."""
    if isinstance(submission, PracticeSubmission):
        return None
    if submission is not None and submission.is_submitted:
        return _(ALREADY_SUBMITTED)
    if deadline_passed(meeting, now):
        return _(DEADLINE_PASSED)
    other = handed_in(session, meeting)
    if other is not None and (submission is None or other.id != submission.id):
        return _(OTHER_SUBMITTED)
    return None


def ensure_open(session: Session, meeting: Meeting, submission: CaseWork | None,
                now: datetime | None = None) -> None:
    reason = closed_reason(session, meeting, submission, now)
    if reason:
        raise Invalid(reason)


def _meeting_of(session: Session, submission: CaseWork) -> Meeting:
    meeting = session.get(Meeting, submission.meeting_id)
    if meeting is None:  # pragma: no cover - the foreign key makes this impossible
        raise NotFound(_("This meeting no longer exists."))
    return meeting


def _touch(submission: CaseWork, now: datetime) -> None:
    submission.updated_at = now


def start(session: Session, meeting: Meeting, case: CaseSpec, now: datetime | None = None) -> Submission:
    """Start work on one of the meeting's cases, with the starter files copied in.

    Starting a case that is already started returns that work (a double click is harmless).
    """
    now = now or utcnow()
    if case.slug not in meeting.case_slugs:
        raise NotFound(_("This case is not part of your meeting."))
    existing = get(session, meeting, case.slug)
    if existing is not None:
        return existing
    ensure_open(session, meeting, None, now)
    case_versions.snapshot(session, case)  # so later edits to the case never change what this work meets
    sub = Submission(meeting_id=meeting.id, case_slug=case.slug, case_version=case.version,
                     status=SubmissionStatus.DRAFT, started_at=now, updated_at=now)
    sub.files = [_new_file(path, content, now) for path, content in sorted(case.starter_files.items())]
    session.add(sub)
    session.flush()
    events.emit(session, "case.started", meeting_id=meeting.id, submission_id=sub.id)
    return sub


def _as_stored_text(text: str, previous: bytes) -> bytes:
    """Browsers send textareas with CRLF line breaks; store LF unless the file used CRLF before."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if b"\r\n" in previous:
        text = text.replace("\n", "\r\n")
    return text.encode("utf-8")


def save_files(session: Session, submission: CaseWork, files: Mapping[str, str], settings: LimitSource,
               now: datetime | None = None, *, case: CaseSpec | None = None) -> list[str]:
    """Save edited text of existing files; returns the paths that really changed.

    Only files of the submission may be saved, and with ``case`` only the ones the case lets candidates
    edit. Every file is checked before any is changed, so a refusal saves nothing.
    """
    now = now or utcnow()
    ensure_open(session, _meeting_of(session, submission), submission, now)
    limits = Limits.from_settings(settings)
    by_path = {f.path: f for f in submission.files}
    changes: dict[str, bytes] = {}
    for path, text in files.items():
        f = by_path.get(path)
        if f is None:
            raise Invalid(_("‘%(name)s’ is not one of your files, so it could not be saved. Nothing was saved. "
                            "Please reload the page.", name=path))
        if case is not None and not case.submission.is_editable(path):
            raise Invalid(_("‘%(name)s’ is part of the case and can't be edited. Nothing was saved.", name=path))
        if not isinstance(text, str):
            raise Invalid(_("‘%(name)s’ could not be read as text. Nothing was saved.", name=path))
        content = _as_stored_text(text, f.content)
        uploads.check_file_size(path, len(content), limits)
        if _digest(content) != f.sha256:
            changes[path] = content
    if not changes:
        return []
    uploads.check_totals({f.path: f.size for f in submission.files}, {p: len(c) for p, c in changes.items()},
                         limits)
    for path, content in changes.items():
        _set_content(by_path[path], content, now)
    _touch(submission, now)
    session.flush()
    return sorted(changes)


def _protected(case: CaseSpec | None) -> set[str]:
    """Case files a candidate may not replace or delete: starter files that are not editable."""
    if case is None:
        return set()
    return {p for p in case.starter_files if not case.submission.is_editable(p)}


def _known_roots(case: CaseSpec | None) -> set[str]:
    if case is None:
        return set()
    return {p.split("/", 1)[0] for p in case.starter_files if "/" in p}


def add_uploads(session: Session, submission: CaseWork, files: list[tuple[str, bytes]], settings: LimitSource,
                accepted_extensions: Collection[str] = (), now: datetime | None = None, *,
                case: CaseSpec | None = None) -> list[str]:
    """Add uploaded files (zips unpacked) to the submission, all or nothing; returns the stored paths.

    A file with the name of an existing one replaces it, except the case's own read-only files.
    """
    now = now or utcnow()
    ensure_open(session, _meeting_of(session, submission), submission, now)
    max_mb = case.submission.max_upload_mb if case is not None else None
    limits = Limits.from_settings(settings, max_mb)
    prepared = uploads.prepare(files, limits, accepted_extensions, _known_roots(case))
    uploads.check_name_clashes((p for p, _c in prepared), (f.path for f in submission.files))
    protected = _protected(case)
    for path, _content in prepared:
        if path in protected:
            raise Invalid(_("‘%(name)s’ is part of the case and can't be replaced. Please rename your file.",
                            name=path) + " " + _(uploads.NOTHING_SAVED))
    uploads.check_totals({f.path: f.size for f in submission.files}, {p: len(c) for p, c in prepared}, limits)
    by_path = {f.path: f for f in submission.files}
    for path, content in prepared:
        if path in by_path:
            _set_content(by_path[path], content, now)
        else:
            submission.files.append(_new_file(path, content, now))
    _touch(submission, now)
    session.flush()
    return sorted(p for p, _ in prepared)


def deletable(submission: CaseWork, path: str, case: CaseSpec | None) -> bool:
    """Candidates may delete what they added, never the case's starter files."""
    return case is None or path not in case.starter_files


def delete_file(session: Session, submission: CaseWork, path: str, now: datetime | None = None, *,
                case: CaseSpec | None = None) -> None:
    """Remove one file the candidate added."""
    now = now or utcnow()
    ensure_open(session, _meeting_of(session, submission), submission, now)
    target = next((f for f in submission.files if f.path == path), None)
    if target is None:
        raise NotFound(_("That file is not part of your work (it may have been deleted already)."))
    if not deletable(submission, path, case):
        raise Invalid(_("‘%(name)s’ is one of the case's own files and can't be deleted.", name=path))
    submission.files.remove(target)
    _touch(submission, now)
    session.flush()


def _check_notes(notes_more_time: str, questions: str) -> None:
    for label, text in ((N_("What you would do with more time"), notes_more_time),
                        (N_("Your questions for the team"), questions)):
        if len(text or "") > MAX_NOTE_CHARS:
            raise Invalid(_("‘%(label)s’ can be at most %(n)s characters long.", label=_(label),
                            n=MAX_NOTE_CHARS))


def save_notes(session: Session, submission: CaseWork, notes_more_time: str | None, questions: str | None,
               now: datetime | None = None) -> bool:
    """Keep the hand-in notes with the draft, so nothing typed is lost before handing in; None leaves one as is.

    Returns whether anything changed.
    """
    now = now or utcnow()
    ensure_open(session, _meeting_of(session, submission), submission, now)
    new_more = submission.notes_more_time if notes_more_time is None else notes_more_time
    new_questions = submission.questions if questions is None else questions
    _check_notes(new_more, new_questions)
    if (new_more, new_questions) == (submission.notes_more_time, submission.questions):
        return False
    submission.notes_more_time, submission.questions = new_more, new_questions
    _touch(submission, now)
    session.flush()
    return True


def submit(session: Session, submission: CaseWork, notes_more_time: str, questions: str,
           now: datetime | None = None) -> CaseWork:
    """Hand in the work with the candidate's notes; from now on it is read-only."""
    now = now or utcnow()
    if isinstance(submission, PracticeSubmission):
        raise Invalid(_(practice.NOTHING_TO_HAND_IN))
    ensure_open(session, _meeting_of(session, submission), submission, now)
    if not submission.files:
        raise Invalid(_("There is nothing to hand in yet. Please add your work first."))
    _check_notes(notes_more_time, questions)
    submission.notes_more_time = (notes_more_time or "").strip()
    submission.questions = (questions or "").strip()
    submission.status = SubmissionStatus.SUBMITTED
    submission.submitted_at = now
    _touch(submission, now)
    session.flush()
    events.emit(session, "case.handed_in", meeting_id=submission.meeting_id, submission_id=submission.id)
    return submission


def total_size(submission: CaseWork) -> int:
    return sum(f.size for f in submission.files)


def size_label(n: int) -> str:
    return human_size(n)
