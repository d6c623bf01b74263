"""What a pooled container fixes when it is made (its *shape*) and the command file that gives it a run's command.

Kept apart from the pool's lifecycle (sandbox/pool.py): these are pure functions of a RunSpec, tested without an
engine.
"""

from __future__ import annotations

import dataclasses
import shlex
from dataclasses import dataclass
from typing import Any

from sandbox import engine
from sandbox.protocol import case_tmpfs_mb
from sandbox.spec import Limits, RunSpec

#: The command file in /case that a pooled container's shell runs.
COMMAND_FILE = ".caseportal-command"
#: What a shape holds in place of the limits that do not fix a container: the engine changes CPU, memory and pids on
#: a running one (the pool makes its containers with those of the last run that asked, see sandbox/pool.py), and the
#: time and output limits are not the container's at all, so none of them split shapes.
IDLE_LIMITS: dict[str, Any] = {"cpus": 0.25, "memory_mb": 64, "pids": 16, "timeout_s": 60.0, "output_bytes": 1}
#: /case of a pooled container holds at least this much; it is only written by root, so a larger cap costs nothing.
MIN_CASE_MB = 32


@dataclass(frozen=True)
class Shape:
    """What a pooled container fixes at creation; runs of the same shape can share a pool."""

    image: str
    runtime: str | None
    case_mb: int
    limits: Limits  # the run's limits with IDLE_LIMITS in place of those that do not fix the container


def command_file(spec: RunSpec) -> bytes | None:
    """The shell text that gives a pooled container the run's environment and command; None if not expressible."""
    lines = ["# written by caseportal's sandbox pool: this run's environment and command"]
    for name, value in sorted(spec.env.items()):
        if name in engine.FIXED_ENV:
            continue  # the contract fixes these, as in a cold container
        if not name.isidentifier() or not name.isascii():
            return None
        lines.append(f"export {name}={shlex.quote(value)}")
    if spec.command[0].startswith("-"):
        return None
    lines.append("exec " + " ".join(shlex.quote(part) for part in spec.command))
    return ("\n".join(lines) + "\n").encode()


def shape_of(spec: RunSpec) -> Shape | None:
    """The shape a pooled container needs for ``spec``; None when the spec cannot use the pool."""
    if COMMAND_FILE in spec.case_files or command_file(spec) is None:
        return None
    need = case_tmpfs_mb(spec) + 1  # + the command file
    case_mb = MIN_CASE_MB
    while case_mb < need:
        case_mb *= 2
    return Shape(spec.image, engine.engine_runtime(spec), case_mb, dataclasses.replace(spec.limits, **IDLE_LIMITS))
