"""Visible checks: the API the brief asks for exists, and nothing that worked before broke.

The candidate's files are in /work, which is on sys.path.
"""

from ratelimit import FakeClock, FixedWindowLimiter, RateLimitMiddleware, parse_policy
from ratelimit.middleware import Response


def test_fixed_window_still_limits():
    limiter = FixedWindowLimiter(parse_policy("3/second"), FakeClock(start=0))
    assert [limiter.check("k").allowed for _ in range(4)] == [True, True, True, False]


def test_fixed_window_still_resets():
    clock = FakeClock(start=0)
    limiter = FixedWindowLimiter(parse_policy("1/minute"), clock)
    assert limiter.check("k").allowed
    clock.advance(60)
    assert limiter.check("k").allowed


def test_token_bucket_exists_and_allows_a_first_request():
    from ratelimit.limiters import TokenBucketLimiter

    assert TokenBucketLimiter(rate_per_s=1.0, burst=2, clock=FakeClock()).check("k").allowed


def test_policy_accepts_burst():
    policy = parse_policy("10/second burst 20")
    assert (policy.limit, policy.period_s, policy.burst) == (10, 1, 20)


def test_429_carries_retry_after():
    app = RateLimitMiddleware(lambda r: Response(200, "ok"), FixedWindowLimiter(parse_policy("1/hour"), FakeClock()))
    app({"headers": {"X-Api-Key": "a"}})
    denied = app({"headers": {"X-Api-Key": "a"}})
    assert denied.status == 429
    assert "Retry-After" in denied.headers, "a 429 should tell the client when to come back"
