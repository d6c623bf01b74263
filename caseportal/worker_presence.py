"""A worker's heartbeat thread: every few seconds it writes this process's row (``services.status.beat``) with
whether its Docker engine answers, so ``/readyz``, ``/metrics`` and ``caseportal status`` see live workers on
any machine. A lost database only skips beats; the thread keeps trying.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable

from .db import Database
from .services import status

log = logging.getLogger("caseportal.worker")


def docker_ok() -> bool:
    """Whether this machine's Docker engine answers a ping."""
    try:
        import docker

        client = docker.from_env(timeout=5)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:  # noqa: BLE001 - any failure means "not usable", which is what the beat records
        return False


def process_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Presence(threading.Thread):
    """Beats until ``stop`` is set, then removes its row."""

    def __init__(self, database: Database, *, interval_s: float = status.BEAT_S,
                 probe: Callable[[], bool] = docker_ok, name: str | None = None) -> None:
        super().__init__(daemon=True, name="worker-presence")
        self.database, self.interval_s, self.probe = database, interval_s, probe
        self.worker = name or process_name()
        self.stop = threading.Event()

    def beat_once(self) -> bool:
        try:
            with self.database.begin() as s:
                status.beat(s, self.worker, docker_ok=self.probe())
            return True
        except Exception:  # noqa: BLE001 - a database outage skips a beat; the next one tries again
            log.warning("worker heartbeat failed; retrying in %.0f s", self.interval_s, exc_info=True)
            return False

    def run(self) -> None:
        self.beat_once()
        while not self.stop.wait(self.interval_s):
            self.beat_once()
        try:
            with self.database.begin() as s:
                status.leave(s, self.worker)
        except Exception:  # noqa: BLE001 - the row then fades out after status.LIVE_S
            log.warning("could not remove the worker heartbeat", exc_info=True)


def start(database: Database) -> Presence:
    presence = Presence(database)
    presence.start()
    return presence
