"""`caseportal serve` with JSON logs: gunicorn's own error and access lines come out as JSON lines too.

gunicorn configures its loggers apart from the app's (propagation off), so without the server's logger class its
start-up and access lines stay free text in an otherwise JSON stream, which a log collector cannot parse.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from caseportal.config import Settings
from caseportal.server import JsonLinesLogger, gunicorn_options
from tests.test_serve import Command, _migrate


def test_json_logs_choose_the_json_logger_class_and_plain_logs_keep_gunicorns() -> None:
    settings = Settings.from_env()
    assert gunicorn_options(settings.with_(log_format="json"), "127.0.0.1", 8000)["logger_class"] is JsonLinesLogger
    assert "logger_class" not in gunicorn_options(settings.with_(log_format="plain"), "127.0.0.1", 8000)


def test_serve_writes_gunicorn_error_and_access_lines_as_json(tmp_path: Path) -> None:
    _migrate(tmp_path)
    serve = Command(tmp_path, "serve", CASEPORTAL_WEB_PROCESSES="1", CASEPORTAL_WEB_THREADS="1",
                    CASEPORTAL_LOG_FORMAT="json")
    try:
        status, _ = serve.get("/login?next=%2F")
        assert status == 200
        time.sleep(0.5)  # the access line is written after the response went out
        code, _ = serve.terminate_and_wait()
        assert code == 0, serve.output()
    finally:
        serve.cleanup()

    lines = [line for line in serve.log.read_text().splitlines() if line.strip()]
    records = []
    for line in lines:
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            raise AssertionError(f"not a JSON line: {line!r}\n{serve.output()}") from None
    by_logger = {r["logger"] for r in records}
    assert {"gunicorn.error", "gunicorn.access"} <= by_logger, by_logger
    started = [r for r in records if r["logger"] == "gunicorn.error" and "Listening at" in r["message"]]
    assert started and started[0]["level"] == "INFO" and started[0]["time"].endswith("+00:00")
    access = [r for r in records if r["logger"] == "gunicorn.access" and r.get("path") == "/login"]
    # one, or more when a first try timed out on a busy machine and the test asked again
    assert access, [r for r in records if r["logger"] == "gunicorn.access"]
    hit = access[-1]
    assert (hit["method"], hit["status"], hit["query"]) == ("GET", 200, "next=%2F")
    assert hit["duration_ms"] >= 0 and hit["response_bytes"] > 0 and "GET /login" in hit["message"]
