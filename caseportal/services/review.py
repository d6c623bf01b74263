"""The reviewer's material for a meeting: talking points, line comments, the reviewed mark, run summaries.

Permission-free on purpose: routes decide who may call what (can_view_meeting / can_review_submission); these
functions keep the data consistent (positions, anchors that point at real lines, only submitted work).
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from caseportal.casebook import CaseSpec
from caseportal.i18n import gettext as _
from caseportal.i18n import ngettext
from caseportal.models import (
    LineComment,
    Meeting,
    Run,
    RunKind,
    RunStatus,
    Submission,
    SubmissionFile,
    TalkingPoint,
    User,
    utcnow,
)
from sandbox.spec import CHECK_STATUSES

from . import events
from .diffing import split_lines
from .errors import Invalid

MAX_POINT_CHARS = 2000
MAX_COMMENT_CHARS = 4000

FileKind = Literal["image", "pdf", "svg", "html", "other"]
IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
               ".webp": "image/webp"}


# --------------------------------------------------------------------------- files and submissions


def file_kind(name: str) -> FileKind:
    """How a file may be shown, decided by its name's extension only (never by a stored or sniffed type)."""
    ext = PurePosixPath(name).suffix.lower()
    if ext in IMAGE_TYPES:
        return "image"
    if ext == ".pdf":
        return "pdf"
    if ext == ".svg":
        return "svg"
    if ext in (".html", ".htm"):
        return "html"
    return "other"


def submissions_for_meeting(session: Session, meeting: Meeting) -> list[Submission]:
    """The meeting's submissions in the order its cases are attached (cases no longer attached come last)."""
    subs = list(session.scalars(select(Submission).where(Submission.meeting_id == meeting.id)))
    order = {slug: i for i, slug in enumerate(meeting.case_slugs)}
    return sorted(subs, key=lambda s: (order.get(s.case_slug, len(order)), s.case_slug, s.id))


def case_changed(submission: Submission, case: CaseSpec | None) -> bool:
    """True when the library's case is no longer the version the work was made against (or is gone)."""
    return case is None or case.version != submission.case_version


def find_file(submission: Submission, path: str) -> SubmissionFile | None:
    return next((f for f in submission.files if f.path == path), None)


def line_count(file: SubmissionFile) -> int | None:
    """Lines of a text file, counted as the highlighted view numbers them; None for binary files."""
    text = file.text()
    return None if text is None else len(split_lines(text))


def _require_submitted(submission: Submission) -> None:
    if not submission.is_submitted:
        raise Invalid(_("This work has not been submitted yet. It is the candidate's private draft until then."))


def _anchor(submission: Submission, file_path: str | None, line: int | None,
            *, required: bool = False) -> tuple[str, int | None]:
    """A validated (file path, line): the file must be in the submission, the line inside it."""
    path = (file_path or "").strip()
    if not path:
        if required:
            raise Invalid(_("Please choose a file."))
        if line is not None:
            raise Invalid(_("A line number needs a file: please choose the file it belongs to."))
        return "", None
    file = find_file(submission, path)
    if file is None:
        raise Invalid(_("There is no file called %(path)s in this submission.", path=path))
    if line is None:
        if required:
            raise Invalid(_("Please give a line number."))
        return path, None
    count = line_count(file)
    if count is None:
        raise Invalid(_("%(path)s is not a text file, so it has no lines to point at.", path=path))
    if not 1 <= line <= count:
        raise Invalid(ngettext("Line %(line)s is outside %(path)s, which has %(num)s line.",
                               "Line %(line)s is outside %(path)s, which has %(num)s lines.", count,
                               line=line, path=path))
    return path, line


def _clean_text(text: str | None, limit: int, empty: str) -> str:
    value = (text or "").strip()
    if not value:
        raise Invalid(empty)
    if len(value) > limit:
        raise Invalid(_("This can be at most %(limit)s characters long; it has %(n)s.", limit=limit, n=len(value)))
    return value


# --------------------------------------------------------------------------- talking points


def list_talking_points(session: Session, submission: Submission) -> list[TalkingPoint]:
    return list(session.scalars(
        select(TalkingPoint).where(TalkingPoint.submission_id == submission.id)
        .order_by(TalkingPoint.position, TalkingPoint.id)))


def _renumber(points: list[TalkingPoint]) -> None:
    for i, p in enumerate(points):
        p.position = i


def add_talking_point(session: Session, submission: Submission, author: User | None, text: str,
                      file_path: str = "", line: int | None = None, source: str = "reviewer",
                      suggestion_key: str = "") -> TalkingPoint:
    """Append a talking point at the end of the list; the optional file and line must exist.

    ``suggestion_key`` records the suggestion it was accepted from, so that suggestion is not offered again.
    """
    _require_submitted(submission)
    body = _clean_text(text, MAX_POINT_CHARS, _("Please write the talking point."))
    path, ln = _anchor(submission, file_path, line)
    last = session.scalar(select(func.max(TalkingPoint.position))
                          .where(TalkingPoint.submission_id == submission.id))
    point = TalkingPoint(submission_id=submission.id, author_id=author.id if author else None,
                         position=0 if last is None else last + 1, text=body, file_path=path, line=ln,
                         source=(source or "reviewer")[:30], suggestion_key=(suggestion_key or "")[:80])
    session.add(point)
    session.flush()
    return point


def update_talking_point(session: Session, point: TalkingPoint, text: str, file_path: str = "",
                         line: int | None = None, editor: User | None = None,
                         now: datetime | None = None) -> TalkingPoint:
    """Change a point's text or anchor. A change records its editor and time (the author stays), so a point
    rewritten by another reviewer is shown with who changed it; saving it unchanged records nothing."""
    submission = session.get(Submission, point.submission_id)
    assert submission is not None  # the foreign key cascades: a point never outlives its submission
    _require_submitted(submission)
    body = _clean_text(text, MAX_POINT_CHARS, _("Please write the talking point."))
    path, ln = _anchor(submission, file_path, line)
    if (body, path, ln) != (point.text, point.file_path, point.line) and editor is not None:
        point.edited_by_id, point.edited_at = editor.id, now or utcnow()
    point.text, point.file_path, point.line = body, path, ln
    session.flush()
    return point


def delete_talking_point(session: Session, point: TalkingPoint) -> None:
    submission_id = point.submission_id
    session.delete(point)
    session.flush()
    rest = list(session.scalars(select(TalkingPoint).where(TalkingPoint.submission_id == submission_id)
                                .order_by(TalkingPoint.position, TalkingPoint.id)))
    _renumber(rest)
    session.flush()


def move_talking_point(session: Session, point: TalkingPoint, direction: Literal["up", "down"]) -> bool:
    """Swap with the neighbour above or below; False (and nothing changed) at either end of the list."""
    if direction not in ("up", "down"):
        raise Invalid(_("Move a talking point up or down."))
    points = list(session.scalars(select(TalkingPoint).where(TalkingPoint.submission_id == point.submission_id)
                                  .order_by(TalkingPoint.position, TalkingPoint.id)))
    i = next(k for k, p in enumerate(points) if p.id == point.id)
    j = i - 1 if direction == "up" else i + 1
    if not 0 <= j < len(points):
        return False
    points[i], points[j] = points[j], points[i]
    _renumber(points)
    session.flush()
    return True


# --------------------------------------------------------------------------- line comments


def list_comments(session: Session, submission: Submission) -> list[LineComment]:
    return list(session.scalars(
        select(LineComment).where(LineComment.submission_id == submission.id)
        .order_by(LineComment.file_path, LineComment.line, LineComment.id)))


def comments_by_file(session: Session, submission: Submission) -> dict[str, dict[int, list[LineComment]]]:
    """{path: {line: [comments]}} for showing comments under their lines."""
    out: dict[str, dict[int, list[LineComment]]] = defaultdict(lambda: defaultdict(list))
    for c in list_comments(session, submission):
        out[c.file_path][c.line].append(c)
    return {path: dict(lines) for path, lines in out.items()}


def add_comment(session: Session, submission: Submission, author: User, file_path: str, line: int | None,
                body: str) -> LineComment:
    """A comment on one line of one text file of submitted work."""
    _require_submitted(submission)
    text = _clean_text(body, MAX_COMMENT_CHARS, _("Please write the comment."))
    path, ln = _anchor(submission, file_path, line, required=True)
    assert ln is not None
    comment = LineComment(submission_id=submission.id, author_id=author.id, file_path=path, line=ln, body=text)
    session.add(comment)
    session.flush()
    return comment


def delete_comment(session: Session, comment: LineComment) -> None:
    session.delete(comment)
    session.flush()


# --------------------------------------------------------------------------- reviewed mark


def mark_reviewed(session: Session, submission: Submission, user: User, now: datetime | None = None) -> None:
    if not submission.is_submitted:
        raise Invalid(_("Only submitted work can be marked as reviewed."))
    submission.reviewed_at = now or utcnow()
    submission.reviewed_by_id = user.id
    session.flush()
    events.emit(session, "submission.reviewed", meeting_id=submission.meeting_id, submission_id=submission.id)


def unmark_reviewed(session: Session, submission: Submission) -> None:
    submission.reviewed_at = None
    submission.reviewed_by_id = None
    session.flush()


# --------------------------------------------------------------------------- runs


def latest_full_run(session: Session, submission: Submission) -> Run | None:
    """The newest finished full run (every check, hidden ones too): what suggestions and the brief are built on.

    Runs that ended in an infrastructure error say nothing about the work and are skipped.
    """
    return session.scalars(
        select(Run).where(Run.submission_id == submission.id, Run.kind == RunKind.FULL,
                          Run.status == RunStatus.DONE)
        .order_by(Run.id.desc()).limit(1)).first()


def _result(run: Run) -> tuple[dict[str, Any], str | None]:
    if not run.result_json:
        return {}, None
    try:
        data = json.loads(run.result_json)
    except (TypeError, ValueError):
        return {}, _("The stored result could not be read.")
    return (data, None) if isinstance(data, dict) else ({}, _("The stored result has an unexpected shape."))


def _number(value: Any) -> float | int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value if math.isfinite(value) else None


def _checks(raw: Any) -> list[dict[str, Any]]:
    out = []
    for c in raw if isinstance(raw, list) else []:
        if not isinstance(c, dict):
            continue
        status = str(c.get("status") or "error").lower()
        out.append({
            "name": str(c.get("name") or _("(unnamed check)")),
            "status": status if status in CHECK_STATUSES else "error",
            "message": str(c.get("message") or ""),
            "visible": c.get("visible", True) is not False,
        })
    return out


def run_summary(run: Run, case: CaseSpec | None = None) -> dict[str, Any]:
    """Everything a reviewer may know about a run, as plain data, tolerant of unfinished or partial results.

    Keys: id, kind, status, finished, outcome, explanation, created_at, started_at, finished_at, duration_s,
    checks [{name, status, message, visible}], counts {passed, failed, error, advisory, total},
    hidden_counts (same, hidden checks only), stdout, stderr, metrics {name: number}, headline_metric
    ({name, value, baseline, direction, beats_baseline} or None), exit_code, peak_memory_bytes, infra_detail,
    artifacts [{id, name, mime, kind, size}], result_error (None unless the stored JSON is broken).
    """
    data, result_error = _result(run)
    checks = _checks(data.get("checks"))

    def counts(items: list[dict[str, Any]]) -> dict[str, int]:
        c = {s: sum(1 for x in items if x["status"] == s) for s in CHECK_STATUSES}
        c["total"] = len(items)
        return c

    given_metrics = data.get("metrics")
    raw_metrics = given_metrics if isinstance(given_metrics, dict) else {}
    metrics = {str(k): v for k, v in raw_metrics.items() if _number(v) is not None}
    headline = None
    if case is not None and case.metric is not None and case.metric.name in metrics:
        value = metrics[case.metric.name]
        headline = {"name": case.metric.name, "value": value, "baseline": case.metric.baseline,
                    "direction": case.metric.direction, "beats_baseline": case.metric.beats_baseline(value)}
    duration = run.duration_s if run.duration_s is not None else _number(data.get("duration_s"))
    status = run.status.value if isinstance(run.status, RunStatus) else str(run.status or "queued")
    return {
        "id": run.id,
        "kind": getattr(run.kind, "value", str(run.kind)),
        "status": status,
        "finished": status in (RunStatus.DONE.value, RunStatus.ERROR.value),
        "outcome": run.outcome or (str(data["outcome"]) if data.get("outcome") else None),
        "explanation": run.explanation or str(data.get("explanation") or ""),
        "created_at": run.created_at,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "duration_s": duration,
        "checks": checks,
        "counts": counts(checks),
        "hidden_counts": counts([c for c in checks if not c["visible"]]),
        "stdout": str(data.get("stdout") or ""),
        "stderr": str(data.get("stderr") or ""),
        "metrics": metrics,
        "headline_metric": headline,
        "exit_code": data.get("exit_code") if isinstance(data.get("exit_code"), int) else None,
        "peak_memory_bytes": _number(data.get("peak_memory_bytes")),
        "infra_detail": str(data.get("infra_detail") or ""),
        "artifacts": [{"id": a.id, "name": a.name, "mime": a.mime, "kind": file_kind(a.name),
                       "size": len(a.content or b"")} for a in run.artifacts],
        "result_error": result_error,
    }
