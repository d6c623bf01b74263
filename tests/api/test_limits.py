"""The per-key request budget on Redis, as several web processes share it."""

from __future__ import annotations

import os
import random

import pytest

from caseportal.services.api_limits import ApiLimiter
from tests.conftest import require


@pytest.mark.redis
def test_the_limit_is_shared_through_redis() -> None:
    """Two web processes on one Redis count one key's requests together."""
    import redis

    url = os.environ.get("CASEPORTAL_TEST_REDIS_URL", "")
    try:
        available = bool(url) and bool(redis.Redis.from_url(url).ping())
    except redis.exceptions.ConnectionError:
        available = False
    require(available, "Redis (CASEPORTAL_TEST_REDIS_URL)")
    first, second = ApiLimiter.build(url, 2), ApiLimiter.build(url, 2)
    key_id = random.randrange(10**9, 10**10)  # a fresh counter on a Redis other runs share
    assert first.hit(key_id).allowed and second.hit(key_id).allowed
    assert not first.hit(key_id).allowed and not second.hit(key_id).allowed
    assert first.hit(key_id + 1).allowed
