"""`caseportal serve`: gunicorn in front of the Flask app, sized from Settings.

Gunicorn's master forks ``web_processes`` workers with ``web_threads`` threads each (the gthread worker, so a slow
client holds a thread, not a process). Every worker builds its own app after the fork, so no database connection
is shared between processes. SIGTERM stops the master gracefully: it closes the listening socket, lets the
workers finish the requests in hand (up to ``GRACEFUL_TIMEOUT_S``) and exits 0 with no child left behind.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from .config import Settings

#: How long workers may finish requests in hand after SIGTERM before the master kills them.
GRACEFUL_TIMEOUT_S = 10
#: A worker silent this long is restarted (a request that hangs must not take a process for good).
WORKER_TIMEOUT_S = 60


def gunicorn_options(settings: Settings, host: str, port: int) -> dict[str, Any]:
    """The gunicorn settings for one `serve`; a plain dict so a test can read what the server will do."""
    return {
        "bind": f"{host}:{port}",
        "workers": settings.web_processes,
        "threads": settings.web_threads,
        "worker_class": "gthread",
        "graceful_timeout": GRACEFUL_TIMEOUT_S,
        "timeout": WORKER_TIMEOUT_S,
        "proc_name": "caseportal-web",
        "accesslog": "-",
        "errorlog": "-",
        # gunicorn's control socket lives in the home folder and would clash between two servers on one machine.
        "control_socket_disable": True,
    }


class PortalServer(BaseApplication):  # type: ignore[misc]  # gunicorn ships no type hints
    """A gunicorn application that builds caseportal's app in each worker, never from a command-line string."""

    def __init__(self, settings: Settings, host: str, port: int) -> None:
        self.settings = settings
        self.options = gunicorn_options(settings, host, port)
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        from . import create_app

        return create_app(self.settings)


def serve(settings: Settings, host: str, port: int) -> None:
    """Run gunicorn in the foreground until SIGTERM or SIGINT."""
    PortalServer(settings, host, port).run()
