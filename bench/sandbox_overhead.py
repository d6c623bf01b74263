"""Sandbox overhead: caseportal's whole run path against bare `docker run --rm` of the same image and command.

    .venv/bin/python bench/sandbox_overhead.py [--n 15] [--m 12] [--k 2]

Prints, from one process and one machine state:
  * the median wall time of N runs through enqueue -> worker -> hardened container -> result stored,
    against the median of N bare `docker run --rm IMAGE COMMAND`, as a ratio;
  * the throughput of M queued runs drained by one worker process with K worker threads.
Both sides run the same trivial check (a command that writes a passing results.json).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from caseportal.config import Settings  # noqa: E402
from caseportal.db import Database  # noqa: E402
from caseportal.jobs import build_queue  # noqa: E402
from caseportal.migrate import alembic_config  # noqa: E402
from caseportal.models import (  # noqa: E402
    JobRole,
    Meeting,
    MeetingCase,
    Run,
    RunKind,
    RunStatus,
    Submission,
    SubmissionFile,
)
from caseportal.services import runs  # noqa: E402

CHECK = ('echo \'{"checks": [{"name": "trivial", "status": "passed", "message": "", "visible": true}]}\' '
         "> /out/results.json")
COMMAND = ["sh", "-c", CHECK]

CASE_YAML = f"""slug: bench-trivial
title: Trivial check for the overhead benchmark
role_family: backend
kind: coding
summary: A check that passes at once.
time_estimate_minutes: 5
languages: [en]
runtime: python
command: {json.dumps(COMMAND)}
limits: {{timeout_s: 30, memory_mb: 256, cpus: 1, pids: 64}}
review_focus: [nothing]
reviewer_prompts: [{{ask: "none", good: "none"}}]
submission: {{editable: ["*.py"], uploads: false, accepted_extensions: [".py"]}}
"""


def make_case(root: Path) -> None:
    case = root / "bench-trivial"
    for sub in ("starter", "checks/visible", "checks/hidden", "solution"):
        (case / sub).mkdir(parents=True, exist_ok=True)
    (case / "case.yaml").write_text(CASE_YAML)
    (case / "brief.md").write_text("# Trivial\n\nNothing to do.\n")
    (case / "starter" / "main.py").write_text("print('hi')\n")
    (case / "solution" / "main.py").write_text("print('hi')\n")
    (case / "checks" / "visible" / "test_ok.py").write_text("def test_ok():\n    assert True\n")
    (case / "checks" / "hidden" / "test_ok_hidden.py").write_text("def test_hidden():\n    assert False\n")


def bare_docker(image: str, n: int) -> list[float]:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        subprocess.run(["docker", "run", "--rm", "--network", "none", "--tmpfs", "/out:uid=65534,gid=65534",
                        image, *COMMAND], check=True, capture_output=True)
        times.append(time.perf_counter() - t)
    return times


def seed(db: Database, count: int) -> list[int]:
    with db.begin() as s:
        role = JobRole(title="Bench")
        meeting = Meeting(candidate_name="Bench", candidate_email="b@example.org", job_role=role)
        meeting.cases.append(MeetingCase(case_slug="bench-trivial"))
        s.add(meeting)
        s.flush()
        sub = Submission(meeting_id=meeting.id, case_slug="bench-trivial", case_version="bench")
        sub.files.append(SubmissionFile(path="main.py", content=b"print('hi')\n", size=12, sha256=""))
        s.add(sub)
        s.flush()
        return [runs.request_run(s, sub, RunKind.FULL, runs_per_hour=10**6).id for _ in range(count)]


def wait_done(db: Database, ids: list[int], timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with db.begin() as s:
            states = [s.get(Run, i).status for i in ids]  # type: ignore[union-attr]
        if all(st in (RunStatus.DONE, RunStatus.ERROR) for st in states):
            return
        time.sleep(0.02)
    raise TimeoutError("runs did not finish")


def start_worker(settings: Settings, k: int, log: Path) -> subprocess.Popen[bytes]:
    env = dict(os.environ, CASEPORTAL_INSTANCE=str(settings.instance_path),
               CASEPORTAL_DATABASE_URL=settings.database_url, CASEPORTAL_QUEUE_URL=settings.queue_url,
               CASEPORTAL_CASES_DIR=str(settings.cases_dir), CASEPORTAL_SECRET_KEY=settings.secret_key,
               CASEPORTAL_LOG_LEVEL="WARNING")
    return subprocess.Popen([sys.executable, "-m", "caseportal.cli", "worker", "--workers", str(k)], env=env,
                            stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=15, help="runs for the latency comparison")
    ap.add_argument("--m", type=int, default=12, help="queued runs for the throughput figure")
    ap.add_argument("--k", type=int, default=2, help="worker threads for the throughput figure")
    args = ap.parse_args()

    from sandbox.images.build import ensure_images

    image = ensure_images(["python"])["python"]
    tmp = Path(tempfile.mkdtemp(prefix="caseportal-bench-"))
    try:
        make_case(tmp / "cases")
        settings = Settings.for_tests(tmp / "instance", cases_dir=tmp / "cases", queue_url="sqlite")
        settings.instance_path.mkdir(parents=True)
        from alembic import command

        command.upgrade(alembic_config(settings.database_url), "head")
        db = Database(settings.database_url)
        queue = build_queue(settings, db)

        bare_docker(image, 2)  # warm the engine's caches for both sides alike
        worker = start_worker(settings, 1, tmp / "worker1.log")
        try:
            warm = seed(db, 2)
            for i in warm:
                queue.enqueue_run(i)
            wait_done(db, warm)
            portal = []
            for run_id in seed(db, args.n):
                t = time.perf_counter()
                queue.enqueue_run(run_id)
                wait_done(db, [run_id])
                portal.append(time.perf_counter() - t)
        finally:
            os.killpg(worker.pid, signal.SIGINT)
            worker.wait(30)
        bare = bare_docker(image, args.n)

        ids = seed(db, args.m)
        worker = start_worker(settings, args.k, tmp / "worker2.log")
        try:
            t = time.perf_counter()
            for run_id in ids:
                queue.enqueue_run(run_id)
            wait_done(db, ids)
            total = time.perf_counter() - t
        finally:
            os.killpg(worker.pid, signal.SIGINT)
            worker.wait(30)
        with db.begin() as s:
            outcomes = {s.get(Run, i).outcome for i in ids}  # type: ignore[union-attr]

        med_p, med_b = statistics.median(portal), statistics.median(bare)
        print(f"image: {image}")
        print(f"latency, median of {args.n}: caseportal {med_p:.3f} s, bare docker run {med_b:.3f} s, "
              f"ratio {med_p / med_b:.2f}")
        print(f"throughput: {args.m} queued runs, 1 worker process x {args.k} threads: {total:.2f} s, "
              f"{args.m / total:.2f} runs/s (outcomes: {sorted(o or '?' for o in outcomes)})")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
