"""`caseportal privacy ...`: the retention job on demand, erasures due soon, and one candidate's export or erasure
for an operator answering a request by mail. The same services as the web pages; each action is audited."""

from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy.orm import Session

from .config import Settings
from .db import Database
from .models import Meeting
from .services import audit, data_export, erasure, retention
from .services.errors import DomainError


@click.group("privacy")
def privacy_cli() -> None:
    """Candidate data: retention, export and erasure (README "Privacy and retention")."""


def _meeting(s: Session, meeting_id: int) -> Meeting:
    meeting = s.get(Meeting, meeting_id)
    if meeting is None:
        raise click.ClickException(f"no meeting {meeting_id}")
    return meeting


@privacy_cli.command("erase-due")
def erase_due_cmd() -> None:
    """Erase every candidate past retention now (what the hourly job does)."""
    settings = Settings.from_env()
    done = erasure.erase_due(Database(settings.database_url), settings)
    click.echo(f"erased {len(done)} candidate(s)" + (f": meetings {', '.join(map(str, done))}" if done else ""))


@privacy_cli.command("due")
@click.option("--days", default=7, show_default=True, help="how far ahead to look")
def due_cmd(days: int) -> None:
    """Erasures due within the next days (meeting id, date, and why)."""
    from datetime import timedelta

    settings = Settings.from_env()
    with Database(settings.database_url).begin() as s:
        for d in retention.upcoming(s, settings, window=timedelta(days=days)):
            why = "withdrawn" if d.withdrawn else "postponed" if d.postponed_until else \
                "closed" if d.closed else "inactive"
            click.echo(f"meeting {d.meeting.id}\t{d.due_at.isoformat()}\t{why}")


@privacy_cli.command("export")
@click.option("--meeting", "meeting_id", type=int, required=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
def export_cmd(meeting_id: int, out: Path) -> None:
    """Write one candidate's data (the zip the candidate would get) to a file."""
    settings = Settings.from_env()
    try:
        with Database(settings.database_url).begin() as s:
            content = data_export.export_zip(s, _meeting(s, meeting_id))
            audit.record(s, audit.SYSTEM, "export", "meeting", meeting_id, meeting_id=meeting_id, detail="cli export")
    except DomainError as err:
        raise click.ClickException(err.message) from None
    out.write_bytes(content)
    out.chmod(0o600)
    click.echo(f"wrote {out} ({len(content)} bytes)")


@privacy_cli.command("erase")
@click.option("--meeting", "meeting_id", type=int, required=True)
@click.option("--yes", is_flag=True, help="do not ask for confirmation")
def erase_cmd(meeting_id: int, yes: bool) -> None:
    """Erase one candidate's personal data now (on their request)."""
    if not yes:
        click.confirm(f"Erase the personal data of meeting {meeting_id}? This cannot be undone", abort=True)
    settings = Settings.from_env()
    database = Database(settings.database_url)
    with database.begin() as s:
        done = erasure.erase_candidate(s, _meeting(s, meeting_id), audit.SYSTEM, "request")
    erasure.scrub_files(database)
    click.echo("erased" if done else "already erased")


def register(main: click.Group) -> None:
    main.add_command(privacy_cli)
