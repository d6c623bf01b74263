"""cp-entry's input reader against malformed records: a clear message and exit code, never a file outside /case and
/work, never a start on half the files. The runner never sends such input; these guard the trusted reader itself.

cp-entry runs in the real image with the run's hardening (read-only root, tmpfs folders, only SETUID/SETGID),
fed by ``docker run -i`` so the bytes on stdin are exactly the test's.
"""

from __future__ import annotations

import subprocess

import pytest

from sandbox.protocol import record

pytestmark = pytest.mark.docker

NONCE = "n" * 32
LIST = "find /work /case -type f | sort; echo done"


def _entry(image: str, body: bytes, *, length: int | None = None,
           results: tuple[str, ...] = ("--inline-out", "100000")) -> subprocess.CompletedProcess[bytes]:
    header = f"CPIN2 {NONCE} {len(body) if length is None else length} timeout=20\n".encode()
    cmd = ["docker", "run", "--rm", "-i", "--network", "none", "--user", "0:0", "--cap-drop", "ALL",
           "--cap-add", "SETUID", "--cap-add", "SETGID", "--security-opt", "no-new-privileges:true", "--read-only",
           "--tmpfs", "/work:rw,size=8m,mode=0755,uid=65534,gid=65534", "--tmpfs", "/case:rw,noexec,size=8m",
           "--tmpfs", "/out:rw,size=1m,uid=65534,gid=65534", "--tmpfs", "/tmp:rw,size=8m,mode=1777",
           "--entrypoint", "/opt/caseportal/bin/cp-entry", image, "--input-timeout", "20", *results,
           "--", "sh", "-c", LIST]
    return subprocess.run(cmd, input=header + body, capture_output=True, timeout=120, check=False)


def test_good_records_land_in_case_and_work(python_image: str) -> None:
    body = (record(b"F", "case/checks/t.py", b"x") + record(b"F", "work/a b/main.py", b"print(1)\n")
            + record(b"F", "work/empty.txt", b""))
    done = _entry(python_image, body)
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode().split("\n")[:4] == ["/case/checks/t.py", "/work/a b/main.py", "/work/empty.txt",
                                                    "done"]


def test_names_that_climb_out_or_miss_the_folders_are_dropped(python_image: str) -> None:
    body = (record(b"F", "work/../../etc/evil", b"x") + record(b"F", "/abs", b"x") + record(b"F", "other/x", b"x")
            + record(b"F", "work/ok.py", b"1"))
    done = _entry(python_image, body)
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode().split("\n")[:2] == ["/work/ok.py", "done"]


@pytest.mark.parametrize(("body", "length", "code", "said"), [
    (b"tar\x00garbage" * 10, None, 3, b"could not unpack the case files"),
    (b"F 9999 1\ncase/x", None, 3, b"could not unpack the case files"),
    (record(b"F", "case/x", b"1") + b"F 10 100\nwork/short", None, 127, b"could not start"),
    (record(b"F", "case/x", b"1") + record(b"F", "work/y", b"2"), 10_000, 127, b"could not start"),
])
def test_malformed_or_short_input_is_a_clear_error_and_nothing_runs(
        python_image: str, body: bytes, length: int | None, code: int, said: bytes) -> None:
    done = _entry(python_image, body, length=length)
    assert done.returncode == code, (done.returncode, done.stderr)
    assert said in done.stderr and b"done" not in done.stdout, (done.stdout, done.stderr)


def test_without_a_results_cap_nothing_runs(python_image: str) -> None:
    """The results leave only in-band after the marker, so cp-entry refuses to start without their cap."""
    done = _entry(python_image, record(b"F", "work/ok.py", b"1"), results=())
    assert done.returncode == 2 and b"--inline-out" in done.stderr and b"done" not in done.stdout, done
