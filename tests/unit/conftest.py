"""Fixtures for the unit suites: a tiny SMTP server on a real socket (no aiosmtpd, no smtpd)."""

from __future__ import annotations

import base64
import email
import socketserver
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from email.policy import default as default_policy

import pytest


@dataclass
class Received:
    mail_from: str
    rcpt_to: list[str]
    data: bytes

    def message(self) -> Message:
        return email.message_from_bytes(self.data, policy=default_policy)


@dataclass
class SMTPState:
    messages: list[Received] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)
    refuse_rcpt: bool = False


class _SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough of RFC 5321 for smtplib: EHLO, AUTH PLAIN, MAIL, RCPT, DATA, RSET, NOOP, QUIT."""

    def reply(self, text: str) -> None:
        self.wfile.write(text.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self) -> None:
        state: SMTPState = self.server.state  # type: ignore[attr-defined]
        self.reply("220 localhost test SMTP ready")
        mail_from: str = ""
        rcpts: list[str] = []
        while line := self.rfile.readline(65536):
            cmd = line.decode("utf-8", "replace").rstrip("\r\n")
            verb, _, arg = cmd.partition(" ")
            verb = verb.upper()
            if verb == "EHLO":
                self.wfile.write(b"250-localhost\r\n250-8BITMIME\r\n250-AUTH PLAIN\r\n250 SMTPUTF8\r\n")
                self.wfile.flush()
            elif verb == "HELO":
                self.reply("250 localhost")
            elif verb == "AUTH":
                mech, _, initial = arg.partition(" ")
                if mech.upper() != "PLAIN" or not initial:
                    self.reply("504 only AUTH PLAIN with an initial response")
                    continue
                _, user, password = base64.b64decode(initial).decode().split("\0")
                state.logins.append((user, password))
                self.reply("235 2.7.0 authenticated")
            elif verb == "MAIL":
                mail_from, rcpts = arg.split(":", 1)[1].split()[0].strip("<>"), []
                self.reply("250 ok")
            elif verb == "RCPT":
                if state.refuse_rcpt:
                    self.reply("550 no such user")
                    continue
                rcpts.append(arg.split(":", 1)[1].strip().strip("<>"))
                self.reply("250 ok")
            elif verb == "DATA":
                self.reply("354 end with <CRLF>.<CRLF>")
                chunks = []
                while (data_line := self.rfile.readline(65536)) not in (b".\r\n", b""):
                    chunks.append(data_line[1:] if data_line.startswith(b"..") else data_line)
                state.messages.append(Received(mail_from, rcpts, b"".join(chunks)))
                self.reply("250 queued")
            elif verb in ("RSET", "NOOP"):
                self.reply("250 ok")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not implemented")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


@pytest.fixture()
def smtp_server() -> Iterator[tuple[int, SMTPState]]:
    server = _Server(("127.0.0.1", 0), _SMTPHandler)
    server.state = SMTPState()  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], server.state  # type: ignore[attr-defined]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
