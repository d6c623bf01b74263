"""Staff accounts. Candidates never have one: they hold an invitation instead."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Enum, String
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from .base import Base, utcnow

#: werkzeug's hashing method; tests lower the cost (a module setting, not a per-call flag, keeps the API small).
PASSWORD_METHOD = "scrypt"

#: One throw-away hash per hashing method, made on first use: checked against when no account matches.
_DUMMY_HASHES: dict[str, str] = {}


def check_without_account(password: str) -> bool:
    """Check a password against a hash no password matches, so an unknown e-mail costs the same work as a known
    one and the answer time does not tell which e-mails have an account. Always False."""
    method = PASSWORD_METHOD
    if method not in _DUMMY_HASHES:
        _DUMMY_HASHES[method] = generate_password_hash(secrets.token_hex(16), method=method)
    check_password_hash(_DUMMY_HASHES[method], password)
    return False


class StaffRole(enum.StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"
    REVIEWER = "reviewer"


class User(UserMixin, Base):  # type: ignore[misc]  # flask_login is untyped, so UserMixin is Any
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[StaffRole] = mapped_column(Enum(StaffRole, native_enum=False, length=20))
    password_hash: Mapped[str] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(default=True)
    # Bumped on password change and logout-everywhere; part of the session id so old sessions die.
    session_version: Mapped[int] = mapped_column(default=1)
    # Firm-wide staff (a consultant) see every employer; the others only those tied to them in employer_staff.
    firm_wide: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method=PASSWORD_METHOD)
        self.session_version = (self.session_version or 0) + 1

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def get_id(self) -> str:
        return f"staff:{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_manager(self) -> bool:
        return self.role in (StaffRole.MANAGER, StaffRole.ADMIN)

    @property
    def is_admin(self) -> bool:
        return self.role == StaffRole.ADMIN
