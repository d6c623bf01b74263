"""Web latency: three of caseportal's busiest pages against a hello-world Flask page, both served the same way.

    .venv/bin/python bench/web_latency.py [--clients 50] [--requests 40]
    .venv/bin/python bench/web_latency.py --cpu [--cold] [--requests 300]

Starts caseportal with `caseportal serve` (gunicorn, as production runs it) on a throw-away instance folder with
data made through the services (a role with an offer in Markdown, a meeting, an invitation, a started case, a
handed-in case with a finished run), and a hello-world Flask app under gunicorn with the very same options. Each
page gets CLIENTS concurrent clients with their own keep-alive connection, REQUESTS requests each, after a warm-up;
prints p50, p95 and throughput per page and their ratios to hello-world measured in the same run.

``--cpu`` measures what the served figures follow on a busy machine, where they swing with the load: the CPU time
(this process's, so other programs on the machine hardly count) one request costs through the app in process, per
page and for the hello-world page, best of six batches, with no server and no network in between. A page opened
again is served from the rendered-page cache (web/page_cache.py) as long as nothing changed; ``--cold`` turns
that cache off, to show what rendering a page costs (its first view, or any view after a change).
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from caseportal.casebook import load_library  # noqa: E402
from caseportal.config import Settings  # noqa: E402
from caseportal.db import Database  # noqa: E402
from caseportal.migrate import alembic_config  # noqa: E402
from caseportal.models import Meeting, MeetingCase, RunKind  # noqa: E402
from caseportal.services import demo, invitations, runs, submissions  # noqa: E402
from sandbox.spec import CheckResult, Outcome, RunResult  # noqa: E402

HOST = "127.0.0.1"
NOTES = ("I ran out of time for the **retry budget**; with another hour I would:\n\n"
         "1. add jitter to the back-off\n2. test the `Retry-After` header\n\n"
         "See [the RFC](https://www.rfc-editor.org/rfc/rfc9110) for details.")


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def hello_server(port: int) -> None:
    """Serve a hello-world Flask page under gunicorn with the options `caseportal serve` uses."""
    from flask import Flask
    from gunicorn.app.base import BaseApplication

    from caseportal.server import gunicorn_options

    hello = Flask("hello")
    hello.add_url_rule("/", "hello", lambda: "Hello, world!")
    options = gunicorn_options(Settings.from_env(), HOST, port)

    class Hello(BaseApplication):  # type: ignore[misc]  # gunicorn ships no type hints
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Flask:
            return hello

    Hello().run()


@dataclass
class Pages:
    home: str
    workspace: str
    review: str
    reviewer_email: str
    reviewer_password: str


def seed(settings: Settings) -> Pages:
    """The data the pages show, made through the services as a manager, a candidate and a worker would."""
    from alembic import command

    command.upgrade(alembic_config(settings.database_url), "head")
    db = Database(settings.database_url)
    library = load_library(settings.cases_dir)
    with db.session() as s:
        info = demo.seed_demo(s, settings, library)
        s.commit()
        meeting = s.get(Meeting, info.meeting_id)
        assert meeting is not None
        case = library.get(meeting.case_slugs[0])
        assert case is not None, "the demo meeting needs a case from the library"
        started = submissions.start(s, meeting, case)
        s.commit()
        # A second meeting for the same role, its case handed in and run: what a reviewer opens.
        other = Meeting(candidate_name="Alex Example", candidate_email="alex@example.org", job_role=meeting.job_role,
                        timezone=meeting.timezone, starts_at=meeting.starts_at, duration_minutes=60,
                        video_link=meeting.video_link, case_deadline=meeting.case_deadline, blind_review=False)
        other.reviewers = list(meeting.reviewers)
        other.cases = [MeetingCase(case_slug=case.slug, position=0)]
        s.add(other)
        s.flush()
        deadline = meeting.case_deadline or meeting.starts_at
        assert deadline is not None
        handed = submissions.start(s, other, case, now=deadline - timedelta(days=2))
        submissions.submit(s, handed, NOTES, "How do you review code?", now=deadline - timedelta(days=1))
        run = runs.request_run(s, handed, RunKind.FULL, runs_per_hour=10**6)
        s.commit()
        token = runs.claim(s, run.id, "bench:0:0", lease_s=300)
        assert token is not None
        checks = [CheckResult(f"test_{i}", "passed" if i % 3 else "failed", "" if i % 3 else "assert 2 == 3")
                  for i in range(12)]
        runs.record(s, run.id, token, RunResult(Outcome.failed, tuple(checks), stdout="collected 12 items\n" * 20,
                                                duration_s=1.4, exit_code=1))
        s.commit()
        link = invitations.current_link(settings, meeting)
        assert link is not None
        path = link.split("://", 1)[1].split("/", 1)[1]
        reviewer = next(login for login in info.logins if login.email.startswith("reviewer1"))
        assert reviewer.password is not None
        return Pages(home=f"/{path}", workspace=f"/{path}/case/{started.case_slug}",
                     review=f"/review/submissions/{handed.id}", reviewer_email=reviewer.email,
                     reviewer_password=reviewer.password)


def start(cmd: list[str], env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(cmd, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{cmd[1:3]} exited at start; see its log:\n{log.read_text()[-3000:]}")
        try:
            with socket.create_connection((HOST, port), timeout=0.5):
                return proc
        except OSError:
            time.sleep(0.2)
    stop(proc)
    raise SystemExit(f"{cmd} did not listen on {port} within 60 s")


def stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the gunicorn master (it stops its workers); its whole session if it lingers."""
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)


@dataclass
class Figures:
    p50: float
    p95: float
    rps: float
    errors: int
    kinds: Counter[str]  # what the failed requests got: a status code or an exception's name


def drive(url: str, clients: int, per_client: int, prepare: Callable[[requests.Session], None]) -> Figures:
    """CLIENTS threads, each with its own keep-alive session, all let go at once after one warm-up request each;
    every response must be a 200 (a refused or dropped request counts as an error)."""
    latencies: list[float] = []
    errors = 0
    kinds: Counter[str] = Counter()
    lock = threading.Lock()
    gate = threading.Barrier(clients + 1)

    def client() -> None:
        nonlocal errors
        mine: list[float] = []
        failed: list[str] = []
        with requests.Session() as sess:
            prepare(sess)
            sess.get(url, timeout=60)  # warm: the connection, the worker's caches
            gate.wait()
            for _ in range(per_client):
                t = time.perf_counter()
                try:
                    status = sess.get(url, timeout=60).status_code
                    if status != 200:
                        failed.append(str(status))
                except requests.RequestException as exc:
                    failed.append(type(exc).__name__)
                mine.append(time.perf_counter() - t)
        with lock:
            latencies.extend(mine)
            errors += len(failed)
            kinds.update(failed)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    gate.wait()
    began = time.perf_counter()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - began
    cuts = statistics.quantiles(latencies, n=100)
    return Figures(p50=statistics.median(latencies), p95=cuts[94], rps=len(latencies) / elapsed, errors=errors,
                   kinds=kinds)


def login_as(base: str, email: str, password: str) -> requests.cookies.RequestsCookieJar:
    """Log in once through the real form (CSRF and all) and hand every client the session cookie."""
    sess = requests.Session()
    page = sess.get(f"{base}/login", timeout=30).text
    m = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    data = {"email": email, "password": password, **({"csrf_token": m.group(1)} if m else {})}
    resp = sess.post(f"{base}/login", data=data, allow_redirects=False, timeout=30)
    if resp.status_code != 302:
        raise SystemExit(f"login failed with {resp.status_code}")
    return sess.cookies


def cpu_per_request(pages: Pages, settings: Settings, n: int, cold: bool) -> None:
    """CPU milliseconds per request through the WSGI app in process (Flask's test client), against hello-world."""
    from flask import Flask

    from caseportal import create_app
    from caseportal.web.page_cache import EXTENSION

    app = create_app(settings)
    if cold:
        app.extensions.pop(EXTENSION)
    hello = Flask("hello")
    hello.add_url_rule("/", "hello", lambda: "Hello, world!")
    reviewer = app.test_client()
    page = reviewer.get("/login").get_data(as_text=True)
    m = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    data = {"email": pages.reviewer_email, "password": pages.reviewer_password,
            **({"csrf_token": m.group(1)} if m else {})}
    if reviewer.post("/login", data=data).status_code != 302:
        raise SystemExit("login failed")
    rows = []
    for name, client, path in (("hello-world", hello.test_client(), "/"),
                               ("candidate home", app.test_client(), pages.home),
                               ("candidate workspace", app.test_client(), pages.workspace),
                               ("reviewer submission", reviewer, pages.review)):
        for _ in range(5):
            if client.get(path).status_code != 200:
                raise SystemExit(f"{name} did not answer 200")
        batches = []
        for _ in range(6):
            began = time.process_time()
            for _ in range(max(1, n // 6)):
                client.get(path)
            batches.append((time.process_time() - began) / max(1, n // 6))
        rows.append((name, min(batches)))
    print(f"CPU per request in process, best of 6 batches of {max(1, n // 6)}, page cache "
          f"{'off' if cold else 'on'}")
    print(f"{'page':<22}{'CPU ms':>8}{'x hello':>9}")
    for name, cpu in rows:
        print(f"{name:<22}{cpu * 1000:>8.2f}{cpu / rows[0][1]:>9.1f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--requests", type=int, default=40, help="requests per client and page")
    ap.add_argument("--cpu", action="store_true", help="CPU per request in process instead of served latency")
    ap.add_argument("--cold", action="store_true", help="with --cpu: the rendered-page cache off")
    ap.add_argument("--hello-server", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.hello_server:
        hello_server(args.hello_server)
        return

    with tempfile.TemporaryDirectory(prefix="caseportal-webbench-") as tmp:
        port_app, port_hello = free_port(), free_port()
        env = {**os.environ, "CASEPORTAL_INSTANCE": str(Path(tmp) / "instance"),
               "CASEPORTAL_BASE_URL": f"http://{HOST}:{port_app}", "CASEPORTAL_CASES_DIR": str(ROOT / "cases")}
        for name in ("CASEPORTAL_DATABASE_URL", "CASEPORTAL_QUEUE_URL"):
            env.pop(name, None)
        os.environ.update(env)
        settings = Settings.from_env()
        pages = seed(settings)
        if args.cpu:
            cpu_per_request(pages, settings, args.requests, args.cold)
            return
        exe = str(Path(sys.executable).with_name("caseportal"))
        procs = [start([exe, "serve", "--host", HOST, "--port", str(port_app)], env, port_app,
                       Path(tmp) / "app.log"),
                 start([sys.executable, __file__, "--hello-server", str(port_hello)], env, port_hello,
                       Path(tmp) / "hello.log")]
        try:
            app, hello = f"http://{HOST}:{port_app}", f"http://{HOST}:{port_hello}"
            cookies = login_as(app, pages.reviewer_email, pages.reviewer_password)

            def as_reviewer(sess: requests.Session) -> None:
                sess.cookies.update(cookies)

            def anonymous(sess: requests.Session) -> None:
                pass

            base = drive(f"{hello}/", args.clients, args.requests, anonymous)
            rows = [("hello-world", base)]
            for name, path, prep in (("candidate home", pages.home, anonymous),
                                     ("candidate workspace", pages.workspace, anonymous),
                                     ("reviewer submission", pages.review, as_reviewer)):
                rows.append((name, drive(app + path, args.clients, args.requests, prep)))
        finally:
            for proc in procs:
                stop(proc)

    print(f"{args.clients} concurrent clients x {args.requests} requests per page, keep-alive; ratios against "
          "hello-world in this run")
    print(f"{'page':<22}{'p50 ms':>8}{'p95 ms':>8}{'req/s':>8}{'p50 x':>7}{'p95 x':>7}{'req/s x':>9}{'errors':>8}")
    for name, f in rows:
        print(f"{name:<22}{f.p50 * 1000:>8.1f}{f.p95 * 1000:>8.1f}{f.rps:>8.0f}{f.p50 / base.p50:>7.2f}"
              f"{f.p95 / base.p95:>7.2f}{f.rps / base.rps:>9.2f}{f.errors:>8}")
    if any(f.errors for _, f in rows):
        raise SystemExit("some requests did not answer 200: " + "; ".join(
            f"{name}: {dict(f.kinds)}" for name, f in rows if f.errors))


if __name__ == "__main__":
    main()
