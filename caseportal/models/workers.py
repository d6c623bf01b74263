"""A worker process's heartbeat: how the web, the CLI and the metrics know which workers are alive.

A worker may run on another machine, so its pid says nothing there; a row it refreshes every few seconds does.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class WorkerHeartbeat(Base):
    """One worker process (``host:pid``); alive while ``seen_at`` is recent."""

    __tablename__ = "worker_heartbeats"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    seen_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    #: Whether the worker's Docker engine answered at its last beat (a worker without one cannot run checks).
    docker_ok: Mapped[bool] = mapped_column(default=False)
