"""Finding 2 of the security review: an unknown e-mail costs the same work as a known one (exactly one password
hash is checked either way), so the answer time does not tell who has an account."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from caseportal.models import users as users_model
from tests.conftest import PASSWORD, Factory


@pytest.fixture()
def hash_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    real: Callable[[str, str], bool] = users_model.check_password_hash

    def counting(pwhash: str, password: str) -> bool:
        calls.append(pwhash.split("$", 1)[0])
        return real(pwhash, password)

    monkeypatch.setattr(users_model, "check_password_hash", counting)
    return calls


def test_unknown_and_known_accounts_each_check_one_hash(app: Flask, client: FlaskClient, factory: Factory,
                                                        hash_checks: list[str]) -> None:
    known = factory.user()
    inactive = factory.user()
    inactive.active = False
    factory.session.commit()
    for email, password in ((known.email, "wrong password!"), ("nobody@example.org", "wrong password!"),
                            (inactive.email, PASSWORD), (known.email, PASSWORD)):
        before = len(hash_checks)
        resp = client.post("/login", data={"email": email, "password": password})
        assert len(hash_checks) - before == 1, (email, hash_checks)
        assert resp.status_code == (302 if (email, password) == (known.email, PASSWORD) else 200)
    # The throw-away hash uses the same method (and so the same cost) as the accounts' hashes.
    assert len(set(hash_checks)) == 1, hash_checks
