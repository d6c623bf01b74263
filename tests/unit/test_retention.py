"""services.retention: the clock (closing starts it, an open meeting counts from its last activity), what is
due, postponing with a reason that names no one, and a withdrawal's schedule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from caseportal.config import Settings
from caseportal.models import Meeting, StaffRole, utcnow
from caseportal.services import audit, retention
from caseportal.services.errors import Invalid
from tests.conftest import Factory


@pytest.mark.parametrize(("start", "months", "expected"), [
    (datetime(2024, 1, 31, 9, tzinfo=UTC), 1, datetime(2024, 2, 29, 9, tzinfo=UTC)),
    (datetime(2024, 11, 15, tzinfo=UTC), 24, datetime(2026, 11, 15, tzinfo=UTC)),
    (datetime(2024, 12, 1, tzinfo=UTC), 13, datetime(2026, 1, 1, tzinfo=UTC)),
])
def test_add_months(start: datetime, months: int, expected: datetime) -> None:
    assert retention.add_months(start, months) == expected


def _meeting(factory: Factory, session: Session, created: datetime) -> Meeting:
    m = factory.meeting()
    m.created_at, m.starts_at, m.case_deadline = created, created, None
    session.commit()
    return m


def test_an_open_meeting_counts_from_its_last_activity(session: Session, factory: Factory,
                                                       settings: Settings) -> None:
    old = utcnow() - timedelta(days=800)
    m = _meeting(factory, session, old)
    assert retention.due_ids(session, settings) == [m.id]
    factory.submission(m, {"a.py": b"x"}, started_at=utcnow() - timedelta(days=3), minutes=10)
    assert retention.due_ids(session, settings) == []  # the candidate worked on it recently


def test_closing_starts_the_clock_and_is_logged(session: Session, factory: Factory, settings: Settings) -> None:
    manager = factory.user(StaffRole.MANAGER)
    m = _meeting(factory, session, utcnow() - timedelta(days=30))
    closed = utcnow() - timedelta(days=10)
    with pytest.raises(Invalid):
        retention.close_meeting(session, m, "maybe", manager)
    retention.close_meeting(session, m, "offer", manager, now=closed)
    session.commit()
    due = retention.due_for(session, settings, m)
    assert due is not None and due.closed and due.due_at == retention.add_months(closed, 24)
    assert [(e.action, e.detail) for e in audit.events(session, meeting_id=m.id)] == [("close", "outcome=offer")]
    assert retention.upcoming(session, settings, now=closed) == []
    soon = retention.upcoming(session, settings, now=retention.add_months(closed, 24) - timedelta(days=6))
    assert [d.meeting.id for d in soon] == [m.id]


def test_postponing_needs_a_reason_without_the_candidates_name(session: Session, factory: Factory,
                                                               settings: Settings) -> None:
    manager = factory.user(StaffRole.MANAGER)
    m = _meeting(factory, session, utcnow() - timedelta(days=800))
    until = utcnow() + timedelta(days=60)
    for reason, later in (("", until), (f"{m.candidate_name} sued", until), ("LEGAL claim", utcnow())):
        with pytest.raises(Invalid):
            retention.postpone(session, m, later, reason, manager)
    retention.postpone(session, m, until, "Legal claim pending (case 2026-17)", manager)
    session.commit()
    assert retention.due_ids(session, settings) == []
    assert retention.due_ids(session, settings, now=until + timedelta(minutes=1)) == [m.id]
    [event] = audit.events(session, meeting_id=m.id)
    assert event.action == "postpone" and "Legal claim pending" in event.detail and event.actor_id == manager.id
