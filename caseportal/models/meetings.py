"""Roles with what we offer, candidate meetings, their cases, reviewers and invitations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow
from .employers import Employer
from .users import User

OFFER_SECTIONS = ("offer_growth", "offer_tech", "offer_benefits", "offer_worklife")


class JobRole(Base):
    """A role we hire for, and what the company offers for it: the first thing a candidate sees."""

    __tablename__ = "job_roles"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    team: Mapped[str] = mapped_column(String(200), default="")
    location: Mapped[str] = mapped_column(String(200), default="")
    remote: Mapped[bool] = mapped_column(default=False)
    role_family: Mapped[str] = mapped_column(String(60), default="")
    offer_growth: Mapped[str] = mapped_column(Text, default="")
    offer_tech: Mapped[str] = mapped_column(Text, default="")
    offer_benefits: Mapped[str] = mapped_column(Text, default="")
    offer_worklife: Mapped[str] = mapped_column(Text, default="")
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    employer: Mapped[Employer] = relationship(lazy="joined")


class MeetingReviewer(Base):
    __tablename__ = "meeting_reviewers"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)


class MeetingCase(Base):
    """A case attached to a meeting; with several the candidate picks one."""

    __tablename__ = "meeting_cases"
    __table_args__ = (UniqueConstraint("meeting_id", "case_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    case_slug: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(default=0)


class Meeting(Base):
    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_name: Mapped[str] = mapped_column(String(200))
    candidate_email: Mapped[str] = mapped_column(String(254))
    job_role_id: Mapped[int] = mapped_column(ForeignKey("job_roles.id"))
    starts_at: Mapped[datetime | None] = mapped_column(default=None)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    duration_minutes: Mapped[int] = mapped_column(default=60)
    place: Mapped[str] = mapped_column(String(300), default="")
    video_link: Mapped[str] = mapped_column(String(500), default="")
    case_deadline: Mapped[datetime | None] = mapped_column(default=None)
    blind_review: Mapped[bool] = mapped_column(default=False)
    brief_shared: Mapped[bool] = mapped_column(default=False)
    manager_feedback: Mapped[str] = mapped_column(Text, default="")
    manager_feedback_shared: Mapped[bool] = mapped_column(default=False)
    met_at: Mapped[datetime | None] = mapped_column(default=None)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    job_role: Mapped[JobRole] = relationship(lazy="joined")
    reviewers: Mapped[list[User]] = relationship(secondary="meeting_reviewers", order_by="User.name")
    cases: Mapped[list[MeetingCase]] = relationship(
        order_by="MeetingCase.position", cascade="all, delete-orphan"
    )
    invitations: Mapped[list[Invitation]] = relationship(
        back_populates="meeting", order_by="Invitation.id", cascade="all, delete-orphan"
    )

    @property
    def case_slugs(self) -> list[str]:
        return [c.case_slug for c in self.cases]

    @property
    def current_invitation(self) -> Invitation | None:
        live = [i for i in self.invitations if i.revoked_at is None]
        return live[-1] if live else None


class Invitation(Base):
    """One issued link. The link carries a signed (id, nonce); revoking or re-issuing kills the old one."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    nonce: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    first_opened_at: Mapped[datetime | None] = mapped_column(default=None)
    last_opened_at: Mapped[datetime | None] = mapped_column(default=None)
    sent_by_mail: Mapped[bool] = mapped_column(default=False)

    meeting: Mapped[Meeting] = relationship(back_populates="invitations")
