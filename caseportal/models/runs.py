"""One sandbox run of a submission. The row is the source of truth; the queue job carries only its id."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow


class RunKind(enum.StrEnum):
    CHECK = "check"  # the candidate's "Run checks": visible checks only
    FULL = "full"  # after submitting: every check, hidden ones too


class RunStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    ERROR = "error"  # infrastructure failed after every retry: never the candidate's fault


class Run(Base):
    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    kind: Mapped[RunKind] = mapped_column(Enum(RunKind, native_enum=False, length=10))
    status: Mapped[RunStatus] = mapped_column(
        Enum(RunStatus, native_enum=False, length=10), default=RunStatus.QUEUED
    )
    outcome: Mapped[str | None] = mapped_column(String(30), default=None)
    explanation: Mapped[str] = mapped_column(Text, default="")
    result_json: Mapped[str | None] = mapped_column(Text, default=None)
    files_sha256: Mapped[str] = mapped_column(String(64), default="")
    attempts: Mapped[int] = mapped_column(default=0)
    # The attempt that owns the run right now; a result from any other attempt is ignored (exactly-once record).
    claim_token: Mapped[str | None] = mapped_column(String(64), default=None)
    lease_until: Mapped[datetime | None] = mapped_column(default=None)
    worker: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    duration_s: Mapped[float | None] = mapped_column(default=None)
    recorded_count: Mapped[int] = mapped_column(default=0)
    # Times another worker took the run over after its holder stopped (its lease ran out): the candidate's
    # page then says a machine stopped and the run is starting again, instead of "running" for minutes.
    restarts: Mapped[int] = mapped_column(default=0, server_default="0")

    artifacts: Mapped[list[RunArtifact]] = relationship(
        order_by="RunArtifact.name", cascade="all, delete-orphan"
    )


class RunArtifact(Base):
    __tablename__ = "run_artifacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    mime: Mapped[str] = mapped_column(String(100), default="application/octet-stream")
