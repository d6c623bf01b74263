"""What a sandbox run gets (RunSpec, Limits) and what it gives back (RunResult).

Plain frozen dataclasses with no Docker or Flask imports, so the app can build specs, store results
(``to_dict``/``from_dict`` are JSON-safe) and test its logic without a Docker engine.
"""

from __future__ import annotations

import base64
import enum
import math
import posixpath
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

CHECK_STATUSES = ("passed", "failed", "error", "advisory")


def _frozen_map(value: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(value or {}))


@dataclass(frozen=True)
class Limits:
    """Resource caps of one run; the defaults suit a short taster case."""

    cpus: float = 1.0
    memory_mb: int = 512
    pids: int = 128
    timeout_s: float = 60.0
    output_bytes: int = 1_000_000
    tmpfs_mb: int = 64
    work_mb: int = 128
    nofile: int = 256
    fsize_mb: int = 64
    results_bytes: int = 20_000_000

    def __post_init__(self) -> None:
        for name in ("cpus", "memory_mb", "pids", "timeout_s", "output_bytes", "tmpfs_mb", "work_mb", "nofile",
                     "fsize_mb", "results_bytes"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
                raise ValueError(f"Limits.{name} must be a positive number, got {value!r}")
        if self.memory_mb < 16:
            raise ValueError("Limits.memory_mb must be at least 16")

    def to_dict(self) -> dict[str, float | int]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Limits:
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


def check_relative_path(path: str) -> str:
    """Normalise a file path of a spec; reject absolute paths and '..' so nothing lands outside."""
    if not isinstance(path, str) or not path or "\0" in path or path.startswith("/"):
        raise ValueError(f"file path must be a non-empty relative path: {path!r}")
    norm = posixpath.normpath(path)
    if norm in (".", "..") or norm.startswith("../"):
        raise ValueError(f"file path must stay inside its folder: {path!r}")
    return norm


@dataclass(frozen=True)
class RunSpec:
    """One sandbox run.

    ``files`` (the submission) land in /work (writable), ``case_files`` in /case (read-only, root-owned);
    keys are relative paths. ``runtime`` is the container runtime (e.g. ``"runsc"`` for gVisor); when
    None the runner uses ``$CASEPORTAL_SANDBOX_RUNTIME`` or the engine's default.
    """

    image: str
    command: tuple[str, ...] = ("cp-pytest",)
    files: Mapping[str, bytes] = field(default_factory=dict)
    case_files: Mapping[str, bytes] = field(default_factory=dict)
    env: Mapping[str, str] = field(default_factory=dict)
    limits: Limits = field(default_factory=Limits)
    runtime: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.image:
            raise ValueError("RunSpec.image is required")
        command = (self.command,) if isinstance(self.command, str) else tuple(self.command)
        if not command or not all(isinstance(part, str) and part for part in command):
            raise ValueError("RunSpec.command must be a non-empty sequence of strings")
        object.__setattr__(self, "command", command)
        for name in ("files", "case_files"):
            mapping = {}
            for path, content in dict(getattr(self, name)).items():
                if not isinstance(content, bytes | bytearray):
                    raise TypeError(f"RunSpec.{name}[{path!r}] must be bytes")
                mapping[check_relative_path(path)] = bytes(content)
            object.__setattr__(self, name, MappingProxyType(mapping))
        for name in ("env", "labels"):
            mapping = dict(getattr(self, name))
            if not all(isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()):
                raise TypeError(f"RunSpec.{name} must map str to str")
            object.__setattr__(self, name, MappingProxyType(mapping))


@dataclass(frozen=True)
class CheckResult:
    """One check as written by the checker into results.json."""

    name: str
    status: str
    message: str = ""
    visible: bool = True

    def __post_init__(self) -> None:
        if self.status not in CHECK_STATUSES:
            raise ValueError(f"check status must be one of {CHECK_STATUSES}, got {self.status!r}")

    @property
    def counts(self) -> bool:
        """Advisory checks are reported but never make a run fail."""
        return self.status != "advisory"

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "status": self.status, "message": self.message, "visible": self.visible}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CheckResult:
        return cls(name=str(data["name"]), status=str(data["status"]), message=str(data.get("message", "")),
                   visible=bool(data.get("visible", True)))


class Outcome(enum.StrEnum):
    """How a run ended. ``infra_error`` means the platform failed, not the candidate: retry it."""

    passed = "passed"
    failed = "failed"
    timeout = "timeout"
    oom = "oom"
    output_limit = "output_limit"
    crashed = "crashed"
    infra_error = "infra_error"


@dataclass(frozen=True)
class RunResult:
    """Everything the app needs to show and store about a run."""

    outcome: Outcome
    checks: tuple[CheckResult, ...] = ()
    stdout: str = ""
    stderr: str = ""
    duration_s: float = 0.0
    exit_code: int | None = None
    peak_memory_bytes: int | None = None
    metrics: Mapping[str, float] = field(default_factory=dict)
    artifacts: Mapping[str, bytes] = field(default_factory=dict)
    explanation: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "outcome", Outcome(self.outcome))
        object.__setattr__(self, "checks", tuple(self.checks))
        object.__setattr__(self, "metrics", _frozen_map(self.metrics))
        object.__setattr__(self, "artifacts", _frozen_map(self.artifacts))

    @property
    def visible_checks(self) -> tuple[CheckResult, ...]:
        return tuple(c for c in self.checks if c.visible)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form (artifacts base64-encoded) for storing in the database."""
        return {
            "outcome": self.outcome.value,
            "checks": [c.to_dict() for c in self.checks],
            "stdout": self.stdout,
            "stderr": self.stderr,
            "duration_s": self.duration_s,
            "exit_code": self.exit_code,
            "peak_memory_bytes": self.peak_memory_bytes,
            "metrics": dict(self.metrics),
            "artifacts": {name: base64.b64encode(data).decode("ascii") for name, data in self.artifacts.items()},
            "explanation": self.explanation,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunResult:
        return cls(
            outcome=Outcome(data["outcome"]),
            checks=tuple(CheckResult.from_dict(c) for c in data.get("checks", ())),
            stdout=str(data.get("stdout", "")),
            stderr=str(data.get("stderr", "")),
            duration_s=float(data.get("duration_s", 0.0)),
            exit_code=None if data.get("exit_code") is None else int(data["exit_code"]),
            peak_memory_bytes=None if data.get("peak_memory_bytes") is None else int(data["peak_memory_bytes"]),
            metrics={str(k): float(v) for k, v in dict(data.get("metrics") or {}).items()},
            artifacts={str(k): base64.b64decode(v) for k, v in dict(data.get("artifacts") or {}).items()},
            explanation=str(data.get("explanation", "")),
        )
