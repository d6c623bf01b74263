"""The reviewed mark: who looked at the work and when, so the team knows it is ready for the meeting."""

from __future__ import annotations

from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from caseportal.current import db
from caseportal.permissions import any_staff_required
from caseportal.services import review as svc
from caseportal.web.common import form_or_400, user

from ._blueprint import bp
from .access import submission_or_404
from .forms import ActionForm
from .submission import act


@bp.post("/submissions/<int:submission_id>/reviewed")
@any_staff_required
def mark_reviewed(submission_id: int) -> BaseResponse:
    sub, _meeting = submission_or_404(submission_id, submitted=True)
    form_or_400(ActionForm())
    return act(lambda: svc.mark_reviewed(db(), sub, user()), _("Marked as reviewed."), sub.id)


@bp.post("/submissions/<int:submission_id>/unreviewed")
@any_staff_required
def unmark_reviewed(submission_id: int) -> BaseResponse:
    sub, _meeting = submission_or_404(submission_id, submitted=True)
    form_or_400(ActionForm())
    return act(lambda: svc.unmark_reviewed(db(), sub), _("The reviewed mark is removed."), sub.id)
