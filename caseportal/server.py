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
from gunicorn.glogging import Logger as GunicornLogger

from .config import Settings
from .logs import JsonFormatter

#: How long workers may finish requests in hand after SIGTERM before the master kills them.
GRACEFUL_TIMEOUT_S = 10
#: A worker silent this long is restarted (a request that hangs must not take a process for good).
WORKER_TIMEOUT_S = 60


class JsonLinesLogger(GunicornLogger):  # type: ignore[misc]  # gunicorn ships no type hints
    """gunicorn's own loggers (``gunicorn.error``, ``gunicorn.access``) in the JSON lines the app writes.

    gunicorn sets up its loggers itself, apart from the root logger and with propagation off, so the app's
    logging set-up never reaches them; this keeps gunicorn's handlers (and so ``accesslog``/``errorlog``) and
    swaps only their format. Access lines also carry the request's fields, so a collector need not parse text.
    """

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.setFormatter(JsonFormatter())

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        if not self.access_log_enabled:
            return
        try:
            atoms = self.atoms(resp, req, environ, request_time)
            status = str(atoms["s"])
            fields = {"method": atoms["m"], "path": atoms["U"], "query": atoms["q"],
                      "status": int(status) if status.isdigit() else status,
                      "duration_ms": round(request_time.total_seconds() * 1000, 2), "remote_addr": atoms["h"],
                      "response_bytes": atoms["B"]}
            self.access_log.info(self.cfg.access_log_format, self.atoms_wrapper_class(atoms), extra=fields)
        except Exception:  # noqa: BLE001 - as gunicorn does: a broken access line must not fail the request
            self.error("access log failed", exc_info=True)


def gunicorn_options(settings: Settings, host: str, port: int) -> dict[str, Any]:
    """The gunicorn settings for one `serve`; a plain dict so a test can read what the server will do."""
    json_logs = {"logger_class": JsonLinesLogger} if settings.log_format == "json" else {}
    return {
        **json_logs,
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
