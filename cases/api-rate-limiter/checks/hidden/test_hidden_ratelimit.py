"""Probes, in the candidate's container during full runs: the token bucket is driven through the cases from
PLAT-412 and its edges, and what it answered is saved as an observation. No expected value lives here (the
candidate's code can read this folder): the judge compares the observations with checks/judge/answers.json in
a container without candidate code. Names are looked up inside each probe so a missing one fails only it."""

from caseportal_check import probe


def bucket(rate, burst, start=1000.0):
    import ratelimit.limiters as limiters
    from ratelimit import FakeClock

    clock = FakeClock(start=start)
    return limiters.TokenBucketLimiter(rate_per_s=rate, burst=burst, clock=clock), clock


@probe
def test_full_burst_then_denied():
    limiter, _ = bucket(1, 5)
    return [limiter.check("k").allowed for _ in range(6)]


@probe
def test_refills_one_token_per_period():
    limiter, clock = bucket(1, 5)
    for _ in range(5):
        limiter.check("k")
    clock.advance(1.0)
    return [limiter.check("k").allowed, limiter.check("k").allowed]


@probe
def test_partial_refill_is_not_enough_and_retry_after_is_exact():
    limiter, clock = bucket(2, 1)
    first = limiter.check("k").allowed
    clock.advance(0.25)
    d = limiter.check("k")
    return [first, d.allowed, float(d.retry_after)]


@probe
def test_refill_is_capped_at_burst():
    limiter, clock = bucket(5, 3)
    limiter.check("k")
    clock.advance(3600)
    return sum(limiter.check("k").allowed for _ in range(10))


@probe
def test_denied_requests_do_not_consume_tokens():
    limiter, clock = bucket(1, 1)
    limiter.check("k")
    for _ in range(5):
        limiter.check("k")
    clock.advance(1.0)
    return limiter.check("k").allowed


@probe
def test_keys_have_separate_buckets():
    limiter, _ = bucket(1, 2)
    return [limiter.check("a").allowed for _ in range(3)] + [limiter.check("b").allowed]


@probe
def test_cost_consumes_several_tokens():
    limiter, _ = bucket(1, 5)
    return [limiter.check("k", cost=3).allowed, limiter.check("k", cost=2).allowed, limiter.check("k", cost=1).allowed]


@probe
def test_cost_above_burst_raises():
    limiter, _ = bucket(1, 2)
    return limiter.check("k", cost=3).allowed


@probe
def test_remaining_counts_whole_tokens_left():
    limiter, _ = bucket(1, 4)
    return [limiter.check("k").remaining, limiter.check("k", cost=2).remaining]


@probe
def test_no_double_burst_at_a_boundary():
    """PLAT-412: the nightly sync must not get 2x its budget around a window edge."""
    from ratelimit import FakeClock, build_limiter, parse_policy

    clock = FakeClock(start=0.99)
    limiter = build_limiter(parse_policy("10/second burst 10"), clock)
    first = sum(limiter.check("sync").allowed for _ in range(10))
    clock.advance(0.02)
    return [first, sum(limiter.check("sync").allowed for _ in range(10))]


@probe
def test_mobile_app_burst_passes():
    """PLAT-412: 15 requests at once on a 10/second burst 20 policy."""
    from ratelimit import FakeClock, build_limiter, parse_policy

    limiter = build_limiter(parse_policy("10/second burst 20"), FakeClock())
    return [limiter.check("app").allowed for _ in range(15)]


@probe
def test_policy_without_burst_keeps_fixed_window():
    import ratelimit.limiters as limiters
    from ratelimit import FakeClock, build_limiter, parse_policy

    policy = parse_policy("600/minute")
    return [policy.burst is None, isinstance(build_limiter(policy, FakeClock()), limiters.FixedWindowLimiter)]


def _parse(text):
    from ratelimit import parse_policy

    return str(parse_policy(text))


@probe
def test_invalid_burst_is_rejected_zero():
    return _parse("10/second burst 0")


@probe
def test_invalid_burst_is_rejected_missing():
    return _parse("10/second burst")


@probe
def test_invalid_burst_is_rejected_text():
    return _parse("10/second burst x")


@probe
def test_invalid_burst_is_rejected_no_rate():
    return _parse("burst 5")


@probe
def test_retry_after_header_is_whole_seconds_rounded_up():
    from ratelimit import FakeClock, RateLimitMiddleware, build_limiter, parse_policy
    from ratelimit.middleware import Response

    clock = FakeClock(start=0.5)
    app = RateLimitMiddleware(lambda r: Response(200), build_limiter(parse_policy("1/minute"), clock))
    app({"headers": {"X-Api-Key": "a"}})
    return app({"headers": {"X-Api-Key": "a"}}).headers.get("Retry-After")


@probe
def test_retry_after_header_for_token_bucket():
    from ratelimit import FakeClock, RateLimitMiddleware, build_limiter, parse_policy
    from ratelimit.middleware import Response

    clock = FakeClock()
    app = RateLimitMiddleware(lambda r: Response(200), build_limiter(parse_policy("1/minute burst 1"), clock))
    app({"headers": {"X-Api-Key": "a"}})
    clock.advance(30.5)
    return app({"headers": {"X-Api-Key": "a"}}).headers.get("Retry-After")
