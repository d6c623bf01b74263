"""The submission page: the work (files, diff against the starter), its runs, talking points, suggestions and
line comments on one page.

Every review action posts a form and comes back here: on success by a redirect (``back`` / ``act``), on a
mistake by re-rendering the page with the reviewer's input and the message (``render_submission``), so nothing
typed is lost.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from werkzeug.wrappers import Response as BaseResponse
from wtforms import SelectChoice

from caseportal.casebook import CaseSpec
from caseportal.current import casebook, db
from caseportal.models import LineComment, Meeting, RunKind, Submission, SubmissionFile, User
from caseportal.permissions import any_staff_required
from caseportal.services import case_versions, diffing, highlight, suggestions
from caseportal.services import review as svc
from caseportal.services.diffing import split_lines
from caseportal.services.runs import latest_runs
from caseportal.web import page_cache
from caseportal.web.audit_trail import note
from caseportal.web.common import commit_or_error

from ._blueprint import bp
from .access import show_candidate, submission_or_404
from .forms import ActionForm, CommentForm, MoveForm, SuggestionForm, TalkingPointForm

RUNS_SHOWN = 3
#: Where a talking point or a suggestion came from; both lists on the page show it, hence here and not in
#: suggestions.py (which re-renders this page, so it cannot be imported from here).
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


def case_of(submission: Submission) -> CaseSpec | None:
    """The case version the work was made against (a stored snapshot once the library's case has changed)."""
    return case_versions.case_for(db(), casebook(), submission.case_slug, submission.case_version)


def files_of(submission: Submission) -> list[SubmissionFile]:
    """Files by path: their position is the <file-index> of the line anchors, so it must not depend on load order."""
    return sorted(submission.files, key=lambda f: f.path)


def file_choices(submission: Submission) -> list[SelectChoice]:
    return [SelectChoice("", _("(no file)"))] + [SelectChoice(f.path, f.path) for f in files_of(submission)]


def back(submission_id: int, anchor: str = "") -> BaseResponse:
    """Back to the submission page, at the part the reviewer just changed."""
    return redirect(url_for("review.submission", submission_id=submission_id) + (f"#{anchor}" if anchor else ""))


def act(action: Callable[[], object], done: str, submission_id: int, anchor: str = "") -> BaseResponse:
    """A button's service call: commit and say ``done`` (nothing when empty), or roll back and say why; back to
    the page either way (a button carries no input to re-render)."""
    outcome = commit_or_error(action)
    if outcome.error:
        flash(outcome.error, "error")
    elif done:
        flash(done, "info")
    return back(submission_id, anchor)


def _segments(rows: tuple[Markup, ...], comments: dict[int, list[LineComment]]
              ) -> list[tuple[Markup, list[LineComment], int]]:
    """The code rows cut after each commented line: (rows, that line's comments, its number); the last has none."""
    out, start = [], 0
    for n in sorted(k for k in comments if 1 <= k <= len(rows)):
        out.append((Markup("").join(rows[start:n]), comments[n], n))
        start = n
    out.append((Markup("").join(rows[start:]), [], 0))
    return out


def _file_views(submission: Submission, comments: dict[str, dict[int, list[LineComment]]],
                comment_forms: dict[int, CommentForm]) -> list[dict[str, Any]]:
    """What the file list shows; the code rows come ready-made from highlight.table_rows (built once per content),
    and a comment form object only for a form the reviewer just sent (the empty ones are plain HTML)."""
    views = []
    for index, f in enumerate(files_of(submission)):
        kind = svc.file_kind(f.path)
        text = None if kind in ("image", "pdf") else f.text()
        shown: str = kind if kind in ("image", "pdf") else ("text" if text is not None else "binary")
        if text is not None and len(split_lines(text)) > highlight.MAX_SHOWN_LINES:
            shown, text = "long", None
        rows = highlight.table_rows(f.path, text, f"L-{index}") if text is not None else ()
        views.append({
            "index": index,
            "file": f,
            "kind": shown,
            "language": highlight.lexer_name(f.path) if shown in ("text", "long") else "",
            "line_count": len(rows),
            "segments": _segments(rows, comments.get(f.path, {})) if rows else [],
            "comment_form": comment_forms.get(f.id),
        })
    return views


def _suggestion_views(submission: Submission, case: CaseSpec | None, forms: dict[str, SuggestionForm],
                      errors: dict[str, str]) -> list[dict[str, Any]]:
    """Each open suggestion with what its form shows: the reviewer's just-sent wording and its field errors, else
    the suggested text (plain HTML in the template, validated by SuggestionForm on POST as before)."""
    views = []
    for s in suggestions.open_for(db(), submission, case):
        sent = forms.get(s.key)
        views.append({"s": s, "text": (sent.text.data or "") if sent else s.text,
                      "field_errors": list(sent.text.errors) if sent else [], "error": errors.get(s.key, "")})
    return views


def render_submission(submission: Submission, meeting: Meeting, *, point_form: TalkingPointForm | None = None,
                      point_error: str = "", comment_forms: dict[int, CommentForm] | None = None,
                      comment_errors: dict[int, str] | None = None,
                      suggestion_forms: dict[str, SuggestionForm] | None = None,
                      suggestion_errors: dict[str, str] | None = None, status: int = 200) -> tuple[str, int]:
    """The page, with any forms the reviewer just sent (and their errors) in place of empty ones."""
    case = case_of(submission)
    ctx: dict[str, Any] = {
        "meeting": meeting, "submission": submission, "case": case,
        "show_candidate": show_candidate(meeting), "action_form": ActionForm(), "move_form": MoveForm(),
    }
    if not submission.is_submitted:
        return render_template("review/submission.html", **ctx), status
    session = db()
    diffs = diffing.diff_against_starter(case.starter_files, submission.file_map()) if case else []
    runs = [r for r in latest_runs(session, submission.id, limit=20) if r.kind == RunKind.FULL][:RUNS_SHOWN]
    point_form = point_form or TalkingPointForm(prefix="tp", formdata=None)
    point_form.file_path.choices = file_choices(submission)
    reviewer = session.get(User, submission.reviewed_by_id) if submission.reviewed_by_id else None
    ctx.update(
        case_changed=svc.case_changed(submission, case),
        files=_file_views(submission, svc.comments_by_file(session, submission), comment_forms or {}),
        file_index={f.path: i for i, f in enumerate(files_of(submission))},
        diffs=diffs, diff_summary=diffing.summarize(diffs),
        runs=[svc.run_summary(r, case) for r in runs],
        points=svc.list_talking_points(session, submission),
        point_form=point_form, point_error=point_error, comment_errors=comment_errors or {},
        reviewed_by=reviewer,
        suggestions=_suggestion_views(submission, case, suggestion_forms or {}, suggestion_errors or {}),
        max_comment_chars=svc.MAX_COMMENT_CHARS, max_point_chars=svc.MAX_POINT_CHARS,
        dropped_count=len(suggestions.dropped_keys(session, submission)),
        source_labels=SOURCE_LABELS,
    )
    return render_template("review/submission.html", **ctx), status


@bp.get("/submissions/<int:submission_id>")
@any_staff_required
@page_cache.cacheable
def submission(submission_id: int) -> tuple[str, int]:
    sub, m = submission_or_404(submission_id)
    note("view", "submission", sub.id, m.id)
    return page_cache.page(lambda: render_submission(sub, m))
