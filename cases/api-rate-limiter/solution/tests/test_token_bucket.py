"""Tests for the token bucket (PLAT-412)."""

import pytest

from ratelimit import FakeClock, RateLimitMiddleware, TokenBucketLimiter, build_limiter, parse_policy
from ratelimit.limiters import FixedWindowLimiter
from ratelimit.middleware import Response


def test_mobile_burst_passes():
    limiter = build_limiter(parse_policy("10/second burst 20"), FakeClock())
    assert all(limiter.check("app").allowed for _ in range(15))


def test_no_double_burst_at_boundary():
    clock = FakeClock(start=0.99)
    limiter = TokenBucketLimiter(10, 10, clock)
    assert sum(limiter.check("sync").allowed for _ in range(10)) == 10
    clock.advance(0.01)
    assert sum(limiter.check("sync").allowed for _ in range(10)) == 0


def test_refills_at_rate_and_caps_at_burst():
    clock = FakeClock()
    limiter = TokenBucketLimiter(2, 4, clock)
    for _ in range(4):
        limiter.check("k")
    clock.advance(1)
    assert [limiter.check("k").allowed for _ in range(3)] == [True, True, False]
    clock.advance(3600)
    assert sum(limiter.check("k").allowed for _ in range(10)) == 4


def test_denied_requests_do_not_consume_and_say_when():
    clock = FakeClock()
    limiter = TokenBucketLimiter(0.5, 1, clock)
    assert limiter.check("k").allowed
    d = limiter.check("k")
    assert not d.allowed and d.retry_after == pytest.approx(2.0)
    clock.advance(2)
    assert limiter.check("k").allowed


def test_cost_larger_than_burst_is_an_error():
    with pytest.raises(ValueError):
        TokenBucketLimiter(1, 3, FakeClock()).check("k", cost=4)


def test_policy_without_burst_keeps_fixed_window():
    assert isinstance(build_limiter(parse_policy("5/minute")), FixedWindowLimiter)


@pytest.mark.parametrize("bad", ["10/second burst", "10/second burst 0", "10/second burst -1"])
def test_bad_burst_rejected(bad):
    with pytest.raises(ValueError):
        parse_policy(bad)


def test_429_has_retry_after_rounded_up():
    clock = FakeClock(start=0.5)
    app = RateLimitMiddleware(lambda r: Response(200), build_limiter(parse_policy("1/minute"), clock))
    app({"headers": {"X-Api-Key": "a"}})
    assert app({"headers": {"X-Api-Key": "a"}}).headers["Retry-After"] == "60"
