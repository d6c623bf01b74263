"""services.audit and the audit_events table: recorded with the caller's change, filtered by candidate and actor,
and append-only in the database itself (SQLite and PostgreSQL triggers), not only by the app's manners."""

from __future__ import annotations

import pytest
import sqlalchemy.exc
from sqlalchemy import delete, text, update
from sqlalchemy.orm import Session

from caseportal.models import AuditEvent, StaffRole
from caseportal.services import audit
from tests.conftest import Factory


def test_events_are_recorded_and_filtered(session: Session, factory: Factory) -> None:
    admin, other = factory.user(StaffRole.ADMIN), factory.user(StaffRole.MANAGER)
    audit.record(session, admin, "view", "submission", 5, meeting_id=1)
    audit.record(session, other, "export", "meeting", 2, meeting_id=2, detail="admin export")
    audit.record(session, audit.CANDIDATE, "withdraw", "meeting", 1, meeting_id=1)
    session.commit()
    assert [(e.action, e.actor_kind) for e in audit.events(session, meeting_id=1)] == [
        ("withdraw", "candidate"), ("view", "staff")]
    assert [e.object_id for e in audit.events(session, actor_id=other.id)] == [2]
    with pytest.raises(ValueError):
        audit.record(session, admin, "peek", "meeting", 1)


def test_a_rolled_back_change_leaves_no_event(session: Session, factory: Factory) -> None:
    audit.record(session, factory.user(StaffRole.ADMIN), "erase", "meeting", 9, meeting_id=9)
    session.rollback()
    assert audit.events(session, meeting_id=9) == []


@pytest.mark.parametrize("statement", [
    update(AuditEvent).values(detail="rewritten"),
    delete(AuditEvent),
])
def test_the_database_refuses_to_change_or_delete_an_event(session: Session, factory: Factory, db_backend: str,
                                                           statement: object) -> None:
    audit.record(session, factory.user(StaffRole.ADMIN), "view", "brief", 3, meeting_id=3)
    session.commit()
    with pytest.raises(sqlalchemy.exc.DBAPIError, match="append-only"):
        session.execute(statement)  # type: ignore[call-overload]
        session.flush()
    session.rollback()
    assert [e.detail for e in audit.events(session, meeting_id=3)] == [""]


def test_raw_sql_cannot_empty_the_log_either(session: Session, factory: Factory) -> None:
    audit.record(session, factory.user(StaffRole.ADMIN), "view", "brief", 4, meeting_id=4)
    session.commit()
    with pytest.raises(sqlalchemy.exc.DBAPIError):
        session.execute(text("DELETE FROM audit_events"))
    session.rollback()
    assert len(audit.events(session)) == 1
