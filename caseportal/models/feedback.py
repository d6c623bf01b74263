"""Feedback both ways and in-app notices."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class CandidateFeedback(Base):
    """The candidate's optional rating of the case and the process, one per meeting."""

    __tablename__ = "candidate_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), unique=True)
    case_slug: Mapped[str] = mapped_column(String(100), default="")
    realistic: Mapped[int | None] = mapped_column(default=None)  # 1..5: a realistic picture of the role
    felt: Mapped[int | None] = mapped_column(default=None)  # 1..5: how the meeting felt
    fair: Mapped[int | None] = mapped_column(default=None)  # 1..5
    minutes_spent: Mapped[int | None] = mapped_column(default=None)
    interest_change: Mapped[str] = mapped_column(String(20), default="")  # more, same, less
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Notification(Base):
    """An in-app notice for a staff member (used when no mail server is configured, and always as a record)."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(default=None)
