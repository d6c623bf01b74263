"""Hidden checks: the token bucket's behaviour, pinned on the cases from PLAT-412 and its edges.

New names are looked up inside each test (``limiters.TokenBucketLimiter``) so a missing one
fails the tests that need it instead of the whole module.
"""

from pathlib import Path

import pytest
import ratelimit.limiters as limiters
from ratelimit import FakeClock, RateLimitMiddleware, build_limiter, parse_policy
from ratelimit.middleware import Response


def bucket(rate, burst, start=1000.0):
    clock = FakeClock(start=start)
    return limiters.TokenBucketLimiter(rate_per_s=rate, burst=burst, clock=clock), clock


def test_full_burst_then_denied():
    limiter, _ = bucket(1, 5)
    assert [limiter.check("k").allowed for _ in range(6)] == [True] * 5 + [False]


def test_refills_one_token_per_period():
    limiter, clock = bucket(1, 5)
    for _ in range(5):
        limiter.check("k")
    clock.advance(1.0)
    assert limiter.check("k").allowed
    assert not limiter.check("k").allowed


def test_partial_refill_is_not_enough_and_retry_after_is_exact():
    limiter, clock = bucket(2, 1)
    assert limiter.check("k").allowed
    clock.advance(0.25)
    d = limiter.check("k")
    assert not d.allowed
    assert d.retry_after == pytest.approx(0.25, abs=1e-6)


def test_refill_is_capped_at_burst():
    limiter, clock = bucket(5, 3)
    limiter.check("k")
    clock.advance(3600)
    assert sum(limiter.check("k").allowed for _ in range(10)) == 3


def test_denied_requests_do_not_consume_tokens():
    limiter, clock = bucket(1, 1)
    limiter.check("k")
    for _ in range(5):
        limiter.check("k")
    clock.advance(1.0)
    assert limiter.check("k").allowed


def test_keys_have_separate_buckets():
    limiter, _ = bucket(1, 2)
    assert [limiter.check("a").allowed for _ in range(3)] == [True, True, False]
    assert limiter.check("b").allowed


def test_cost_consumes_several_tokens():
    limiter, _ = bucket(1, 5)
    assert limiter.check("k", cost=3).allowed
    assert limiter.check("k", cost=2).allowed
    assert not limiter.check("k", cost=1).allowed


def test_cost_above_burst_raises():
    limiter, _ = bucket(1, 2)
    with pytest.raises(ValueError):
        limiter.check("k", cost=3)


def test_remaining_counts_whole_tokens_left():
    limiter, _ = bucket(1, 4)
    assert limiter.check("k").remaining == 3
    assert limiter.check("k", cost=2).remaining == 1


def test_no_double_burst_at_a_boundary():
    """PLAT-412: the nightly sync must not get 2x its budget around a window edge."""
    clock = FakeClock(start=0.99)
    limiter = build_limiter(parse_policy("10/second burst 10"), clock)
    assert sum(limiter.check("sync").allowed for _ in range(10)) == 10
    clock.advance(0.02)
    assert sum(limiter.check("sync").allowed for _ in range(10)) == 0


def test_mobile_app_burst_passes():
    """PLAT-412: 15 requests at once on a 10/second burst 20 policy pass."""
    limiter = build_limiter(parse_policy("10/second burst 20"), FakeClock())
    assert all(limiter.check("app").allowed for _ in range(15))


def test_policy_without_burst_keeps_fixed_window():
    policy = parse_policy("600/minute")
    assert policy.burst is None
    assert isinstance(build_limiter(policy, FakeClock()), limiters.FixedWindowLimiter)


@pytest.mark.parametrize("text", ["10/second burst 0", "10/second burst", "10/second burst x", "burst 5"])
def test_invalid_burst_is_rejected(text):
    with pytest.raises(ValueError):
        parse_policy(text)


def test_retry_after_header_is_whole_seconds_rounded_up():
    clock = FakeClock(start=0.5)
    app = RateLimitMiddleware(lambda r: Response(200), build_limiter(parse_policy("1/minute"), clock))
    app({"headers": {"X-Api-Key": "a"}})
    assert app({"headers": {"X-Api-Key": "a"}}).headers["Retry-After"] == "60"


def test_retry_after_header_for_token_bucket():
    clock = FakeClock()
    app = RateLimitMiddleware(lambda r: Response(200), build_limiter(parse_policy("1/minute burst 1"), clock))
    app({"headers": {"X-Api-Key": "a"}})
    clock.advance(30.5)
    assert app({"headers": {"X-Api-Key": "a"}}).headers["Retry-After"] == "30"


def test_candidate_wrote_tests_for_the_bucket():
    """Advisory: we'd like to talk about the tests you wrote, so we look for them."""
    from caseportal_check import advisory

    texts = [p.read_text(errors="replace") for p in Path("tests").rglob("test_*.py")] if Path("tests").is_dir() else []
    found = any("TokenBucket" in t or "burst" in t for t in texts)
    advisory("tests_for_token_bucket", found,
             "" if found else "no tests under tests/ mention the token bucket or burst")
