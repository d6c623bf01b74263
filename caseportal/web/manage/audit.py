"""The audit log for admins: who viewed, exported, changed or erased which candidate's data, newest first,
filtered by candidate (meeting) or staff member."""

from __future__ import annotations

from flask import render_template, request
from sqlalchemy import select

from caseportal.current import db
from caseportal.models import User
from caseportal.permissions import admin_required
from caseportal.services import audit

from ._blueprint import bp


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "").strip()
    return int(value) if value.isdigit() else None


@bp.get("/audit")
@admin_required
def audit_log() -> str:
    meeting_id, actor_id = _int_arg("meeting"), _int_arg("actor")
    events = audit.events(db(), meeting_id=meeting_id, actor_id=actor_id)
    staff = {u.id: u for u in db().scalars(select(User).order_by(User.name))}
    return render_template("manage/audit.html", events=events, staff=staff, meeting_id=meeting_id,
                           actor_id=actor_id, page_size=audit.PAGE_SIZE)
