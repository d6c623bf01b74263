"""What a runtime image really carries (Python and key package versions), recorded by whoever built or probed it.

The web process may have no Docker socket (only workers do), so the facts reach the case pages through the
database.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class RuntimeEnvironment(Base):
    """One probe of one runtime image; the newest row of a runtime is what case pages show."""

    __tablename__ = "runtime_environments"
    # One row per image: probing the same image again refreshes its row instead of piling up copies.
    __table_args__ = (UniqueConstraint("runtime", "image_ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    runtime: Mapped[str] = mapped_column(String(32), index=True)
    image_ref: Mapped[str] = mapped_column(String(200))
    #: {"python": "3.11.2", "packages": {"pytest": "7.2.1", "sqlite": "3.40.1", ...}, "image_id": "sha256:..."}
    facts: Mapped[dict[str, Any]] = mapped_column(JSON)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
