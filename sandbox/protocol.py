"""The wire format between the runner and the image's entry wrapper ``cp-entry``, in both directions.

In: the files travel on the container's stdin as ``CPIN2 <nonce> <len> timeout=<s>\\n`` plus records (the root
filesystem is read-only and the writable folders are tmpfs mounts, which the engine's archive API cannot write
into). Out: the run's own output, then ``\\n<nonce> exit=<code> peak=<bytes> out=<size>\\n`` and /out as
``<size>`` bytes of base64 records. A record is ``<kind> <name length> <size>\\n<name><content>``: kind ``F`` a
regular file, ``L`` (out only, no content) a link or special file a submission left where results belong. Our
own format rather than tar: the readers on both sides (cp-entry is C, sandbox/images/common/cp-entry-in.c) stay
small and have no links, owners or devices to refuse. Only cp-entry knows the nonce, so the candidate cannot fake
the end of a run or its results. /out is a tmpfs the engine cannot read, so a marker without ``out=`` (a cp-entry
older than the in-band results) means no results. Pure code, no Docker.
"""

from __future__ import annotations

import base64
import json
import math
import struct
from dataclasses import dataclass, field

from sandbox.spec import CHECK_STATUSES, CheckResult, RunSpec

MAX_CHECKS = 2000
MAX_MESSAGE = 10_000


def record(kind: bytes, name: str, content: bytes = b"") -> bytes:
    """One record of the wire format (module docstring)."""
    raw = name.encode("utf-8")
    return kind + b" %d %d\n" % (len(raw), len(content)) + raw + content


def pack_input(spec: RunSpec, nonce: str) -> bytes:
    """The stdin payload for cp-entry: ``CPIN2 <nonce> <len> timeout=<s>\\n`` + a record per case/ and work/ file.

    case/ comes first: root writes it, then hands the rest to the unprivileged process. cp-entry enforces the
    time limit itself, so a run ends on time whatever happens to the worker.
    """
    data = b"".join(record(b"F", f"{prefix}/{path}", content)
                    for prefix, files in (("case", spec.case_files), ("work", spec.files))
                    for path, content in sorted(files.items()))
    return f"CPIN2 {nonce} {len(data)} timeout={spec.limits.timeout_s:g}\n".encode("ascii") + data


def read_records(data: bytes) -> tuple[list[tuple[bytes, str, bytes]], str | None]:
    """(kind, name, content) of each record in ``data``, and a problem when it is cut short or malformed."""
    items: list[tuple[bytes, str, bytes]] = []
    pos = 0
    while pos < len(data):
        end = data.find(b"\n", pos, pos + 64)
        parts = data[pos:end].split() if end >= 0 else []
        if len(parts) != 3 or parts[0] not in (b"F", b"L") or not parts[1].isdigit() or not parts[2].isdigit():
            return items, f"a malformed record at byte {pos}"
        name_end = end + 1 + int(parts[1])
        content_end = name_end + int(parts[2])
        if content_end > len(data):
            return items, "the records end early"
        items.append((parts[0], data[end + 1:name_end].decode("utf-8", "replace"), data[name_end:content_end]))
        pos = content_end
    return items, None


def size_mb(n_bytes: int) -> int:
    """Whole MiB, at least one: tmpfs sizes are given in MiB, and a size of 0 would mean no cap at all."""
    return max(1, math.ceil(n_bytes / (1 << 20)))


def case_tmpfs_mb(spec: RunSpec) -> int:
    """/case only needs room for the case files (plus slack for directory entries)."""
    total = sum(len(c) for c in spec.case_files.values()) + 4096 * (len(spec.case_files) + 1)
    return size_mb(total) + 1


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


def parse_out(data: bytes) -> OutArchive:
    """Read what cp-entry sent of /out (records, in memory). Only regular files count: a link or special file a
    submission planted is named by cp-entry, never followed, so nothing outside /out can leak into the result."""
    out = OutArchive()
    items, problem = read_records(data)
    if problem:
        out.problems.append(f"the results could not be read ({problem})")
    for kind, name, content in items:
        parts = [p for p in name.split("/") if p not in ("", ".")]
        if not parts or ".." in parts:
            continue
        rel = "/".join(parts)
        if rel == "results.json":
            if kind != b"F":
                out.problems.append("results.json was not a regular file (a link or special file), so it was ignored")
                continue
            out.results = content
        elif parts[0] == "artifacts" and len(parts) > 1:
            if kind == b"F":
                out.artifacts["/".join(parts[1:])] = content
            else:
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


# --------------------------------------------------------------------------- output stream


class OutputStream:
    """Demultiplexes Docker's attach stream (8-byte frame headers) with bounded memory, and picks out the end
    marker and the in-band /out that follows it (which has its own size and does not count as output)."""

    def __init__(self, nonce: str, cap: int) -> None:
        self.out = bytearray()
        self.err = bytearray()
        self.cap = cap
        self.marker = f"\n{nonce} exit=".encode("ascii")
        self.slack = len(self.marker) + 80  # the marker line: nonce, exit code, peak, out size
        self.exit_code: int | None = None
        self.peak_memory: int | None = None
        #: seconds the candidate's process ran, and whether cp-entry stopped it at the time limit (its own clock)
        self.elapsed: float | None = None
        self.timed_out = False
        #: processes the kernel killed for memory in the container, as cp-entry read it from its cgroup (None: unknown)
        self.oom_kills: int | None = None
        #: /out as records, when the entry process sent it after the marker (None: read it through the engine)
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
                view = self._frame_header(view)
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
        if self.done and view:
            self.feed_late(bytes(view))

    def feed_late(self, data: bytes) -> None:
        """After the end: the run's standard error that arrives behind the marker. Docker copies the two pipes
        separately, so their order across pipes is not kept and a traceback written before the marker may come
        after it; standard output is over (the marker and /out were its last words) and is dropped."""
        view = memoryview(data)
        while view:
            if self._remaining == 0:
                view = self._frame_header(view)
                continue
            take = view[: self._remaining]
            view = view[len(take):]
            self._remaining -= len(take)
            room = self.cap + self.slack + 1 - self.total
            if self._target is self.err and room > 0:
                self.err += take[:room]

    def _frame_header(self, view: memoryview) -> memoryview:
        """Take (part of) an 8-byte frame header from ``view``; a whole one names the next frame's pipe and size."""
        need = 8 - len(self._header)
        self._header += view[:need]
        if len(self._header) == 8:
            kind, size = struct.unpack(">BxxxL", bytes(self._header))
            self._header.clear()
            self._remaining = size
            self._target = self.out if kind == 1 else self.err
        return view[need:]

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
            elif extra.startswith(b"elapsed="):
                try:
                    value = float(extra[8:])
                    self.elapsed = max(0.0, value) if math.isfinite(value) else None
                except ValueError:
                    self.elapsed = None
            elif extra.startswith(b"oom=") and extra[4:].isdigit():
                self.oom_kills = int(extra[4:])
            elif extra == b"timeout=1":
                self.timed_out = True
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
        """Collect the in-band /out records (base64) that follows the marker; it has its own size."""
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
        """At most ``cap`` bytes of ``out`` or ``err`` as text (the slack kept for the marker is cut off)."""
        return bytes(which[: self.cap]).decode("utf-8", "replace")
