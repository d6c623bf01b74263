"""Execute one run attempt: claim the run, keep its lease alive, run the sandbox, record the result once.

Only the attempt holding the run's current claim token may record, so a run that a dead worker held and
recovery put back on the queue is still recorded exactly once. An infrastructure failure releases the run
for another attempt (``services.runs.release_for_retry``). The worker's warm pool of sandboxes
(``start_pool``/``stop_pool``, sandbox/pool.py) is wired here too. No Flask here: a worker on another machine
needs only the database URL, the queue URL and the cases folder.

A stopping worker hands its runs back (``worker.hand_back_runs``) while their threads may still be working, so
``stop_runs`` comes first: from then on this process starts no sandbox and its run threads write nothing to a run
(no claim, lease extension, result or retry), and the sweep after it finds every container the process will have.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

import docker

from sandbox import engine as sandbox_engine
from sandbox import pool as sandbox_pool
from sandbox import sweep_orphans

from .case_runs import execute, limits_for
from .casebook import Library, load_library
from .config import Settings
from .db import Database
from .models import CaseWork, Run, RunKind
from .services import case_versions, runs
from .worker_identity import WORKER_HOST_LABEL, WORKER_PID_LABEL, pid_alive, process_labels, worker_labels, worker_name

log = logging.getLogger("caseportal.worker")  # the worker process's log, as before the split

Result = Literal["done", "retry", "skip", "error"]

#: The worker process that owns a pooled sandbox. Not ``caseportal.worker.pid``: a pooled container belongs to
#: no run until it is claimed, and that label means "a run of this worker" (tests count those); a worker's start
#: sweeps a dead process's pooled containers by this label (``sweep_dead_pools``), as it does its runs'.
POOL_PID_LABEL = "caseportal.worker.pool-pid"


def pool_labels() -> dict[str, str]:
    """The labels of this process's pooled sandboxes: the worker's identity, with the pool's pid label."""
    labels = process_labels()
    labels[POOL_PID_LABEL] = labels.pop(WORKER_PID_LABEL)
    return labels


def sweep_dead_pools(client: docker.DockerClient | None = None) -> int:
    """Remove the pooled sandboxes (containers and volumes) of dead worker processes on this host."""
    client = client if client is not None else docker.from_env()
    host = socket.gethostname()
    wanted = {"label": [f"{WORKER_HOST_LABEL}={host}", POOL_PID_LABEL]}
    found = [*client.api.containers(all=True, filters=wanted),
             *(client.api.volumes(filters=wanted).get("Volumes") or [])]
    pids = {(item.get("Labels") or {}).get(POOL_PID_LABEL, "") for item in found}
    return sum(sweep_orphans(client, labels={WORKER_HOST_LABEL: host, POOL_PID_LABEL: pid})
               for pid in sorted(p for p in pids if p.isdigit() and not pid_alive(int(p))))


def pool_size_for(settings: Settings, threads: int) -> int:
    """Warm sandboxes per runtime: the setting, but at least one per run thread, so that as many runs as the
    worker takes at once all start warm (0 stays off)."""
    return max(settings.sandbox_pool_size, threads) if settings.sandbox_pool_size > 0 else 0


def start_pool(settings: Settings, threads: int = 1) -> sandbox_pool.Pool | None:
    """Start this worker process's warm pool and make every sandbox run claim from it; None when the size is 0.

    First the pooled sandboxes of dead workers on this host go. The pool then learns which runtimes this worker
    serves from the runs it gets (the first run of each is cold), so no worker keeps containers ready for
    runtimes it never sees. ``threads``: the worker's run threads (``pool_size_for``).
    """
    size = pool_size_for(settings, threads)
    if size <= 0:
        return None
    try:
        removed = sweep_dead_pools()
        if removed:
            log.warning("removed %d pooled sandboxes of dead workers", removed)
        warm = sandbox_pool.Pool(size, labels=pool_labels()).start()
    except Exception:  # noqa: BLE001 - no engine yet: every run starts cold, as without a pool
        log.exception("could not start the sandbox pool; runs start cold")
        return None
    sandbox_pool.install(warm)
    return warm


def stop_pool(warm: sandbox_pool.Pool | None) -> None:
    """Stop claiming from the pool and remove its idle containers."""
    if warm is None:
        return
    if sandbox_pool.active() is warm:
        sandbox_pool.install(None)
    warm.close()


_owner_lock = threading.Lock()
_handed_back = False


@contextmanager
def _owning() -> Iterator[bool]:
    """True while this process still owns its runs. A run thread writes to a run only inside this block, so once
    ``stop_runs`` returned no thread of this process changes a run again."""
    with _owner_lock:
        yield not _handed_back


def stop_runs(timeout_s: float = 30.0) -> None:
    """Before the runs are handed back: no run-thread write from now on, and no new sandbox (waiting for one
    being created, so that a sweep after this sees it)."""
    global _handed_back
    with _owner_lock:
        _handed_back = True
    if not sandbox_engine.GATE.close(timeout_s):
        log.warning("a sandbox was still being created after %.0f s; the next worker's start sweeps it", timeout_s)


def allow_runs() -> None:
    """Undo ``stop_runs`` (a worker starts with runs allowed; tests that stopped them in process call this)."""
    global _handed_back
    with _owner_lock:
        _handed_back = False
    sandbox_engine.GATE.reopen()


class _Heartbeat(threading.Thread):
    """Extends the run's lease while the sandbox works, so only a dead worker's run is taken over."""

    def __init__(self, database: Database, run_id: int, token: str, lease_s: int) -> None:
        super().__init__(daemon=True, name=f"heartbeat-{run_id}")
        self.database, self.run_id, self.token, self.lease_s = database, run_id, token, lease_s
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(max(1.0, self.lease_s / 3)):
            try:
                with _owning() as owned, self.database.begin() as s:
                    if not owned or not runs.heartbeat(s, self.run_id, self.token, self.lease_s):
                        return
            except Exception:  # noqa: BLE001 - a missed beat only shortens the lease
                log.exception("heartbeat failed for run %s", self.run_id)


_library_cache: dict[str, tuple[tuple[tuple[str, int, int], ...], Library]] = {}


def _library(root: Path) -> Library:
    """The case library, loaded again only when a file under it changed (a stat walk costs ~2 ms, a load ~80).

    Case authors' edits reach the next run; a run never sees a half-read library.
    """
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
    with _owning() as owned:
        if not owned:
            log.info("run %s not taken: this worker is stopping", run_id)
            return "retry"  # back on the queue for another worker
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
            sub = s.get(CaseWork, run.submission_id)  # real work or a warm-up: both run the same way
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
        beat.stop.set()
        with _owning() as owned:
            if not owned:  # handed back: the sandbox was refused or swept; the next worker runs it
                log.info("run %s handed back; this attempt ends here", run_id)
                return "skip"
            log.exception("run %s failed on the infrastructure side", run_id)
            with database.begin() as s:
                again = runs.release_for_retry(s, run_id, token, f"{type(err).__name__}: {err}",
                                               settings.run_attempts)
        return "retry" if again else "error"
    finally:
        beat.stop.set()

    with _owning() as owned:
        if not owned:  # a result from a sandbox the hand-back may have cut short: never the candidate's verdict
            log.warning("run %s handed back; its result is dropped", run_id)
            return "skip"
        with database.begin() as s:
            recorded = runs.record(s, run_id, token, result, limits=limits_for(case).to_dict())
    if not recorded:
        log.warning("run %s: result of a stale attempt dropped", run_id)
    return "done" if recorded else "skip"

