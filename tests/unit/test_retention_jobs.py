"""The retention job on the queue's Huey and the `caseportal privacy` commands: both erase what is due, once."""

from __future__ import annotations

import zipfile
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy.orm import Session

from caseportal.cli import main
from caseportal.config import Settings
from caseportal.jobs import build_queue
from caseportal.models import StaffRole, utcnow
from caseportal.retention_jobs import RETENTION_TASK, run_retention
from caseportal.services import audit, retention
from tests.conftest import Factory


def _closed_long_ago(factory: Factory, session: Session) -> int:
    meeting = factory.meeting(candidate="Olle Oldtimer")
    retention.close_meeting(session, meeting, "not_continuing", factory.user(StaffRole.MANAGER),
                            now=utcnow() - timedelta(days=800))
    session.commit()
    return meeting.id


def test_the_periodic_task_is_registered_and_erases_what_is_due(session: Session, factory: Factory,
                                                                settings: Settings) -> None:
    old, fresh = _closed_long_ago(factory, session), factory.meeting().id
    queue = build_queue(settings.with_(queue_url="memory"), database=factory.app.extensions["caseportal.db"])
    hourly = [t.name for minute in range(60) for t in queue.huey.read_periodic(datetime(2026, 1, 1, 3, minute))]
    assert hourly.count(RETENTION_TASK) == 1
    assert run_retention(queue) == [old]
    assert run_retention(queue) == []
    assert retention.is_erased(session, old) and not retention.is_erased(session, fresh)


def test_cli_due_export_and_erase(session: Session, factory: Factory, settings: Settings, tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    meeting_id = _closed_long_ago(factory, session)
    monkeypatch.setenv("CASEPORTAL_INSTANCE", str(settings.instance_path))
    monkeypatch.setenv("CASEPORTAL_DATABASE_URL", settings.database_url)
    runner = CliRunner()
    due = runner.invoke(main, ["privacy", "due"])
    assert due.exit_code == 0 and f"meeting {meeting_id}\t" in due.output and "closed" in due.output
    out = tmp_path / "export.zip"
    done = runner.invoke(main, ["privacy", "export", "--meeting", str(meeting_id), "--out", str(out)])
    assert done.exit_code == 0, done.output
    assert "data.json" in zipfile.ZipFile(out).namelist() and out.stat().st_mode & 0o077 == 0
    assert runner.invoke(main, ["privacy", "erase", "--meeting", str(meeting_id)], input="n\n").exit_code == 1
    assert not retention.is_erased(session, meeting_id)
    assert runner.invoke(main, ["privacy", "erase", "--meeting", str(meeting_id), "--yes"]).output == "erased\n"
    assert runner.invoke(main, ["privacy", "erase", "--meeting", str(meeting_id), "--yes"]).output == \
        "already erased\n"
    again = runner.invoke(main, ["privacy", "export", "--meeting", str(meeting_id), "--out", str(out)])
    assert again.exit_code == 1 and "nothing left to export" in again.output
    assert [e.action for e in reversed(audit.events(session, meeting_id=meeting_id))] == ["close", "export", "erase"]
    assert runner.invoke(main, ["privacy", "erase-due"]).output == "erased 0 candidate(s)\n"
