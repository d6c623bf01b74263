"""Snapshots of case versions, so that later edits to a case never change what a submission is judged against."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class CaseSnapshot(Base):
    """Every file of one case version (a tar), keyed by the version's content hash."""

    __tablename__ = "case_snapshots"

    version: Mapped[str] = mapped_column(String(80), primary_key=True)
    slug: Mapped[str] = mapped_column(String(100))
    archive: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
