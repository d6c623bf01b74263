"""The candidate's room: everything under /i/<token>/, where the signed invitation link is the only credential.

Every route resolves the token first and then only ever looks at that invitation's meeting: a case, file or
run of another meeting is "not found", so nothing leaks. Candidates are guests, so wording is warm and a
refusal always says what happened and that nothing was lost.
"""

from __future__ import annotations

import io
import logging
import os
import re
from dataclasses import dataclass
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    send_from_directory,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from caseportal.casebook import CaseSpec
from caseportal.current import casebook, db, queue, settings
from caseportal.models import OFFER_SECTIONS, Invitation, Meeting, Run, RunKind, Submission, SubmissionFile
from caseportal.services import invitations, notify, runs, submissions
from caseportal.services.errors import DomainError, NotFound
from caseportal.services.markdown import LinkMap
from caseportal.services.markdown import render as render_markdown
from caseportal.services.uploads import human_size

from .forms import ActionForm, DeleteFileForm, SubmitForm, UploadForm

# The room's own stylesheet lives with the blueprint (static/candidate.css), served at /candidate-static/.
bp = Blueprint("candidate", __name__, static_folder="static", static_url_path="/candidate-static")
log = logging.getLogger("caseportal.candidate")

FILE_FIELD = "file::"  # prefix of the editor's textarea names: file::<path>
CODEMIRROR_DEFAULT = "/usr/share/javascript/codemirror"
#: Text files larger than this are listed, not put in the browser editor.
EDITOR_MAX_BYTES = 512 * 1024
#: Editable files better changed in their own tool and uploaded again than typed into a text box.
UPLOAD_EDITED = (".ipynb",)
#: CodeMirror modes by file extension (each mode's script is served from the vendor route).
MODES = {".py": "python", ".css": "css", ".html": "htmlmixed", ".htm": "htmlmixed", ".js": "javascript",
         ".mjs": "javascript", ".json": "javascript", ".md": "markdown", ".markdown": "markdown"}
MODE_SCRIPTS = ("mode/meta.js", "mode/xml/xml.js", "mode/javascript/javascript.js", "mode/css/css.js",
                "mode/htmlmixed/htmlmixed.js", "mode/python/python.js", "mode/markdown/markdown.js",
                "addon/edit/matchbrackets.js")


class CaseUnavailable(DomainError):
    """A case attached to the meeting that the case library can't provide right now."""

    status_code = 503


def _offer_labels() -> dict[str, str]:
    return {
        "offer_growth": _("Growth and learning"),
        "offer_tech": _("Tech and how we work"),
        "offer_benefits": _("Benefits"),
        "offer_worklife": _("Work-life balance"),
    }


@bp.after_request
def _private(resp: Response) -> Response:
    """The token is in the URL: never send it on as a Referer, never cache or index these pages."""
    if request.endpoint not in ("candidate.vendor", "candidate.static"):
        resp.headers["Referrer-Policy"] = "no-referrer"
        resp.headers["Cache-Control"] = "no-store"
        resp.headers["X-Robots-Tag"] = "noindex, nofollow"
    return resp


# --------------------------------------------------------------------------- loading


def _invitation(token: str) -> Invitation:
    return invitations.resolve(db(), token, settings().secret_key)


def _case(meeting: Meeting, slug: str) -> CaseSpec:
    if slug not in meeting.case_slugs:
        raise NotFound(_("This case is not part of your meeting."))
    case = casebook().get(slug)
    if case is None:
        raise CaseUnavailable(_("This case is temporarily unavailable. Your work is safe; please try again "
                                "later or contact the person who invited you."))
    return case


@dataclass
class _Ctx:
    token: str
    inv: Invitation
    meeting: Meeting
    case: CaseSpec
    submission: Submission | None


def _load(token: str, slug: str) -> _Ctx:
    inv = _invitation(token)
    case = _case(inv.meeting, slug)
    return _Ctx(token, inv, inv.meeting, case, submissions.get(db(), inv.meeting, slug))


def _started(ctx: _Ctx) -> Submission:
    if ctx.submission is None:
        raise NotFound(_("You have not started this case yet."))
    return ctx.submission


def _lang() -> str:
    loc = get_locale()
    return getattr(loc, "language", None) or "en"


def _codemirror_dir() -> str:
    return os.environ.get("CASEPORTAL_CODEMIRROR_DIR", CODEMIRROR_DEFAULT)


def _codemirror_available() -> bool:
    return os.path.isfile(os.path.join(_codemirror_dir(), "lib", "codemirror.js"))


def _enqueue(run: Run) -> None:
    """Hand the run to the workers; if the queue is unreachable, recovery re-queues it from the database."""
    try:
        queue().enqueue_run(run.id)
    except Exception:  # noqa: BLE001 - the run row is the truth; the periodic recovery picks it up
        log.exception("could not enqueue run %s; it will be re-queued by recovery", run.id)


def _posted_files() -> dict[str, str]:
    return {k[len(FILE_FIELD):]: v for k, v in request.form.items() if k.startswith(FILE_FIELD)}


_HEADING = re.compile(r"<(/?)h([1-6])>")


def _brief_html(case: CaseSpec, links: LinkMap | None = None) -> Markup:
    """The brief under the page's own h1: its headings one level down, a leading title repeat dropped."""
    html = str(render_markdown(case.brief(_lang()), links))
    first = re.match(r"\s*<h1>(.*?)</h1>\s*", html, re.S)
    if first and re.sub(r"<[^>]+>", "", first.group(1)).strip() == case.title.strip():
        html = html[first.end():]
    html = _HEADING.sub(lambda m: f"<{m.group(1)}h{min(int(m.group(2)) + 1, 6)}>", html)
    return Markup(html)  # noqa: S704 - sanitised by services.markdown, only tag names changed


# --------------------------------------------------------------------------- views: meeting


@dataclass
class _CaseEntry:
    slug: str
    spec: CaseSpec | None
    submission: Submission | None


@bp.get("/i/<token>")
def home(token: str) -> str:
    inv = _invitation(token)
    meeting = inv.meeting
    invitations.mark_opened(inv)
    db().commit()
    subs = submissions.for_meeting(db(), meeting)
    entries = [_CaseEntry(slug, casebook().get(slug), subs.get(slug)) for slug in meeting.case_slugs]
    labels = _offer_labels()
    role = meeting.job_role
    offers = [(labels[name], getattr(role, name)) for name in OFFER_SECTIONS if (getattr(role, name) or "").strip()]
    return render_template(
        "candidate/home.html", token=token, meeting=meeting, role=role, offers=offers, entries=entries,
        handed_in=next((s for s in subs.values() if s.is_submitted), None),
        deadline_passed=submissions.deadline_passed(meeting),
        video_link_ok=meeting.video_link.startswith(("https://", "http://")),
    )


@bp.get("/i/<token>/meeting.ics")
def ics(token: str) -> Response:
    from caseportal.services.calendar import ics_for_meeting  # written in parallel; imported late on purpose

    inv = _invitation(token)
    link = settings().base_url.rstrip("/") + url_for(".home", token=token)
    body = ics_for_meeting(inv.meeting, settings(), for_candidate=True,
                           extra_description=_("Your invitation page: %(url)s", url=link))
    resp = Response(body, mimetype="text/calendar")
    resp.headers["Content-Type"] = "text/calendar; charset=utf-8"
    resp.headers["Content-Disposition"] = 'attachment; filename="meeting.ics"'
    return resp


# --------------------------------------------------------------------------- views: the case page


def _file_rows(ctx: _Ctx, drafts: dict[str, str] | None, open_: bool) -> list[dict[str, Any]]:
    sub = ctx.submission
    if sub is None:
        return []
    rows = []
    for i, f in enumerate(sub.files):
        text = f.text()
        ext = os.path.splitext(f.path)[1].lower()
        editable = (open_ and text is not None and f.size <= EDITOR_MAX_BYTES
                    and ctx.case.submission.is_editable(f.path)
                    # a notebook is JSON: edited in Jupyter and uploaded again, when the case takes uploads
                    and not (ext in UPLOAD_EDITED and ctx.case.submission.uploads))
        if drafts and f.path in drafts and editable:
            text = drafts[f.path]
        rows.append({
            "n": i, "path": f.path, "size": human_size(f.size), "updated_at": f.updated_at, "text": text,
            "editable": editable, "mode": MODES.get(ext, ""),
            "deletable": open_ and submissions.deletable(sub, f.path, ctx.case),
            "showable": text is not None and f.size <= EDITOR_MAX_BYTES and ext not in UPLOAD_EDITED,
            "via_upload": (open_ and ext in UPLOAD_EDITED and ctx.case.submission.uploads
                           and ctx.case.submission.is_editable(f.path)),
        })
    return rows


def _render_case(ctx: _Ctx, *, error: str | None = None, status: int = 200, drafts: dict[str, str] | None = None,
                 submit_form: SubmitForm | None = None) -> tuple[str, int]:
    sub = ctx.submission
    reason = submissions.closed_reason(db(), ctx.meeting, sub)
    open_ = sub is not None and reason is None
    latest = runs.latest_runs(db(), sub.id, 1) if sub is not None else []
    run_view = runs.view(latest[0], "candidate") if latest else None
    rows = _file_rows(ctx, drafts, open_)
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
        run=run_view, action_form=ActionForm(), upload_form=UploadForm(), delete_form=DeleteFileForm(),
        submit_form=form, error=error, codemirror=_codemirror_available(), mode_scripts=MODE_SCRIPTS,
        deadline_passed=submissions.deadline_passed(ctx.meeting),
        other_started=[s for s in submissions.for_meeting(db(), ctx.meeting).values()
                       if sub is None or s.id != sub.id],
    ), status


@bp.get("/i/<token>/case/<slug>")
def case(token: str, slug: str) -> tuple[str, int]:
    ctx = _load(token, slug)
    invitations.mark_opened(ctx.inv)
    db().commit()
    return _render_case(ctx)


def _back(ctx: _Ctx, anchor: str | None = None) -> Response:
    return redirect(url_for(".case", token=ctx.token, slug=ctx.case.slug, _anchor=anchor))


@bp.post("/i/<token>/case/<slug>/start")
def start(token: str, slug: str) -> Response | tuple[str, int]:
    ctx = _load(token, slug)
    try:
        submissions.start(db(), ctx.meeting, ctx.case)
        db().commit()
    except IntegrityError:  # two clicks at once: the other request created it
        db().rollback()
    except DomainError as err:
        db().rollback()
        return _render_case(ctx, error=err.message, status=err.status_code)
    flash(_("Your workspace is ready. Your work is saved here as you go; hand it in when you are happy with it."),
          "info")
    return _back(ctx, "work")


NOTE_FIELDS = ("notes_more_time", "questions")


def _save_posted(ctx: _Ctx, sub: Submission) -> bool:
    """Save what the work form sent (file text and the hand-in notes), if anything; True when something changed."""
    edited = _posted_files()
    changed = bool(edited) and bool(submissions.save_files(db(), sub, edited, settings(), case=ctx.case))
    if any(name in request.form for name in NOTE_FIELDS):
        notes_changed = submissions.save_notes(db(), sub, request.form.get("notes_more_time"),
                                               request.form.get("questions"))
        changed = changed or notes_changed
    return changed


@bp.post("/i/<token>/case/<slug>/save")
def save(token: str, slug: str) -> Response | tuple[str, int]:
    ctx = _load(token, slug)
    sub = _started(ctx)
    try:
        changed = _save_posted(ctx, sub)
        db().commit()
    except DomainError as err:
        db().rollback()
        return _render_case(ctx, error=err.message, status=err.status_code, drafts=_posted_files())
    flash(_("Draft saved.") if changed else _("No changes to save; your draft is up to date."), "info")
    return _back(ctx, "work")


def _str_map(value: object) -> bool:
    return isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())


@bp.post("/i/<token>/case/<slug>/autosave")
def autosave(token: str, slug: str) -> tuple[Response, int]:
    """The editor's background save: JSON in ({files: {path: text}, notes: {field: text}}), JSON out."""
    try:
        ctx = _load(token, slug)
        sub = _started(ctx)
        payload = request.get_json(silent=True)
        files = payload.get("files", {}) if isinstance(payload, dict) else None
        notes = payload.get("notes", {}) if isinstance(payload, dict) else None
        if not _str_map(files) or not _str_map(notes) or not set(notes).issubset(NOTE_FIELDS):
            return jsonify(error=_("Your browser sent something we could not read. Please use Save draft.")), 400
        changed = submissions.save_files(db(), sub, files, settings(), case=ctx.case) if files else []
        if notes:
            submissions.save_notes(db(), sub, notes.get("notes_more_time"), notes.get("questions"))
        db().commit()
    except DomainError as err:
        db().rollback()
        return jsonify(error=err.message), err.status_code
    return jsonify(saved=changed, saved_at=sub.updated_at.isoformat()), 200


@bp.post("/i/<token>/case/<slug>/upload")
def upload(token: str, slug: str) -> Response | tuple[str, int]:
    ctx = _load(token, slug)
    sub = _started(ctx)
    if not ctx.case.submission.uploads:
        return _render_case(ctx, error=_("This case does not take uploads; please edit the files in the page."),
                            status=400)
    sent = [(fs.filename or "", fs.read()) for fs in request.files.getlist("files") if fs and fs.filename]
    try:
        stored = submissions.add_uploads(db(), sub, sent, settings(), ctx.case.submission.accepted_extensions,
                                         case=ctx.case)
        db().commit()
    except DomainError as err:
        db().rollback()
        return _render_case(ctx, error=err.message, status=err.status_code)
    flash(_("Uploaded: %(names)s.", names=", ".join(stored)), "info")
    return _back(ctx, "your-files")


@bp.post("/i/<token>/case/<slug>/delete")
def delete_file(token: str, slug: str) -> Response | tuple[str, int]:
    ctx = _load(token, slug)
    sub = _started(ctx)
    form = DeleteFileForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        submissions.delete_file(db(), sub, form.path.data or "", case=ctx.case)
        db().commit()
    except DomainError as err:
        db().rollback()
        return _render_case(ctx, error=err.message, status=err.status_code)
    flash(_("Deleted %(name)s.", name=form.path.data), "info")
    return _back(ctx, "your-files")


@bp.get("/i/<token>/case/<slug>/files/<path:path>")
def download(token: str, slug: str, path: str) -> Response:
    """One of the candidate's own files, always as a download (an uploaded .html must never run here)."""
    ctx = _load(token, slug)
    sub = _started(ctx)
    f = db().scalar(select(SubmissionFile).where(SubmissionFile.submission_id == sub.id,
                                                 SubmissionFile.path == path))
    if f is None:
        raise NotFound(_("That file is not part of your work."))
    resp = send_file(io.BytesIO(f.content), mimetype="application/octet-stream", as_attachment=True,
                     download_name=path.rsplit("/", 1)[-1])
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp


# --------------------------------------------------------------------------- checks and handing in


@bp.post("/i/<token>/case/<slug>/run")
def run(token: str, slug: str) -> Response | tuple[str, int]:
    ctx = _load(token, slug)
    sub = _started(ctx)
    if not ctx.case.has_automated_checks:
        return _render_case(ctx, error=_("This case has no automated checks; the team looks at your work "
                                         "together with you."), status=400)
    try:
        submissions.ensure_open(db(), ctx.meeting, sub)
        _save_posted(ctx, sub)
    except DomainError as err:
        db().rollback()
        return _render_case(ctx, error=err.message, status=err.status_code, drafts=_posted_files())
    try:
        new_run = runs.request_run(db(), sub, RunKind.CHECK, runs_per_hour=settings().runs_per_hour)
    except DomainError as err:
        db().commit()  # keep the saved draft; only the run was refused
        return _render_case(ctx, error=err.message, status=err.status_code)
    db().commit()
    _enqueue(new_run)
    return _back(ctx, "results")


@bp.get("/i/<token>/runs/<int:run_id>.json")
def run_status(token: str, run_id: int) -> tuple[Response, int]:
    """A run of this meeting as the candidate may see it (visible checks only), for runstatus.js."""
    try:
        inv = _invitation(token)
    except DomainError as err:
        return jsonify(error=err.message), err.status_code
    found = db().scalar(select(Run).join(Submission, Submission.id == Run.submission_id)
                        .where(Run.id == run_id, Submission.meeting_id == inv.meeting_id))
    if found is None:
        return jsonify(error=_("This page does not exist.")), 404
    return jsonify(runs.view(found, "candidate").to_json()), 200


@bp.post("/i/<token>/case/<slug>/submit")
def submit(token: str, slug: str) -> Response | tuple[str, int]:
    ctx = _load(token, slug)
    sub = _started(ctx)
    try:
        _save_posted(ctx, sub)  # the hand-in button belongs to the editor form: unsaved edits are kept
        db().commit()
    except DomainError as err:
        db().rollback()
        return _render_case(ctx, error=err.message, status=err.status_code, drafts=_posted_files())
    form = SubmitForm()
    if not form.validate_on_submit():
        return _render_case(ctx, status=400, submit_form=form,
                            error=_("Your work is saved, but not handed in yet: please see below."))
    try:
        submissions.submit(db(), sub, form.notes_more_time.data or "", form.questions.data or "")
        full = None
        if ctx.case.has_automated_checks:
            full = runs.request_run(db(), sub, RunKind.FULL, runs_per_hour=settings().runs_per_hour)
        db().commit()
    except DomainError as err:
        db().rollback()
        return _render_case(ctx, error=err.message, status=err.status_code, submit_form=form)
    if full is not None:
        _enqueue(full)
    try:
        notify.notify_submission(db(), settings(), sub, settings().base_url, library=casebook())
        db().commit()
    except Exception:  # noqa: BLE001 - a failed notice must not undo a hand-in
        db().rollback()
        log.exception("could not notify reviewers of submission %s", sub.id)
    flash(_("Thank you! Your work is handed in. We look forward to talking about it with you."), "info")
    return _back(ctx, "handed-in")


# --------------------------------------------------------------------------- vendored editor


@bp.get("/vendor/codemirror/<path:filename>")
def vendor(filename: str) -> Response:
    """CodeMirror 5 from Debian's libjs-codemirror; without it the editor stays a plain textarea."""
    if not filename.endswith((".js", ".css")):
        abort(404)
    directory = _codemirror_dir()
    if not os.path.isdir(directory):
        abort(404)
    return send_from_directory(directory, filename, max_age=24 * 3600)
# Feature modules that add views to bp (they import this module, hence last); _render_case uses materials too.
from . import feedback, materials  # noqa: E402,F401
