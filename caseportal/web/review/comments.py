"""Line comments: a reviewer's note on one line of one submitted text file, deleted only by its author."""

from __future__ import annotations

from flask import abort, flash
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from caseportal.current import db
from caseportal.permissions import any_staff_required
from caseportal.services import review as svc
from caseportal.web.common import commit_or_error, form_or_400, user

from ._blueprint import bp
from .access import comment_or_404, file_or_404, submission_or_404
from .forms import ActionForm, CommentForm
from .submission import act, back, files_of, render_submission


@bp.post("/submissions/<int:submission_id>/files/<int:file_id>/comments")
@any_staff_required
def add_comment(submission_id: int, file_id: int) -> BaseResponse | tuple[str, int]:
    """Each file has its own comment form (prefix c<file id>), so a failed one re-renders under its own file."""
    sub, m = submission_or_404(submission_id, submitted=True)
    f = file_or_404(sub, file_id)
    form = CommentForm(prefix=f"c{f.id}")
    if not form.validate_on_submit():
        return render_submission(sub, m, comment_forms={f.id: form}, status=400)
    outcome = commit_or_error(lambda: svc.add_comment(db(), sub, user(), f.path, form.line.data,
                                                      form.body.data or ""))
    if outcome.value is None:
        return render_submission(sub, m, comment_forms={f.id: form}, comment_errors={f.id: outcome.error},
                                 status=outcome.status)
    flash(_("Comment added."), "info")
    index = [x.id for x in files_of(sub)].index(f.id)
    return back(sub.id, f"L-{index}-{outcome.value.line}")


@bp.post("/comments/<int:comment_id>/delete")
@any_staff_required
def delete_comment(comment_id: int) -> BaseResponse:
    comment, sub = comment_or_404(comment_id)
    if comment.author_id != user().id:
        abort(403)
    form_or_400(ActionForm())
    return act(lambda: svc.delete_comment(db(), comment), _("Comment deleted."), sub.id, "files")
