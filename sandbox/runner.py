"""Run one RunSpec in a hardened, throw-away Docker container and classify how it ended.

Lifecycle: create (out volume + container) -> attach -> start -> feed files on stdin -> stream output
until the end marker / timeout / output cap -> read /out through the archive API -> kill -> remove.
Removal is in ``finally``. See docs/sandbox.md for why each hardening option is there.

Copy-in: the root filesystem is read-only and /work, /case, /tmp are size-capped tmpfs mounts, which
``put_archive`` cannot write into. The files therefore travel on the container's stdin as a tar (with a
one-line header carrying a per-run nonce) and the image's entry wrapper ``cp-entry`` unpacks them (see
sandbox/images/base/cp-entry). /out is a per-run tmpfs-backed volume: unlike a container tmpfs, the
archive API can read it, but only while the container runs, so cp-entry lingers after the command
and signals completion with the nonce marker, which the candidate cannot forge.
"""

from __future__ import annotations

import base64
import io
import json
import logging
import math
import os
import secrets
import select
import socket
import struct
import tarfile
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import docker
import docker.errors
import requests
from docker.types import LogConfig, Mount, Ulimit

from sandbox.spec import CHECK_STATUSES, CheckResult, Limits, Outcome, RunResult, RunSpec

logger = logging.getLogger(__name__)

LABEL = "caseportal.sandbox"
RUN_ID_LABEL = "caseportal.sandbox.run_id"
CREATED_LABEL = "caseportal.sandbox.created"
ENTRY = "/opt/caseportal/bin/cp-entry"
SANDBOX_UID = 65534
RUNTIME_ENV = "CASEPORTAL_SANDBOX_RUNTIME"
#: Seconds cp-entry keeps the container alive after the command so /out can be read.
LINGER_S = 60
#: Grace for engine calls (start, kill, wait) on top of the run's own timeout.
ENGINE_GRACE_S = 15.0
#: How long a container whose entry process already sent everything may take to exit before it is killed.
EXIT_WAIT_S = 5.0
MAX_CHECKS = 2000
MAX_MESSAGE = 10_000

_ERRORS: tuple[type[BaseException], ...] = (docker.errors.DockerException, requests.exceptions.RequestException)


class OutputTooLarge(Exception):
    """The /out archive was bigger than Limits.results_bytes allows."""


# --------------------------------------------------------------------------- pure helpers (unit-tested)


def pack_input(spec: RunSpec, nonce: str) -> bytes:
    """The stdin payload for cp-entry: ``CPIN1 <nonce> <len>\\n`` + a tar of case/ and work/ files."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for prefix, files in (("case", spec.case_files), ("work", spec.files)):
            for path, content in sorted(files.items()):
                info = tarfile.TarInfo(f"{prefix}/{path}")
                info.size = len(content)
                info.mode = 0o644
                info.mtime = int(time.time())
                tar.addfile(info, io.BytesIO(content))
    data = buf.getvalue()
    return f"CPIN1 {nonce} {len(data)}\n".encode("ascii") + data


def _mb(n_bytes: int) -> int:
    return max(1, math.ceil(n_bytes / (1 << 20)))


def case_tmpfs_mb(spec: RunSpec) -> int:
    """/case only needs room for the case files (plus slack for directory entries)."""
    total = sum(len(c) for c in spec.case_files.values()) + 4096 * (len(spec.case_files) + 1)
    return _mb(total) + 1


def check_input_fits(spec: RunSpec) -> None:
    """Reject a submission that cannot fit into /work before starting anything."""
    work_total = sum(len(c) for c in spec.files.values())
    if work_total > spec.limits.work_mb * (1 << 20):
        raise ValueError(f"submission files ({work_total} bytes) exceed the {spec.limits.work_mb} MB work folder")


@dataclass
class OutArchive:
    """What a run left in /out, read from the archive without touching any filesystem."""

    results: bytes | None = None
    artifacts: dict[str, bytes] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def parse_out_archive(data: bytes) -> OutArchive:
    """Parse the tar of /out in memory. Only regular files count: links and devices planted by a
    submission are skipped (never followed), so nothing outside /out can leak into the result."""
    out = OutArchive()
    try:
        tar = tarfile.open(fileobj=io.BytesIO(data), mode="r:")
        members = tar.getmembers()
    except (tarfile.TarError, EOFError) as exc:
        out.problems.append(f"the output archive could not be read ({exc})")
        return out
    for member in members:
        parts = [p for p in member.name.split("/") if p not in ("", ".")]
        if not parts or ".." in parts:
            continue
        if parts[0] == "out":
            parts = parts[1:]
        if not parts:
            continue
        rel = "/".join(parts)
        if rel == "results.json":
            if not member.isreg():
                out.problems.append("results.json was not a regular file (a link or special file), so it was ignored")
                continue
            fh = tar.extractfile(member)
            out.results = fh.read() if fh else None
        elif parts[0] == "artifacts" and len(parts) > 1:
            if member.isreg():
                fh = tar.extractfile(member)
                if fh is not None:
                    out.artifacts["/".join(parts[1:])] = fh.read()
            elif not member.isdir():
                out.problems.append(f"artifact {'/'.join(parts[1:])!r} is not a regular file and was ignored")
    return out


def parse_results(raw: bytes) -> tuple[tuple[CheckResult, ...], dict[str, float]]:
    """Validate results.json (docs/sandbox-contract.md); raises ValueError when it is unusable."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ValueError(f"results.json is not valid JSON ({exc})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("checks", []), list):
        raise ValueError("results.json must be an object with a 'checks' list")
    checks: list[CheckResult] = []
    for item in data.get("checks", [])[:MAX_CHECKS]:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise ValueError("every check in results.json needs a 'name'")
        status = item.get("status")
        if status not in CHECK_STATUSES:
            raise ValueError(f"check {item['name']!r} has an unknown status {status!r}")
        message = item.get("message", "")
        checks.append(CheckResult(name=item["name"][:500], status=status,
                                  message=(message if isinstance(message, str) else str(message))[:MAX_MESSAGE],
                                  visible=bool(item.get("visible", True))))
    metrics: dict[str, float] = {}
    raw_metrics = data.get("metrics", {}) or {}
    if not isinstance(raw_metrics, dict):
        raise ValueError("'metrics' in results.json must be an object")
    for name, value in list(raw_metrics.items())[:MAX_CHECKS]:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            continue
        metrics[str(name)[:200]] = float(value)
    return tuple(checks), metrics


def _fmt_seconds(value: float) -> str:
    return f"{value:g}"


def _fmt_bytes(value: int) -> str:
    if value >= 1_000_000:
        return f"{value / 1_000_000:g} MB"
    if value >= 1_000:
        return f"{value / 1_000:g} kB"
    return f"{value} bytes"


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome
    explanation: str
    checks: tuple[CheckResult, ...] = ()
    metrics: Mapping[str, float] = field(default_factory=dict)


def classify(*, limits: Limits, stopped_for: str | None, oom_killed: bool, exit_code: int | None,
             out: OutArchive | None) -> Verdict:
    """Decide the outcome. Order matters: limits we enforced first, then OOM, then the results."""
    if stopped_for == "timeout":
        return Verdict(Outcome.timeout,
                       f"Your code ran longer than the {_fmt_seconds(limits.timeout_s)} s limit and was stopped.")
    if stopped_for == "output":
        return Verdict(Outcome.output_limit,
                       f"Your code printed more than the {_fmt_bytes(limits.output_bytes)} output limit and was "
                       "stopped. Print less, for example nothing inside long loops.")
    if oom_killed:
        return Verdict(Outcome.oom, f"Your code used more than the {limits.memory_mb} MB memory limit and was stopped.")
    problems = list(out.problems) if out else []
    if out is not None and out.results is not None:
        try:
            checks, metrics = parse_results(out.results)
        except ValueError as exc:
            problems.append(str(exc))
        else:
            counted = [c for c in checks if c.counts]
            bad = [c for c in counted if c.status != "passed"]
            if bad:
                return Verdict(Outcome.failed, f"{len(bad)} of {len(counted)} checks did not pass.", checks, metrics)
            text = (f"All {len(counted)} checks passed." if counted
                    else "The run finished; there were no checks to count.")
            return Verdict(Outcome.passed, text, checks, metrics)
    detail = f" ({'; '.join(problems)})" if problems else ""
    if problems and any("results.json" in p for p in problems):
        return Verdict(Outcome.crashed, f"The checks did not produce a usable results file{detail}.")
    if exit_code == 128 + 25:  # SIGXFSZ
        return Verdict(Outcome.crashed,
                       f"Your code wrote a file larger than the {limits.fsize_mb} MB limit and was stopped.")
    if exit_code == 127:
        return Verdict(Outcome.crashed, f"The check command could not be started{detail}.")
    if exit_code is not None and exit_code > 128:
        return Verdict(Outcome.crashed,
                       f"Your code was stopped by signal {exit_code - 128} before the checks could report results"
                       f"{detail}.")
    if exit_code:
        return Verdict(Outcome.crashed,
                       f"Your code stopped with exit code {exit_code} before the checks could report results{detail}.")
    return Verdict(Outcome.crashed, f"The run finished but the checks did not report any results{detail}.")


# --------------------------------------------------------------------------- output stream


class _Stream:
    """Demultiplexes Docker's attach stream (8-byte frame headers) with bounded memory."""

    def __init__(self, nonce: str, cap: int) -> None:
        self.out = bytearray()
        self.err = bytearray()
        self.cap = cap
        self.marker = f"\n{nonce} exit=".encode("ascii")
        self.slack = len(self.marker) + 80  # the marker line: nonce, exit code, peak, out size
        self.exit_code: int | None = None
        self.peak_memory: int | None = None
        #: /out as a tar, when the entry process sent it after the marker (None: read it through the engine)
        self.inline_out: bytes | None = None
        self.inline_too_large = False
        self._tail: bytearray | None = None
        self._tail_left = 0
        self.done = False
        self._header = bytearray()
        self._remaining = 0
        self._target = self.out

    @property
    def total(self) -> int:
        return len(self.out) + len(self.err)

    @property
    def over_cap(self) -> bool:
        return self.total > self.cap + self.slack

    def feed(self, data: bytes) -> None:
        view = memoryview(data)
        while view and not self.done:
            if self._tail is not None and self._remaining and self._target is self.out:
                take = view[: min(self._remaining, self._tail_left)]
                view = view[len(take):]
                self._remaining -= len(take)
                self._take_tail(bytes(take))
                continue
            if self._remaining == 0:
                need = 8 - len(self._header)
                self._header += view[:need]
                view = view[need:]
                if len(self._header) == 8:
                    kind, size = struct.unpack(">BxxxL", bytes(self._header))
                    self._header.clear()
                    self._remaining = size
                    self._target = self.out if kind == 1 else self.err
                continue
            take = view[: self._remaining]
            view = view[len(take):]
            self._remaining -= len(take)
            room = self.cap + self.slack + 1 - self.total
            if self._target is self.out:
                # Look for the marker in the whole chunk (what follows it is the in-band /out, which has
                # its own size), then keep only as much of the run's own output as the cap allows.
                start = max(0, len(self.out) - self.slack)
                self.out += take
                self._find_marker(start)
                keep = max(0, self.cap + self.slack + 1 - len(self.err))
                if len(self.out) > keep:
                    del self.out[keep:]
            elif room > 0:
                self.err += take[:room]

    def _find_marker(self, start: int) -> None:
        idx = self.out.find(self.marker, start)
        if idx < 0:
            return
        end = self.out.find(b"\n", idx + len(self.marker))
        if end < 0:
            return
        fields = bytes(self.out[idx + len(self.marker): end]).split()  # b"N" [b"peak=BYTES"]
        try:
            self.exit_code = int(fields[0]) if fields else None
        except ValueError:
            self.exit_code = None
        tail_size: int | None = None
        for extra in fields[1:]:
            if extra.startswith(b"peak=") and extra[5:].isdigit() and int(extra[5:]) > 0:
                self.peak_memory = int(extra[5:])
            elif extra.startswith(b"out="):
                try:
                    tail_size = int(extra[4:])
                except ValueError:
                    tail_size = None
        rest = bytes(self.out[end + 1:])
        del self.out[idx:]
        if tail_size is None:
            self.done = True
        elif tail_size < 0:
            self.inline_too_large = True
            self.done = True
        else:
            self._tail, self._tail_left = bytearray(), tail_size
            self._take_tail(rest)

    def _take_tail(self, data: bytes) -> None:
        """Collect the in-band /out archive (base64) that follows the marker; it has its own size."""
        assert self._tail is not None
        chunk = data[: self._tail_left]
        self._tail += chunk
        self._tail_left -= len(chunk)
        if self._tail_left <= 0:
            try:
                self.inline_out = base64.b64decode(bytes(self._tail), validate=True)
            except ValueError:
                self.inline_out = b""
            self._tail = None
            self.done = True

    def text(self, which: bytearray) -> str:
        return bytes(which[: self.cap]).decode("utf-8", "replace")


# --------------------------------------------------------------------------- engine plumbing


def _raw_socket(sock: Any) -> socket.socket:
    """docker-py returns a SocketIO for unix sockets; the real socket is ``_sock``."""
    return getattr(sock, "_sock", sock)


def _close_socket(sock: Any) -> None:
    raw_sock = _raw_socket(sock)
    for closable in (sock, raw_sock):
        try:
            if closable is not None:
                closable.close()
        except OSError:
            pass


def _labels(spec: RunSpec, run_id: str) -> dict[str, str]:
    labels = dict(spec.labels)
    labels.update({LABEL: "1", RUN_ID_LABEL: run_id, CREATED_LABEL: str(int(time.time()))})
    return labels


def container_options(spec: RunSpec, run_id: str, out_volume: str) -> dict[str, Any]:
    """The hardened ``containers.create`` keyword arguments (docs/sandbox.md explains each)."""
    lim = spec.limits
    runtime = spec.runtime or os.environ.get(RUNTIME_ENV) or None
    # The folders are fixed by the contract, so the spec cannot move them.
    env = {"CASEPORTAL_CHECKS": "visible", **spec.env, "HOME": "/tmp", "MPLCONFIGDIR": "/tmp/.matplotlib",
           "CASEPORTAL_OUT": "/out", "CASEPORTAL_CASE": "/case", "CASEPORTAL_WORK": "/work"}
    mem = f"{lim.memory_mb}m"
    fsize = lim.fsize_mb * (1 << 20)
    opts: dict[str, Any] = {
        "image": spec.image,
        "entrypoint": [ENTRY],
        "command": ["--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID), "--linger", str(LINGER_S),
                    "--inline-out", str(lim.results_bytes),
                    "--max-input", str(2 * ((lim.work_mb + case_tmpfs_mb(spec)) << 20)), "--", *spec.command],
        "user": "0:0",
        "working_dir": "/work",
        "environment": env,
        "labels": _labels(spec, run_id),
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
            "/case": f"rw,nosuid,nodev,noexec,size={case_tmpfs_mb(spec)}m,mode=0755",
        },
        "mounts": [Mount(target="/out", source=out_volume, type="volume")],
        "mem_limit": mem,
        "memswap_limit": mem,
        "oom_score_adj": 500,
        "nano_cpus": int(lim.cpus * 1e9),
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


def out_volume_options(spec: RunSpec, run_id: str) -> dict[str, Any]:
    """/out: a tmpfs-backed local volume, size-capped by results_bytes and owned by the sandbox uid."""
    return {
        "name": f"caseportal-out-{run_id}",
        "driver": "local",
        "driver_opts": {"type": "tmpfs", "device": "tmpfs",
                        "o": f"size={_mb(spec.limits.results_bytes)}m,mode=0755,uid={SANDBOX_UID},"
                             f"gid={SANDBOX_UID},nosuid,nodev,noexec"},
        "labels": _labels(spec, run_id),
    }


def _read_out(client: docker.DockerClient, container_id: str, cap: int) -> bytes:
    chunks, size = [], 0
    stream, _stat = client.api.get_archive(container_id, "/out", chunk_size=64 * 1024)
    try:
        for chunk in stream:
            size += len(chunk)
            if size > cap:
                raise OutputTooLarge
            chunks.append(chunk)
    finally:
        close = getattr(stream, "close", None)
        if close:
            close()
    return b"".join(chunks)


def _peak_memory(client: docker.DockerClient, container_id: str) -> int | None:
    try:
        stats = client.api.stats(container_id, stream=False, one_shot=True)
    except _ERRORS:
        return None
    value = (stats or {}).get("memory_stats", {}).get("max_usage")
    return int(value) if value else None


def _kill(client: docker.DockerClient, container_id: str) -> None:
    try:
        client.api.kill(container_id)
    except docker.errors.APIError as exc:  # already stopped is fine
        if exc.status_code not in (404, 409):
            raise


def _remove(client: docker.DockerClient, container_id: str | None, volume: str | None) -> None:
    """Best effort: leftovers are caught by sweep_orphans at the next worker start."""
    if container_id:
        try:
            client.api.remove_container(container_id, force=True, v=True)
        except docker.errors.NotFound:
            pass
        except _ERRORS as exc:
            logger.warning("could not remove sandbox container %s: %s", container_id[:12], exc)
    if volume:
        for attempt in range(5):
            try:
                client.api.remove_volume(volume, force=True)
                break
            except docker.errors.NotFound:
                break
            except _ERRORS as exc:
                if attempt == 4:
                    logger.warning("could not remove sandbox volume %s: %s", volume, exc)
                time.sleep(0.2)


def _infra(started: float, exc: BaseException, stdout: str = "", stderr: str = "") -> RunResult:
    logger.warning("sandbox infrastructure error: %s", exc, exc_info=exc)
    return RunResult(outcome=Outcome.infra_error, stdout=stdout,
                     stderr=(stderr + f"\n[sandbox] {type(exc).__name__}: {exc}").lstrip("\n"),
                     duration_s=round(time.monotonic() - started, 3),
                     explanation="The sandbox could not run your code because of a problem on our side. "
                                 "It will be retried; nothing is wrong with your code because of this.")


# --------------------------------------------------------------------------- public API


def run(spec: RunSpec, client: docker.DockerClient | None = None) -> RunResult:
    """Run ``spec`` in a fresh hardened container and return how it went.

    Never raises for engine problems: those return ``Outcome.infra_error`` (the app retries them).
    Raises ``ValueError`` only for a spec that can never run (files larger than the work folder).
    """
    check_input_fits(spec)
    started = time.monotonic()
    run_id = uuid.uuid4().hex
    nonce = secrets.token_hex(16)
    payload = pack_input(spec, nonce)
    lim = spec.limits
    container_id: str | None = None
    volume: str | None = None
    sock: Any = None
    stream = _Stream(nonce, lim.output_bytes)
    try:
        client = client if client is not None else docker.from_env()
        vol_opts = out_volume_options(spec, run_id)
        client.api.create_volume(**vol_opts)
        volume = vol_opts["name"]
        container = client.containers.create(**container_options(spec, run_id, volume))
        container_id = container.id
        sock = client.api.attach_socket(container_id, params={"stdin": 1, "stdout": 1, "stderr": 1, "stream": 1})
        raw = _raw_socket(sock)
        client.api.start(container_id)
        run_started = time.monotonic()
        deadline = run_started + lim.timeout_s
        stopped_for = _pump(raw, payload, stream, deadline)
        duration = time.monotonic() - run_started
        # Stop reading before anything else: an attach stream nobody reads blocks the engine's kill.
        _close_socket(sock)
        sock = None
        out: OutArchive | None = None
        peak: int | None = None
        ends_by_itself = False
        if stopped_for is None and stream.done:
            peak = stream.peak_memory or _peak_memory(client, container_id)
            too_large = OutArchive(problems=[f"the results were larger than {_fmt_bytes(lim.results_bytes)}"])
            if stream.inline_too_large:
                out, ends_by_itself = too_large, True
            elif stream.inline_out is not None:  # sent in-band after the marker: the entry process is ending
                out, ends_by_itself = parse_out_archive(stream.inline_out), True
            else:  # an image whose entry process lingers until /out is read through the engine
                try:
                    out = parse_out_archive(_read_out(client, container_id, lim.results_bytes + (2 << 20)))
                except OutputTooLarge:
                    out = too_large
                except docker.errors.NotFound:
                    out = OutArchive(problems=["the results folder was not found"])
        elif stopped_for is not None:
            peak = _peak_memory(client, container_id)
        if not ends_by_itself:
            _kill(client, container_id)
        try:
            client.api.wait(container_id, timeout=EXIT_WAIT_S if ends_by_itself else ENGINE_GRACE_S)
        except requests.exceptions.ReadTimeout:
            _kill(client, container_id)
            try:
                client.api.wait(container_id, timeout=ENGINE_GRACE_S)
            except requests.exceptions.ReadTimeout:
                pass
        state = client.api.inspect_container(container_id).get("State", {})
        exit_code = stream.exit_code if stream.done else state.get("ExitCode")
        oom = bool(state.get("OOMKilled"))
        if not stream.done and stopped_for is None and exit_code == 137 and not oom:
            oom = _oom_from_events(client, container_id)
        verdict = classify(limits=lim, stopped_for=stopped_for, oom_killed=oom, exit_code=exit_code, out=out)
        return RunResult(
            outcome=verdict.outcome,
            checks=verdict.checks,
            stdout=stream.text(stream.out),
            stderr=stream.text(stream.err),
            duration_s=round(duration, 3),
            exit_code=None if stopped_for else exit_code,
            peak_memory_bytes=peak,
            metrics=verdict.metrics,
            artifacts=out.artifacts if out and verdict.outcome in (Outcome.passed, Outcome.failed) else {},
            explanation=verdict.explanation,
        )
    except _ERRORS as exc:
        return _infra(started, exc, stream.text(stream.out), stream.text(stream.err))
    except OSError as exc:  # the attach socket broke: an engine problem, not the candidate's
        return _infra(started, exc, stream.text(stream.out), stream.text(stream.err))
    finally:
        if sock is not None:
            _close_socket(sock)
        if client is not None:
            _remove(client, container_id, volume)


def _oom_from_events(client: docker.DockerClient, container_id: str) -> bool:
    """Fallback when State.OOMKilled is not set: look for an 'oom' event of this container."""
    try:
        since = int(time.time()) - 3600
        events = client.api.events(since=since, until=int(time.time()) + 1, decode=True,
                                   filters={"container": container_id, "event": "oom"})
        try:
            return any(True for _ in events)
        finally:
            events.close()
    except _ERRORS:
        return False


def _pump(raw: socket.socket, payload: bytes, stream: _Stream, deadline: float) -> str | None:
    """Send the input while reading output, until the end marker, EOF, the deadline or the output cap.

    Reading and writing are interleaved (select) so that a run that stops reading its input early
    can never stall the runner. Returns "timeout" or "output" when the run must be stopped, else None.
    """
    view = memoryview(payload)
    raw.setblocking(False)
    while not stream.done:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return "timeout"
        readable, writable, _ = select.select([raw], [raw] if view else [], [], min(remaining, 0.5))
        if readable:
            try:
                data = raw.recv(1 << 16)
            except (BlockingIOError, InterruptedError):
                data = None
            except ConnectionResetError:
                return None
            if data is not None:
                if not data:
                    return None
                stream.feed(data)
                if stream.over_cap and not stream.done:
                    return "output"
        if writable and view:
            try:
                view = view[raw.send(view[: 1 << 16]):]
            except (BlockingIOError, InterruptedError):
                pass
            except (BrokenPipeError, ConnectionResetError):
                view = memoryview(b"")  # the container ended early; its output tells why
    return None


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
            _remove(client, info["Id"], None)
            removed += 1
    for vol in client.api.volumes(filters={"label": wanted}).get("Volumes") or []:
        if old_enough(vol.get("Labels")):
            _remove(client, None, vol["Name"])
            removed += 1
    return removed
