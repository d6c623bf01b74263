"""Every Docker engine call of a run: the hardened container, limits, stats, kill, clean-up, sweeping.

The runner holds the order of these calls; this module holds what each one sends, so the hardening options
are read in one place (docs/sandbox.md explains each). One client serves the whole process (``shared_client``).
``out_volume_options`` remains for a caller that wants /out as a named volume; runs use a tmpfs.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import docker
import docker.errors
import requests
from docker.types import LogConfig, Mount, Ulimit

from sandbox.protocol import case_tmpfs_mb, size_mb
from sandbox.spec import Limits, RunSpec

logger = logging.getLogger(__name__)

LABEL = "caseportal.sandbox"
RUN_ID_LABEL = "caseportal.sandbox.run_id"
CREATED_LABEL = "caseportal.sandbox.created"
ENTRY = "/opt/caseportal/bin/cp-entry"
#: How cp-entry is started (by tini): a C program of the image (sandbox/images/common/cp-entry.c).
ENTRY_COMMAND = (ENTRY,)
SANDBOX_UID = 65534
RUNTIME_ENV = "CASEPORTAL_SANDBOX_RUNTIME"

#: The environment the contract fixes; a spec's env cannot override these.
FIXED_ENV = {"HOME": "/tmp", "MPLCONFIGDIR": "/tmp/.matplotlib", "CASEPORTAL_OUT": "/out", "CASEPORTAL_CASE": "/case",
             "CASEPORTAL_WORK": "/work"}
#: Seconds a ``docker update`` may take before the pool gives up on the container.
UPDATE_TIMEOUT_S = 10

#: What the engine raises when it, or the connection to it, fails: the run is then an infra_error.
ENGINE_ERRORS: tuple[type[BaseException], ...] = (docker.errors.DockerException,
                                                  requests.exceptions.RequestException)


class Stopping(docker.errors.DockerException):
    """This process stops taking runs: no new sandbox (an engine error to the runner, so the run ends as one)."""


class SandboxGate:
    """New sandboxes (created, or claimed warm) only while the gate is open.

    A stopping worker closes it before it sweeps its containers: ``close`` waits for a creation already in
    progress to end, and every later one is refused, so the sweep sees every container this process will have.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._open = True
        self._busy = 0

    @contextmanager
    def creating(self) -> Iterator[None]:
        with self._cond:
            if not self._open:
                raise Stopping("this worker is stopping; the run goes back to the queue")
            self._busy += 1
        try:
            yield
        finally:
            with self._cond:
                self._busy -= 1
                self._cond.notify_all()

    def close(self, timeout_s: float = 60.0) -> bool:
        """Refuse new sandboxes; True once no creation is in progress (False if one outlasted ``timeout_s``)."""
        with self._cond:
            self._open = False
            return self._cond.wait_for(lambda: self._busy == 0, timeout_s)

    def reopen(self) -> None:
        with self._cond:
            self._open = True

    @property
    def is_open(self) -> bool:
        with self._cond:
            return self._open


#: The one gate of this process; the runner enters it around every creation and warm claim.
GATE = SandboxGate()


def raw_socket(sock: Any) -> socket.socket:
    """docker-py returns a SocketIO for unix sockets; the real socket is ``_sock``."""
    raw: socket.socket = getattr(sock, "_sock", sock)
    return raw


def close_socket(sock: Any) -> None:
    """Close the attach socket and its raw socket; an attach stream nobody reads blocks the engine's kill."""
    raw_sock = raw_socket(sock)
    for closable in (sock, raw_sock):
        try:
            if closable is not None:
                closable.close()
        except OSError:
            pass


def labels_for(spec: RunSpec, run_id: str) -> dict[str, str]:
    """The spec's own labels plus ours, which let ``sweep_orphans`` find whatever a crashed worker left."""
    labels = dict(spec.labels)
    labels.update({LABEL: "1", RUN_ID_LABEL: run_id, CREATED_LABEL: str(int(time.time()))})
    return labels


def engine_runtime(spec: RunSpec) -> str | None:
    """The container runtime of a run: the spec's, else ``$CASEPORTAL_SANDBOX_RUNTIME``, else the engine's."""
    return spec.runtime or os.environ.get(RUNTIME_ENV) or None


def container_options(spec: RunSpec, run_id: str, out_volume: str | None = None, *, case_mb: int | None = None,
                      input_timeout_s: float | None = None) -> dict[str, Any]:
    """The hardened ``containers.create`` keyword arguments (docs/sandbox.md explains each).

    /out is a tmpfs of the container like the other folders: cp-entry sends it in-band after the end marker, so
    no volume has to outlive the run's processes (a per-run volume cost two engine calls and a mount).
    ``out_volume`` mounts a named volume there instead, for a caller that wants to read /out from outside. The
    pool sizes /case for runs yet to come (``case_mb``; otherwise it fits the spec's case files) and lets
    cp-entry wait for its input longer than its default (``input_timeout_s``).
    """
    lim = spec.limits
    runtime = engine_runtime(spec)
    # The folders are fixed by the contract, so the spec cannot move them.
    env = {"CASEPORTAL_CHECKS": "visible", **spec.env, **FIXED_ENV}
    mem = f"{lim.memory_mb}m"
    fsize = lim.fsize_mb * (1 << 20)
    case_mb = case_mb or case_tmpfs_mb(spec)
    opts: dict[str, Any] = {
        "image": spec.image,
        "entrypoint": list(ENTRY_COMMAND),
        "command": ["--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID), "--inline-out", str(lim.results_bytes),
                    "--max-input", str(2 * ((lim.work_mb + case_mb) << 20)),
                    *(("--input-timeout", f"{input_timeout_s:g}") if input_timeout_s is not None else ()),
                    "--", *spec.command],
        "user": "0:0",
        "working_dir": "/work",
        "environment": env,
        "labels": labels_for(spec, run_id),
        "hostname": "sandbox",
        "stdin_open": True,
        "tty": False,
        "network_mode": "none",
        "cap_drop": ["ALL"],
        "cap_add": ["SETUID", "SETGID"],
        "security_opt": ["no-new-privileges:true"],
        "read_only": True,
        "ipc_mode": "private",
        "shm_size": f"{lim.tmpfs_mb}m",
        "tmpfs": {
            "/tmp": f"rw,nosuid,nodev,size={lim.tmpfs_mb}m,mode=1777",
            "/work": f"rw,nosuid,nodev,size={lim.work_mb}m,mode=0755,uid={SANDBOX_UID},gid={SANDBOX_UID}",
            "/case": f"rw,nosuid,nodev,noexec,size={case_mb}m,mode=0755",
            **({} if out_volume else {"/out": out_tmpfs(lim)}),
        },
        "mounts": [Mount(target="/out", source=out_volume, type="volume")] if out_volume else [],
        "mem_limit": mem,
        "memswap_limit": mem,
        "oom_score_adj": 500,
        "nano_cpus": nano_cpus(lim),
        "pids_limit": lim.pids,
        "ulimits": [Ulimit(name="nofile", soft=lim.nofile, hard=lim.nofile),
                    Ulimit(name="fsize", soft=fsize, hard=fsize),
                    Ulimit(name="core", soft=0, hard=0)],
        "init": True,
        "log_config": LogConfig(type=LogConfig.types.NONE),
        "detach": True,
    }
    if runtime:
        opts["runtime"] = runtime
    return opts


def nano_cpus(limits: Limits) -> int:
    return int(limits.cpus * 1e9)


def update_limits(client: docker.DockerClient, container_id: str, limits: Limits) -> None:
    """Apply a run's CPU, memory and pids limits to a running container (``docker update``), in one call.

    The SDK's ``Container.update`` has cpu_period/cpu_quota, mem_limit and memswap_limit, but no nano_cpus and
    no pids_limit. The engine refuses a CFS quota on a container created with nano_cpus (as every sandbox is),
    so the same endpoint is called with NanoCpus, Memory, MemorySwap and PidsLimit: one request, one runtime
    update. Raises an engine error when the engine refuses (the pool then starts a cold container instead).
    """
    mem = limits.memory_mb << 20
    url = f"{client.api.base_url}/v{client.api.api_version}/containers/{container_id}/update"
    response = client.api.post(url, json={"NanoCpus": nano_cpus(limits), "Memory": mem, "MemorySwap": mem,
                                          "PidsLimit": limits.pids}, timeout=UPDATE_TIMEOUT_S)
    if response.status_code >= 400:
        raise docker.errors.APIError(f"the engine refused the limits: {response.text.strip()[:300]}",
                                     response=response)


def out_tmpfs(limits: Limits) -> str:
    """/out's mount options: size-capped by results_bytes, owned by the sandbox uid, nothing executable."""
    return (f"rw,nosuid,nodev,noexec,size={size_mb(limits.results_bytes)}m,mode=0755,uid={SANDBOX_UID},"
            f"gid={SANDBOX_UID}")


def out_volume_options(spec: RunSpec, run_id: str) -> dict[str, Any]:
    """/out: a tmpfs-backed local volume, size-capped by results_bytes and owned by the sandbox uid."""
    return {
        "name": f"caseportal-out-{run_id}",
        "driver": "local",
        "driver_opts": {"type": "tmpfs", "device": "tmpfs",
                        "o": f"size={size_mb(spec.limits.results_bytes)}m,mode=0755,uid={SANDBOX_UID},"
                             f"gid={SANDBOX_UID},nosuid,nodev,noexec"},
        "labels": labels_for(spec, run_id),
    }


def peak_memory(client: docker.DockerClient, container_id: str) -> int | None:
    """The cgroup's peak memory from the engine, for images whose marker does not carry it; None if unknown."""
    try:
        stats = client.api.stats(container_id, stream=False, one_shot=True)
    except ENGINE_ERRORS:
        return None
    value = (stats or {}).get("memory_stats", {}).get("max_usage")
    return int(value) if value else None


def kill(client: docker.DockerClient, container_id: str) -> None:
    """Kill the container; one that already stopped (or is gone) is not an error."""
    try:
        client.api.kill(container_id)
    except docker.errors.APIError as exc:  # already stopped is fine
        if exc.status_code not in (404, 409):
            raise


def remove(client: docker.DockerClient, container_id: str | None, volume: str | None) -> None:
    """Best effort: leftovers are caught by sweep_orphans at the next worker start."""
    if container_id:
        try:
            client.api.remove_container(container_id, force=True, v=True)
        except docker.errors.NotFound:
            pass
        except ENGINE_ERRORS as exc:
            logger.warning("could not remove sandbox container %s: %s", container_id[:12], exc)
    if volume:
        for attempt in range(5):
            try:
                client.api.remove_volume(volume, force=True)
                break
            except docker.errors.NotFound:
                break
            except ENGINE_ERRORS as exc:
                if attempt == 4:
                    logger.warning("could not remove sandbox volume %s: %s", volume, exc)
                time.sleep(0.2)


def oom_from_events(client: docker.DockerClient, container_id: str) -> bool:
    """Fallback when State.OOMKilled is not set: look for an 'oom' event of this container."""
    try:
        since = int(time.time()) - 3600
        events = client.api.events(since=since, until=int(time.time()) + 1, decode=True,
                                   filters={"container": container_id, "event": "oom"})
        try:
            return any(True for _ in events)
        finally:
            events.close()
    except ENGINE_ERRORS:
        return False


def sweep_orphans(client: docker.DockerClient | None = None, older_than_s: float = 0.0,
                  labels: Mapping[str, str] | None = None) -> int:
    """Remove sandbox containers and volumes left by a crashed worker; returns how many were removed.

    Call at worker start. On an engine shared by several workers, ``older_than_s`` spares runs
    younger than that and ``labels`` (extra labels given in ``RunSpec.labels``) narrows the sweep
    to one worker's runs.
    """
    client = client if client is not None else docker.from_env()
    now = time.time()
    removed = 0
    wanted = [f"{LABEL}=1", *(f"{k}={v}" for k, v in (labels or {}).items())]

    def old_enough(labels: Mapping[str, str] | None) -> bool:
        try:
            return now - float((labels or {}).get(CREATED_LABEL, "0")) >= older_than_s
        except ValueError:
            return True

    for info in client.api.containers(all=True, filters={"label": wanted}):
        if old_enough(info.get("Labels")):
            remove(client, info["Id"], None)
            removed += 1
    for vol in client.api.volumes(filters={"label": wanted}).get("Volumes") or []:
        if old_enough(vol.get("Labels")):
            remove(client, None, vol["Name"])
            removed += 1
    return removed


# ---------------------------------------------------------------------- one client per process

#: Connections the shared client keeps per engine: run threads, the pool's refiller and reaper at once.
CLIENT_POOL_SIZE = 32
_client_lock = threading.Lock()
_client: tuple[int, docker.DockerClient] | None = None


def shared_client() -> docker.DockerClient:
    """This process's Docker client, made once: a new client per run asked the engine for its version and opened
    a new connection each time (10 ms idle, 70 ms under load, on every run's path). A forked child gets its own."""
    global _client
    with _client_lock:
        if _client is None or _client[0] != os.getpid():
            _client = (os.getpid(), docker.from_env(max_pool_size=CLIENT_POOL_SIZE))
        return _client[1]


def create_container(client: docker.DockerClient, options: Mapping[str, Any]) -> str:
    """Create a container from ``container_options`` and return its id, in one engine call.

    ``client.containers.create`` inspects the new container after creating it, for a model object the runner
    never uses; this is the same translation of the options without that second call.
    """
    from docker.models import containers as models

    to_args = getattr(models, "_create_container_args", None)  # the SDK's own translation, used by create()
    if to_args is None:  # an SDK without it: the two calls
        container_id = client.containers.create(**options).id
    else:
        created = client.api.create_container(**to_args({**options, "version": client.api.api_version}))
        container_id = created.get("Id") if isinstance(created, dict) else None
    if not container_id:
        raise docker.errors.DockerException("the engine created a container without an id")
    return str(container_id)
