"""The periodic retention job on the queue's Huey: erase every candidate whose time is up.

Registered by ``jobs.build_queue`` beside the run tasks. Hourly is plenty (retention is counted in months, a
withdrawal's grace period in days); each run is idempotent, so a worker killed half-way is simply followed by
the next run, and several workers running it at once erase each candidate once (a row lock per meeting).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from huey import crontab

from .services import erasure

if TYPE_CHECKING:
    from .jobs import Queue

log = logging.getLogger("caseportal.retention")

RETENTION_TASK = "caseportal.erase_due_candidates"


def run_retention(queue: Queue) -> list[int]:
    """One pass of the job: erase what is due, then make sure no old page lingers in the database's files."""
    done = erasure.erase_due(queue.db(), queue.settings)
    if not done:
        erasure.scrub_files(queue.db())  # finish a truncation that an earlier, busy pass had to leave
    if done:
        log.info("retention: erased %s candidate(s)", len(done))
    return done


def register(queue: Queue) -> Any:
    """Add the hourly task to the queue's Huey; returns the task."""

    def _erase_due() -> None:
        run_retention(queue)

    return queue.huey.periodic_task(crontab(minute="7"), name=RETENTION_TASK)(_erase_due)
