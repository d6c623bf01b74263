"""Suggested talking points: openers built from the work, which a reviewer accepts (perhaps reworded), drops, or
brings back after dropping. The suggestions themselves come from services.suggestions."""

from __future__ import annotations

import re

from flask import abort, flash
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from caseportal.current import db
from caseportal.permissions import any_staff_required
from caseportal.services import suggestions
from caseportal.web.common import commit_or_error, form_or_400, user

from ._blueprint import bp
from .access import submission_or_404
from .forms import ActionForm, SuggestionForm
from .submission import act, back, case_of, render_submission

#: Suggestion keys are built by services.suggestions from these characters only.
SUGGESTION_KEY = re.compile(r"^[a-z0-9-]{1,80}$")


def _key_or_404(key: str) -> str:
    if not SUGGESTION_KEY.match(key):
        abort(404)
    return key


@bp.post("/submissions/<int:submission_id>/suggestions/<key>/accept")
@any_staff_required
def accept_suggestion(submission_id: int, key: str) -> BaseResponse | tuple[str, int]:
    """Accept a suggestion as a talking point, in the reviewer's own words when they edited it."""
    sub, m = submission_or_404(submission_id, submitted=True)
    _key_or_404(key)
    form = SuggestionForm(prefix=f"s-{key}")
    if not form.validate_on_submit():  # too long: shown next to the suggestion with what they wrote
        return render_submission(sub, m, suggestion_forms={key: form}, status=400)
    outcome = commit_or_error(lambda: suggestions.accept(db(), sub, case_of(sub), user(), key, form.text.data))
    if outcome.status == 404:  # accepted or dropped meanwhile (another tab, a colleague): say so at the list
        flash(outcome.error, "error")
        return back(sub.id, "suggestions")
    if outcome.value is None:
        return render_submission(sub, m, suggestion_forms={key: form}, suggestion_errors={key: outcome.error},
                                 status=outcome.status)
    flash(_("Talking point added."), "info")
    return back(sub.id, f"point-{outcome.value.id}")


@bp.post("/submissions/<int:submission_id>/suggestions/<key>/drop")
@any_staff_required
def drop_suggestion(submission_id: int, key: str) -> BaseResponse:
    sub, _meeting = submission_or_404(submission_id, submitted=True)
    _key_or_404(key)
    form_or_400(SuggestionForm(prefix=f"s-{key}"))  # the Drop button sits in the suggestion's own form
    return act(lambda: suggestions.drop(db(), sub, case_of(sub), user(), key),
               _("Suggestion dropped. It will not be suggested again for this work."), sub.id, "suggestions")


@bp.post("/submissions/<int:submission_id>/suggestions/restore")
@any_staff_required
def restore_suggestions(submission_id: int) -> BaseResponse:
    sub, _meeting = submission_or_404(submission_id, submitted=True)
    form_or_400(ActionForm())
    outcome = commit_or_error(lambda: suggestions.restore_dropped(db(), sub))
    if outcome.error:
        flash(outcome.error, "error")
    elif outcome.value:  # nothing was dropped: nothing to say
        flash(_("The dropped suggestions are offered again."), "info")
    return back(sub.id, "suggestions")
