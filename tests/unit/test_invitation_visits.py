"""Noting visits to an invitation: the first one exactly, later ones to the minute without a write per page view."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event
from sqlalchemy.orm import Session

from caseportal.models import utcnow
from caseportal.services import invitations
from tests.conftest import Factory


def test_repeat_visits_within_the_resolution_write_nothing(session: Session, factory: Factory) -> None:
    meeting = factory.meeting()
    factory.invite(meeting)
    inv = meeting.invitations[-1]
    t0 = utcnow()
    assert invitations.mark_opened(inv, now=t0) is True
    session.commit()
    writes: list[str] = []
    event.listen(session.get_bind(), "before_cursor_execute",
                 lambda *args: writes.append(args[2]) if args[2].lstrip().upper().startswith("UPDATE") else None)
    assert invitations.mark_opened(inv, now=t0 + timedelta(seconds=30)) is False
    session.commit()
    assert writes == [] and inv.last_opened_at == t0
    later = t0 + invitations.OPENED_RESOLUTION + timedelta(seconds=1)
    assert invitations.mark_opened(inv, now=later) is False
    session.commit()
    session.refresh(inv)
    assert writes and inv.last_opened_at == later and inv.first_opened_at == t0
