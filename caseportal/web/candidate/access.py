"""The one loader every candidate view starts with: the signed token -> invitation -> meeting -> case.

The link is the only credential, so a view resolves it first and then only ever looks at that invitation's
meeting: a case, file or run of another meeting is "not found", and nothing leaks.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import redirect, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from caseportal.casebook import CaseSpec
from caseportal.current import casebook, db, settings
from caseportal.models import CaseWork, Invitation, Meeting, Submission
from caseportal.services import invitations, practice, submissions
from caseportal.services.errors import DomainError, Invalid, NotFound


class CaseUnavailable(DomainError):
    """A case attached to the meeting that the case library can't provide right now."""

    status_code = 503


@dataclass
class CaseContext:
    """What a case view works on, loaded once: the link, its meeting, the case and the candidate's work (if any).

    The case may be a practice case (the warm-up, ``practice``): the same views serve it, and its work is a
    ``PracticeSubmission`` that no deadline closes and that cannot be handed in (``services.practice``).
    """

    token: str
    inv: Invitation
    meeting: Meeting
    case: CaseSpec
    submission: CaseWork | None

    @property
    def practice(self) -> bool:
        return self.case.practice


def invitation(token: str) -> Invitation:
    """The live invitation behind the link, or a domain error the candidate understands (expired, withdrawn)."""
    return invitations.resolve(db(), token, settings().secret_key)


def _case(meeting: Meeting, slug: str) -> CaseSpec:
    warm_up = casebook().practice.get(slug)  # a practice case is every candidate's (services/practice.py)
    if warm_up is not None:
        return warm_up
    if slug not in meeting.case_slugs:
        raise NotFound(_("This case is not part of your meeting."))
    case = casebook().get(slug)
    if case is None:
        raise CaseUnavailable(_("This case is temporarily unavailable. Your work is safe; please try again "
                                "later or contact the person who invited you."))
    return case


def load(token: str, slug: str) -> CaseContext:
    """The context of one case of the link's meeting; another meeting's case is "not found"."""
    inv = invitation(token)
    case = _case(inv.meeting, slug)
    work = practice.get(db(), inv.meeting, slug) if case.practice else submissions.get(db(), inv.meeting, slug)
    return CaseContext(token, inv, inv.meeting, case, work)


def started(ctx: CaseContext) -> CaseWork:
    """The candidate's work on the case; views that change work need it to exist."""
    if ctx.submission is None:
        raise NotFound(_("You have not started this case yet."))
    return ctx.submission


def real_work(ctx: CaseContext) -> Submission:
    """The candidate's work on one of the meeting's cases, for what only real work does (hand in): a warm-up is
    refused here, whatever a crafted request asks."""
    work = started(ctx)
    if not isinstance(work, Submission):
        raise Invalid(_(practice.NOTHING_TO_HAND_IN))
    return work


def back(ctx: CaseContext, anchor: str | None = None) -> Response:
    """After a change, back to the case page (post/redirect/get), at the section the change concerns."""
    return redirect(url_for("candidate.case", token=ctx.token, slug=ctx.case.slug, _anchor=anchor))
