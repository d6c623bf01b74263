"""Sign-in throttling: failed sign-ins counted per account and per address in a moving window.

Counting failures (not requests) keeps a person who types their password right unaffected, while guessing
stops after a few tries: once an account or an address has used up its failures, even the right password is
refused until the window moves on. The counters live in the ``limits`` library's storage (the one
Flask-Limiter is built on): in memory for one process, in Redis when several web processes or machines share
the queue's Redis, so every process sees the same counts. Account keys are hashed, so no e-mail is stored.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from limits import RateLimitItem, RateLimitItemPerMinute
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from caseportal.config import Settings

NAMESPACE = "caseportal-login"


def storage_url(settings: Settings) -> str:
    """Redis when the queue is on Redis (multi-machine mode), otherwise this process's memory."""
    if settings.queue_url.startswith(("redis://", "rediss://", "unix://")):
        return settings.queue_url
    return "memory://"


def _account_key(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]


@dataclass(frozen=True)
class LoginThrottle:
    """Per-account and per-address budgets of failed sign-ins; one instance per app."""

    limiter: MovingWindowRateLimiter
    per_account: RateLimitItem
    per_address: RateLimitItem
    window_minutes: int

    @classmethod
    def build(cls, url: str, *, per_account: int, per_address: int, window_minutes: int) -> LoginThrottle:
        limiter = MovingWindowRateLimiter(storage_from_string(url))
        return cls(limiter,
                   RateLimitItemPerMinute(per_account, window_minutes, namespace=NAMESPACE),
                   RateLimitItemPerMinute(per_address, window_minutes, namespace=NAMESPACE),
                   window_minutes)

    @classmethod
    def from_settings(cls, settings: Settings) -> LoginThrottle:
        return cls.build(storage_url(settings), per_account=settings.login_failures_per_account,
                         per_address=settings.login_failures_per_address,
                         window_minutes=settings.login_window_minutes)

    def blocked(self, email: str, address: str) -> bool:
        """Whether this account or this address has no failed sign-in left in the window."""
        return not (self.limiter.test(self.per_account, "account", _account_key(email))
                    and self.limiter.test(self.per_address, "address", address))

    def failed(self, email: str, address: str) -> None:
        """Count one failed sign-in against the account and the address."""
        self.limiter.hit(self.per_account, "account", _account_key(email))
        self.limiter.hit(self.per_address, "address", address)

    def succeeded(self, email: str) -> None:
        """The account's owner got in: their earlier typos no longer count (the address's count stays)."""
        self.limiter.clear(self.per_account, "account", _account_key(email))
