"""API keys for integrations: only a hash of each key is stored, so a leaked database holds no usable key."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, utcnow
from .users import User


class ApiKey(Base):
    """One key an admin issued. The key acts as the admin who made it (their access, their name on meetings)."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    #: The key's first characters, shown in the staff list so a key can be recognised without being stored.
    prefix: Mapped[str] = mapped_column(String(16))
    #: sha256 of the whole key in hex: the key is 256 random bits, so a fast hash is enough (no guessing).
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scope: Mapped[str] = mapped_column(String(10))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)

    created_by: Mapped[User] = relationship(lazy="joined")

    @property
    def active(self) -> bool:
        return self.revoked_at is None
