"""The reviewer's room: a meeting's cases and submissions, the submitted work, runs, talking points, comments.

Every view: staff login (decorator), then the object's meeting must be visible to the visitor
(permissions.can_view_meeting) or the answer is 404, so a reviewer cannot learn what exists outside their meetings.
Drafts are the candidate's private work in progress: only their existence and status are shown.
"""

from __future__ import annotations

import io
import re
from pathlib import PurePosixPath
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as BaseResponse
from wtforms import SelectChoice

from caseportal.casebook import CaseSpec
from caseportal.current import casebook, db
from caseportal.models import (
    LineComment,
    Meeting,
    Run,
    RunArtifact,
    RunKind,
    Submission,
    SubmissionFile,
    TalkingPoint,
    User,
)
from caseportal.permissions import any_staff_required, can_review_submission, can_view_meeting
from caseportal.services import case_versions, diffing, highlight, suggestions, visibility
from caseportal.services import review as svc
from caseportal.services.diffing import split_lines
from caseportal.services.errors import DomainError, NotFound
from caseportal.services.runs import latest_runs

from .forms import ActionForm, CommentForm, MoveForm, SuggestionForm, TalkingPointForm

bp = Blueprint("review", __name__, url_prefix="/review")

#: For files and artifacts that are downloaded or shown as images: nothing in them may run or load anything.
RAW_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
#: For HTML artifacts (an executed notebook) shown in an <iframe sandbox="">: no script, no requests, own origin.
ARTIFACT_HTML_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; sandbox; frame-ancestors 'self'"
RUNS_SHOWN = 3
#: Suggestion keys are built by services.suggestions from these characters only.
SUGGESTION_KEY = re.compile(r"^[a-z0-9-]{1,80}$")
#: Layout of the reviewer pages, served after the Pygments rules (app.css has the shared basics).
REVIEW_CSS = """
.code-view table { width: auto; min-width: 100%; margin: 0; }
.code-view td { border: 0; padding: 0 .6rem; }
.code-view td.code { white-space: pre; tab-size: 4; }
.code-view td.ln a { color: inherit; text-decoration: none; }
.code-view tr:target { background: #fff3bf; }
.code-view tr.line-comment td { white-space: normal; padding: .3rem .6rem; font-family: system-ui, sans-serif; }
.diff tr.hunk td { background: #eef2f7; }
img.shot { max-width: 100%; height: auto; border: 1px solid #c9ced8; }
iframe.artifact { width: 100%; height: 30rem; border: 1px solid #c9ced8; }
object.pdf { width: 100%; height: 40rem; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
dl.meta dd { margin: 0; }
section.file { margin: 1rem 0; }
"""


# --------------------------------------------------------------------------- loading with access checks


def _meeting_or_404(meeting_id: int) -> Meeting:
    meeting = db().get(Meeting, meeting_id)
    if meeting is None or not can_view_meeting(current_user, meeting):
        abort(404)
    return meeting


def _submission_or_404(submission_id: int, *, submitted: bool = False) -> tuple[Submission, Meeting]:
    """The submission and its meeting; ``submitted`` also hides drafts (their content is private)."""
    submission = db().get(Submission, submission_id)
    if submission is None:
        abort(404)
    meeting = db().get(Meeting, submission.meeting_id)
    if meeting is None or not can_review_submission(current_user, meeting, submission):
        abort(404)
    if submitted and not submission.is_submitted:
        abort(404)
    return submission, meeting


def _point_or_404(point_id: int) -> tuple[TalkingPoint, Submission]:
    point = db().get(TalkingPoint, point_id) or abort(404)
    submission, _meeting = _submission_or_404(point.submission_id, submitted=True)
    return point, submission


def _case_title(slug: str) -> str:
    spec = casebook().get(slug)
    return spec.title if spec else slug


def _show_candidate(meeting: Meeting) -> bool:
    """Blind review hides who the candidate is from a reviewer until they have written their own talking points
    (or the meeting took place); the rule lives in services.meetings."""
    return not visibility.hides_identity(meeting, current_user._get_current_object(), session=db())


def _safe_filename(path: str) -> str:
    """A download name without directories or control characters (header injection, odd viewers)."""
    name = re.sub(r"[\x00-\x1f\x7f]", "", PurePosixPath(path).name).strip() or "file"
    return name[:150]


def _require_form(form: FlaskForm) -> None:
    """Button forms carry nothing to correct: a failed validation (a stale CSRF token) is a bad request."""
    if not form.validate_on_submit():
        abort(400)


def _send(content: bytes, name: str, *, mimetype: str, inline: bool, csp: str | None = RAW_CSP) -> Response:
    resp = send_file(io.BytesIO(content), mimetype=mimetype, as_attachment=not inline,
                     download_name=_safe_filename(name), etag=False, max_age=0)
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Cache-Control"] = "private, no-store"
    if csp:
        resp.headers["Content-Security-Policy"] = csp
    return resp


# --------------------------------------------------------------------------- pages


def _case_of(submission: Submission) -> CaseSpec | None:
    """The case version the work was made against (a stored snapshot once the library's case has changed)."""
    return case_versions.case_for(db(), casebook(), submission.case_slug, submission.case_version)


@bp.get("/meetings/<int:meeting_id>")
@any_staff_required
def meeting(meeting_id: int) -> str:
    m = _meeting_or_404(meeting_id)
    library = casebook()
    submissions = svc.submissions_for_meeting(db(), m)
    by_slug = {s.case_slug: s for s in submissions}
    cases = [{"slug": slug, "spec": library.get(slug), "submission": by_slug.get(slug)} for slug in m.case_slugs]
    titles = {s.case_slug: _case_title(s.case_slug) for s in submissions}
    return render_template("review/meeting.html", meeting=m, cases=cases, submissions=submissions, titles=titles,
                           show_candidate=_show_candidate(m))


def _files(submission: Submission) -> list[SubmissionFile]:
    """Files by path: their position is the <file-index> of the line anchors, so it must not depend on load order."""
    return sorted(submission.files, key=lambda f: f.path)


def _file_choices(submission: Submission) -> list[SelectChoice]:
    return [SelectChoice("", _("(no file)"))] + [SelectChoice(f.path, f.path) for f in _files(submission)]


def _file_views(submission: Submission, comments: dict[str, dict[int, list[LineComment]]],
                comment_forms: dict[int, CommentForm]) -> list[dict[str, Any]]:
    views = []
    for index, f in enumerate(_files(submission)):
        kind = svc.file_kind(f.path)
        text = None if kind in ("image", "pdf") else f.text()
        shown = kind if kind in ("image", "pdf") else ("text" if text is not None else "binary")
        if text is not None and len(split_lines(text)) > highlight.MAX_SHOWN_LINES:
            shown, text = "long", None
        views.append({
            "index": index,
            "file": f,
            "kind": shown,
            "language": highlight.lexer_name(f.path) if shown in ("text", "long") else "",
            "lines": highlight.highlight_lines(f.path, text) if text is not None else [],
            "comments": comments.get(f.path, {}),
            "comment_form": comment_forms.get(f.id) or CommentForm(prefix=f"c{f.id}", formdata=None),
        })
    return views


def _suggestion_views(submission: Submission, case: Any, forms: dict[str, SuggestionForm],
                      errors: dict[str, str]) -> list[dict[str, Any]]:
    views = []
    for s in suggestions.open_for(db(), submission, case):
        form = forms.get(s.key) or SuggestionForm(prefix=f"s-{s.key}", formdata=None, data={"text": s.text})
        views.append({"s": s, "form": form, "error": errors.get(s.key, "")})
    return views


def _render_submission(submission: Submission, meeting: Meeting, *, point_form: TalkingPointForm | None = None,
                       point_error: str = "", comment_forms: dict[int, CommentForm] | None = None,
                       comment_errors: dict[int, str] | None = None,
                       suggestion_forms: dict[str, SuggestionForm] | None = None,
                       suggestion_errors: dict[str, str] | None = None, status: int = 200) -> tuple[str, int]:
    case = _case_of(submission)
    ctx: dict[str, Any] = {
        "meeting": meeting, "submission": submission, "case": case,
        "show_candidate": _show_candidate(meeting), "action_form": ActionForm(), "move_form": MoveForm(),
    }
    if not submission.is_submitted:
        return render_template("review/submission.html", **ctx), status
    session = db()
    diffs = diffing.diff_against_starter(case.starter_files, submission.file_map()) if case else []
    runs = [r for r in latest_runs(session, submission.id, limit=20) if r.kind == RunKind.FULL][:RUNS_SHOWN]
    point_form = point_form or TalkingPointForm(prefix="tp", formdata=None)
    point_form.file_path.choices = _file_choices(submission)
    reviewer = session.get(User, submission.reviewed_by_id) if submission.reviewed_by_id else None
    ctx.update(
        case_changed=svc.case_changed(submission, case),
        files=_file_views(submission, svc.comments_by_file(session, submission), comment_forms or {}),
        file_index={f.path: i for i, f in enumerate(_files(submission))},
        diffs=diffs, diff_summary=diffing.summarize(diffs),
        runs=[svc.run_summary(r, case) for r in runs],
        points=svc.list_talking_points(session, submission),
        point_form=point_form, point_error=point_error, comment_errors=comment_errors or {},
        reviewed_by=reviewer,
        suggestions=_suggestion_views(submission, case, suggestion_forms or {}, suggestion_errors or {}),
        dropped_count=len(suggestions.dropped_keys(session, submission)),
        source_labels=SOURCE_LABELS,
    )
    return render_template("review/submission.html", **ctx), status


@bp.get("/submissions/<int:submission_id>")
@any_staff_required
def submission(submission_id: int) -> tuple[str, int]:
    sub, m = _submission_or_404(submission_id)
    return _render_submission(sub, m)


@bp.get("/pygments.css")
@any_staff_required
def pygments_css() -> Response:
    resp = Response(highlight.stylesheet() + REVIEW_CSS, mimetype="text/css")
    resp.headers["Cache-Control"] = "private, max-age=86400"
    return resp


# --------------------------------------------------------------------------- raw files and artifacts


@bp.get("/submissions/<int:submission_id>/files/<int:file_id>/raw")
@any_staff_required
def file_raw(submission_id: int, file_id: int) -> Response:
    """A submitted file: images and PDFs inline with their own type, everything else (SVG too) as a download."""
    sub, _meeting = _submission_or_404(submission_id, submitted=True)
    f = db().get(SubmissionFile, file_id)
    if f is None or f.submission_id != sub.id:
        abort(404)
    kind = svc.file_kind(f.path)
    if kind == "image":
        return _send(f.content, f.path, mimetype=svc.IMAGE_TYPES[PurePosixPath(f.path).suffix.lower()], inline=True)
    if kind == "pdf":
        # No CSP sandbox here: browsers refuse to start their (separately sandboxed) PDF viewer inside one.
        return _send(f.content, f.path, mimetype="application/pdf", inline=True, csp=None)
    return _send(f.content, f.path, mimetype="application/octet-stream", inline=False)


@bp.get("/runs/<int:run_id>/artifacts/<int:artifact_id>")
@any_staff_required
def artifact(run_id: int, artifact_id: int) -> Response:
    """A run artifact: images inline, HTML (an executed notebook) under a strict CSP for a sandboxed iframe
    (or as a download with ?download=1), anything else as a download."""
    run = db().get(Run, run_id)
    if run is None or run.kind != RunKind.FULL:
        abort(404)
    _submission_or_404(run.submission_id, submitted=True)
    art = db().get(RunArtifact, artifact_id)
    if art is None or art.run_id != run.id:
        abort(404)
    kind = svc.file_kind(art.name)
    download = request.args.get("download") == "1"
    if kind == "image" and not download:
        return _send(art.content, art.name, mimetype=svc.IMAGE_TYPES[PurePosixPath(art.name).suffix.lower()],
                     inline=True)
    if kind == "html" and not download:
        return _send(art.content, art.name, mimetype="text/html", inline=True, csp=ARTIFACT_HTML_CSP)
    return _send(art.content, art.name, mimetype="application/octet-stream", inline=False)


# --------------------------------------------------------------------------- talking points


def _back(submission_id: int, anchor: str = "") -> BaseResponse:
    return redirect(url_for("review.submission", submission_id=submission_id) + (f"#{anchor}" if anchor else ""))


@bp.post("/submissions/<int:submission_id>/points")
@any_staff_required
def add_point(submission_id: int) -> BaseResponse | tuple[str, int]:
    sub, m = _submission_or_404(submission_id, submitted=True)
    form = TalkingPointForm(prefix="tp")
    if form.validate_on_submit():
        try:
            svc.add_talking_point(db(), sub, current_user, form.text.data or "", form.file_path.data or "",
                                  form.line.data)
            db().commit()
            flash(_("Talking point added."), "info")
            return _back(sub.id, "points")
        except DomainError as err:
            db().rollback()
            return _render_submission(sub, m, point_form=form, point_error=err.message, status=400)
    return _render_submission(sub, m, point_form=form, status=400)


@bp.route("/points/<int:point_id>/edit", methods=["GET", "POST"])
@any_staff_required
def edit_point(point_id: int) -> str | BaseResponse | tuple[str, int]:
    point, sub = _point_or_404(point_id)
    form = TalkingPointForm(prefix="tp", obj=point if request.method == "GET" else None)
    form.file_path.choices = _file_choices(sub)
    error = ""
    if form.validate_on_submit():
        try:
            svc.update_talking_point(db(), point, form.text.data or "", form.file_path.data or "", form.line.data)
            db().commit()
            flash(_("Talking point saved."), "info")
            return _back(sub.id, "points")
        except DomainError as err:
            db().rollback()
            error = err.message
    status = 400 if request.method == "POST" else 200
    return render_template("review/point_edit.html", form=form, point=point, submission=sub, error=error), status


@bp.post("/points/<int:point_id>/delete")
@any_staff_required
def delete_point(point_id: int) -> BaseResponse:
    point, sub = _point_or_404(point_id)
    _require_form(ActionForm())
    svc.delete_talking_point(db(), point)
    db().commit()
    flash(_("Talking point deleted."), "info")
    return _back(sub.id, "points")


@bp.post("/points/<int:point_id>/move")
@any_staff_required
def move_point(point_id: int) -> BaseResponse:
    point, sub = _point_or_404(point_id)
    form = MoveForm()
    _require_form(form)
    svc.move_talking_point(db(), point, "up" if form.direction.data == "up" else "down")
    db().commit()
    return _back(sub.id, f"point-{point.id}")


# --------------------------------------------------------------------------- suggested talking points


SOURCE_LABELS = {
    "checks": _l("from the checks"),
    "metric": _l("from the metric"),
    "time": _l("from the time spent"),
    "diff": _l("from the changes"),
    "notes": _l("from the candidate's notes"),
    "questions": _l("the candidate's question"),
    "prompt": _l("from the case's reviewer guide"),
    "reviewer": _l("written by a reviewer"),
}


def _key_or_404(key: str) -> str:
    if not SUGGESTION_KEY.match(key):
        abort(404)
    return key


@bp.post("/submissions/<int:submission_id>/suggestions/<key>/accept")
@any_staff_required
def accept_suggestion(submission_id: int, key: str) -> BaseResponse | tuple[str, int]:
    """Accept a suggestion as a talking point, in the reviewer's own words when they edited it."""
    sub, m = _submission_or_404(submission_id, submitted=True)
    _key_or_404(key)
    form = SuggestionForm(prefix=f"s-{key}")
    if not form.validate_on_submit():  # too long: shown next to the suggestion with what they wrote
        return _render_submission(sub, m, suggestion_forms={key: form}, status=400)
    try:
        point = suggestions.accept(db(), sub, _case_of(sub), current_user, key, form.text.data)
        db().commit()
    except NotFound as err:
        db().rollback()
        flash(err.message, "error")
        return _back(sub.id, "suggestions")
    except DomainError as err:
        db().rollback()
        return _render_submission(sub, m, suggestion_forms={key: form}, suggestion_errors={key: err.message},
                                  status=400)
    flash(_("Talking point added."), "info")
    return _back(sub.id, f"point-{point.id}")


@bp.post("/submissions/<int:submission_id>/suggestions/<key>/drop")
@any_staff_required
def drop_suggestion(submission_id: int, key: str) -> BaseResponse:
    sub, _meeting = _submission_or_404(submission_id, submitted=True)
    _key_or_404(key)
    _require_form(SuggestionForm(prefix=f"s-{key}"))  # the Drop button sits in the suggestion's own form
    try:
        suggestions.drop(db(), sub, _case_of(sub), current_user, key)
        db().commit()
        flash(_("Suggestion dropped. It will not be suggested again for this work."), "info")
    except DomainError as err:
        db().rollback()
        flash(err.message, "error")
    return _back(sub.id, "suggestions")


@bp.post("/submissions/<int:submission_id>/suggestions/restore")
@any_staff_required
def restore_suggestions(submission_id: int) -> BaseResponse:
    sub, _meeting = _submission_or_404(submission_id, submitted=True)
    _require_form(ActionForm())
    if suggestions.restore_dropped(db(), sub):
        db().commit()
        flash(_("The dropped suggestions are offered again."), "info")
    return _back(sub.id, "suggestions")


# --------------------------------------------------------------------------- line comments


@bp.post("/submissions/<int:submission_id>/files/<int:file_id>/comments")
@any_staff_required
def add_comment(submission_id: int, file_id: int) -> BaseResponse | tuple[str, int]:
    sub, m = _submission_or_404(submission_id, submitted=True)
    f = db().get(SubmissionFile, file_id)
    if f is None or f.submission_id != sub.id:
        abort(404)
    form = CommentForm(prefix=f"c{f.id}")
    if form.validate_on_submit():
        try:
            c = svc.add_comment(db(), sub, current_user, f.path, form.line.data, form.body.data or "")
            db().commit()
            flash(_("Comment added."), "info")
            index = [x.id for x in _files(sub)].index(f.id)
            return _back(sub.id, f"L-{index}-{c.line}")
        except DomainError as err:
            db().rollback()
            return _render_submission(sub, m, comment_forms={f.id: form}, comment_errors={f.id: err.message},
                                      status=400)
    return _render_submission(sub, m, comment_forms={f.id: form}, status=400)


@bp.post("/comments/<int:comment_id>/delete")
@any_staff_required
def delete_comment(comment_id: int) -> BaseResponse:
    comment = db().get(LineComment, comment_id) or abort(404)
    sub, _meeting = _submission_or_404(comment.submission_id, submitted=True)
    if comment.author_id != current_user.id:
        abort(403)
    _require_form(ActionForm())
    svc.delete_comment(db(), comment)
    db().commit()
    flash(_("Comment deleted."), "info")
    return _back(sub.id, "files")


# --------------------------------------------------------------------------- reviewed mark


@bp.post("/submissions/<int:submission_id>/reviewed")
@any_staff_required
def mark_reviewed(submission_id: int) -> BaseResponse:
    sub, _meeting = _submission_or_404(submission_id, submitted=True)
    _require_form(ActionForm())
    svc.mark_reviewed(db(), sub, current_user)
    db().commit()
    flash(_("Marked as reviewed."), "info")
    return _back(sub.id)


@bp.post("/submissions/<int:submission_id>/unreviewed")
@any_staff_required
def unmark_reviewed(submission_id: int) -> BaseResponse:
    sub, _meeting = _submission_or_404(submission_id, submitted=True)
    _require_form(ActionForm())
    svc.unmark_reviewed(db(), sub)
    db().commit()
    flash(_("The reviewed mark is removed."), "info")
    return _back(sub.id)
