"""The worker process: `caseportal worker` sweeps what dead workers left, records the runtime images, recovers
interrupted runs and then consumes the queue.

Only workers get the Docker socket. Executing one run is ``run_executor``; the queue is ``jobs``. No Flask
here: a worker on another machine needs only the database URL, the queue URL and the cases folder.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time

import docker

from sandbox import sweep_orphans
from sandbox.engine import CREATED_LABEL, LABEL

from .config import Settings
from .db import Database
from .environments import record_present_images
from .jobs import Queue, build_queue
from .recovery import Recovery
from .run_executor import allow_runs, pool_labels, start_pool, stop_pool, stop_runs
from .services import runs, status
from .worker_identity import (
    DEPLOYMENT_LABEL,
    WORKER_HOST_LABEL,
    WORKER_PID_LABEL,
    deployment,
    pid_alive,
    process_labels,
    set_deployment,
)
from .worker_presence import start as start_presence

log = logging.getLogger("caseportal.worker")

#: Containers older than this are orphans whoever started them: no run lives that long.
ORPHAN_AGE_S = 3600.0


def sweep_dead_workers_containers() -> int:
    """Remove containers of dead worker processes on this host, and any sandbox container past ORPHAN_AGE_S.

    Live workers sharing the engine keep their containers: only a dead owner's (or an ancient) one goes.
    """
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


def sweep_gone_workers(database: Database, client: docker.DockerClient | None = None) -> int:
    """Remove the sandbox containers and volumes of worker processes that are gone, on any live worker's tick.

    Gone: a dead process on this host, or a worker of this deployment silent for ``status.LIVE_S`` (killed on
    another machine, paused, cut off) whose sandboxes are older than that. This process's own are never swept.
    """
    client = client if client is not None else docker.from_env()
    with database.begin() as s:
        live = {w.name for w in status.live_workers(s)}
    host, me, now = socket.gethostname(), str(os.getpid()), time.time()
    owners: dict[tuple[str, str], float] = {}
    found = [*client.api.containers(all=True, filters={"label": [f"{LABEL}=1", WORKER_PID_LABEL]}),
             *(client.api.volumes(filters={"label": [f"{LABEL}=1", WORKER_PID_LABEL]}).get("Volumes") or [])]
    for item in found:
        labels = item.get("Labels") or {}
        owner = (labels.get(WORKER_HOST_LABEL, ""), labels.get(WORKER_PID_LABEL, ""))
        if owner == (host, me) or not owner[1].isdigit():
            continue
        if owner[0] == host and not pid_alive(int(owner[1])):
            owners[owner] = 0.0
        elif labels.get(DEPLOYMENT_LABEL) == deployment() != "" and f"{owner[0]}:{owner[1]}" not in live:
            try:
                age = now - float(labels.get(CREATED_LABEL, "0"))
            except ValueError:
                age = float("inf")
            if age > status.LIVE_S:
                owners[owner] = age
    removed = 0
    for owner_host, pid in sorted(owners):
        removed += sweep_orphans(client, labels={WORKER_HOST_LABEL: owner_host, WORKER_PID_LABEL: pid})
    if removed:
        log.warning("removed %d sandbox containers and volumes of gone workers %s", removed, sorted(owners))
    return removed


def start_recovery(queue: Queue, database: Database, slots: int) -> Recovery:
    """The thread that restarts interrupted runs ahead of the backlog and sweeps gone workers' sandboxes."""
    tick = min(1.0, max(0.2, queue.settings.run_lease_seconds / 10))
    recovery = Recovery(queue, slots=slots, tick_s=tick, sweep_s=min(10.0, status.BEAT_S),
                        sweeper=lambda: sweep_gone_workers(database))
    recovery.start()
    return recovery


def stop_recovery(recovery: Recovery, graceful: bool, grace_s: float) -> None:
    """After the consumer stopped: a graceful stop lets recovered runs finish too; the rest are handed back."""
    recovery.finish(grace_s if graceful else 0.0)


def _record_environments(database: Database) -> None:
    """Probe the present runtime images for the case pages' run-environment box (beside serving, not before)."""
    try:
        record_present_images(database, labels=process_labels())
    except Exception:  # noqa: BLE001 - no Docker or no image yet must not stop the worker from serving
        log.exception("could not record the runtime environments")


def hand_back_runs(queue: Queue) -> list[int]:
    """Put the runs this process still holds back on the queue, and remove their containers.

    Called when the consumer has stopped: after SIGTERM's grace ran out, or at once after SIGINT. Run threads may
    still be working, so ``stop_runs`` comes first: they start no sandbox after it (one being created is waited
    for, so the sweep below finds it) and write nothing to a run, so a result cut short by the sweep is never
    recorded and a lease is not extended again. The next worker claims the expired lease and records the run.
    """
    stop_runs()
    me = os.getpid()
    with queue.db().begin() as s:
        ids = runs.expire_dead_claims(s, socket.gethostname(), lambda pid: pid != me)
    for run_id in ids:
        log.warning("handing run %s back to the queue", run_id)
        queue.enqueue_run(run_id)
    if ids:
        _sweep_own(process_labels())
    return ids


def _sweep_own(labels: dict[str, str]) -> None:
    try:
        sweep_orphans(docker.from_env(), labels=labels)
    except Exception:  # noqa: BLE001 - a later worker's start sweeps what is left
        log.exception("could not remove this worker's sandbox containers")


def serve(settings: Settings, workers: int = 2) -> None:
    """`caseportal worker`: sweep orphaned containers, re-queue interrupted runs, then consume.

    SIGTERM is the graceful stop: runs in hand finish (up to ``worker_grace_seconds``) before the process exits;
    SIGINT stops at once. Either way, what is still held afterwards goes back on the queue (``hand_back_runs``).
    """
    allow_runs()
    database = Database(settings.database_url)
    set_deployment(settings.database_url)
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
                                          initial_delay=0.02, backoff=1.2, max_delay=0.1,
                                          graceful_signal="TERM", shutdown_timeout=settings.worker_grace_seconds)
    warm_pool = start_pool(settings, workers)  # fresh sandboxes started ahead of need (sandbox/pool.py)
    presence = start_presence(database)  # the heartbeat that /metrics and `caseportal status` read
    recovery = start_recovery(queue, database, workers)
    consumer.run()
    stop_recovery(recovery, bool(getattr(consumer, "_graceful", False)), settings.worker_grace_seconds)
    presence.stop.set()
    presence.join(timeout=5)  # removes this worker's heartbeat row
    handed = hand_back_runs(queue)
    stop_pool(warm_pool)
    if handed and warm_pool is not None:
        _sweep_own(pool_labels())  # warm sandboxes a handed-back run still held (close() leaves those to the run)
    database.dispose()
