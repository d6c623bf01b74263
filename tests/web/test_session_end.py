"""Finding 3 of the security review: logging out and a password change end the session on the server, so a
copied session cookie stops working."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from caseportal.models import StaffRole
from tests.conftest import Factory, login


def _session_cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def _replay(app: Flask, cookie: str) -> int:
    other = app.test_client()
    other.set_cookie("session", cookie)
    resp = other.get("/meetings")
    if resp.status_code == 302:
        assert "/login" in resp.headers["Location"]
    return resp.status_code


def test_a_copied_cookie_stops_working_after_logout(app: Flask, client: FlaskClient, factory: Factory) -> None:
    manager = factory.user(StaffRole.MANAGER)
    login(client, manager)
    copied = _session_cookie(client)
    assert _replay(app, copied) == 200
    client.post("/logout")
    assert _replay(app, copied) == 302


def test_a_copied_cookie_stops_working_after_a_password_change(app: Flask, client: FlaskClient,
                                                               factory: Factory) -> None:
    manager, admin = factory.user(StaffRole.MANAGER), factory.user(StaffRole.ADMIN)
    login(client, manager)
    copied = _session_cookie(client)
    admin_client = app.test_client()
    login(admin_client, admin)
    resp = admin_client.post(f"/admin/staff/{manager.id}", data={"role": "manager", "active": "y",
                                                                  "password": "a brand new password"})
    assert resp.status_code == 302
    assert _replay(app, copied) == 302
