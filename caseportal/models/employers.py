"""Employers (a recruiting firm's client companies) with their brand, and which staff may see which employer.

A role belongs to one employer; candidates see the employer's name and brand, not caseportal's. Staff are
firm-wide (a consultant: every employer) unless they are tied to employers through ``employer_staff``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class Employer(Base):
    """A client company: its name, logo (a re-encoded PNG), brand colour, about text and default offer blocks."""

    __tablename__ = "employers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    about: Mapped[str] = mapped_column(Text, default="")
    brand_colour: Mapped[str] = mapped_column(String(7), default="")  # "#rrggbb", "" for the house look
    logo_png: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)  # re-encoded, never the upload
    logo_version: Mapped[int] = mapped_column(default=0)  # bumped on change: part of the logo's URL
    offer_growth: Mapped[str] = mapped_column(Text, default="")
    offer_tech: Mapped[str] = mapped_column(Text, default="")
    offer_benefits: Mapped[str] = mapped_column(Text, default="")
    offer_worklife: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class EmployerStaff(Base):
    """A staff member tied to an employer: a client's hiring manager or reviewer sees only their employers."""

    __tablename__ = "employer_staff"

    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
