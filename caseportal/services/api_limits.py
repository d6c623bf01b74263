"""Requests per API key in a fixed one-minute window.

The counters live in the ``limits`` library's storage, as the sign-in throttle's do (``login_throttle``): in
this process's memory on one machine, in the queue's Redis when several web processes or machines share it, so
every process counts the same requests. A fixed window is cheap (one counter per key and minute) and easy for
an integration to follow: the answer says how many requests are left and when the window resets.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from limits import RateLimitItem, RateLimitItemPerMinute
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from caseportal.config import Settings

from .login_throttle import storage_url

NAMESPACE = "caseportal-api"


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    reset_after_s: int


@dataclass(frozen=True)
class ApiLimiter:
    """One budget per API key; one instance per app."""

    limiter: FixedWindowRateLimiter
    item: RateLimitItem

    @classmethod
    def build(cls, url: str, per_minute: int) -> ApiLimiter:
        return cls(FixedWindowRateLimiter(storage_from_string(url)),
                   RateLimitItemPerMinute(per_minute, namespace=NAMESPACE))

    @classmethod
    def from_settings(cls, settings: Settings) -> ApiLimiter:
        return cls.build(storage_url(settings), settings.api_requests_per_minute)

    def hit(self, key_id: int) -> Verdict:
        """Count one request of key ``key_id``; not allowed once its budget for this window is spent."""
        allowed = self.limiter.hit(self.item, "key", str(key_id))
        stats = self.limiter.get_window_stats(self.item, "key", str(key_id))
        reset = max(1, int(stats.reset_time - time.time() + 0.999))
        return Verdict(allowed, self.item.amount, max(0, stats.remaining), reset)
