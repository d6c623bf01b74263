"""Finding 1 of the security review: guessing passwords stops. Failed sign-ins are counted per account and per
address; once either budget is used up even the right password is refused, with a clear message, while other
accounts from other addresses sign in as usual. The Redis-backed counter is shared between app instances."""

from __future__ import annotations

import uuid

import pytest
from flask import Flask
from flask.testing import FlaskClient

from caseportal.services.login_throttle import LoginThrottle, storage_url
from tests.conftest import PASSWORD, Factory, require

GUESSES = 60


def _post(client: FlaskClient, email: str, password: str, address: str, lang: str = "en"):  # type: ignore[no-untyped-def]
    return client.post("/login", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address}, headers={"Accept-Language": lang})


def test_sixty_wrong_passwords_then_the_right_one_is_refused(app: Flask, client: FlaskClient,
                                                             factory: Factory) -> None:
    victim, other = factory.user(), factory.user()
    for _ in range(GUESSES):
        assert _post(client, victim.email, "wrong password!", "198.51.100.7").status_code in (200, 429)
    refused = _post(client, victim.email, PASSWORD, "198.51.100.7")
    assert refused.status_code == 429
    assert "Too many failed sign-ins. Please wait 15 minutes" in refused.get_data(as_text=True)
    # The account's budget holds from another address too; another account from another address is unaffected.
    assert _post(client, victim.email, PASSWORD, "203.0.113.9").status_code == 429
    assert _post(client, other.email, PASSWORD, "203.0.113.9").status_code == 302


def test_one_address_trying_many_accounts_is_stopped(app: Flask, client: FlaskClient, factory: Factory) -> None:
    """Password spraying: one guess per e-mail, many e-mails, one address."""
    staff = factory.user()
    for i in range(GUESSES):
        _post(client, f"guess{i}@example.org", "Summer2026!", "198.51.100.20")
    assert _post(client, staff.email, PASSWORD, "198.51.100.20").status_code == 429
    assert _post(client, staff.email, PASSWORD, "203.0.113.20").status_code == 302


def test_the_message_is_in_swedish_too(app: Flask, client: FlaskClient, factory: Factory) -> None:
    victim = factory.user()
    for _ in range(app.extensions["caseportal.settings"].login_failures_per_account):
        _post(client, victim.email, "wrong password!", "198.51.100.8")
    page = _post(client, victim.email, PASSWORD, "198.51.100.8", lang="sv").get_data(as_text=True)
    assert "För många misslyckade inloggningar" in page


def test_typos_before_the_right_password_do_not_lock_the_owner_out(app: Flask, client: FlaskClient,
                                                                    factory: Factory) -> None:
    owner = factory.user()
    budget = app.extensions["caseportal.settings"].login_failures_per_account
    for _ in range(budget - 1):
        _post(client, owner.email, "wrong password!", "198.51.100.9")
    assert _post(client, owner.email, PASSWORD, "198.51.100.9").status_code == 302
    client.post("/logout")
    for _ in range(budget - 1):  # the success cleared the account's count
        _post(client, owner.email, "wrong password!", "198.51.100.10")
    assert _post(client, owner.email, PASSWORD, "198.51.100.10").status_code == 302


@pytest.mark.redis
def test_redis_counts_are_shared_between_app_instances() -> None:
    """Two throttles on the same Redis (two web processes) see each other's failures."""
    import os

    import redis

    url = os.environ.get("CASEPORTAL_TEST_REDIS_URL", "")
    try:
        available = bool(url) and bool(redis.Redis.from_url(url).ping())
    except redis.exceptions.ConnectionError:
        available = False
    require(available, "Redis (CASEPORTAL_TEST_REDIS_URL)")
    email, address = f"{uuid.uuid4().hex}@example.org", f"test-{uuid.uuid4().hex}"
    first, second = (LoginThrottle.build(url, per_account=3, per_address=100, window_minutes=1) for _ in range(2))
    for _ in range(3):
        assert not second.blocked(email, address)
        first.failed(email, address)
    assert second.blocked(email, address) and first.blocked(email, address)
    assert not second.blocked(f"other-{email}", f"other-{address}")
    keys = redis.Redis.from_url(url).keys("*caseportal-login*")
    assert keys and not [k for k in keys if email.encode() in k]  # no e-mail stored in clear
    first.succeeded(email)
    assert not second.blocked(email, f"other-{address}")


def test_the_queue_url_chooses_the_storage(app: Flask) -> None:
    settings = app.extensions["caseportal.settings"]
    assert storage_url(settings) == "memory://"
    assert storage_url(settings.with_(queue_url="redis://127.0.0.1:6399/0")) == "redis://127.0.0.1:6399/0"
