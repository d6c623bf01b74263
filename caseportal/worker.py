"""The worker side of a run: claim it, build the RunSpec, run the sandbox, record the result once.

No Flask here: a worker on another machine needs only the database URL, the queue URL and the cases folder.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from pathlib import Path
from typing import Literal

from .casebook import Library
from .config import Settings
from .db import Database
from .models import Run, RunKind, Submission

log = logging.getLogger("caseportal.worker")

Result = Literal["done", "retry", "skip", "error"]


class _Heartbeat(threading.Thread):
    """Extends the run's lease while the sandbox works, so only a dead worker's run is taken over."""

    def __init__(self, database: Database, run_id: int, token: str, lease_s: int) -> None:
        super().__init__(daemon=True, name=f"heartbeat-{run_id}")
        self.database, self.run_id, self.token, self.lease_s = database, run_id, token, lease_s
        self.stop = threading.Event()

    def run(self) -> None:
        from .services import runs

        while not self.stop.wait(max(1.0, self.lease_s / 3)):
            try:
                with self.database.begin() as s:
                    if not runs.heartbeat(s, self.run_id, self.token, self.lease_s):
                        return
            except Exception:  # noqa: BLE001 - a missed beat only shortens the lease
                log.exception("heartbeat failed for run %s", self.run_id)


WORKER_HOST_LABEL = "caseportal.worker.host"
WORKER_PID_LABEL = "caseportal.worker.pid"
#: Containers older than this are orphans whoever started them: no run lives that long.
ORPHAN_AGE_S = 3600.0


def worker_labels(run_id: int) -> dict[str, str]:
    """Labels that tie a sandbox container to this worker process, so a restart can sweep just its orphans."""
    return {WORKER_HOST_LABEL: socket.gethostname(), WORKER_PID_LABEL: str(os.getpid()),
            "caseportal.run": str(run_id)}


def sweep_dead_workers_containers() -> int:
    """Remove containers of dead worker processes on this host, and any sandbox container past ORPHAN_AGE_S.

    Live workers sharing the engine keep their containers: only a dead owner's (or an ancient) one goes.
    """
    import docker

    from sandbox import sweep_orphans

    from .jobs import pid_alive

    client = docker.from_env()
    host = socket.gethostname()
    pids = {
        (c.get("Labels") or {}).get(WORKER_PID_LABEL, "")
        for c in client.api.containers(all=True, filters={"label": [f"{WORKER_HOST_LABEL}={host}"]})
    }
    removed = 0
    for pid in sorted(p for p in pids if p.isdigit() and not pid_alive(int(p))):
        removed += sweep_orphans(client, labels={WORKER_HOST_LABEL: host, WORKER_PID_LABEL: pid})
    return removed + sweep_orphans(client, older_than_s=ORPHAN_AGE_S)


_library_cache: dict[str, tuple[tuple[tuple[str, int, int], ...], Library]] = {}


def _library(root: Path) -> Library:
    """The case library, loaded again only when a file under it changed (a stat walk costs ~2 ms, a load ~80).

    Case authors' edits reach the next run; a run never sees a half-read library.
    """
    from .casebook import load_library

    sig = tuple(sorted(
        (os.path.join(d, f), st.st_mtime_ns, st.st_size)
        for d, _, files in os.walk(root) for f in files
        for st in (os.stat(os.path.join(d, f)),)
    ))
    cached = _library_cache.get(str(root))
    if cached is None or cached[0] != sig:
        cached = (sig, load_library(root))
        _library_cache[str(root)] = cached
    return cached[1]


def execute_run(settings: Settings, database: Database, run_id: int) -> Result:
    """Execute one run attempt. Returns "retry" when an infrastructure error should be tried again."""
    from .case_runs import execute, limits_for
    from .jobs import worker_name
    from .services import case_versions, runs

    with database.begin() as s:
        token = runs.claim(s, run_id, worker_name(), settings.run_lease_seconds)
    if token is None:
        log.info("run %s is done or held by another attempt; skipping", run_id)
        return "skip"

    beat = _Heartbeat(database, run_id, token, settings.run_lease_seconds)
    beat.start()
    try:
        with database.begin() as s:
            run = s.get(Run, run_id)
            assert run is not None
            sub = s.get(Submission, run.submission_id)
            assert sub is not None
            files = sub.file_map()
            slug, kind = sub.case_slug, run.kind
            case = case_versions.case_for(s, _library(settings.cases_dir), slug, sub.case_version)
        if case is None:
            raise RuntimeError(f"case {slug!r} is not in the library on worker {worker_name()}")
        result = execute(case, files, "visible" if kind == RunKind.CHECK else "all",
                         labels=worker_labels(run_id), sandbox_runtime=settings.sandbox_runtime or None)
        if str(getattr(result.outcome, "value", result.outcome)) == "infra_error":
            raise RuntimeError(result.explanation or "sandbox infrastructure error")
    except Exception as err:  # noqa: BLE001 - any failure here is ours, not the candidate's
        log.exception("run %s failed on the infrastructure side", run_id)
        beat.stop.set()
        with database.begin() as s:
            again = runs.release_for_retry(s, run_id, token, f"{type(err).__name__}: {err}",
                                           settings.run_attempts)
        return "retry" if again else "error"
    finally:
        beat.stop.set()

    with database.begin() as s:
        recorded = runs.record(s, run_id, token, result, limits=limits_for(case).to_dict())
    if not recorded:
        log.warning("run %s: result of a stale attempt dropped", run_id)
    return "done" if recorded else "skip"


def _record_environments(database: Database) -> None:
    """Probe the present runtime images for the case pages' run-environment box (beside serving, not before)."""
    from .environments import record_present_images

    try:
        record_present_images(database, labels={WORKER_HOST_LABEL: socket.gethostname(),
                                                WORKER_PID_LABEL: str(os.getpid())})
    except Exception:  # noqa: BLE001 - no Docker or no image yet must not stop the worker from serving
        log.exception("could not record the runtime environments")


def serve(settings: Settings, workers: int = 2) -> None:
    """`caseportal worker`: sweep orphaned containers, re-queue interrupted runs, then consume."""
    from .jobs import build_queue

    database = Database(settings.database_url)
    queue = build_queue(settings, database)
    try:
        removed = sweep_dead_workers_containers()
        if removed:
            log.warning("removed %d orphaned sandbox containers", removed)
    except Exception:  # noqa: BLE001 - no Docker yet must not stop the worker from serving the queue
        log.exception("could not sweep orphaned containers")
    threading.Thread(target=_record_environments, args=(database,), daemon=True, name="probe-images").start()
    queue.recover(at_start=True)
    # Huey polls an empty SQLite queue with a growing pause (up to 10 s by default); a 0.1 s cap keeps a
    # candidate's "Run checks" snappy for the price of a cheap indexed query a few times a second. Redis
    # mode blocks on the list instead, so it wakes at once either way.
    consumer = queue.huey.create_consumer(workers=workers, worker_type="thread", periodic=True,
                                          initial_delay=0.02, backoff=1.2, max_delay=0.1)
    consumer.run()
