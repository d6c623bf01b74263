"""A warm pool of fresh sandboxes: hardened containers created and started ahead of need, each used for one run.

Creating and starting a container is most of a short run's time, so the pool does both ahead of need, per
runtime image, engine runtime and *shape* (sandbox/pool_shape.py: the sizes the engine cannot change on a running
container: the tmpfs folders, the ulimits, the results cap). A pooled container has the same hardening as a cold
one and its cp-entry already waits for its input. It is made with the CPU, memory and pids limits of the last run
that asked for its shape (caps, not reservations: an idle cp-entry uses about 10 MB), so the next run of the same
case claims it as it is; a run with other limits gets its own at claim (``engine.update_limits``). The runner
then sends the input as usual. A container serves exactly one
run and is removed after it: never reused, never shared.

The command and the environment are fixed when a container is created and differ between cases, so a pooled
container runs ``sh /case/.caseportal-command``: a root-owned, read-only file in the run's case files that
exports the run's environment and execs its command (same process, same exit code).

Any fault of the pool (a container that died while idle, an engine restart, limits the engine refuses) makes
``claim`` return None, and the runner starts a cold container instead: a pool fault never reaches the outcome.
"""

from __future__ import annotations

import collections
import dataclasses
import logging
import queue
import select
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import docker

from sandbox import engine
from sandbox.pool_shape import COMMAND_FILE, Shape, command_file, shape_of
from sandbox.spec import Limits, RunSpec

logger = logging.getLogger(__name__)

POOL_LABEL = "caseportal.sandbox.pool"
#: An idle container older than this is replaced, well before the workers' one-hour orphan sweep takes it.
MAX_IDLE_S = 1200.0
#: cp-entry of a pooled container waits this long for its input, then ends (a dead worker's pool ends itself);
#: longer than MAX_IDLE_S, so a live pool replaces its containers first.
INPUT_TIMEOUT_S = MAX_IDLE_S + 300
#: How often the refiller looks for containers that died while idle (after an engine restart, say).
HEALTH_EVERY_S = 10.0
#: Used containers waiting for removal beyond this are removed on the run's own path.
MAX_REMOVALS = 32
#: A shape whose containers fail to start this many times in a row is forgotten until a run asks again.
MAX_FAILURES = 3


@dataclass(frozen=True)
class Lease:
    """A claimed pooled container: send ``spec`` (the run's, plus the command file) to it, then remove it."""

    spec: RunSpec
    container_id: str
    volume: str | None  # None: /out is a tmpfs of the container (engine.container_options)
    sock: Any
    owner: Pool


@dataclass
class PoolStats:
    """Counters for tests and the benchmark. A fallback: a pooled container was there but unusable (run cold)."""

    hits: int = 0
    misses: int = 0
    fallbacks: int = 0
    created: int = 0
    create_errors: int = 0


#: The limits the engine can change on a running container: CPUs, memory (and swap) in MB, pids.
RunLimits = tuple[float, int, int]


def run_limits(limits: Limits) -> RunLimits:
    return (limits.cpus, limits.memory_mb, limits.pids)


@dataclass
class _Idle:
    shape: Shape
    container_id: str
    volume: str | None
    sock: Any
    created: float
    made_for: RunLimits  # the CPU, memory and pids limits it was created with


def _eof_or_output(sock: Any) -> bool:
    """An idle container prints nothing, so anything readable on its attach socket means it ended."""
    try:
        readable, _, _ = select.select([engine.raw_socket(sock)], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


class Pool:
    """Fresh, started sandboxes per shape, refilled by one background thread.

    ``size`` containers are kept ready for every shape a run asked for (at most ``max_shapes``, the least
    recently used one is dropped). ``labels`` go on every pooled container: the app's identity, so that a dead
    worker's pooled containers are swept like its other leftovers.
    """

    def __init__(self, size: int, *, labels: Mapping[str, str] | None = None, client: docker.DockerClient | None = None,
                 max_shapes: int = 4, max_idle_s: float = MAX_IDLE_S) -> None:
        if size < 1:
            raise ValueError("a pool needs a size of at least 1 (0 means no pool)")
        self.size, self.max_shapes, self.max_idle_s = size, max_shapes, max_idle_s
        self.labels = dict(labels or {})
        self.client = client if client is not None else engine.shared_client()
        self.stats = PoolStats()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._wanted: collections.OrderedDict[Shape, float] = collections.OrderedDict()  # shape -> not before
        self._made_for: dict[Shape, RunLimits] = {}  # the limits of the last run that asked for a shape
        self._failures: dict[Shape, int] = {}
        self._idle: dict[Shape, collections.deque[_Idle]] = {}
        self._trash: list[_Idle] = []  # idle containers of forgotten shapes, removed by the refiller
        self._creating: collections.Counter[Shape] = collections.Counter()  # containers being made, per shape
        self._makers: set[threading.Thread] = set()
        self._thread = threading.Thread(target=self._refill_loop, name="sandbox-pool", daemon=True)
        # Used containers, removed off the run's path (the result is back before the engine has cleaned up).
        self._used: queue.Queue[tuple[str, str | None] | None] = queue.Queue(maxsize=MAX_REMOVALS)
        self._removing = 0
        self._reaper = threading.Thread(target=self._reap_loop, name="sandbox-pool-reaper", daemon=True)

    def start(self) -> Pool:
        self._thread.start()
        self._reaper.start()
        return self

    def close(self) -> None:
        """Stop refilling and remove every idle container (a container in use is removed by its run)."""
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout=60)
        with self._lock:
            makers = list(self._makers)
        for maker in makers:  # each removes what it made once it sees the pool closing
            maker.join(timeout=60)
        if self._reaper.is_alive():
            self._used.put(None)  # after the removals already queued
            self._reaper.join(timeout=60)
        while not self._used.empty():  # a run that ended meanwhile queued its container behind the reaper's end
            if (left := self._used.get_nowait()) is not None:
                engine.remove(self.client, *left)
        with self._lock:
            idle = [item for waiting in self._idle.values() for item in waiting] + self._trash
            self._idle.clear()
            self._trash = []
            self._wanted.clear()
        for item in idle:
            self._discard(item, self.client)

    def warm(self, spec: RunSpec) -> bool:
        """Keep containers ready for runs like ``spec`` from now on; False when such runs cannot use the pool."""
        shape = shape_of(spec)
        if shape is None:
            return False
        with self._lock:
            self._want(shape, spec.limits)
        self._wake.set()
        return True

    def ready(self, timeout: float = 60.0) -> bool:
        """Wait until every wanted shape has ``size`` containers ready (for tests and the benchmark); shapes whose
        containers fail to start are left out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if self._removing == 0 and all(len(self._idle.get(s, ())) >= self.size for s in self._wanted
                                               if not self._failures.get(s)):
                    return True
            time.sleep(0.05)
        return False

    def idle_ids(self) -> list[str]:
        with self._lock:
            return [item.container_id for waiting in self._idle.values() for item in waiting]

    def claim(self, spec: RunSpec, client: docker.DockerClient) -> Lease | None:
        """A started container for ``spec`` with its limits applied, or None (then the runner goes cold)."""
        shape = shape_of(spec)
        script = command_file(spec)
        same_engine = client is self.client or client.api.base_url == self.client.api.base_url
        if shape is None or script is None or self._stop.is_set() or not same_engine:
            return None
        with self._lock:
            self._want(shape, spec.limits)
            waiting = self._idle.get(shape)
            item = waiting.popleft() if waiting else None
        self._wake.set()
        if item is None:
            self._count("misses")
            return None
        try:
            if _eof_or_output(item.sock):
                raise docker.errors.DockerException("the pooled container ended while idle")
            # Made with the limits of the runs that asked for its shape, so a case's runs need no update (a
            # runtime update costs the engine about 20 ms of CPU); a run with other limits gets its own.
            if item.made_for != run_limits(spec.limits):
                engine.update_limits(client, item.container_id, spec.limits)
                if not client.api.inspect_container(item.container_id).get("State", {}).get("Running"):
                    raise docker.errors.DockerException("the pooled container is not running")
        except engine.ENGINE_ERRORS as exc:
            logger.warning("pooled sandbox %s unusable, starting a cold one: %s", item.container_id[:12], exc)
            self._count("fallbacks")
            self._discard(item, client)
            return None
        self._count("hits")
        prepared = dataclasses.replace(spec, case_files={**spec.case_files, COMMAND_FILE: script})
        return Lease(prepared, item.container_id, item.volume, item.sock, self)

    def release(self, lease: Lease, client: docker.DockerClient) -> None:
        """After the run: remove its container in the background (at once if too many removals are waiting)."""
        with self._lock:
            self._removing += 1
        try:
            if self._stop.is_set():
                raise queue.Full  # closing: the reaper may be gone
            self._used.put_nowait((lease.container_id, lease.volume))
        except queue.Full:
            engine.remove(client, lease.container_id, lease.volume)
            with self._lock:
                self._removing -= 1

    def _reap_loop(self) -> None:
        while (item := self._used.get()) is not None:
            try:
                engine.remove(self.client, *item)
            finally:
                with self._lock:
                    self._removing -= 1

    def _count(self, name: str) -> None:
        with self._lock:
            setattr(self.stats, name, getattr(self.stats, name) + 1)

    def _want(self, shape: Shape, limits: Limits) -> None:
        """Mark ``shape`` as in demand by a run with ``limits`` (callers hold the lock); the least recently used
        shape beyond the cap goes."""
        self._made_for[shape] = run_limits(limits)
        if shape in self._wanted:
            self._wanted.move_to_end(shape)
            return
        self._wanted[shape] = 0.0
        self._failures.pop(shape, None)
        while len(self._wanted) > self.max_shapes:
            old, _ = self._wanted.popitem(last=False)
            self._made_for.pop(old, None)
            self._trash.extend(self._idle.pop(old, ()))

    def _next_shape(self) -> Shape | None:
        """A shape short of ``size`` (counting containers being made), while fewer than ``size`` are being made."""
        now = time.monotonic()
        with self._lock:
            if sum(self._creating.values()) >= self.size:
                return None
            for shape, not_before in self._wanted.items():
                if not_before <= now and len(self._idle.get(shape, ())) + self._creating[shape] < self.size:
                    self._creating[shape] += 1
                    return shape
        return None

    def _refill_loop(self) -> None:
        last_health = time.monotonic()
        while not self._stop.is_set():
            self._wake.clear()
            if time.monotonic() - last_health >= HEALTH_EVERY_S:
                self._drop_stale()
                last_health = time.monotonic()
            if self._trash:
                self._drop_stale()
            shape = self._next_shape()
            if shape is None:
                self._wake.wait(timeout=HEALTH_EVERY_S / 2)
                continue
            # Up to ``size`` containers are made at once: one after another, a burst of runs emptied the pool
            # faster than one thread refilled it, and those runs started cold.
            maker = threading.Thread(target=self._make, args=(shape,), name="sandbox-pool-make", daemon=True)
            with self._lock:
                self._makers.add(maker)
            maker.start()

    def _make(self, shape: Shape) -> None:
        """Make one container of ``shape`` for the idle list (removed at once if the pool closed or forgot it)."""
        item: _Idle | None = None
        try:
            item = self._create(shape)
        except engine.ENGINE_ERRORS as exc:
            self._failed(shape, exc)
        finally:
            with self._lock:
                self._creating[shape] -= 1
                keep = item is not None and not self._stop.is_set() and shape in self._wanted
                if keep and item is not None:
                    self._idle.setdefault(shape, collections.deque()).append(item)
                    self._failures.pop(shape, None)
                self._makers.discard(threading.current_thread())
            self._wake.set()
        if item is not None and not keep:
            self._discard(item, self.client)

    def _failed(self, shape: Shape, exc: BaseException) -> None:
        """Back off a shape whose containers do not start (the engine restarting, an image gone); then forget it."""
        self._count("create_errors")
        with self._lock:
            if self._wanted.get(shape, 0.0) > time.monotonic():
                return  # made at the same time as one that failed already: one failure per back-off
            failures = self._failures.get(shape, 0) + 1
            self._failures[shape] = failures
            if failures >= MAX_FAILURES:
                self._wanted.pop(shape, None)
            elif shape in self._wanted:
                self._wanted[shape] = time.monotonic() + min(30.0, 0.5 * 4 ** failures)
        logger.warning("could not start a pooled sandbox for %s (%d in a row): %s", shape.image, failures, exc)

    def _drop_stale(self) -> None:
        """Remove idle containers that ended (an engine restart ends them all) or are older than ``max_idle_s``."""
        now = time.time()
        with self._lock:
            stale = [item for waiting in self._idle.values() for item in waiting
                     if now - item.created > self.max_idle_s or _eof_or_output(item.sock)]
            for shape, waiting in list(self._idle.items()):
                self._idle[shape] = collections.deque(item for item in waiting if item not in stale)
            stale += self._trash
            self._trash = []
        for item in stale:
            self._discard(item, self.client)

    def _create(self, shape: Shape) -> _Idle:
        """Create, attach and start one container of ``shape``; whatever was made is removed on failure."""
        run_id = f"pool-{uuid.uuid4().hex}"
        with self._lock:
            made_for = self._made_for.get(shape, run_limits(shape.limits))
        limits = dataclasses.replace(shape.limits, cpus=made_for[0], memory_mb=made_for[1], pids=made_for[2])
        template = RunSpec(image=shape.image, command=("/bin/sh", f"/case/{COMMAND_FILE}"), limits=limits,
                           runtime=shape.runtime, labels={**self.labels, POOL_LABEL: "1"})
        client = self.client
        container_id: str | None = None
        sock: Any = None
        try:
            opts = engine.container_options(template, run_id, case_mb=shape.case_mb, input_timeout_s=INPUT_TIMEOUT_S)
            container_id = engine.create_container(client, opts)
            sock = client.api.attach_socket(container_id, params={"stdin": 1, "stdout": 1, "stderr": 1, "stream": 1})
            client.api.start(container_id)
        except BaseException:
            if sock is not None:
                engine.close_socket(sock)
            engine.remove(client, container_id, None)
            raise
        self._count("created")
        return _Idle(shape, container_id, None, sock, time.time(), made_for)

    def _discard(self, item: _Idle, client: docker.DockerClient) -> None:
        engine.close_socket(item.sock)
        engine.remove(client, item.container_id, item.volume)


# ---------------------------------------------------------------------- the process's pool

_active: Pool | None = None


def install(pool: Pool | None) -> None:
    """Make ``pool`` the one ``sandbox.run`` claims from in this process (None: every run starts cold)."""
    global _active
    _active = pool


def active() -> Pool | None:
    return _active


def claim(spec: RunSpec, client: docker.DockerClient) -> Lease | None:
    """What the runner calls: a warm container from the installed pool, or None."""
    pool = _active
    return pool.claim(spec, client) if pool is not None else None


def release(lease: Lease, client: docker.DockerClient) -> None:
    """What the runner calls after a pooled run, instead of removing the container itself."""
    lease.owner.release(lease, client)
