"""Where a check run is, as the candidate's page shows it while it goes: queued, starting, running or done, and
the seconds since the candidate pressed the button.

The run row has no field for "the sandbox has begun executing", and a label is no reason for a migration: a
worker's claim sets ``started_at`` and the sandbox starts right after (from the warm pool, well under a second),
so a run within ``STARTING_S`` of its claim reads as "starting". A run taken over after a stopped worker keeps its
first ``started_at``, so it reads as "running" and its restart note says the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from caseportal.i18n import gettext as _
from caseportal.models import Run, RunStatus, utcnow

PHASES = ("queued", "starting", "running", "done")
STARTING_S = 1.0


@dataclass(frozen=True)
class Progress:
    """A run's phase and whole seconds since it was requested (until it finished, once done)."""

    phase: str
    elapsed_s: int

    def to_json(self) -> dict[str, object]:
        return {"phase": self.phase, "elapsed_s": self.elapsed_s}


def _seconds(start: datetime, end: datetime) -> int:
    return max(0, int((end - start).total_seconds()))


def progress(run: Run, now: datetime | None = None) -> Progress:
    now = now or utcnow()
    if run.status in (RunStatus.DONE, RunStatus.ERROR):
        return Progress("done", _seconds(run.created_at, run.finished_at or now))
    elapsed = _seconds(run.created_at, now)
    if run.status == RunStatus.QUEUED:
        return Progress("queued", elapsed)
    if run.started_at is None or (now - run.started_at).total_seconds() < STARTING_S:
        return Progress("starting", elapsed)
    return Progress("running", elapsed)


def elapsed_label(seconds: int) -> str:
    """"14 s", "2 min 5 s": the same words runstatus.js builds from the page's data-t-sec and data-t-min."""
    if seconds < 60:
        return _("%(s)s s", s=seconds)
    return _("%(m)s min %(s)s s", m=seconds // 60, s=seconds % 60)
