"""The one call a staff view makes to leave a line in the audit log (``services.audit``).

Written in its own short transaction, so that a page that only reads still records that it was read, and a
view's own unfinished changes are never committed by the log. Only staff are logged here: the candidate's own
pages are theirs to read.
"""

from __future__ import annotations

from flask import request
from flask_login import current_user

from caseportal.current import database, db
from caseportal.services import audit

#: URL parameters that name the object of a download, and the object type each names.
_DOWNLOAD_KEYS = (("submission_id", "submission"), ("run_id", "run"), ("meeting_id", "meeting"))


def note(action: str, object_type: str, object_id: int | None, meeting_id: int | None = None,
         detail: str = "") -> None:
    """Record that the signed-in staff member did ``action`` on the object (no-op for anyone else). A view the
    log already holds from the last minute is not written again (``audit.VIEW_RESOLUTION``)."""
    if not getattr(current_user, "is_authenticated", False) or not hasattr(current_user, "role"):
        return
    if action == "view" and audit.viewed_recently(db(), int(current_user.id), object_type, object_id):
        return
    with database().begin() as s:
        meeting = meeting_id if meeting_id is not None else audit.meeting_of(s, object_type, object_id)
        audit.record(s, audit.Actor("staff", int(current_user.id)), action, object_type, object_id,
                     meeting_id=meeting, detail=detail)


def note_download(kind: str) -> None:
    """Record a staff download, naming the object from the request's URL (submission, run or meeting)."""
    args = request.view_args or {}
    for key, object_type in _DOWNLOAD_KEYS:
        if isinstance(args.get(key), int):
            extra = {k: v for k, v in args.items() if k != key and isinstance(v, int)}
            detail = kind + "".join(f" {k}={v}" for k, v in sorted(extra.items()))
            note("download", object_type, int(args[key]), detail=detail)
            return
