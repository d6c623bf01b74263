"""Run one RunSpec in a hardened, throw-away Docker container: the lifecycle, in order.

create (or claim a warm one from sandbox/pool.py) -> attach -> start -> send the files on stdin while streaming
the output -> end marker / timeout / output cap -> close the attach socket -> classify -> remove (``finally``).
The results travel in-band, after the end marker, and the entry process then ends the container by itself;
/out is a tmpfs of the container, so no volume is made per run. What goes over the wire is in
sandbox/protocol.py, every engine call in sandbox/engine.py, the rules for the outcome in sandbox/verdict.py;
docs/sandbox.md explains the hardening.
"""

from __future__ import annotations

import logging
import secrets
import select
import socket
import time
import uuid

import docker
import docker.errors
import requests

from sandbox import engine, pool
from sandbox.protocol import OutArchive, OutputStream, check_input_fits, pack_input, parse_out
from sandbox.spec import Outcome, RunResult, RunSpec
from sandbox.verdict import INFRA_EXPLANATION, RESULTS_NOT_FOUND, classify, results_too_large

logger = logging.getLogger(__name__)

#: Grace in seconds for the engine to end a killed container.
ENGINE_GRACE_S = 15
#: How long a container whose entry process already sent everything may take to exit before it is killed.
EXIT_WAIT_S = 5
#: How long the runner reads standard error that arrives behind the end marker (see _drain_late).
LATE_S = 1.0
#: cp-entry enforces the time limit on the candidate's own clock; the runner's deadline is only a backstop,
#: later by cp-entry's input allowance plus slack, so a slow or paused worker never decides a timeout.
BACKSTOP_S = 20
#: cp-entry's exit code when it gave up on the runner (input or reading never came): ours, not the candidate's.
GAVE_UP_EXIT = 125


def run(spec: RunSpec, client: docker.DockerClient | None = None, *, pooled: bool = True) -> RunResult:
    """Run ``spec`` in a fresh hardened container and return how it went.

    ``pooled=False`` always starts cold and does not teach the pool the spec's shape (a one-off run such as the
    image probe would otherwise keep warm containers of its runtime ready for runs that never come).
    Never raises for engine problems: those return ``Outcome.infra_error`` (the app retries them).
    Raises ``ValueError`` only for a spec that can never run (files larger than the work folder).
    """
    check_input_fits(spec)
    started = time.monotonic()
    run_id = uuid.uuid4().hex
    nonce = secrets.token_hex(16)
    lim = spec.limits
    container_id: str | None = None
    volume: str | None = None
    sock: object = None
    stream = OutputStream(nonce, lim.output_bytes)
    lease: pool.Lease | None = None
    try:
        client = client if client is not None else engine.shared_client()
        with engine.GATE.creating():  # a stopping worker refuses new sandboxes before it sweeps its own
            lease = pool.claim(spec, client) if pooled else None
            if lease is not None:  # a warm container from sandbox/pool.py: started, cp-entry waits for the input
                container_id, volume, sock = lease.container_id, lease.volume, lease.sock
            else:  # cold: /out is a tmpfs of the container, like the other folders (engine.container_options)
                container_id = engine.create_container(client, engine.container_options(spec, run_id))
                sock = client.api.attach_socket(container_id,
                                                params={"stdin": 1, "stdout": 1, "stderr": 1, "stream": 1})
                client.api.start(container_id)
        payload = pack_input(lease.spec if lease is not None else spec, nonce)  # packed once, after the claim
        raw = engine.raw_socket(sock)
        run_started = time.monotonic()
        deadline = run_started + lim.timeout_s + BACKSTOP_S
        stopped_for = _pump(raw, payload, stream, deadline)
        duration = time.monotonic() - run_started if stream.elapsed is None else stream.elapsed
        if stopped_for is None and stream.done and (stream.inline_out is not None or stream.inline_too_large):
            _drain_late(raw, stream)  # the entry process is ending: standard error may still be on its way
        # Stop reading before anything else: an attach stream nobody reads blocks the engine's kill.
        engine.close_socket(sock)
        sock = None
        out: OutArchive | None = None
        peak: int | None = None
        ends_by_itself = False
        if stopped_for is None and stream.done:
            peak = stream.peak_memory or engine.peak_memory(client, container_id)
            too_large = OutArchive(problems=[results_too_large(lim)])
            if stream.inline_too_large:
                out, ends_by_itself = too_large, True
            elif stream.inline_out is not None:  # sent in-band after the marker: the entry process is ending
                out, ends_by_itself = parse_out(stream.inline_out), True
            else:  # no results in-band: an entry process older than --inline-out (none built here); /out is a
                out = OutArchive(problems=[RESULTS_NOT_FOUND])  # tmpfs the engine cannot read, so nothing came
        elif stopped_for is not None:
            peak = engine.peak_memory(client, container_id)
        if ends_by_itself and stream.oom_kills is not None:
            # cp-entry said everything the engine would: the exit code and the container's out-of-memory kills.
            # No wait for the engine's teardown: the removal after the run (force) takes care of it.
            exit_code, oom = stream.exit_code, stream.oom_kills > 0
        else:
            exit_code, oom = _ended(client, container_id, stream, ends_by_itself)
        if not stream.done and stopped_for is None and exit_code == GAVE_UP_EXIT:
            raise docker.errors.DockerException("the sandbox gave up waiting for the runner")
        stopped_for = "timeout" if stream.timed_out else stopped_for  # cp-entry stopped it at the limit
        if not stream.done and stopped_for is None and exit_code == 137 and not oom:
            oom = engine.oom_from_events(client, container_id)
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
    except engine.ENGINE_ERRORS as exc:
        return _infra(started, exc, stream.text(stream.out), stream.text(stream.err))
    except OSError as exc:  # the attach socket broke: an engine problem, not the candidate's
        return _infra(started, exc, stream.text(stream.out), stream.text(stream.err))
    finally:
        if sock is not None:
            engine.close_socket(sock)
        if client is not None and lease is not None:
            pool.release(lease, client)  # removed in the background: the result need not wait for it
        elif client is not None:
            engine.remove(client, container_id, volume)


def _ended(client: docker.DockerClient, container_id: str, stream: OutputStream, ends_by_itself: bool
           ) -> tuple[int | None, bool]:
    """The exit code and OOMKilled from the engine, once the container has ended (killed first unless it ends
    by itself, and killed anyway when it does not end in time)."""
    if not ends_by_itself:
        engine.kill(client, container_id)
    try:
        client.api.wait(container_id, timeout=EXIT_WAIT_S if ends_by_itself else ENGINE_GRACE_S)
    except requests.exceptions.ReadTimeout:
        engine.kill(client, container_id)
        try:
            client.api.wait(container_id, timeout=ENGINE_GRACE_S)
        except requests.exceptions.ReadTimeout:
            pass
    state = client.api.inspect_container(container_id).get("State", {})
    return (stream.exit_code if stream.done else state.get("ExitCode")), bool(state.get("OOMKilled"))


def _pump(raw: socket.socket, payload: bytes, stream: OutputStream, deadline: float) -> str | None:
    """Send the input while reading output, until the end marker, EOF, the deadline or the output cap.

    Reading and writing are interleaved (select) so that a run that stops reading its input early
    can never stall the runner. Returns "timeout" or "output" when the run must be stopped, else None.
    """
    view = memoryview(payload)
    raw.setblocking(False)
    while not stream.done:
        remaining = deadline - time.monotonic()
        if remaining <= 0:  # a worker paused past the deadline first reads what the run sent meanwhile
            return None if _drain(raw, stream) else "timeout"
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


def _drain(raw: socket.socket, stream: OutputStream, quiet_s: float = 0.5) -> bool:
    """Read what is waiting on the socket until the end marker, EOF or ``quiet_s`` of silence; True when done."""
    while not stream.done and select.select([raw], [], [], quiet_s)[0]:
        try:
            data = raw.recv(1 << 16)
        except (BlockingIOError, InterruptedError):
            continue
        except ConnectionResetError:
            break
        if not data:
            break
        stream.feed(data)
    return stream.done


def _drain_late(raw: socket.socket, stream: OutputStream, within_s: float = LATE_S, quiet_s: float = 0.25) -> None:
    """Read standard error that came behind the marker until EOF (the container ended), ``quiet_s`` of silence or
    ``within_s`` in all: enough for what the engine still had in hand, never a wait on a run that keeps going."""
    until = time.monotonic() + within_s
    while (left := until - time.monotonic()) > 0 and select.select([raw], [], [], min(left, quiet_s))[0]:
        try:
            data = raw.recv(1 << 16)
        except (BlockingIOError, InterruptedError):
            continue
        except (ConnectionResetError, OSError):
            return
        if not data:
            return
        stream.feed_late(data)


def _infra(started: float, exc: BaseException, stdout: str = "", stderr: str = "") -> RunResult:
    """An engine failure as a result: the detail goes to stderr and the log, the candidate gets a plain word."""
    logger.warning("sandbox infrastructure error: %s", exc, exc_info=exc)
    return RunResult(outcome=Outcome.infra_error, stdout=stdout,
                     stderr=(stderr + f"\n[sandbox] {type(exc).__name__}: {exc}").lstrip("\n"),
                     duration_s=round(time.monotonic() - started, 3), explanation=INFRA_EXPLANATION)
