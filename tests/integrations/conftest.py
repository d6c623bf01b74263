"""Real sockets for the integrations: an HTTP receiver that records what caseportal sends and answers as told,
a tiny SMTP server for the candidate's mail, and a queue drained in the test's own thread (real Huey storage,
no consumer process to wait for)."""

from __future__ import annotations

import http.server
import socketserver
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from caseportal.config import REPO_ROOT, Settings
from caseportal.jobs import Queue
from caseportal.webhook_jobs import sweep

BASE_URL = "https://jobs.example.org"
TEAMTAILOR_PARTNER_KEY = "tt-partner-api-key"


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """Records every request; answers with the next scripted status (200 once the script is used up)."""

    url: str = ""
    requests: list[Received] = field(default_factory=list)
    script: list[int] = field(default_factory=list)
    server: Any = None

    def start(self, port: int = 0) -> None:
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                receiver.requests.append(Received(self.command, self.path, dict(self.headers.items()), body))
                status = receiver.script.pop(0) if receiver.script else 200
                answer = b'{"ok": true}' if status < 300 else b"receiver says no " + b"x" * 5000
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            do_POST = do_PATCH = do_PUT = _any  # noqa: N815 - the http.server API

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


@pytest.fixture()
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    r.start()
    yield r
    r.stop()


@dataclass
class Mailbox:
    recipients: list[str] = field(default_factory=list)


class _SMTP(socketserver.StreamRequestHandler):
    """Just enough SMTP for smtplib without TLS or login: EHLO, MAIL, RCPT, DATA, QUIT."""

    def handle(self) -> None:
        box: Mailbox = self.server.mailbox  # type: ignore[attr-defined]
        self.wfile.write(b"220 test\r\n")
        while line := self.rfile.readline(65536):
            verb = line.decode(errors="replace").split(" ", 1)[0].strip().upper()
            if verb == "RCPT":
                box.recipients.append(line.decode().split(":", 1)[1].strip().strip("<>"))
            if verb == "DATA":
                self.wfile.write(b"354 go on\r\n")
                while self.rfile.readline(65536) not in (b".\r\n", b""):
                    pass
            if verb == "QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            self.wfile.write(b"250 ok\r\n")


@pytest.fixture()
def mailbox() -> Iterator[tuple[int, Mailbox]]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SMTP)
    server.daemon_threads = True
    server.mailbox = Mailbox()  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield server.server_address[1], server.mailbox  # type: ignore[attr-defined]
    server.shutdown()
    server.server_close()


@pytest.fixture()
def settings(tmp_path: Path, database_url: str, mailbox: tuple[int, Mailbox]) -> Settings:
    """Short back-off and few attempts, so retries and giving up take a fraction of a second."""
    return Settings.for_tests(tmp_path, cases_dir=REPO_ROOT / "cases", database_url=database_url,
                              base_url=BASE_URL, webhook_attempts=3, webhook_backoff_seconds=0.05,
                              webhook_timeout_seconds=2.0, teamtailor_partner_key=TEAMTAILOR_PARTNER_KEY,
                              partner_callback_hosts="127.0.0.1", mail_server="127.0.0.1", mail_port=mailbox[0],
                              mail_sender="jobs@example.org")


def queue_of(app: Flask) -> Queue:
    q: Queue = app.extensions["caseportal.queue"]
    return q


def drain(app: Flask) -> int:
    """Run every job on the app's Huey queue in this thread, as a worker would; returns how many ran."""
    huey = queue_of(app).huey
    ran = 0
    while (task := huey.dequeue()) is not None:
        huey.execute(task)
        ran += 1
    return ran


def sweep_and_drain(app: Flask) -> int:
    """One tick of the periodic sweep (what is due goes on the queue), then the jobs."""
    sweep(queue_of(app))
    return drain(app)
