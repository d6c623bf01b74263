"""What connects caseportal to the hiring stack: signed webhook endpoints, the outbox of deliveries (with every
attempt logged), and ATS partner connections with the ATS requests they turned into meetings.

A delivery is written in the same transaction as the change it reports (an outbox), so a change is never
committed without its notification, and a receiver that is down loses nothing: the row waits and is retried.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow


class WebhookEndpoint(Base):
    """A receiver registered by an admin; its secret signs every body (shown once, kept to sign)."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(500))
    events: Mapped[str] = mapped_column(Text, default="")  # space-separated event names
    secret: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def event_list(self) -> list[str]:
        return self.events.split()


class PartnerConnection(Base):
    """One ATS customer: its key (stored hashed), the role new meetings get and the cases offered as tests."""

    __tablename__ = "partner_connections"

    id: Mapped[int] = mapped_column(primary_key=True)
    ats: Mapped[str] = mapped_column(String(20))  # "greenhouse" or "teamtailor"
    name: Mapped[str] = mapped_column(String(200))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    key_hint: Mapped[str] = mapped_column(String(12), default="")
    job_role_id: Mapped[int] = mapped_column(ForeignKey("job_roles.id"))
    case_slugs: Mapped[str] = mapped_column(Text, default="")  # space-separated
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)

    @property
    def cases(self) -> list[str]:
        return self.case_slugs.split()


class PartnerLink(Base):
    """An ATS request that became a meeting. Unique on the ATS's own id, so a repeated request creates nothing."""

    __tablename__ = "partner_links"
    __table_args__ = (UniqueConstraint("connection_id", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    connection_id: Mapped[int] = mapped_column(ForeignKey("partner_connections.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(String(200))
    public_id: Mapped[str] = mapped_column(String(40), unique=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    case_slug: Mapped[str] = mapped_column(String(100))
    callback_url: Mapped[str] = mapped_column(String(1000), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    connection: Mapped[PartnerConnection] = relationship(lazy="joined")


class WebhookDelivery(Base):
    """One message to send: to a webhook endpoint (signed POST) or to an ATS (its callback). Retried with
    back-off until delivered or out of attempts; an admin can replay it."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), default="webhook")  # webhook, greenhouse, teamtailor
    endpoint_id: Mapped[int | None] = mapped_column(
        ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), default=None, index=True)
    link_id: Mapped[int | None] = mapped_column(
        ForeignKey("partner_links.id", ondelete="CASCADE"), default=None, index=True)
    event: Mapped[str] = mapped_column(String(60))
    event_id: Mapped[str] = mapped_column(String(40))
    payload: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending, delivered, failed
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)

    endpoint: Mapped[WebhookEndpoint | None] = relationship()
    link: Mapped[PartnerLink | None] = relationship()
    attempt_log: Mapped[list[WebhookAttempt]] = relationship(
        order_by="WebhookAttempt.id", cascade="all, delete-orphan", passive_deletes=True)


class WebhookAttempt(Base):
    """One try at a delivery: when, the answer's status and its first bytes (capped), or the network error."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    status_code: Mapped[int | None] = mapped_column(default=None)
    response: Mapped[str] = mapped_column(String(1000), default="")
    error: Mapped[str] = mapped_column(String(500), default="")
    duration_ms: Mapped[int] = mapped_column(default=0)
