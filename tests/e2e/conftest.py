"""End-to-end tests: a real browser against a live caseportal, a real worker and real Docker sandboxes.

How to run (from the repository root)::

    .venv/bin/pytest tests/e2e

What they need: Debian's chromium (or CASEPORTAL_CHROMIUM=/path/to/chromium; a browser is never downloaded),
Playwright for Python and axe-playwright-python (dev dependencies), and a Docker engine; the python runtime
image is built on first use if it is missing. Without them the tests skip on a laptop and fail in CI (CI=true).

Each session starts `caseportal serve` and `caseportal worker --workers 1` as subprocesses on a free port,
with their own instance folder, SQLite database and SQLite queue, after `caseportal db upgrade` and
`caseportal demo` (its printed logins are used). Both are killed (whole process groups) at the end.
Screenshots of every step go to test-artifacts/e2e/<test>/<nn-step>.png; the server and worker logs are
printed when a test fails. Every page a test visits is checked with axe-core (no violations of any impact)
and every request the browser makes must go to the live server itself (no CDN, no third party).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from caseportal.config import REPO_ROOT
from tests.conftest import docker_available, require, stop_process_groups

ARTIFACTS = REPO_ROOT / "test-artifacts" / "e2e"
CASE_SLUG = "api-rate-limiter"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking"]

def chromium_path() -> str | None:
    path = os.environ.get("CASEPORTAL_CHROMIUM") or shutil.which("chromium")
    return path if path and os.access(path, os.X_OK) else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --------------------------------------------------------------------------- the live server and worker


@dataclass
class LiveServer:
    """`caseportal serve` and `caseportal worker` against one throwaway instance folder."""

    origin: str
    instance: Path
    env: dict[str, str]
    passwords: dict[str, str] = field(default_factory=dict)
    demo_link: str = ""
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def cli(self, *args: str, **extra_env: str) -> str:
        done = subprocess.run([sys.executable, "-m", "caseportal.cli", *args], env={**self.env, **extra_env},
                              cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, f"caseportal {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def start(self, name: str, *args: str) -> None:
        log = open(self.instance / f"{name}.log", "wb")  # noqa: SIM115 - lives as long as the process
        self.procs[name] = subprocess.Popen([sys.executable, "-m", "caseportal.cli", *args], env=self.env,
                                            cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)

    def check_alive(self) -> None:
        dead = [n for n, p in self.procs.items() if p.poll() is not None]
        assert not dead, f"{', '.join(dead)} exited\n{self.logs()}"

    def wait_until_serving(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check_alive()
            try:
                with urllib.request.urlopen(f"{self.origin}/login", timeout=2) as resp:  # noqa: S310 - local
                    if resp.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.2)
        raise AssertionError(f"the server did not answer within {timeout} s\n{self.logs()}")

    def stop(self) -> None:
        stop_process_groups(self.procs.values())

    def logs(self) -> str:
        out = []
        for name in self.procs:
            path = self.instance / f"{name}.log"
            text = path.read_text(errors="replace") if path.exists() else ""
            out.append(f"----- {name} log (last 6000 chars) -----\n{text[-6000:]}")
        return "\n".join(out)

    def settings(self) -> Any:
        """The server's own settings (a caseportal.config.Settings), for making things through the services."""
        from caseportal.config import Settings

        return Settings(instance_path=self.instance, secret_key=self.env["CASEPORTAL_SECRET_KEY"],
                        database_url=self.env["CASEPORTAL_DATABASE_URL"], base_url=self.origin,
                        cases_dir=Path(self.env["CASEPORTAL_CASES_DIR"]))

    @contextmanager
    def services(self) -> Iterator[tuple[Any, Any]]:
        """(a session in a transaction on the server's database, the server's settings): side journeys set up
        their world through the services with it, as the app would."""
        from caseportal.db import Database

        settings = self.settings()
        database = Database(settings.database_url)
        try:
            with database.begin() as s:
                yield s, settings
        finally:
            database.dispose()

    def invite(self, candidate_name: str, email: str, slug: str = CASE_SLUG, role_title: str | None = None) -> str:
        """A fresh meeting with one case and a working link, made through the services (for side journeys); for
        the role with ``role_title``, else the first role."""
        from sqlalchemy import select

        from caseportal.casebook import load_library
        from caseportal.models import JobRole, User, utcnow
        from caseportal.services import invitations, meetings

        with self.services() as (s, settings):
            wanted = select(JobRole).order_by(JobRole.id)
            role = s.scalars(wanted.where(JobRole.title == role_title) if role_title else wanted).first()
            reviewer = s.scalar(select(User).where(User.email == "reviewer1@demo.example.org"))
            assert role is not None and reviewer is not None, f"the demo data or the role {role_title!r} is missing"
            starts = (utcnow() + timedelta(days=10)).replace(tzinfo=None, microsecond=0)
            m = meetings.create_meeting(s, load_library(settings.cases_dir), meetings.MeetingInput(
                candidate_name=candidate_name, candidate_email=email, job_role_id=role.id,
                timezone="Europe/Stockholm", starts_local=starts, reviewer_ids=(reviewer.id,),
                case_slugs=(slug,)))
            return str(invitations.send_invitation(s, m, settings).url)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    require(docker_available(), "a Docker engine")
    from sandbox.images.build import ensure_images

    ensure_images(["python"])  # builds only what is missing
    instance = tmp_path_factory.mktemp("e2e-instance")
    port = _free_port()
    origin = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASEPORTAL_")}
    env.update({
        "CASEPORTAL_INSTANCE": str(instance),
        "CASEPORTAL_DATABASE_URL": f"sqlite:///{instance / 'e2e.db'}",
        "CASEPORTAL_QUEUE_URL": "sqlite",
        "CASEPORTAL_BASE_URL": origin,
        "CASEPORTAL_SECRET_KEY": "e2e-secret-key-not-for-production",
        "CASEPORTAL_CASES_DIR": str(REPO_ROOT / "cases"),
        "PYTHONUNBUFFERED": "1",
    })
    if os.environ.get("CASEPORTAL_CHROMIUM"):
        env["CASEPORTAL_CHROMIUM"] = os.environ["CASEPORTAL_CHROMIUM"]
    server = LiveServer(origin=origin, instance=instance, env=env)
    server.cli("db", "upgrade")
    demo = server.cli("demo")
    server.passwords = dict(re.findall(r"^\s+(\S+@\S+) / (\S+)\s*$", demo, re.M))
    link = re.search(r"Candidate invitation link: (\S+)", demo)
    assert link and "manager@demo.example.org" in server.passwords, f"unexpected demo output:\n{demo}"
    server.demo_link = link.group(1)
    try:
        server.start("serve", "serve", "--port", str(port))
        server.start("worker", "worker", "--workers", "1")
        server.wait_until_serving()
        yield server
    finally:
        server.stop()


# --------------------------------------------------------------------------- the browser


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")[:80] or "step"


class Journey:
    """One test's browser work: contexts that record requests, numbered screenshots, axe audits.

    Problems that do not stop the journey (accessibility violations, requests to other origins, script
    errors) are collected, so one run shows all of them; `finish()` fails the test if there were any.
    """

    def __init__(self, browser: Any, server: LiveServer, test_name: str) -> None:
        from axe_playwright_python.sync_playwright import Axe

        self.browser, self.server, self.axe = browser, server, Axe()
        self.dir = ARTIFACTS / _slug(test_name)
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.n = 0
        self.contexts: list[Any] = []
        self.requests: list[str] = []
        self.violations: list[str] = []
        self.script_errors: list[str] = []
        self.audited: list[str] = []

    def context(self, viewport: dict[str, int] | None = None, **kwargs: Any) -> Any:
        ctx = self.browser.new_context(viewport=viewport or DESKTOP, accept_downloads=True, **kwargs)
        ctx.set_default_timeout(15_000)
        ctx.on("request", lambda req: self.requests.append(req.url))
        ctx.on("page", self._watch)
        self.contexts.append(ctx)
        return ctx

    def page(self, viewport: dict[str, int] | None = None, **kwargs: Any) -> Any:
        page = self.context(viewport, **kwargs).new_page()
        return page

    def _watch(self, page: Any) -> None:
        page.on("pageerror", lambda err: self.script_errors.append(f"{page.url}: {err}"))

    def url(self, path: str) -> str:
        return self.server.origin + path

    def shot(self, page: Any, step: str) -> Path:
        self.n += 1
        path = self.dir / f"{self.n:02d}-{_slug(step)}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    def audit(self, page: Any, step: str) -> None:
        """axe-core on the page as it is now; every violation of any impact is recorded."""
        result = self.axe.run(page)
        self.audited.append(f"{step}: {page.url}")
        for v in result.response["violations"]:
            targets = "; ".join(" ".join(n["target"]) if isinstance(n["target"], list) else str(n["target"])
                                for n in v["nodes"])
            self.violations.append(f"[{step}] {page.url}\n    {v['id']} ({v['impact']}): {v['help']}\n"
                                   f"    targets: {targets}")

    def step(self, page: Any, step: str, *, audit: bool = True) -> None:
        """A screenshot of the step and, for pages (not mid-typing states), an accessibility audit."""
        page.wait_for_load_state("load")
        self.server.check_alive()
        self.shot(page, step)
        if audit:
            self.audit(page, step)

    def foreign_requests(self) -> list[str]:
        origin = self.server.origin + "/"
        return sorted({u for u in self.requests if not u.startswith(origin)})

    def finish(self) -> None:
        problems = []
        if self.violations:
            problems.append(f"{len(self.violations)} accessibility violation(s) (axe-core):\n"
                            + "\n".join(self.violations))
        foreign = self.foreign_requests()
        if foreign:
            problems.append("requests that did not go to caseportal itself:\n    " + "\n    ".join(foreign))
        if self.script_errors:
            problems.append("script errors:\n    " + "\n    ".join(self.script_errors))
        assert not problems, "\n\n".join(problems)

    def close(self) -> None:
        for ctx in self.contexts:
            try:
                ctx.close()
            except Exception:  # noqa: BLE001, S110 - the browser may be gone already
                pass


@pytest.fixture()
def journey(browser: Any, live_server: LiveServer, request: pytest.FixtureRequest) -> Iterator[Journey]:
    j = Journey(browser, live_server, request.node.name)
    yield j
    j.close()
    rep = getattr(request.node, "rep_call", None)
    if rep is not None and rep.failed:
        sys.stderr.write(live_server.logs() + "\n")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    rep = yield
    if rep.when == "call":
        item.rep_call = rep  # type: ignore[attr-defined]
    return rep


# --------------------------------------------------------------------------- keyboard helpers


def focused_description(page: Any) -> str:
    """What the focused element is, for error messages: tag, name and text."""
    return str(page.evaluate("""() => {
        const el = document.activeElement;
        if (!el) return '(nothing)';
        const text = (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 60);
        return `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''} "${text}"`;
    }"""))


IN_EDITOR = "() => !!(document.activeElement && document.activeElement.closest('.CodeMirror'))"


def tab_to(page: Any, predicate: str, what: str, *, limit: int = 150, backwards: bool = False) -> None:
    """Press Tab (only the keyboard) until the focused element satisfies the JS predicate `el => bool`.

    Inside the code editor Tab indents, so — as the page's hint tells people — Esc comes first to move on.
    """
    key = "Shift+Tab" if backwards else "Tab"
    seen: list[str] = []
    for _ in range(limit):
        if page.evaluate(IN_EDITOR):
            page.keyboard.press("Escape")
        page.keyboard.press(key)
        if page.evaluate(f"() => {{ const el = document.activeElement; return !!el && ({predicate})(el); }}"):
            return
        seen.append(focused_description(page))
    raise AssertionError(f"could not reach {what} with {key} in {limit} presses; focus went through:\n  "
                         + "\n  ".join(seen[:80]))


def by_text(text: str) -> str:
    """A predicate for tab_to: the focused control's visible text (or value) contains `text`."""
    lit = repr(text)
    return f"el => ((el.innerText || el.value || '') + '').includes({lit})"


def wait_for(pred: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")
