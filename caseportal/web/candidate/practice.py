"""The warm-up before the real case: start it, start it over, and what the meeting page offers.

Working on the warm-up happens on the case page itself, through the same routes as real work
(``/i/<token>/case/<practice-slug>/...``; ``access.load`` finds the practice case and the candidate's
:class:`PracticeSubmission`), rendered with ``practice`` set: a banner, no hand-in. Only starting and starting
over are the warm-up's own, because a practice case is never one of the meeting's cases.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from caseportal.casebook import CaseSpec
from caseportal.current import casebook, db
from caseportal.models import Meeting, PracticeSubmission
from caseportal.services import practice
from caseportal.services.errors import NotFound
from caseportal.web.common import Outcome, commit_or_error

from ._blueprint import bp
from .access import invitation


@dataclass(frozen=True)
class WarmUp:
    """What the meeting page offers: the practice case and the candidate's warm-up on it, if started."""

    case: CaseSpec
    work: PracticeSubmission | None


def warm_up_for(meeting: Meeting) -> WarmUp | None:
    """The warm-up to offer on the meeting page, or None when the library has no practice case."""
    case = practice.offer(casebook())
    return WarmUp(case, practice.get(db(), meeting, case.slug)) if case is not None else None


def _practice_case(slug: str) -> CaseSpec:
    case = casebook().practice.get(slug)
    if case is None:
        raise NotFound(_("This case is not part of your meeting."))
    return case


def _to_workspace(token: str, slug: str, outcome: Outcome[PracticeSubmission], done: str) -> Response:
    """Back to the workspace with what happened; a refusal is told there too."""
    flash(done if outcome.ok else outcome.error, "info" if outcome.ok else "error")
    return redirect(url_for("candidate.case", token=token, slug=slug, _anchor="work"))


def _change(action: Callable[[], PracticeSubmission]) -> Outcome[PracticeSubmission]:
    try:
        return commit_or_error(action)
    except IntegrityError:  # two clicks at once: the other request made the warm-up, which is what was asked
        db().rollback()
        return Outcome()


@bp.post("/i/<token>/warm-up/<slug>/start")
def practice_start(token: str, slug: str) -> Response:
    """Open the warm-up (started on the first visit; later visits find it as it was left)."""
    inv = invitation(token)
    case = _practice_case(slug)
    outcome = _change(lambda: practice.start(db(), inv.meeting, case))
    return _to_workspace(token, slug, outcome, _("Your warm-up is ready. Nobody sees it and no clock runs; leave "
                                                 "it whenever you like."))


@bp.post("/i/<token>/warm-up/<slug>/reset")
def practice_reset(token: str, slug: str) -> Response:
    """Start the warm-up over: its files back as they came, its results gone."""
    inv = invitation(token)
    case = _practice_case(slug)
    outcome = _change(lambda: practice.reset(db(), inv.meeting, case))
    return _to_workspace(token, slug, outcome, _("The warm-up starts over with its original files."))
