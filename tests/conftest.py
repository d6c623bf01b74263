"""Shared fixtures: a real app on a throwaway SQLite file, real objects built through the services."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.globals import _cv_app
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from caseportal import create_app
from caseportal.config import REPO_ROOT, Settings
from caseportal.models import JobRole, Meeting, MeetingCase, StaffRole, User, utcnow
from caseportal.models import users as users_model
from caseportal.services import invitations, users

# Cheap hashes in tests: the strength of scrypt is not what these tests are about (one test checks it).
users_model.PASSWORD_METHOD = "pbkdf2:sha256:1000"

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
PASSWORD = "correct horse battery"


def require(available: bool, what: str) -> None:
    """Skip when a real part (Docker, Redis, a browser) is missing on a laptop; fail in CI."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{what} is required in CI (CI=true) but is not available")
    pytest.skip(f"{what} not available")


class FreshGClient(FlaskClient):
    """Each request gets a fresh `g`, as in production, although the test holds an app context open.

    Otherwise Flask reuses the test's app context and its `g` (where Flask-WTF caches the CSRF token and
    Flask-Login the user) across requests, and a login or logout would look stale to the next request.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        ctx = _cv_app.get(None)
        if ctx is not None:
            ctx.g = self.application.app_ctx_globals_class()
        return super().open(*args, **kwargs)


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    return Settings.for_tests(tmp_path, cases_dir=REPO_ROOT / "cases")


@pytest.fixture()
def app(settings: Settings) -> Iterator[Flask]:
    app = create_app(settings, WTF_CSRF_ENABLED=False)
    app.test_client_class = FreshGClient
    app.extensions["caseportal.db"].create_all()
    with app.app_context():
        yield app
    app.extensions["caseportal.db"].dispose()


@pytest.fixture()
def csrf_app(settings: Settings) -> Iterator[Flask]:
    """The app exactly as in production: CSRF on."""
    app = create_app(settings)
    app.test_client_class = FreshGClient
    app.extensions["caseportal.db"].create_all()
    with app.app_context():
        yield app
    app.extensions["caseportal.db"].dispose()


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture()
def session(app: Flask) -> Session:
    return app.extensions["caseportal.db"].session()


class Factory:
    """Builds real objects through the services, committed, so routes see them."""

    def __init__(self, app: Flask, session: Session) -> None:
        self.app = app
        self.session = session
        self._n = 0

    def _next(self) -> int:
        self._n += 1
        return self._n

    def user(self, role: StaffRole = StaffRole.REVIEWER, name: str | None = None) -> User:
        n = self._next()
        u = users.create_user(self.session, email=f"{role.value}{n}@example.org", name=name or f"{role.value} {n}",
                              role=role, password=PASSWORD)
        self.session.commit()
        return u

    def job_role(self, title: str = "Backend developer") -> JobRole:
        r = JobRole(title=title, team="Payments", location="Stockholm", remote=True, role_family="backend",
                    offer_growth="Mentoring and a **conference budget**.", offer_tech="Python, Postgres",
                    offer_benefits="Wellness allowance", offer_worklife="Flexible hours")
        self.session.add(r)
        self.session.commit()
        return r

    def case_slugs(self, n: int = 1, runtime: str | None = None) -> list[str]:
        lib = self.app.extensions["caseportal.casebook"]
        slugs = [s for s, c in sorted(lib.cases.items()) if runtime is None or c.runtime == runtime]
        assert len(slugs) >= n, f"need {n} cases with runtime {runtime}"
        return slugs[:n]

    def meeting(self, reviewers: list[User] | None = None, cases: list[str] | None = None,
                candidate: str = "Ada Candidate", **kw: object) -> Meeting:
        m = Meeting(candidate_name=candidate, candidate_email=f"cand{self._next()}@example.org",
                    job_role=kw.pop("job_role", None) or self.job_role(), timezone="Europe/Stockholm",
                    starts_at=utcnow() + timedelta(days=7), case_deadline=utcnow() + timedelta(days=5), **kw)
        m.reviewers = list(reviewers or [])
        for i, slug in enumerate(cases if cases is not None else self.case_slugs(1)):
            m.cases.append(MeetingCase(case_slug=slug, position=i))
        self.session.add(m)
        self.session.flush()
        self.session.commit()
        return m

    def invite(self, meeting: Meeting, days: int = 14) -> str:
        inv = invitations.issue(self.session, meeting, days)
        self.session.commit()
        return invitations.token_for(inv, self.app.config["SECRET_KEY"])


@pytest.fixture()
def factory(app: Flask, session: Session) -> Factory:
    return Factory(app, session)


def login(client: FlaskClient, user: User) -> None:
    resp = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert resp.status_code == 302, resp.data[:500]


def csrf_token_from(html: bytes) -> str:
    m = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert m, "no csrf token in page"
    return m.group(1).decode()


REAL_PARTS = ("docker", "redis", "browser")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    """In CI a test that needs a real part may not skip: a skip there is turned into a failure."""
    outcome = yield
    rep = outcome.get_result()
    if IN_CI and rep.skipped and any(item.get_closest_marker(m) for m in REAL_PARTS):
        rep.outcome = "failed"
        rep.longrepr = f"a {'/'.join(REAL_PARTS)} test skipped in CI, which counts as a failure: {rep.longrepr}"
