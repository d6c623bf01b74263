"""Queue wiring on Huey: the queue, its task (execute a run), enqueueing and re-queueing lost jobs.

Huey gives one API over SQLite (embedded: a file in the instance folder, no server) and Redis (workers on
many machines share the queue). A job carries only the run id; the run row decides who may record, so a
delivery lost with a killed worker is recovered from the database and never recorded twice. Executing a run
is ``run_executor.execute_run``; the worker process that consumes the queue is ``worker.serve``; runs whose
worker stopped are restarted beside the queue, not behind its backlog, by ``recovery.Recovery``.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey

from .config import Settings
from .db import Database
from .run_executor import execute_run
from .services import runs
from .worker_identity import pid_alive

log = logging.getLogger("caseportal.jobs")

RUN_TASK = "caseportal.execute_run"
INFRA_RETRY_DELAY_S = 5

#: Executes one run attempt; "retry" puts the run back on the queue after a pause.
Executor = Callable[[Settings, Database, int], str | None]


def make_huey(settings: Settings) -> Huey:
    """The Huey instance for the configured queue URL: "sqlite", "memory" or a redis:// URL."""
    url = settings.queue_url
    if settings.queue_immediate or url == "memory":
        return MemoryHuey("caseportal", immediate=settings.queue_immediate)
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey("caseportal", url=url)
    if url == "sqlite" or url.startswith("sqlite:"):
        path = url.split(":", 1)[1].lstrip("/") if url.startswith("sqlite:") else ""
        settings.instance_path.mkdir(parents=True, exist_ok=True)
        filename = ("/" + path) if path else str(settings.instance_path / "queue.sqlite3")
        return SqliteHuey("caseportal", filename=filename)
    raise ValueError(f"CASEPORTAL_QUEUE_URL must be 'sqlite', 'memory' or redis://..., not {url!r}")


@dataclass
class Queue:
    """A Huey instance with caseportal's tasks registered on it; built the same way by web and worker."""

    settings: Settings
    huey: Huey
    database: Database | None = None
    executor: Executor = execute_run
    _run_task: Any = field(default=None, repr=False)
    _webhook_task: Any = field(default=None, repr=False)  # set by webhook_jobs.register

    def db(self) -> Database:
        if self.database is None:
            self.database = Database(self.settings.database_url)
        return self.database

    def enqueue_run(self, run_id: int, delay: float = 0) -> None:
        if delay:
            self._run_task.schedule(args=(run_id,), delay=delay)
        else:
            self._run_task(run_id)

    def recover(self, at_start: bool = False) -> list[int]:
        """At a worker's start, end the leases of runs held by dead processes on this host (``recovery.Recovery``
        then restarts them at once, ahead of the backlog); re-queue runs whose job never arrived."""
        if at_start:
            with self.db().begin() as s:
                ids = runs.expire_dead_claims(s, socket.gethostname(), pid_alive)
            if ids:
                log.warning("runs %s were held by dead workers on this host", ids)
        return self.requeue_lost()

    def idle(self) -> bool:
        """Whether the queue holds no job, due or scheduled."""
        return int(self.huey.pending_count()) == 0 and int(self.huey.scheduled_count()) == 0

    def requeue_lost(self) -> list[int]:
        """Queued runs whose job never reached the queue (the web process died between commit and enqueue).

        Only while the queue is idle: with a backlog an old queued run is simply waiting its turn, and a second
        job for it would only be skipped. A duplicate is harmless either way (the claim decides).
        """
        if not self.idle():
            return []
        with self.db().begin() as s:
            ids = runs.lost_queued_run_ids(s, grace_s=self.settings.run_lease_seconds)
        for run_id in ids:
            log.warning("re-queueing run %s: its job never reached the queue", run_id)
            self.enqueue_run(run_id)
        return ids


def build_queue(settings: Settings, database: Database | None = None, executor: Executor | None = None) -> Queue:
    """Register the tasks on a fresh Huey instance; no globals, so tests build as many as they like."""
    q = Queue(settings=settings, huey=make_huey(settings), database=database, executor=executor or execute_run)

    def _run(run_id: int) -> None:
        if q.executor(q.settings, q.db(), run_id) == "retry":
            q.enqueue_run(run_id, delay=INFRA_RETRY_DELAY_S)

    q._run_task = q.huey.task(name=RUN_TASK)(_run)
    from .retention_jobs import register as register_retention  # the privacy job (README "Privacy and retention")

    register_retention(q)
    from .webhook_jobs import register as register_webhooks  # README "Webhooks and ATS partners"

    register_webhooks(q)
    return q
