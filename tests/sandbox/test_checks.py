"""The default checker (cp-pytest) end to end, and what a submission can and cannot reach."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sandbox import Outcome, RunResult

from .conftest import HEALTH

pytestmark = pytest.mark.docker

Run = Callable[..., RunResult]

#: Starting pytest in a container takes seconds on a loaded 2-core machine; these tests are about what the checks
#: report, not about the time limit (tests/sandbox/test_hostile.py proves that), so they get room.
CHECK_LIMITS = HEALTH


@pytest.fixture()
def run_small(run_small: Run) -> Run:
    """The sandbox conftest's runner with CHECK_LIMITS unless a test names its own."""

    def _run(command: tuple[str, ...] | str, **kwargs: object) -> RunResult:
        kwargs.setdefault("limits", CHECK_LIMITS)
        return run_small(command, **kwargs)

    return _run

SOLUTION_OK = b"def total(prices):\n    return round(sum(prices), 2)\n"
SOLUTION_BAD = b"def total(prices):\n    return sum(prices)\n"

VISIBLE = b"""
from solution import total


def test_total_of_empty_is_zero():
    assert total([]) == 0


def test_total_is_rounded():
    assert total([0.1, 0.2]) == 0.3
"""

HIDDEN = b"""
import caseportal_check
from solution import total


def test_large_input():
    assert total([1.005] * 1000) == 1005.0


def test_reports_metric_and_advisory():
    caseportal_check.record_metric("items", 1000)
    caseportal_check.advisory("has_docstring", total.__doc__ is not None, "add a docstring")
    caseportal_check.artifact_path("notes/summary.txt").write_text("reviewed")
"""

CASE = {"checks/visible/test_visible.py": VISIBLE, "checks/hidden/test_hidden.py": HIDDEN,
        "case.yaml": b"runtime: python\n"}


def test_all_checks_pass(run_small: Run) -> None:
    result = run_small(("cp-pytest",), files={"solution.py": SOLUTION_OK}, case_files=CASE,
                       env={"CASEPORTAL_CHECKS": "all"})
    assert result.outcome == Outcome.passed, result
    by_name = {c.name: c for c in result.checks}
    assert {n: (c.status, c.visible) for n, c in by_name.items()} == {
        "test_total_of_empty_is_zero": ("passed", True),
        "test_total_is_rounded": ("passed", True),
        "test_large_input": ("passed", False),
        "test_reports_metric_and_advisory": ("passed", False),
        "has_docstring": ("advisory", False),
    }
    assert by_name["has_docstring"].message == "not ok: add a docstring"
    assert result.metrics == {"items": 1000.0}
    assert result.artifacts == {"notes/summary.txt": b"reviewed"}
    assert result.explanation == "All 4 checks passed."


def test_failed_check_is_reported_with_its_message(run_small: Run) -> None:
    result = run_small(("cp-pytest",), files={"solution.py": SOLUTION_BAD}, case_files=CASE,
                       env={"CASEPORTAL_CHECKS": "all"})
    assert result.outcome == Outcome.failed, result
    failed = [c for c in result.checks if c.status == "failed"]
    assert [c.name for c in failed] == ["test_total_is_rounded", "test_large_input"]
    assert "0.30000000000000004" in failed[0].message
    assert failed[0].visible and not failed[1].visible
    assert result.explanation == "2 of 4 checks did not pass."


def test_visible_mode_excludes_hidden_checks(run_small: Run) -> None:
    result = run_small(("cp-pytest",), files={"solution.py": SOLUTION_OK}, case_files=CASE,
                       env={"CASEPORTAL_CHECKS": "visible"})
    assert result.outcome == Outcome.passed
    assert [c.name for c in result.checks] == ["test_total_of_empty_is_zero", "test_total_is_rounded"]
    assert all(c.visible for c in result.checks)


def test_missing_solution_is_a_check_error(run_small: Run) -> None:
    result = run_small(("cp-pytest",), files={"other.py": b"x = 1\n"}, case_files=CASE)
    assert result.outcome == Outcome.failed
    assert result.checks[0].status == "error"
    assert "solution" in result.checks[0].message


PROBES = b'''
import os
import socket

import pytest


def test_network_is_unreachable():
    with pytest.raises(OSError):
        socket.create_connection(("1.1.1.1", 80), timeout=3)


def test_name_resolution_fails():
    with pytest.raises(OSError):
        socket.getaddrinfo("example.com", 80)


def test_only_loopback_interface():
    assert sorted(os.listdir("/sys/class/net")) == ["lo"]


def test_docker_socket_is_absent():
    assert not os.path.exists("/var/run/docker.sock")
    assert not os.path.exists("/run/docker.sock")


@pytest.mark.parametrize("path", ["/escape.txt", "/usr/escape.txt", "/etc/escape.txt", "/case/escape.txt",
                                  "/case/checks/visible/test_probes.py", "/opt/caseportal/bin/cp-pytest"])
def test_cannot_write_outside_work(path):
    with pytest.raises(OSError):
        with open(path, "a") as fh:
            fh.write("x")


def test_can_write_work_tmp_and_out():
    for folder in ("/work", "/tmp", "/out"):
        with open(os.path.join(folder, "ok.txt"), "w") as fh:
            fh.write("ok")


def test_runs_unprivileged():
    assert os.getuid() == 65534 and os.getgid() == 65534
    status = open("/proc/self/status").read()
    caps = {line.split(":")[0]: int(line.split()[1], 16) for line in status.splitlines() if line.startswith("Cap")}
    assert caps["CapEff"] == 0 and caps["CapPrm"] == 0
    assert "NoNewPrivs:\\t1" in status


def test_cannot_signal_the_entry_process():
    with pytest.raises(PermissionError):
        os.kill(1, 9)
'''


def test_sandbox_boundaries(run_small: Run) -> None:
    result = run_small(("cp-pytest",), case_files={"checks/visible/test_probes.py": PROBES})
    assert result.outcome == Outcome.passed, [c for c in result.checks if c.status != "passed"]
    names = {c.name for c in result.checks}
    assert "test_network_is_unreachable" in names and "test_docker_socket_is_absent" in names
    assert len(result.checks) == 13


def test_network_attempt_reported_as_failed_check(run_small: Run) -> None:
    probe = (b"import socket\n\ndef test_download():\n"
             b"    socket.create_connection(('1.1.1.1', 80), timeout=3).close()\n")
    result = run_small(("cp-pytest",), case_files={"checks/visible/test_net.py": probe})
    assert result.outcome == Outcome.failed
    assert "Network is unreachable" in result.checks[0].message


SKIPS = b'''
import pytest


def test_runs():
    pass


def test_skips_inside():
    pytest.skip("needs the October sales, which come with the hidden checks")


@pytest.mark.skipif(True, reason="Chromium is not part of this image")
def test_skips_by_marker():
    pass
'''


def test_a_skipped_check_says_why_in_plain_words(run_small: Run) -> None:
    """A skip is an advisory whose message is the check's own reason, not pytest's (path, line, text) tuple."""
    result = run_small(("cp-pytest",), case_files={"checks/visible/test_skips.py": SKIPS})
    assert result.outcome == Outcome.passed, result
    assert {c.name: (c.status, c.message) for c in result.checks} == {
        "test_runs": ("passed", ""),
        "test_skips_inside": ("advisory", "needs the October sales, which come with the hidden checks"),
        "test_skips_by_marker": ("advisory", "Chromium is not part of this image"),
    }
