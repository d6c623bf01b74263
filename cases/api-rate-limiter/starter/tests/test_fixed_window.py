"""The team's existing tests. Run them with `python -m pytest tests`."""

from ratelimit import FakeClock, FixedWindowLimiter, RateLimitMiddleware, parse_policy
from ratelimit.middleware import Response


def test_allows_up_to_the_limit_then_denies():
    clock = FakeClock(start=0)
    limiter = FixedWindowLimiter(parse_policy("3/second"), clock)
    assert [limiter.check("k").allowed for _ in range(4)] == [True, True, True, False]


def test_new_window_resets():
    clock = FakeClock(start=0)
    limiter = FixedWindowLimiter(parse_policy("1/minute"), clock)
    assert limiter.check("k").allowed
    clock.advance(60)
    assert limiter.check("k").allowed


def test_middleware_returns_429():
    limiter = FixedWindowLimiter(parse_policy("1/hour"), FakeClock())
    app = RateLimitMiddleware(lambda req: Response(200, "ok"), limiter)
    assert app({"headers": {"X-Api-Key": "a"}}).status == 200
    assert app({"headers": {"X-Api-Key": "a"}}).status == 429
