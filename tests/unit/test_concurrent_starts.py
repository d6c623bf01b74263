"""Four candidates press Start on the same new case at the same moment: all four get their workspace, and the
case's version snapshot is written once (the others reuse it) on SQLite and on PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from caseportal.casebook import load_library, scaffold
from caseportal.models import CaseSnapshot, Meeting, MeetingCase, Submission
from caseportal.services import submissions
from tests.conftest import Factory
from tests.pg.test_races import engine_of, race


def test_four_simultaneous_starts_all_get_their_workspace(app: Flask, tmp_path: Path, session: Session,
                                                          factory: Factory) -> None:
    scaffold(tmp_path, "fresh-case", "coding")
    case = load_library(tmp_path).get("fresh-case")
    assert case is not None
    meeting_ids = []
    for _ in range(4):
        meeting = factory.meeting(cases=[])
        meeting.cases.clear()
        meeting.cases.append(MeetingCase(case_slug=case.slug, position=0))
        meeting_ids.append(meeting.id)
    session.commit()

    def start(s: Session, i: int) -> int:
        meeting = s.get(Meeting, meeting_ids[i])
        assert meeting is not None
        return submissions.start(s, meeting, case).id

    results = race(engine_of(app), start, n=4)
    assert all(isinstance(r, int) for r in results), results
    session.expire_all()
    started = session.scalars(select(Submission.meeting_id).where(Submission.case_slug == case.slug)).all()
    assert sorted(started) == sorted(meeting_ids), "every candidate has a workspace"
    assert session.scalar(select(func.count(CaseSnapshot.version))) == 1
