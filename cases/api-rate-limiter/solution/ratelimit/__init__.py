"""Rate limiting for the partner API gateway."""

from .clock import Clock, FakeClock, SystemClock
from .limiters import Decision, FixedWindowLimiter, TokenBucketLimiter, build_limiter
from .middleware import RateLimitMiddleware
from .policy import Policy, parse_policy

__all__ = [
    "Clock",
    "Decision",
    "FakeClock",
    "FixedWindowLimiter",
    "Policy",
    "RateLimitMiddleware",
    "SystemClock",
    "TokenBucketLimiter",
    "build_limiter",
    "parse_policy",
]
