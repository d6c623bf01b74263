"""A candidate's work on one case, stored in the database so that workers on other machines can read it.

One table holds two kinds of work (single-table inheritance on ``practice``): a :class:`Submission` is the work
on the meeting's case, the one reviewers, the pipeline, analytics and partners see; a :class:`PracticeSubmission`
is the candidate's warm-up, which nobody sees. ``select(Submission)`` (and every join on it) only ever finds the
former, so no list, count or page written for real work can show a warm-up by mistake. The workspace, the queue
and the sandbox, which serve both, take a :class:`CaseWork`.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, LargeBinary, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow


class SubmissionStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"


class CaseWork(Base):
    """Either kind of work; query :class:`Submission` or :class:`PracticeSubmission`, never this, for a list."""

    __tablename__ = "submissions"
    __table_args__ = (UniqueConstraint("meeting_id", "case_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    case_slug: Mapped[str] = mapped_column(String(100))
    # The content hash of the case this work was made against: later case edits never change what was reviewed.
    case_version: Mapped[str] = mapped_column(String(80))
    status: Mapped[SubmissionStatus] = mapped_column(
        Enum(SubmissionStatus, native_enum=False, length=20), default=SubmissionStatus.DRAFT
    )
    notes_more_time: Mapped[str] = mapped_column(Text, default="")
    questions: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(default=None)
    reviewed_at: Mapped[datetime | None] = mapped_column(default=None)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)

    files: Mapped[list[SubmissionFile]] = relationship(
        order_by="SubmissionFile.path", cascade="all, delete-orphan", back_populates="submission"
    )
    # The warm-up (issue 15): True rows are PracticeSubmission, never seen by reviewers and starting no clock.
    practice: Mapped[bool] = mapped_column(default=False, server_default=false())

    __mapper_args__ = {"polymorphic_on": practice, "polymorphic_abstract": True}

    @property
    def is_submitted(self) -> bool:
        return self.status == SubmissionStatus.SUBMITTED

    def file_map(self) -> dict[str, bytes]:
        return {f.path: f.content for f in self.files}


class Submission(CaseWork):
    """The candidate's work on one of the meeting's cases."""

    __mapper_args__ = {"polymorphic_identity": False}


class PracticeSubmission(CaseWork):
    """The candidate's warm-up on a practice case: same workspace and sandbox, no reviewer, no clock, no hand-in."""

    __mapper_args__ = {"polymorphic_identity": True}


class SubmissionFile(Base):
    __tablename__ = "submission_files"
    __table_args__ = (UniqueConstraint("submission_id", "path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"))
    path: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    submission: Mapped[CaseWork] = relationship(back_populates="files")

    def text(self) -> str | None:
        """The file as text, or None when it is binary (images, PDFs)."""
        if b"\x00" in self.content[:4096]:
            return None
        try:
            return self.content.decode("utf-8")
        except UnicodeDecodeError:
            return None
