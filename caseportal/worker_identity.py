"""Who a worker is on its host: the name on the runs it claims, the labels on its sandbox containers, and
whether a holder is still alive.

A run's claim and its container both carry the worker's host and pid, so that a restarted worker can take
over what a dead process on the same host held (``jobs.Queue.recover``) and remove its containers
(``worker.sweep_dead_workers_containers``) without touching a live worker's. Kept apart from both sides so
that the queue, the executor and the worker process can all use it without importing each other.
"""

from __future__ import annotations

import hashlib
import os
import socket
import threading

WORKER_HOST_LABEL = "caseportal.worker.host"
WORKER_PID_LABEL = "caseportal.worker.pid"
RUN_LABEL = "caseportal.run"
#: Which deployment (database) a worker serves: a live worker only sweeps silent workers of its own, so that two
#: deployments (or two test sessions) sharing a Docker engine never remove each other's sandboxes.
DEPLOYMENT_LABEL = "caseportal.deployment"
_deployment: dict[str, str] = {}


def set_deployment(database_url: str) -> None:
    """Name this process's deployment after its database (hashed: the URL may hold a password)."""
    _deployment["id"] = hashlib.sha256(database_url.encode()).hexdigest()[:16]


def deployment() -> str:
    return _deployment.get("id", "")


def worker_name() -> str:
    """``host:pid:thread``, the holder written on a claimed run (``services.runs.expire_dead_claims`` parses it)."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def process_labels() -> dict[str, str]:
    """Labels that tie a container to this worker process, so a restart can sweep just its orphans."""
    labels = {WORKER_HOST_LABEL: socket.gethostname(), WORKER_PID_LABEL: str(os.getpid())}
    if deployment():
        labels[DEPLOYMENT_LABEL] = deployment()
    return labels


def worker_labels(run_id: int) -> dict[str, str]:
    """The process's labels plus the run's, for the sandbox containers of one run."""
    return {**process_labels(), RUN_LABEL: str(run_id)}


def pid_alive(pid: int) -> bool:
    """Whether a process with this pid exists on this host (one we may not signal exists too)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
