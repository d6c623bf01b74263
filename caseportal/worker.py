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

import docker

from sandbox import sweep_orphans

from .config import Settings
from .db import Database
from .environments import record_present_images
from .jobs import Queue, build_queue
from .services import runs
from .worker_identity import WORKER_HOST_LABEL, WORKER_PID_LABEL, pid_alive, process_labels
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


def _record_environments(database: Database) -> None:
    """Probe the present runtime images for the case pages' run-environment box (beside serving, not before)."""
    try:
        record_present_images(database, labels=process_labels())
    except Exception:  # noqa: BLE001 - no Docker or no image yet must not stop the worker from serving
        log.exception("could not record the runtime environments")


def hand_back_runs(queue: Queue) -> list[int]:
    """Put the runs this process still holds back on the queue, and remove their containers.

    Called when the consumer has stopped: after SIGTERM's grace ran out, or at once after SIGINT. The claim
    tokens do not change here, so a thread that still finishes records once; otherwise the next worker claims
    the expired lease and records it.
    """
    me = os.getpid()
    with queue.db().begin() as s:
        ids = runs.expire_dead_claims(s, socket.gethostname(), lambda pid: pid != me)
    for run_id in ids:
        log.warning("handing run %s back to the queue", run_id)
        queue.enqueue_run(run_id)
    if ids:
        try:
            sweep_orphans(docker.from_env(), labels=process_labels())
        except Exception:  # noqa: BLE001 - a later worker's start sweeps what is left
            log.exception("could not remove this worker's sandbox containers")
    return ids


def serve(settings: Settings, workers: int = 2) -> None:
    """`caseportal worker`: sweep orphaned containers, re-queue interrupted runs, then consume.

    SIGTERM is the graceful stop: runs in hand finish (up to ``worker_grace_seconds``) before the process exits;
    SIGINT stops at once. Either way, what is still held afterwards goes back on the queue (``hand_back_runs``).
    """
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
                                          initial_delay=0.02, backoff=1.2, max_delay=0.1,
                                          graceful_signal="TERM", shutdown_timeout=settings.worker_grace_seconds)
    presence = start_presence(database)  # the heartbeat that /metrics and `caseportal status` read
    consumer.run()
    presence.stop.set()
    presence.join(timeout=5)  # removes this worker's heartbeat row
    hand_back_runs(queue)
    database.dispose()
