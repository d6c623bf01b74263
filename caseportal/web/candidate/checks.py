"""Running the case's visible checks: the button (save the editor's texts, queue a run) and the status the
page polls until the worker has recorded the result.

The run row is the truth: the view commits it before it is queued, and if the queue is unreachable the workers'
periodic recovery picks it up, so a pressed button is never lost.
"""

from __future__ import annotations

import logging

from flask import jsonify
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response

from caseportal.current import casebook, db, queue, settings
from caseportal.models import CaseWork, Run, RunKind
from caseportal.services import run_phase, runs, submissions
from caseportal.services.errors import DomainError
from caseportal.web.common import commit_or_error

from ._blueprint import bp
from .access import CaseContext, back, invitation, load, started
from .editor import posted_files, save_posted
from .workspace import render_case

log = logging.getLogger("caseportal.candidate")


def enqueue(run: Run) -> None:
    """Hand the run to the workers; if the queue is unreachable, recovery re-queues it from the database."""
    try:
        queue().enqueue_run(run.id)
    except Exception:  # noqa: BLE001 - the run row is the truth; the periodic recovery picks it up
        log.exception("could not enqueue run %s; it will be re-queued by recovery", run.id)


def _save_while_open(ctx: CaseContext, sub: CaseWork) -> bool:
    """What the editor posted, saved first: the checks run on what the candidate sees in the page."""
    submissions.ensure_open(db(), ctx.meeting, sub)
    return save_posted(ctx, sub)


@bp.post("/i/<token>/case/<slug>/run")
def run(token: str, slug: str) -> Response | tuple[str, int]:
    ctx = load(token, slug)
    sub = started(ctx)
    if not ctx.case.has_automated_checks:
        return render_case(ctx, error=_("This case has no automated checks; the team looks at your work "
                                        "together with you."), status=400)
    saved = commit_or_error(lambda: _save_while_open(ctx, sub))
    if not saved.ok:
        return render_case(ctx, error=saved.error, status=saved.status, drafts=posted_files())
    requested = commit_or_error(lambda: runs.request_run(db(), sub, RunKind.CHECK,
                                                         runs_per_hour=settings().runs_per_hour))
    if requested.value is None:  # refused (the hourly limit); the draft saved above stays saved
        return render_case(ctx, error=requested.error, status=requested.status)
    enqueue(requested.value)
    return back(ctx, "results")


@bp.get("/i/<token>/runs/<int:run_id>.json")
def run_status(token: str, run_id: int) -> tuple[Response, int]:
    """A run of this meeting as the candidate may see it (visible checks only) with its phase and elapsed
    seconds, for runstatus.js."""
    try:
        inv = invitation(token)
    except DomainError as err:
        return jsonify(error=err.message), err.status_code
    found = db().scalar(select(Run).join(CaseWork, CaseWork.id == Run.submission_id)  # the warm-up's runs too
                        .where(Run.id == run_id, CaseWork.meeting_id == inv.meeting_id))
    if found is None:
        return jsonify(error=_("This page does not exist.")), 404
    work = db().get(CaseWork, found.submission_id)
    spec = casebook().get(work.case_slug) if work is not None else None  # check names in the visitor's language
    return jsonify({**runs.view(found, "candidate", spec=spec).to_json(), **run_phase.progress(found).to_json()}), 200
