"""Limiters decide, per key (usually a partner's API key), whether a request may pass."""

from __future__ import annotations

from dataclasses import dataclass

from .clock import Clock, SystemClock
from .policy import Policy


@dataclass(frozen=True)
class Decision:
    allowed: bool
    remaining: int
    #: seconds until a request of the same cost would be allowed (0.0 when allowed)
    retry_after: float


class FixedWindowLimiter:
    """At most ``policy.limit`` requests per key in each fixed window of ``policy.period_s``.

    Known weakness (see the partner complaint in README.md): a client can send ``limit``
    requests at the very end of one window and ``limit`` more at the start of the next.
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


def build_limiter(policy: Policy, clock: Clock | None = None) -> FixedWindowLimiter:
    """The limiter the gateway uses for a partner's policy."""
    return FixedWindowLimiter(policy, clock)
