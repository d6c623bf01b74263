"""API test helpers: keys issued through the key service, and a client that sends them as bearer tokens."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from caseportal.models import StaffRole, User
from caseportal.services import api_keys
from tests.conftest import Factory


class Api:
    """A test client for /api/v1 with one key."""

    def __init__(self, client: FlaskClient, secret: str) -> None:
        self.client = client
        self.secret = secret

    def call(self, method: str, path: str, secret: str | None = None, **kw: Any) -> Any:
        headers = {"Authorization": f"Bearer {secret if secret is not None else self.secret}"}
        return self.client.open(f"/api/v1{path}", method=method, headers=headers, **kw)

    def get(self, path: str, **kw: Any) -> Any:
        return self.call("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> Any:
        return self.call("POST", path, **kw)


def issue_key(session: Session, admin: User, scope: str = "write", name: str = "ATS") -> str:
    issued = api_keys.issue(session, admin, name, scope)
    session.commit()
    return issued.secret


@pytest.fixture()
def admin(factory: Factory) -> User:
    return factory.user(StaffRole.ADMIN, name="Ada Admin")


@pytest.fixture()
def api(app: Flask, session: Session, admin: User) -> Api:
    return Api(app.test_client(), issue_key(session, admin))
