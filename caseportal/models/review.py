"""Reviewers' material for the meeting: talking points and comments anchored to lines."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow
from .users import User


class TalkingPoint(Base):
    """Discussion material for the meeting, ordered; may point at a file and line. Not a pass/fail gate."""

    __tablename__ = "talking_points"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    position: Mapped[int] = mapped_column(default=0)
    text: Mapped[str] = mapped_column(Text)
    file_path: Mapped[str] = mapped_column(String(255), default="")
    line: Mapped[int | None] = mapped_column(default=None)
    # "reviewer" for one written by hand; otherwise the suggestion's source (checks, metric, time, diff, notes...).
    source: Mapped[str] = mapped_column(String(30), default="reviewer")
    # The key of the suggestion this point was accepted from ("" when written by hand): it is not offered again.
    suggestion_key: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The last edit, by whom and when; the author stays who wrote it, so a rewritten point is never shown under
    # its first author's name alone.
    edited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    edited_at: Mapped[datetime | None] = mapped_column(default=None)

    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    edited_by: Mapped[User | None] = relationship(foreign_keys=[edited_by_id])


class LineComment(Base):
    __tablename__ = "line_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    file_path: Mapped[str] = mapped_column(String(255))
    line: Mapped[int]
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User] = relationship()


class DroppedSuggestion(Base):
    """A suggested talking point a reviewer dropped for one submission, so it is not suggested again."""

    __tablename__ = "dropped_suggestions"
    __table_args__ = (UniqueConstraint("submission_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(80))
    dropped_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    dropped_at: Mapped[datetime] = mapped_column(default=utcnow)
