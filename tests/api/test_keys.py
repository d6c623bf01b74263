"""API keys end to end: an admin creates one on the staff page (shown once, stored hashed), it authenticates as
a bearer key only, a read key cannot write, its last use is shown, and revoking it locks it out at once."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from caseportal.models import ApiKey, StaffRole, User, utcnow
from caseportal.services import api_keys, users
from caseportal.services.api_limits import ApiLimiter
from caseportal.services.errors import Forbidden
from caseportal.web.api.auth import LIMITER_KEY
from tests.api.conftest import Api, issue_key
from tests.conftest import Factory, login

PROBLEM = "application/problem+json"
#: The API's reads and writes on both databases (the schemathesis run stays on SQLite, to keep it short).
pytestmark = pytest.mark.parametrize("db_backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
                                     indirect=True)


def _create_on_page(client: FlaskClient, name: str, scope: str) -> str:
    resp = client.post("/admin/api-keys", data={"name": name, "scope": scope})
    assert resp.status_code == 200
    found = re.search(rb'id="new-key"[^>]*value="(cpk_[^"]+)"', resp.data)
    assert found, resp.data[:2000]
    return found.group(1).decode()


def test_a_key_is_shown_once_and_stored_hashed(app: Flask, client: FlaskClient, session: Session,
                                                admin: User) -> None:
    login(client, admin)
    secret = _create_on_page(client, "Greenhouse", "read")
    stored = session.scalars(select(ApiKey)).one()
    assert stored.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in {stored.token_hash, stored.prefix} and secret.startswith(stored.prefix)
    listing = client.get("/admin/api-keys").data.decode()
    assert "Greenhouse" in listing and stored.prefix in listing and secret not in listing
    assert Api(app.test_client(), secret).get("/roles").status_code == 200


def test_only_admins_reach_the_page_and_the_service(client: FlaskClient, factory: Factory,
                                                    session: Session) -> None:
    manager = factory.user(StaffRole.MANAGER)
    login(client, manager)
    assert client.get("/admin/api-keys").status_code == 403
    with pytest.raises(Forbidden):
        api_keys.issue(session, manager, "ATS", "write")


def test_missing_unknown_and_cookie_only_callers_get_401(app: Flask, client: FlaskClient, admin: User,
                                                         api: Api) -> None:
    for secret in ("", "cpk_" + "x" * 43, api.secret + "x", "Basic abc"):
        resp = api.get("/roles", secret=secret)
        assert resp.status_code == 401 and resp.mimetype == PROBLEM, secret
        assert resp.headers["WWW-Authenticate"].startswith("Bearer")
        assert resp.json["status"] == 401 and resp.json["title"] == "Unauthorized"
    login(client, admin)  # a staff session cookie is no API credential
    assert client.get("/api/v1/roles").status_code == 401


def test_a_revoked_key_is_refused_at_once(app: Flask, client: FlaskClient, session: Session, admin: User,
                                          api: Api) -> None:
    assert api.get("/roles").status_code == 200
    login(client, admin)
    key = session.scalars(select(ApiKey)).one()
    page = client.post(f"/admin/api-keys/{key.id}/revoke", follow_redirects=True)
    assert page.status_code == 200 and "Revoked" in page.data.decode()
    resp = api.get("/roles")
    assert resp.status_code == 401 and resp.json["detail"] == "The API key is unknown or was revoked."


def test_a_key_stops_when_its_admin_is_deactivated(session: Session, admin: User, api: Api) -> None:
    users.update_user(session, admin, role=StaffRole.ADMIN, active=False, password=None)
    session.commit()
    assert api.get("/roles").status_code == 401


def test_a_read_key_cannot_write(app: Flask, session: Session, admin: User, factory: Factory) -> None:
    reader = Api(app.test_client(), issue_key(session, admin, scope="read"))
    m = factory.meeting()
    assert reader.get(f"/meetings/{m.id}").status_code == 200
    for method, path in (("POST", "/meetings"), ("POST", f"/meetings/{m.id}/invitation"),
                         ("DELETE", f"/meetings/{m.id}/invitation")):
        resp = reader.call(method, path, json={})
        assert resp.status_code == 403 and resp.mimetype == PROBLEM, path
        assert "write" in resp.json["detail"]
    session.refresh(m)
    assert m.invitations == []


def test_last_use_is_noted_and_shown(app: Flask, client: FlaskClient, session: Session, admin: User,
                                     api: Api) -> None:
    key = session.scalars(select(ApiKey)).one()
    assert key.last_used_at is None
    api.get("/roles")
    session.expire_all()
    first = session.scalars(select(ApiKey)).one().last_used_at
    assert first is not None and utcnow() - first < timedelta(seconds=30)
    api.get("/cases")
    session.expire_all()
    assert session.scalars(select(ApiKey)).one().last_used_at == first  # within a minute: no new write
    later = api_keys.authenticate(session, api.secret, now=first + timedelta(minutes=2))
    assert later is not None and later.last_used_at == first + timedelta(minutes=2)
    login(client, admin)
    assert "Never" not in client.get("/admin/api-keys").data.decode()


def test_the_rate_limit_answers_429_per_key(app: Flask, session: Session, admin: User, api: Api) -> None:
    app.extensions[LIMITER_KEY] = ApiLimiter.build("memory://", 3)
    other = Api(app.test_client(), issue_key(session, admin, name="Other"))
    answers = [api.get("/roles") for _ in range(4)]
    assert [r.status_code for r in answers] == [200, 200, 200, 429]
    assert answers[0].headers["RateLimit-Remaining"] == "2"
    refused = answers[-1]
    assert refused.mimetype == PROBLEM and refused.json["status"] == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert other.get("/roles").status_code == 200  # each key has its own budget


def test_csrf_does_not_apply_and_no_cookie_is_set(csrf_app: Flask, factory: Factory) -> None:
    """With CSRF on (as in production) a bearer POST needs no token, and the API never hands out a cookie."""
    session = csrf_app.extensions["caseportal.db"].session()
    admin = users.create_user(session, email="root@example.org", name="Root", role=StaffRole.ADMIN,
                              password="a-long-enough-password-1")
    session.commit()
    api = Api(csrf_app.test_client(), issue_key(session, admin))
    role = factory.job_role()
    resp = api.post("/meetings", json={"candidate_name": "Grace", "candidate_email": "grace@example.org",
                                       "role_id": role.id, "case_slugs": factory.case_slugs(1)})
    assert resp.status_code == 201, resp.json
    assert "Set-Cookie" not in resp.headers
