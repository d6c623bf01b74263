"""API keys: issue (the key is shown once), authenticate a bearer key, note its last use, revoke.

A key is ``cpk_`` and 43 URL-safe characters (256 random bits). Only its sha256 is stored: with that much
entropy a slow password hash adds nothing, and a lookup by hash stays one indexed query. A key acts as the
admin who created it, so every access rule (``visibility``) applies to it unchanged; a key whose creator was
deactivated or is no longer an admin stops working.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from caseportal.i18n import gettext as _
from caseportal.models import ApiKey, User, utcnow

from .errors import Forbidden, Invalid

PREFIX = "cpk_"
SCOPES = ("read", "write")
#: A key's last use is written at most this often, so a busy integration does not write on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedKey:
    """A new key with its secret: the only moment the secret exists outside the client's hands."""

    record: ApiKey
    secret: str


def issue(session: Session, creator: User, name: str, scope: str, now: datetime | None = None) -> IssuedKey:
    """A new key for ``creator`` (an admin), named for the integration that will hold it."""
    if not creator.is_admin:
        raise Forbidden(_("Only admins can create API keys."))
    name = name.strip()
    if not name or len(name) > 100:
        raise Invalid(_("Please name the key (at most %(n)s characters).", n=100))
    if scope not in SCOPES:
        raise Invalid(_("Unknown scope: %(scope)s.", scope=scope))
    secret = PREFIX + secrets.token_urlsafe(32)
    record = ApiKey(name=name, prefix=secret[:12], token_hash=hash_key(secret), scope=scope,
                    created_by_id=creator.id, created_at=now or utcnow())
    session.add(record)
    session.flush()
    return IssuedKey(record, secret)


def authenticate(session: Session, secret: str, now: datetime | None = None) -> ApiKey | None:
    """The live key behind a bearer secret (its last use noted), or None for an unknown or revoked key."""
    if not secret.startswith(PREFIX) or len(secret) > 100:
        return None
    key = session.scalar(select(ApiKey).where(ApiKey.token_hash == hash_key(secret)))
    if key is None or key.revoked_at is not None:
        return None
    creator = key.created_by
    if not (creator.active and creator.is_admin):
        return None
    now = now or utcnow()
    if key.last_used_at is None or not timedelta(0) <= now - key.last_used_at < LAST_USED_RESOLUTION:
        key.last_used_at = now
    return key


def allows(key: ApiKey, scope: str) -> bool:
    """A write key may also read; a read key may only read."""
    return scope == "read" or key.scope == "write"


def revoke(key: ApiKey, now: datetime | None = None) -> bool:
    """Revoke a key at once; False when it was already revoked."""
    if key.revoked_at is not None:
        return False
    key.revoked_at = now or utcnow()
    return True


def all_keys(session: Session) -> list[ApiKey]:
    """Every key, live ones first, newest first."""
    return list(session.scalars(select(ApiKey).order_by(ApiKey.revoked_at.is_not(None), ApiKey.id.desc())))
