"""The case page, where the candidate works: the brief, the materials, the editor and the latest check run; and
the changes made from it (start the case, save a draft, the editor's background autosave).

Every change that a domain rule refuses comes back as this page with the message and the candidate's unsaved
texts (``render_case``), so a refusal never loses what was typed. Files, checks and hand-in render it too.
"""

from __future__ import annotations

import re
from typing import Any, TypeGuard

from flask import flash, jsonify, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from caseportal.casebook import FOCUS_HEADINGS, CaseSpec
from caseportal.current import db, settings
from caseportal.models import CaseWork
from caseportal.services import invitations, run_phase, runs, submissions, workspace_files
from caseportal.services.errors import DomainError
from caseportal.services.markdown import LinkMap
from caseportal.services.markdown import render as render_markdown
from caseportal.services.uploads import human_size
from caseportal.web import page_cache
from caseportal.web.assets import codemirror_available
from caseportal.web.common import commit_or_error

from . import materials
from ._blueprint import bp
from .access import CaseContext, back, load, started
from .editor import MODE_SCRIPTS, NOTE_FIELDS, file_rows, file_tree, posted_files, save_posted
from .forms import SubmitForm, UploadForm

_HEADING = re.compile(r"<(/?)h([1-6])>")
_FOCUS_LIST = re.compile(r"<h2>([^<]*)</h2>\s*<ul>.*?</ul>\s*", re.S)


def _lang() -> str:
    loc = get_locale()
    return getattr(loc, "language", None) or "en"


def _brief_html(case: CaseSpec, links: LinkMap | None = None) -> Markup:
    """The brief under the page's own h1: its headings one level down, a leading title repeat dropped."""
    html = str(render_markdown(case.brief(_lang()), links))
    first = re.match(r"\s*<h1>(.*?)</h1>\s*", html, re.S)
    if first:  # the page's h1 is the case's title in the visitor's language (case.yaml), so one title shows
        html = html[first.end():]
    # ... and one focus list: the brief's own list under a focus heading gives way to case.yaml's review_focus.
    html = _FOCUS_LIST.sub(lambda m: "" if m.group(1).strip() in FOCUS_HEADINGS else m.group(0), html)
    html = _HEADING.sub(lambda m: f"<{m.group(1)}h{min(int(m.group(2)) + 1, 6)}>", html)
    return Markup(html)  # noqa: S704 - sanitised by services.markdown, only tag names changed


def _open_path(rows: list[dict[str, Any]]) -> str:
    """The file the editor shows first: the one the last change named (``?open=``), else the first editable."""
    wanted = request.args.get("open", "")
    editable = [r["path"] for r in rows if r["editable"]]
    return wanted if wanted in editable else (editable[0] if editable else "")


def render_case(ctx: CaseContext, *, error: str | None = None, status: int = 200,
                drafts: dict[str, str] | None = None, submit_form: SubmitForm | None = None,
                new_file_name: str = "", practice: bool = False) -> tuple[str, int]:
    """The case page; with ``error`` (and the posted ``drafts``, ``submit_form`` or ``new_file_name``) after a
    refused change. ``practice`` is the practice round's flag (a banner, no hand-in): falsy for the real case."""
    sub = ctx.submission
    reason = submissions.closed_reason(db(), ctx.meeting, sub)
    open_ = sub is not None and reason is None
    latest = runs.latest_runs(db(), sub.id, 1) if sub is not None else []
    run_view = runs.view(latest[0], "candidate", spec=ctx.case) if latest else None
    rows = file_rows(ctx, drafts, open_)
    form = submit_form or SubmitForm(formdata=None, data={"notes_more_time": sub.notes_more_time if sub else "",
                                                          "questions": sub.questions if sub else ""})
    return render_template(
        "candidate/case.html", token=ctx.token, meeting=ctx.meeting, case=ctx.case, submission=sub,
        brief=_brief_html(ctx.case, materials.brief_links(ctx)), materials=materials.page_materials(ctx),
        closed_reason=reason, is_open=open_,
        can_start=sub is None and reason is None, files=rows,
        editable_files=[r for r in rows if r["editable"]],
        readonly_files=[r for r in rows if not r["editable"]],
        total_size=human_size(submissions.total_size(sub)) if sub else "",
        limits={"file": human_size(settings().max_file_bytes), "total": human_size(settings().max_submission_bytes),
                "files": settings().max_files},
        handed=bool(sub and sub.is_submitted),
        accept=",".join([*ctx.case.submission.accepted_extensions, ".zip"]) if ctx.case.submission.accepted_extensions
        else "",
        run=run_view, progress=run_phase.progress(latest[0]) if latest else None,
        elapsed_label=run_phase.elapsed_label, upload_form=UploadForm(),
        tree=file_tree(rows), open_path=_open_path(rows), new_file_name=new_file_name,
        practice=practice or ctx.practice,
        takes_new_files=workspace_files.takes_new_files(ctx.case), patterns=workspace_files.patterns(ctx.case),
        submit_form=form, error=error, codemirror=codemirror_available(), mode_scripts=MODE_SCRIPTS,
        deadline_passed=submissions.deadline_passed(ctx.meeting),
        other_started=[s for s in submissions.for_meeting(db(), ctx.meeting).values()
                       if sub is None or s.id != sub.id],
    ), status


@bp.get("/i/<token>/case/<slug>")
@page_cache.cacheable
def case(token: str, slug: str) -> tuple[str, int]:
    ctx = load(token, slug)
    invitations.mark_opened(ctx.inv)
    db().commit()
    return page_cache.page(lambda: render_case(ctx))


@bp.post("/i/<token>/case/<slug>/start")
def start(token: str, slug: str) -> Response | tuple[str, int]:
    ctx = load(token, slug)
    try:
        outcome = commit_or_error(lambda: submissions.start(db(), ctx.meeting, ctx.case))
    except IntegrityError:  # two clicks at once: the other request created it
        db().rollback()
    else:
        if not outcome.ok:
            return render_case(ctx, error=outcome.error, status=outcome.status)
    flash(_("Your workspace is ready. Your work is saved here as you go; hand it in when you are happy with it."),
          "info")
    return back(ctx, "work")


@bp.post("/i/<token>/case/<slug>/save")
def save(token: str, slug: str) -> Response | tuple[str, int]:
    ctx = load(token, slug)
    sub = started(ctx)
    outcome = commit_or_error(lambda: save_posted(ctx, sub))
    if not outcome.ok:
        return render_case(ctx, error=outcome.error, status=outcome.status, drafts=posted_files())
    flash(_("Draft saved.") if outcome.value else _("No changes to save; your draft is up to date."), "info")
    return back(ctx, "work")


def _str_map(value: object) -> TypeGuard[dict[str, str]]:
    return isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())


def _autosave_payload() -> tuple[dict[str, str], dict[str, str]] | None:
    """The files and notes an autosave request carries, or None when the browser sent something else."""
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        return None
    files, notes = payload.get("files", {}), payload.get("notes", {})
    if not _str_map(files) or not _str_map(notes) or not set(notes).issubset(NOTE_FIELDS):
        return None
    return files, notes


def _autosave(ctx: CaseContext, sub: CaseWork, files: dict[str, str], notes: dict[str, str]) -> list[str]:
    changed = submissions.save_files(db(), sub, files, settings(), case=ctx.case) if files else []
    if notes:
        submissions.save_notes(db(), sub, notes.get("notes_more_time"), notes.get("questions"))
    return changed


@bp.post("/i/<token>/case/<slug>/autosave")
def autosave(token: str, slug: str) -> tuple[Response, int]:
    """The editor's background save: JSON in ({files: {path: text}, notes: {field: text}}), JSON out."""
    try:
        ctx = load(token, slug)
        sub = started(ctx)
    except DomainError as err:
        return jsonify(error=err.message), err.status_code
    posted = _autosave_payload()
    if posted is None:
        return jsonify(error=_("Your browser sent something we could not read. Please use Save draft.")), 400
    files, notes = posted
    outcome = commit_or_error(lambda: _autosave(ctx, sub, files, notes))
    if not outcome.ok:
        return jsonify(error=outcome.error), outcome.status
    return jsonify(saved=outcome.value, saved_at=sub.updated_at.isoformat()), 200
