"""Suggested talking points on a reviewer's desk: offer the open ones, accept one (it becomes a talking point,
edited first if the reviewer likes), drop one, or offer the dropped ones again.

An accepted or dropped key is not suggested again for that submission. The suggestions themselves are built,
without a database, by ``suggestion_sources``, in the candidate's language (:func:`candidate_language`): an
accepted suggestion is what the candidate reads in the shared brief.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from caseportal.casebook import CaseSpec
from caseportal.i18n import current_language
from caseportal.i18n import gettext as _
from caseportal.models import CandidateFeedback, Meeting, Submission, TalkingPoint, User
from caseportal.models.review import DroppedSuggestion

from . import review as review_svc
from .errors import Invalid, NotFound
from .feedback import for_meeting as feedback_for_meeting
from .suggestion_sources import Suggestion, build


def _feedback(session: Session, submission: Submission) -> CandidateFeedback | None:
    """The candidate's feedback when it is about this case (or names none): the minutes they report."""
    meeting = session.get(Meeting, submission.meeting_id)
    fb = feedback_for_meeting(session, meeting) if meeting is not None else None
    if fb is None or (fb.case_slug and fb.case_slug != submission.case_slug):
        return None
    return fb


def candidate_language(session: Session, submission: Submission) -> str:
    """The language the suggested texts speak to the candidate in.

    A meeting keeps no language of its own yet: the invitation goes out in the sender's language, so the staff
    member's language stands for the candidate's here too. The one place to change once meetings store it.
    """
    return current_language()


def all_for(session: Session, submission: Submission, case: CaseSpec | None,
            lang: str | None = None) -> list[Suggestion]:
    """Every suggestion for the work, accepted and dropped ones included, in ``lang`` (else the candidate's)."""
    if not submission.is_submitted:
        return []
    run = review_svc.latest_full_run(session, submission)
    summary = review_svc.run_summary(run, case) if run is not None else None
    return build(case, submission, summary, _feedback(session, submission),
                 lang or candidate_language(session, submission))


def accepted_keys(session: Session, submission: Submission) -> set[str]:
    return set(session.scalars(select(TalkingPoint.suggestion_key).where(
        TalkingPoint.submission_id == submission.id, TalkingPoint.suggestion_key != "")))


def dropped_keys(session: Session, submission: Submission) -> set[str]:
    return set(session.scalars(select(DroppedSuggestion.key).where(DroppedSuggestion.submission_id == submission.id)))


def open_for(session: Session, submission: Submission, case: CaseSpec | None,
             lang: str | None = None) -> list[Suggestion]:
    """The suggestions still to decide on: neither accepted nor dropped."""
    done = accepted_keys(session, submission) | dropped_keys(session, submission)
    return [s for s in all_for(session, submission, case, lang) if s.key not in done]


def _open_one(session: Session, submission: Submission, case: CaseSpec | None, key: str,
              lang: str | None = None) -> Suggestion:
    found = next((s for s in open_for(session, submission, case, lang) if s.key == key), None)
    if found is None:
        raise NotFound(_("That suggestion is no longer open: it was added or dropped already."))
    return found


def accept(session: Session, submission: Submission, case: CaseSpec | None, author: User | None, key: str,
           text: str | None = None, lang: str | None = None) -> TalkingPoint:
    """Turn a suggestion into a talking point at the end of the list, with the reviewer's edited text if given
    (else the suggested text in ``lang``, the candidate's language by default)."""
    s = _open_one(session, submission, case, key, lang)
    body = s.text if text is None or not text.strip() else text
    return review_svc.add_talking_point(session, submission, author, body, s.file_path, s.line, source=s.source,
                                        suggestion_key=s.key)


def drop(session: Session, submission: Submission, case: CaseSpec | None, user: User | None,
         key: str) -> DroppedSuggestion:
    """Remember that this submission needs no talking point from this suggestion."""
    if not submission.is_submitted:
        raise Invalid(_("This work has not been submitted yet."))
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
