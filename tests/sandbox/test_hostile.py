"""Hostile submissions against the real engine: each must end with a clear outcome, within its time
limit, leave nothing behind, and leave the engine able to run a normal submission afterwards."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable

import docker
import pytest

from sandbox import Outcome, RunResult, sweep_orphans
from sandbox.engine import CREATED_LABEL, LABEL, RUN_ID_LABEL
from tests.sandbox.conftest import SESSION_LABELS, SMALL, leftovers

pytestmark = pytest.mark.docker

Run = Callable[..., RunResult]


def test_plain_run_reports_files_user_and_results(run_small: Run) -> None:
    script = (
        "import json, os\n"
        "print(os.getuid(), os.getcwd(), open('/work/data/in.txt').read().strip(), open('/case/case.yaml').read())\n"
        "os.makedirs('/out/artifacts/plots')\n"
        "open('/out/artifacts/plots/a.txt', 'w').write('art')\n"
        "json.dump({'checks': [{'name': 'x', 'status': 'passed', 'message': '', 'visible': True}],\n"
        "           'metrics': {'rmse': 3.5}}, open('/out/results.json', 'w'))\n"
    )
    result = run_small(("python3", "main.py"), files={"main.py": script.encode(), "data/in.txt": b"hello"},
                       case_files={"case.yaml": b"runtime: python"})
    assert result.outcome == Outcome.passed, result
    assert result.stdout.strip() == "65534 /work hello runtime: python"
    assert result.metrics == {"rmse": 3.5}
    assert result.artifacts == {"plots/a.txt": b"art"}
    assert result.exit_code == 0
    assert result.peak_memory_bytes is None or result.peak_memory_bytes > 0


def test_fork_bomb_is_contained(run_small: Run, assert_healthy: Callable[[], None]) -> None:
    bomb = "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n"
    started = time.monotonic()
    result = run_small(("python3", "-c", bomb))
    assert result.outcome == Outcome.timeout, result
    assert time.monotonic() - started < SMALL.timeout_s + 8
    assert_healthy()


def test_memory_bomb_is_oom(run_small: Run, assert_healthy: Callable[[], None]) -> None:
    result = run_small(("python3", "-c", "x = []\nwhile True:\n    x.append(bytearray(16 * 1024 * 1024))\n"))
    assert result.outcome == Outcome.oom, result
    assert "memory limit" in result.explanation
    assert_healthy()


def test_busy_loop_times_out(run_small: Run, assert_healthy: Callable[[], None]) -> None:
    started = time.monotonic()
    result = run_small(("python3", "-c", "while True: pass"))
    elapsed = time.monotonic() - started
    assert result.outcome == Outcome.timeout, result
    assert SMALL.timeout_s <= elapsed < SMALL.timeout_s + 5
    assert "6 s limit" in result.explanation
    assert_healthy()


def test_sleep_with_detached_children_times_out(run_small: Run, docker_client: docker.DockerClient,
                                                assert_healthy: Callable[[], None]) -> None:
    result = run_small("setsid sleep 1000 & nohup sleep 1000 >/dev/null 2>&1 & sleep 1000")
    assert result.outcome == Outcome.timeout, result
    assert leftovers(docker_client) == []
    assert_healthy()


def test_detached_children_do_not_outlive_the_command(run_small: Run) -> None:
    # The command ends at once; its detached children must be killed, not keep the run alive.
    started = time.monotonic()
    result = run_small("setsid sh -c 'sleep 1000' & nohup sleep 1000 >/dev/null 2>&1 & echo started")
    assert time.monotonic() - started < SMALL.timeout_s
    assert result.outcome == Outcome.crashed, result
    assert result.stdout.strip() == "started"


def test_output_flood_is_cut(run_small: Run, assert_healthy: Callable[[], None]) -> None:
    result = run_small(("python3", "-c", "import sys\nwhile True: sys.stdout.write('x' * 65536)"))
    assert result.outcome == Outcome.output_limit, result
    assert len(result.stdout) + len(result.stderr) <= SMALL.output_bytes
    assert_healthy()


def test_stderr_flood_is_cut(run_small: Run) -> None:
    result = run_small("yes error >&2")
    assert result.outcome == Outcome.output_limit, result


def test_disk_fill_hits_the_caps(run_small: Run, assert_healthy: Callable[[], None]) -> None:
    host_free = shutil.disk_usage("/").free
    script = (
        "import os, sys\n"
        "for folder in ('/work', '/tmp'):\n"
        "    n = 0\n"
        "    try:\n"
        "        while True:\n"
        "            with open(f'{folder}/fill{n}', 'wb') as fh:\n"
        "                fh.write(b'x' * (4 << 20))\n"
        "            n += 1\n"
        "    except OSError as exc:\n"
        "        print(folder, 'full after', n, 'files:', exc.strerror, flush=True)\n"
        "sys.exit(1)\n"
    )
    result = run_small(("python3", "-c", script))
    assert result.outcome == Outcome.crashed, result
    assert "/work full after" in result.stdout and "/tmp full after" in result.stdout
    assert "No space left on device" in result.stdout
    assert "exit code 1" in result.explanation
    assert host_free - shutil.disk_usage("/").free < 64 << 20  # nothing landed on the host disk
    assert_healthy()


def test_single_file_over_fsize_is_stopped(run_small: Run) -> None:
    # 8 MB fsize < 16 MB tmpfs: SIGXFSZ stops the writer.
    result = run_small("exec head -c 100000000 /dev/zero > /tmp/big")
    assert result.outcome == Outcome.crashed, result
    assert result.exit_code == 128 + 25
    assert "file larger than the 8 MB limit" in result.explanation
    # Python ignores SIGXFSZ, so there the write fails with EFBIG instead.
    result = run_small(("python3", "-c", "open('/work/big', 'wb').write(b'x' * (9 << 20))"))
    assert result.outcome == Outcome.crashed
    assert "File too large" in result.stderr


def test_symlinked_results_do_not_leak(run_small: Run, assert_healthy: Callable[[], None]) -> None:
    script = ("ln -s /etc/passwd /out/results.json; mkdir /out/artifacts; ln -s /etc/shadow /out/artifacts/s;"
              " ln -s / /out/artifacts/root; echo planted")
    result = run_small(script)
    assert result.outcome == Outcome.crashed, result
    assert "results.json was not a regular file" in result.explanation
    assert result.artifacts == {}
    assert "root:" not in repr(result.to_dict())
    assert_healthy()


def test_symlinked_out_folder_content_is_ignored(run_small: Run) -> None:
    script = ("import json, os\n"
              "os.symlink('/etc', '/out/artifacts')\n"
              "json.dump({'checks': [{'name': 'a', 'status': 'passed'}]}, open('/out/results.json', 'w'))\n")
    result = run_small(("python3", "-c", script))
    assert result.outcome == Outcome.passed
    assert result.artifacts == {}


def test_sweep_orphans_removes_labelled_leftovers(docker_client: docker.DockerClient, python_image: str) -> None:
    labels = {LABEL: "1", RUN_ID_LABEL: "leftover", CREATED_LABEL: "0", **SESSION_LABELS}
    docker_client.api.create_volume(name="caseportal-out-leftover-test", labels=labels)
    container = docker_client.containers.create(python_image, ["sleep", "1000"], labels=labels,
                                                network_mode="none")
    container.start()
    try:
        assert len(leftovers(docker_client)) == 2
        # created "long ago" (the label says 0)
        assert sweep_orphans(docker_client, older_than_s=3600, labels=SESSION_LABELS) == 2
        assert leftovers(docker_client) == []
    finally:
        for call in (lambda: container.remove(force=True),
                     lambda: docker_client.api.remove_volume("caseportal-out-leftover-test", force=True)):
            try:
                call()
            except docker.errors.NotFound:
                pass


def test_sweep_orphans_spares_young_runs(docker_client: docker.DockerClient, python_image: str) -> None:
    labels = {LABEL: "1", RUN_ID_LABEL: "young", CREATED_LABEL: str(int(time.time())), **SESSION_LABELS}
    container = docker_client.containers.create(python_image, ["true"], labels=labels, network_mode="none")
    try:
        assert sweep_orphans(docker_client, older_than_s=3600, labels=SESSION_LABELS) == 0
        assert sweep_orphans(docker_client, labels=SESSION_LABELS) == 1
    finally:
        try:
            container.remove(force=True)
        except docker.errors.NotFound:
            pass


def test_missing_image_is_an_infra_error(docker_client: docker.DockerClient) -> None:
    from sandbox import RunSpec, run

    result = run(RunSpec(image="caseportal/does-not-exist:0", limits=SMALL, labels=SESSION_LABELS),
                 client=docker_client)
    assert result.outcome == Outcome.infra_error
    assert "problem on our side" in result.explanation
    assert leftovers(docker_client) == []


def test_large_submission_streams_in(run_small: Run) -> None:
    files = {f"data/part{i:03}.bin": bytes([i % 251]) * 60_000 for i in range(200)}  # 12 MB in 200 files
    script = ("import hashlib, pathlib\n"
              "parts = sorted(pathlib.Path('/work/data').iterdir())\n"
              "print(len(parts), sum(p.stat().st_size for p in parts))\n")
    files["count.py"] = script.encode()
    result = run_small(("python3", "count.py"), files=files)
    assert result.stdout.split() == ["200", "12000000"], result


def test_unknown_command_is_crashed(run_small: Run) -> None:
    result = run_small(("no-such-checker",))
    assert result.outcome == Outcome.crashed
    assert result.exit_code == 127
    assert "could not be started" in result.explanation


def test_end_marker_cannot_be_learned_or_forged(run_small: Run) -> None:
    # The nonce lives only in the root-owned entry process: its memory and environment are off limits.
    script = (
        "import os, sys\n"
        "denied = 0\n"
        "for pid in [p for p in os.listdir('/proc') if p.isdigit() and int(p) != os.getpid()]:\n"
        "    for leaf in ('mem', 'environ'):\n"
        "        try:\n"
        "            open(f'/proc/{pid}/{leaf}', 'rb').read(1)\n"
        "        except OSError:\n"
        "            denied += 1\n"
        "print('denied', denied)\n"
        "print('\\n' + 'f' * 32 + ' exit=0')\n"  # a forged marker does not end the run early
        "sys.stdout.flush()\n"
        "import json\n"
        "json.dump({'checks': [{'name': 'a', 'status': 'passed'}]}, open('/out/results.json', 'w'))\n"
    )
    result = run_small(("python3", "-c", script))
    assert result.outcome == Outcome.passed, result
    assert "denied 4" in result.stdout  # tini and cp-entry: mem and environ each
    assert "f" * 32 + " exit=0" in result.stdout


def test_out_folder_is_size_capped(run_small: Run) -> None:
    result = run_small(("python3", "-c", "open('/out/big', 'wb').write(b'x' * (3 << 20))"))
    assert result.outcome == Outcome.crashed
    assert "No space left on device" in result.stderr
