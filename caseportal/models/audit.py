"""The audit log: who among staff viewed, exported, changed or erased which candidate data, and when.

Append-only by design: the app has no path that updates or deletes a row, and the database refuses both (a
trigger on PostgreSQL and SQLite). Rows hold ids and short codes only, never personal data, so erasing a
candidate leaves the log intact and still says that the erasure happened. No foreign keys: a cascade or a
"SET NULL" would be an update.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DDL, String, event
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class AuditEvent(Base):
    """One access to candidate data by a person or a job."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    #: The staff member's id; None for the candidate themself or the system (``actor_kind`` says which).
    actor_id: Mapped[int | None] = mapped_column(default=None, index=True)
    actor_kind: Mapped[str] = mapped_column(String(20), default="staff")  # staff, candidate, system
    action: Mapped[str] = mapped_column(String(30))  # view, download, export, change, erase, postpone, ...
    object_type: Mapped[str] = mapped_column(String(30))  # meeting, submission, brief, file, artifact, ...
    object_id: Mapped[int | None] = mapped_column(default=None)
    #: The meeting (= the candidate) the object belongs to, so the log can be filtered by candidate.
    meeting_id: Mapped[int | None] = mapped_column(default=None, index=True)
    detail: Mapped[str] = mapped_column(String(300), default="")


#: On PostgreSQL a session may set ``caseportal.allow_audit_purge`` to 'on' to empty the table: only the test
#: suite does (it empties every table between tests); the app never sets it.
PG_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' AND current_setting('caseportal.allow_audit_purge', true) = 'on' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'audit_events is append-only';
END;
$$ LANGUAGE plpgsql
"""
PG_TRIGGER = ("CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
              "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()")
SQLITE_TRIGGERS = (
    "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END",
    "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END",
)


def _ddl(sql: str, dialect: str) -> DDL:
    return DDL(sql).execute_if(dialect=dialect)  # type: ignore[no-untyped-call]  # SQLAlchemy's DDL is untyped


_table = AuditEvent.__table__
event.listen(_table, "after_create", _ddl(PG_FUNCTION, "postgresql"))
event.listen(_table, "after_create", _ddl(PG_TRIGGER, "postgresql"))
for _sql in SQLITE_TRIGGERS:
    event.listen(_table, "after_create", _ddl(_sql, "sqlite"))
