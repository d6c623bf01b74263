"""JSON-lines logging: one parseable object per line, extra fields and exceptions kept, bad settings refused."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest

from caseportal.logs import JsonFormatter, configure


@pytest.fixture()
def restore_root() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_json_formatter_writes_one_object_per_record() -> None:
    record = logging.LogRecord("caseportal.worker", logging.WARNING, __file__, 1, "run %s failed\non two lines",
                               (7,), None)
    record.run_id = 7
    line = JsonFormatter().format(record)
    assert "\n" not in line
    data = json.loads(line)
    assert data["level"] == "WARNING" and data["logger"] == "caseportal.worker"
    assert data["message"] == "run 7 failed\non two lines" and data["run_id"] == 7
    assert data["time"].endswith("+00:00")


def test_json_formatter_keeps_the_exception() -> None:
    try:
        raise RuntimeError("engine gone")
    except RuntimeError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "boom", (), __import__("sys").exc_info())
    data = json.loads(JsonFormatter().format(record))
    assert "RuntimeError: engine gone" in data["exception"]


def test_configure_json_reaches_stderr(restore_root: None, capsys: pytest.CaptureFixture[str]) -> None:
    configure("INFO", "json")
    logging.getLogger("caseportal.test").info("hello %s", "there", extra={"meeting": 3})
    data = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert data["message"] == "hello there" and data["meeting"] == 3


def test_configure_refuses_an_unknown_format(restore_root: None) -> None:
    with pytest.raises(ValueError, match="CASEPORTAL_LOG_FORMAT"):
        configure("INFO", "xml")
