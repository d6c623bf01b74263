"""Faults heal in seconds: a thread in every worker that restarts interrupted runs and removes gone workers'
sandboxes, beside the run queue rather than in it.

A recovery job on the queue would wait behind the whole backlog (a killed worker's runs were taken up again
minutes after their lease ran out), so this thread looks at the database itself every ``tick_s``: a run whose
lease expired (its worker was killed, paused or cut off) is claimed and executed here at once, in a slot of
its own, ahead of every run that has not started; ``runs.claim`` counts the restart on the run so the
candidate's page says what happens. Every ``sweep_s`` it removes the containers and volumes of workers that
are gone (``worker.sweep_gone_workers``), and when the queue is idle it re-queues runs whose job never
arrived. Runs that merely wait are left alone: only an expired lease means interrupted.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from .jobs import Queue
from .services import runs

log = logging.getLogger("caseportal.worker")


class Recovery(threading.Thread):
    """Restarts interrupted runs at once (up to ``slots`` at a time) and sweeps gone workers' sandboxes."""

    def __init__(self, queue: Queue, *, slots: int = 2, tick_s: float = 1.0, sweep_s: float = 10.0,
                 sweeper: Callable[[], int] | None = None) -> None:
        super().__init__(daemon=True, name="run-recovery")
        self.queue, self.slots, self.tick_s, self.sweep_s, self.sweeper = queue, slots, tick_s, sweep_s, sweeper
        self.stop = threading.Event()
        self._busy: set[int] = set()
        self._lock = threading.Lock()

    def run(self) -> None:
        next_sweep = next_lost = 0.0
        while not self.stop.is_set():
            now = time.monotonic()
            self._guard("take over interrupted runs", self.take_over)
            if now >= next_lost:
                self._guard("re-queue lost jobs", self.queue.requeue_lost)
                next_lost = now + max(5.0, self.queue.settings.run_lease_seconds / 2)
            if self.sweeper is not None and now >= next_sweep:
                self._guard("sweep gone workers' sandboxes", self.sweeper)
                next_sweep = now + self.sweep_s
            self.stop.wait(self.tick_s)

    def _guard(self, what: str, step: Callable[[], object]) -> None:
        try:
            step()
        except Exception:  # noqa: BLE001 - a database or engine outage skips a tick; the next one tries again
            log.warning("recovery could not %s; retrying", what, exc_info=True)

    def take_over(self) -> list[int]:
        """Start the runs whose lease expired in free slots of this thread; returns the ids started."""
        with self.queue.db().begin() as s:
            ids = runs.interrupted_run_ids(s)
        started = []
        for run_id in ids:
            with self._lock:
                if len(self._busy) >= self.slots or run_id in self._busy:
                    continue
                self._busy.add(run_id)
            log.warning("run %s lost its worker; starting it again here", run_id)
            threading.Thread(target=self._execute, args=(run_id,), daemon=True, name=f"recover-{run_id}").start()
            started.append(run_id)
        return started

    def _execute(self, run_id: int) -> None:
        try:
            if self.queue.executor(self.queue.settings, self.queue.db(), run_id) == "retry":
                self.queue.enqueue_run(run_id, delay=5)
        except Exception:  # noqa: BLE001 - the lease expires again and the next tick retries
            log.exception("recovering run %s failed", run_id)
        finally:
            with self._lock:
                self._busy.discard(run_id)

    def busy(self) -> int:
        with self._lock:
            return len(self._busy)

    def finish(self, timeout_s: float) -> None:
        """Stop ticking and give runs in hand up to ``timeout_s`` to finish (the rest are handed back)."""
        self.stop.set()
        deadline = time.monotonic() + timeout_s
        while self.busy() and time.monotonic() < deadline:
            time.sleep(0.1)
