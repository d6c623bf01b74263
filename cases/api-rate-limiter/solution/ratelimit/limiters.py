"""Limiters decide, per key (usually a partner's API key), whether a request may pass."""

from __future__ import annotations

import math
from dataclasses import dataclass

from .clock import Clock, SystemClock
from .policy import Policy

_EPS = 1e-9  # float slack so that exactly-refilled tokens count


@dataclass(frozen=True)
class Decision:
    allowed: bool
    remaining: int
    #: seconds until a request of the same cost would be allowed (0.0 when allowed)
    retry_after: float


class FixedWindowLimiter:
    """At most ``policy.limit`` requests per key in each fixed window of ``policy.period_s``.

    Known weakness: a client can send ``limit`` requests at the very end of one window and
    ``limit`` more at the start of the next. Use a burst policy (token bucket) to avoid it.
    """

    def __init__(self, policy: Policy, clock: Clock | None = None) -> None:
        self.policy = policy
        self.clock = clock or SystemClock()
        self._windows: dict[str, tuple[int, int]] = {}  # key -> (window index, count)

    def check(self, key: str, cost: int = 1) -> Decision:
        if cost < 1:
            raise ValueError("cost must be at least 1")
        now = self.clock.now()
        window = int(now // self.policy.period_s)
        current, count = self._windows.get(key, (window, 0))
        if current != window:
            count = 0
        if count + cost > self.policy.limit:
            window_end = (window + 1) * self.policy.period_s
            self._windows[key] = (window, count)
            return Decision(False, self.policy.limit - count, window_end - now)
        count += cost
        self._windows[key] = (window, count)
        return Decision(True, self.policy.limit - count, 0.0)


class TokenBucketLimiter:
    """Each key has a bucket of ``burst`` tokens refilling continuously at ``rate_per_s``.

    A request of cost ``c`` passes when the bucket holds ``c`` tokens. Unlike fixed windows
    there is no boundary to exploit: over any interval ``t`` at most ``burst + rate * t``
    requests pass. Buckets are created lazily and start full.
    """

    def __init__(self, rate_per_s: float, burst: int, clock: Clock | None = None) -> None:
        if rate_per_s <= 0:
            raise ValueError("rate_per_s must be positive")
        if burst < 1:
            raise ValueError("burst must be at least 1")
        self.rate_per_s = rate_per_s
        self.burst = burst
        self.clock = clock or SystemClock()
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, last refill time)

    def _tokens(self, key: str, now: float) -> float:
        tokens, last = self._buckets.get(key, (float(self.burst), now))
        return min(float(self.burst), tokens + max(0.0, now - last) * self.rate_per_s)

    def check(self, key: str, cost: int = 1) -> Decision:
        if cost < 1:
            raise ValueError("cost must be at least 1")
        if cost > self.burst:
            raise ValueError(f"cost {cost} can never pass a bucket of {self.burst}")
        now = self.clock.now()
        tokens = self._tokens(key, now)
        if tokens + _EPS >= cost:
            tokens = max(0.0, tokens - cost)
            self._buckets[key] = (tokens, now)
            return Decision(True, math.floor(tokens + _EPS), 0.0)
        self._buckets[key] = (tokens, now)
        return Decision(False, math.floor(tokens + _EPS), (cost - tokens) / self.rate_per_s)


Limiter = FixedWindowLimiter | TokenBucketLimiter


def build_limiter(policy: Policy, clock: Clock | None = None) -> Limiter:
    """The limiter for a partner's policy: a token bucket when the policy has a burst,
    otherwise the fixed window existing partners have today."""
    if policy.burst is not None:
        return TokenBucketLimiter(policy.rate_per_s, policy.burst, clock)
    return FixedWindowLimiter(policy, clock)
