"""Reading an image probe's report (the Docker side is tested in tests/sandbox/test_environment_probe.py)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from sandbox.images.probe import MARKER, PROGRAM, ProbeError, chromium_version, parse_probe_output


def _report(**facts: object) -> str:
    return "some noise\n" + MARKER + json.dumps(facts) + "\n"


def test_a_datasci_report() -> None:
    facts = parse_probe_output(_report(python="3.11.2", sqlite="3.40.1", packages={
        "pytest": "7.2.1", "numpy": "1.24.2", "pandas": "1.5.3", "scikit-learn": "1.2.1", "matplotlib": "3.6.3",
        "nbclient": "0.7.2"}))
    assert facts == {"python": "3.11.2", "packages": {
        "matplotlib": "3.6.3", "nbclient": "0.7.2", "numpy": "1.24.2", "pandas": "1.5.3", "pytest": "7.2.1",
        "scikit-learn": "1.2.1", "sqlite": "3.40.1"}}


def test_a_browser_report_gives_chromiums_version() -> None:
    facts = parse_probe_output(_report(python="3.11.2", sqlite="3.40.1", packages={"pytest": "7.2.1"},
                                       chromium="Chromium 120.0.6099.224 built on Debian 12.4, running on Debian 12.4"))
    assert facts["packages"] == {"pytest": "7.2.1", "sqlite": "3.40.1", "chromium": "120.0.6099.224"}


def test_names_the_probe_did_not_ask_for_are_dropped() -> None:
    facts = parse_probe_output(_report(python="3.11.2", sqlite="3.40.1", packages={"evil": "1.0"}))
    assert facts["packages"] == {"sqlite": "3.40.1"}


@pytest.mark.parametrize("stdout", [
    "",
    "Traceback (most recent call last):\n  ...\nImportError: no module named json\n",
    MARKER + "{not json",
    MARKER + "[1, 2]",
    MARKER + json.dumps({"python": "3.11.2", "sqlite": "3.40.1", "packages": ["pytest"]}),
    MARKER + json.dumps({"sqlite": "3.40.1", "packages": {}}),
    MARKER + json.dumps({"python": "3.11.2", "packages": {}}),
    MARKER + json.dumps({"python": "<script>", "sqlite": "3.40.1", "packages": {}}),
    MARKER + json.dumps({"python": "3.11.2", "sqlite": "3.40.1", "packages": {"pandas": 1.5}}),
    MARKER + json.dumps({"python": "3" * 300, "sqlite": "3.40.1", "packages": {}}),
    MARKER + json.dumps({"python": "3.11.2", "sqlite": "3.40.1", "packages": {}, "chromium": "error: timed out"}),
])
def test_anything_but_a_clean_report_is_an_error(stdout: str) -> None:
    with pytest.raises(ProbeError):
        parse_probe_output(stdout)


def test_chromium_version_needs_chromiums_own_words() -> None:
    assert chromium_version("Chromium 156.0.8078.114 built on Debian GNU/Linux 12 (bookworm)") == "156.0.8078.114"
    with pytest.raises(ProbeError):
        chromium_version("bash: chromium: command not found")


def test_the_probe_program_reports_this_interpreter() -> None:
    """The program itself (run here by the host's Python, no Docker) prints a report the parser accepts."""
    done = subprocess.run([sys.executable, "-c", PROGRAM], capture_output=True, text=True, timeout=60, check=True)
    facts = parse_probe_output(done.stdout)
    assert facts["python"] == ".".join(map(str, sys.version_info[:3]))
    import importlib.metadata
    import sqlite3

    assert facts["packages"]["pytest"] == importlib.metadata.version("pytest")
    assert facts["packages"]["sqlite"] == sqlite3.sqlite_version
