"""A meeting's data-protection record: its outcome, the retention clock, postponements, withdrawal, erasure.

Kept beside the meeting (one row per meeting, made on first need) rather than in it, so that the record of
what happened to a candidate's data survives and reads the same whatever else changes on the meeting.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class MeetingOutcome(enum.StrEnum):
    OFFER = "offer"  # offer made
    NOT_CONTINUING = "not_continuing"
    WITHDREW = "withdrew"  # the candidate withdrew
    NO_SHOW = "no_show"  # did not attend


class MeetingRetention(Base):
    """Outcome and retention facts of one meeting (= one candidate)."""

    __tablename__ = "meeting_retention"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True)
    outcome: Mapped[str] = mapped_column(String(20), default="")  # a MeetingOutcome value, "" while open
    closed_at: Mapped[datetime | None] = mapped_column(default=None)  # starts the retention clock
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    postponed_until: Mapped[datetime | None] = mapped_column(default=None)
    postpone_reason: Mapped[str] = mapped_column(Text, default="")
    withdrawn_at: Mapped[datetime | None] = mapped_column(default=None)  # the candidate asked to be deleted
    erase_after: Mapped[datetime | None] = mapped_column(default=None, index=True)  # a scheduled erasure
    erased_at: Mapped[datetime | None] = mapped_column(default=None, index=True)
