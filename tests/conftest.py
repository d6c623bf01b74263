"""Shared fixtures and builders: a real app on a throwaway database, real objects built through the services
(users, roles, meetings, invitations, submissions, runs), a tiny case library and a local web server.

The suites that touch the database (unit, web, jobs) run every database test twice: on a SQLite file and on a
PostgreSQL database (one per session at ``CASEPORTAL_TEST_POSTGRES_URL``, which ``./dev test`` starts, emptied
before each test), because the multi-machine mode runs on PostgreSQL.

Test modules import shared code from here or from their own package's conftest, never from one another.
"""

from __future__ import annotations

import hashlib
import http.server
import os
import re
import shutil
import signal
import subprocess
import threading
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.globals import _cv_app
from flask.testing import FlaskClient
from sqlalchemy import Engine, create_engine, make_url
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from caseportal import create_app, run_executor
from caseportal.casebook import CaseSpec, load_library, scaffold
from caseportal.config import REPO_ROOT, Settings
from caseportal.db import Database
from caseportal.models import (
    Base,
    Employer,
    JobRole,
    Meeting,
    MeetingCase,
    Run,
    RunKind,
    RunStatus,
    StaffRole,
    Submission,
    SubmissionFile,
    SubmissionStatus,
    User,
    utcnow,
)
from caseportal.models import users as users_model
from caseportal.services import employers, invitations, runs, users
from sandbox.spec import RunResult

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


def docker_available() -> bool:
    """Whether a Docker engine answers; pass the answer to :func:`require`."""
    try:
        import docker

        docker.from_env().ping()
        return True
    except Exception:  # noqa: BLE001 - any failure means "no usable engine"
        return False


@pytest.fixture(autouse=True)
def _runs_allowed_after_each_test() -> Iterator[None]:
    """A worker's hand-back stops runs for the whole process (``run_executor.stop_runs``: no new sandbox, no
    run-thread write); a test that hands back in process must not leave every later test's runs refused."""
    yield
    run_executor.allow_runs()


def stop_process_groups(procs: Iterable[subprocess.Popen[bytes]], grace_s: float = 15) -> None:
    """Stop test servers and workers started with ``start_new_session=True``: SIGINT to every process group first
    (so they all shut down at once), then SIGKILL to any group still there after ``grace_s``."""
    procs = list(procs)
    for p in procs:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGINT)
    for p in procs:
        try:
            p.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait(timeout=10)


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


POSTGRES_URL = os.environ.get("CASEPORTAL_TEST_POSTGRES_URL", "")
#: Test folders whose database tests run on both SQLite and PostgreSQL.
BOTH_DATABASES = ("unit", "web", "jobs")
_TESTS_DIR = Path(__file__).resolve().parent


def postgres_available() -> bool:
    """Whether the test PostgreSQL answers; pass the answer to :func:`require`."""
    if not POSTGRES_URL:
        return False
    try:
        engine = create_engine(POSTGRES_URL, poolclass=NullPool)
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:  # noqa: BLE001 - any failure means "no usable server"
        return False


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Database tests of the unit, web and jobs suites run once per database; the rest on SQLite alone."""
    if "db_backend" not in metafunc.fixturenames:
        return
    for mark in metafunc.definition.iter_markers("parametrize"):
        names = mark.args[0]
        if "db_backend" in ([n.strip() for n in names.split(",")] if isinstance(names, str) else names):
            return  # the test chose its databases itself
    try:
        suite = Path(str(metafunc.definition.path)).resolve().relative_to(_TESTS_DIR).parts[0]
    except ValueError:
        return
    if suite in BOTH_DATABASES:
        metafunc.parametrize("db_backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
                             indirect=True)


@pytest.fixture()
def db_backend(request: pytest.FixtureRequest) -> str:
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[Engine]:
    """An autocommit connection to the test server, for creating and dropping databases."""
    require(postgres_available(), "PostgreSQL (CASEPORTAL_TEST_POSTGRES_URL; ./dev test starts one)")
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    yield admin
    admin.dispose()


def pg_url(database: str) -> str:
    """The test server's URL with another database name."""
    return make_url(POSTGRES_URL).set(database=database).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def postgres_database(postgres_admin: Engine) -> Iterator[tuple[Engine, str]]:
    """One database with the models' schema for the session; each test empties it (see :func:`database_url`)."""
    name = f"cp_test_{os.getpid()}"
    with postgres_admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    db = Database(pg_url(name))
    db.create_all()
    db.dispose()
    engine = create_engine(pg_url(name), poolclass=NullPool)
    yield engine, pg_url(name)
    engine.dispose()
    with postgres_admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _empty(engine: Engine) -> None:
    """Every table empty and every id sequence back at 1, as in a new database, and no connection of an earlier
    test (a worker killed mid-run) left holding a lock. Deleting takes ~15 ms; copying a template database took
    ~350 ms per test and TRUNCATE ~160 ms."""
    with engine.begin() as conn:
        conn.exec_driver_sql("SET LOCAL lock_timeout = '10s'")
        conn.exec_driver_sql("SET LOCAL caseportal.allow_audit_purge = 'on'")  # the audit log refuses deletes
        conn.exec_driver_sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                             "WHERE datname = current_database() AND pid <> pg_backend_pid()")
        for table in reversed(Base.metadata.sorted_tables):
            conn.exec_driver_sql(f'DELETE FROM "{table.name}"')
        conn.exec_driver_sql("SELECT setval(c.oid, 1, false) FROM pg_class c JOIN pg_namespace n "
                             "ON n.oid = c.relnamespace WHERE c.relkind = 'S' AND n.nspname = 'public'")


@pytest.fixture()
def database_url(db_backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A new SQLite file in the test's folder, or the session's PostgreSQL database, emptied."""
    if db_backend != "postgresql":
        return f"sqlite:///{tmp_path / 'test.db'}"
    engine, url = request.getfixturevalue("postgres_database")
    _empty(engine)
    return str(url)


@pytest.fixture()
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings.for_tests(tmp_path, cases_dir=REPO_ROOT / "cases", database_url=database_url)


def _app(settings: Settings, **config: Any) -> Iterator[Flask]:
    app = create_app(settings, **config)
    app.test_client_class = FreshGClient
    app.extensions["caseportal.db"].create_all()
    with app.app_context():
        yield app
    app.extensions["caseportal.db"].dispose()


@pytest.fixture()
def app(settings: Settings) -> Iterator[Flask]:
    yield from _app(settings, WTF_CSRF_ENABLED=False)


@pytest.fixture()
def csrf_app(settings: Settings) -> Iterator[Flask]:
    """The app exactly as in production: CSRF on."""
    yield from _app(settings)


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

    def employer(self, name: str | None = None, **fields: Any) -> Employer:
        """An employer made through services/employers.py (``fields``: about, brand_colour, offer_*, logo bytes)."""
        e = employers.create_employer(self.session, name or f"Employer {self._next()}", **fields)
        self.session.commit()
        return e

    def job_role(self, title: str = "Backend developer", employer: Employer | None = None) -> JobRole:
        r = JobRole(title=title, team="Payments", location="Stockholm", remote=True, role_family="backend",
                    employer=employer or employers.default_employer(self.session),
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

    def submission(self, meeting: Meeting, files: dict[str, bytes] | None = None, *,
                   case: CaseSpec | str | None = None, version: str | None = None, submitted: bool = True,
                   started_at: datetime | None = None, minutes: float = 125, notes: str = "",
                   questions: str = "") -> Submission:
        """Work on a case of the meeting (its first by default), stored as the submission services store it.

        Rows rather than start/submit, because tests need states those refuse (two hand-ins in one meeting,
        hostile file names, retired cases, old versions). The version defaults to the library's current one;
        handed-in work was handed in ``minutes`` after ``started_at`` (by default: ending now).
        """
        slug = case.slug if isinstance(case, CaseSpec) else case or meeting.case_slugs[0]
        spec = case if isinstance(case, CaseSpec) else self.app.extensions["caseportal.casebook"].get(slug)
        version = version or (spec.version if spec else "v1")
        started = started_at or utcnow() - timedelta(minutes=minutes)
        handed_in = started + timedelta(minutes=minutes) if submitted else None
        sub = Submission(meeting_id=meeting.id, case_slug=slug, case_version=version,
                         status=SubmissionStatus.SUBMITTED if submitted else SubmissionStatus.DRAFT,
                         started_at=started, updated_at=handed_in or started, submitted_at=handed_in,
                         notes_more_time=notes, questions=questions)
        for path, content in (files or {}).items():
            sub.files.append(SubmissionFile(path=path, content=content, size=len(content),
                                            sha256=hashlib.sha256(content).hexdigest()))
        self.session.add(sub)
        self.session.commit()
        return sub

    def run(self, submission: Submission, result: RunResult | None = None, *, kind: RunKind = RunKind.FULL,
            status: RunStatus = RunStatus.DONE) -> Run:
        """A run stored through the run services, as a worker leaves it: requested, claimed, then recorded
        (DONE, needs ``result``), given up after an infrastructure error (ERROR, the result's explanation as the
        detail), or left RUNNING or QUEUED."""
        run = runs.request_run(self.session, submission, kind, runs_per_hour=10**6)
        if status != RunStatus.QUEUED:
            token = runs.claim(self.session, run.id, "tests:0:0", lease_s=300)
            assert token is not None, "the run was not free to claim"
            if status == RunStatus.DONE:
                assert result is not None, "a finished run needs a result"
                assert runs.record(self.session, run.id, token, result)
            elif status == RunStatus.ERROR:
                runs.release_for_retry(self.session, run.id, token, result.explanation if result else "",
                                       max_attempts=1)
        self.session.commit()
        self.session.refresh(run)
        return run


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


def candidate_page(client: FlaskClient, factory: Factory, slug: str, lang: str = "en") -> str:
    """The candidate's page of one case, opened through a fresh invitation to a meeting with only that case."""
    token = factory.invite(factory.meeting(cases=[slug]))
    resp = client.get(f"/i/{token}/case/{slug}", headers={"Accept-Language": lang})
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


def environment_box(page: str) -> dict[str, str] | None:
    """The run-environment box's label -> value pairs, or None when the page has no box (web and sandbox tests)."""
    found = re.search(r'<section id="run-environment".*?</section>', page, re.S)
    if found is None:
        return None
    pairs = re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", found.group(0), re.S)
    return {unescape(k.strip()): unescape(v.strip()) for k, v in pairs}


# --------------------------------------------------------------------------- a tiny case library

PROMPT_ASK = "How would you make the limiter work across several servers?"
PROMPT_GOOD = "Mentions shared state such as Redis and the cost of a network hop."
PROMPT_TRADEOFFS = "Accuracy against latency; failing open or closed."
SOLUTION = (b"def top_items(counts: dict[str, int], n: int) -> list[str]:\n"
            b'    """Return the n most common names, most common first."""\n'
            b"    ranked = sorted(counts, key=lambda k: (-counts[k], k))\n"
            b"    return ranked[:n]\n")


def make_case_library(root: Path, slug: str = "tiny-case") -> Path:
    """A scaffolded case with a metric, a 90-minute estimate and a real reviewer prompt."""
    root.mkdir(parents=True, exist_ok=True)
    folder = scaffold(root, slug, "coding")
    yaml_path = folder / "case.yaml"
    text = yaml_path.read_text(encoding="utf-8")
    text = text.replace("time_estimate_minutes: 60", "time_estimate_minutes: 90")
    text = text.replace('title: "TODO: a title that says what the candidate gets to do"', 'title: "Top items"')
    start = text.index("reviewer_prompts:")
    end = text.index("submission:")
    text = (text[:start] + "reviewer_prompts:\n"
            f'  - ask: "{PROMPT_ASK}"\n    good: "{PROMPT_GOOD}"\n    tradeoffs: "{PROMPT_TRADEOFFS}"\n'
            "metric:\n  name: p95_ms\n  direction: lower\n  baseline: 20\n" + text[end:])
    yaml_path.write_text(text, encoding="utf-8")
    return root


def use_library(app: Flask, root: Path, slug: str = "tiny-case") -> CaseSpec:
    """Make the (valid) library at ``root`` the app's case library and return its case ``slug``."""
    lib = load_library(root)
    assert not lib.problems, lib.problems
    app.extensions["caseportal.casebook"] = lib
    spec = lib.get(slug)
    assert spec is not None
    return spec


def install_case(app: Flask, root: Path) -> CaseSpec:
    """Make the case above the app's only case and return it."""
    spec = use_library(app, make_case_library(root))
    assert spec.metric is not None
    return spec


# --------------------------------------------------------------------------- a web server that counts requests


class _Hits(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        type(self).hits.append(self.path)
        body = b"\x89PNG\r\n\x1a\n"
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def web_server() -> Iterator[tuple[str, list[str]]]:
    """A real HTTP server on localhost that counts requests: a PDF must never make one."""
    _Hits.hits = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hits)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", _Hits.hits
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


REAL_PARTS = ("docker", "redis", "browser", "postgres")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    """In CI a test that needs a real part may not skip: a skip there is turned into a failure."""
    outcome = yield
    rep = outcome.get_result()
    if IN_CI and rep.skipped and any(item.get_closest_marker(m) for m in REAL_PARTS):
        rep.outcome = "failed"
        rep.longrepr = f"a {'/'.join(REAL_PARTS)} test skipped in CI, which counts as a failure: {rep.longrepr}"


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the whole session: Playwright's sync API allows one instance per thread, so the
    e2e journeys and the web tests that need a browser share it."""
    exe = os.environ.get("CASEPORTAL_CHROMIUM") or shutil.which("chromium")
    require(exe is not None and os.access(exe, os.X_OK), "chromium (apt install chromium, or set CASEPORTAL_CHROMIUM)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require(False, "playwright for Python")
        raise
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=["--no-sandbox", "--disable-background-networking"])
        yield b
        b.close()
