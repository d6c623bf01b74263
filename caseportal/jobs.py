"""Queue wiring on Huey: the queue, its two tasks (execute a run, recover runs) and enqueueing.

Huey gives one API over SQLite (embedded: a file in the instance folder, no server) and Redis (workers on
many machines share the queue). A job carries only the run id; the run row decides who may record, so a
delivery lost with a killed worker is recovered from the database and never recorded twice. Executing a run
is ``run_executor.execute_run``; the worker process that consumes the queue is ``worker.serve``.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey, crontab

from .config import Settings
from .db import Database
from .run_executor import execute_run
from .services import runs
from .worker_identity import pid_alive

log = logging.getLogger("caseportal.jobs")

RUN_TASK = "caseportal.execute_run"
RECOVER_TASK = "caseportal.recover_runs"
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
    _recover_task: Any = field(default=None, repr=False)

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
        """Put runs that lost their worker (or never reached the queue) back on it.

        At a worker's start, runs held by dead processes on this host are taken over at once.
        """
        with self.db().begin() as s:
            if at_start:
                runs.expire_dead_claims(s, socket.gethostname(), pid_alive)
            ids = runs.stale_run_ids(s, queued_grace_s=self.settings.run_lease_seconds)
        for run_id in ids:
            log.warning("re-queueing interrupted run %s", run_id)
            self.enqueue_run(run_id)
        return ids


def build_queue(settings: Settings, database: Database | None = None, executor: Executor | None = None) -> Queue:
    """Register the tasks on a fresh Huey instance; no globals, so tests build as many as they like."""
    q = Queue(settings=settings, huey=make_huey(settings), database=database, executor=executor or execute_run)

    def _run(run_id: int) -> None:
        if q.executor(q.settings, q.db(), run_id) == "retry":
            q.enqueue_run(run_id, delay=INFRA_RETRY_DELAY_S)

    def _recover() -> None:
        q.recover()

    q._run_task = q.huey.task(name=RUN_TASK)(_run)
    q._recover_task = q.huey.periodic_task(crontab(minute="*"), name=RECOVER_TASK)(_recover)
    return q
