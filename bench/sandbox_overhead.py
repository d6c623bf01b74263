"""Sandbox overhead: caseportal's runs against bare `docker run --rm` of the same image and command.

    .venv/bin/python bench/sandbox_overhead.py [--n 15] [--runs 200] [--threads 1,2,4] [--rounds 4] [--data-n 5]
    .venv/bin/python bench/sandbox_overhead.py --quick      # a smaller run of every part (about two minutes)

Prints, from one process and one machine state, each against a baseline measured in the same run:
  * latency: the median of N trivial runs from the warm pool (``sandbox.run``) against N bare
    `docker run --rm IMAGE COMMAND` (target ratio <= 0.5), and the whole path (enqueue -> worker -> result
    stored) for the same runs;
  * throughput: RUNS queued trivial runs drained by one worker process with 1, 2 and 4 threads, against a loop
    of RUNS bare `docker run --rm` with the same parallelism (target ratio >= 0.9). The two take turns in
    ROUNDS rounds, and a caseportal round ends when the worker has also removed its used containers and
    refilled its pool, the engine work that `docker run --rm` does before it returns;
  * a data case's reference solution through the pool against bare `docker run` of the same command on the
    same files with the same CPU and memory limits (target ratio <= 1.10), from bench/data_run.py.
Both sides of the trivial figures run the same check (a command that writes a passing results.json).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

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
from caseportal.services.employers import default_employer  # noqa: E402
from caseportal.services.runs import files_digest  # noqa: E402

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
    (case / "checks" / "judge").mkdir(exist_ok=True)
    (case / "checks" / "judge" / "test_ok_judge.py").write_text("def test_judge():\n    assert False\n")


def bare_once(image: str) -> float:
    t = time.perf_counter()
    subprocess.run(["docker", "run", "--rm", "--network", "none", "--tmpfs", "/out:uid=65534,gid=65534",
                    image, *COMMAND], check=True, capture_output=True)
    return time.perf_counter() - t


def bare_docker(image: str, n: int) -> list[float]:
    return [bare_once(image) for _ in range(n)]


def pool_latency(settings: Settings, image: str, n: int) -> tuple[list[float], list[float], str]:
    """``n`` runs of the bench case's spec through ``sandbox.run`` with a warm pool installed in this process, each
    followed by a bare `docker run`, so that both sides see the same load on a shared machine."""
    from caseportal.case_runs import spec_for
    from caseportal.casebook import load_library
    from sandbox import pool as sandbox_pool
    from sandbox import run

    case = load_library(settings.cases_dir).get("bench-trivial")
    assert case is not None
    spec = spec_for(case, {"main.py": b"print('hi')\n"}, "visible", image_ref=image)
    warm = sandbox_pool.Pool(2).start()
    sandbox_pool.install(warm)
    times, bare = [], []
    try:
        warm.warm(spec)
        for _ in range(n):
            warm.ready(60)
            time.sleep(0.05)  # the refiller's container is started, as it would be between two presses
            t = time.perf_counter()
            result = run(spec)
            times.append(time.perf_counter() - t)
            assert result.outcome == "passed", result
            warm.ready(60)  # the refill and the removal are done before the bare run starts
            bare.append(bare_once(image))
    finally:
        sandbox_pool.install(None)
        warm.close()
    return times, bare, f"{warm.stats.hits} of {n} from the pool"


def seed(db: Database, count: int) -> list[int]:
    with db.begin() as s:
        role = JobRole(title="Bench", employer_id=default_employer(s).id)
        meeting = Meeting(candidate_name="Bench", candidate_email="b@example.org", job_role=role)
        meeting.cases.append(MeetingCase(case_slug="bench-trivial"))
        s.add(meeting)
        s.flush()
        sub = Submission(meeting_id=meeting.id, case_slug="bench-trivial", case_version="bench")
        sub.files.append(SubmissionFile(path="main.py", content=b"print('hi')\n", size=12, sha256=""))
        s.add(sub)
        s.flush()
        # Practice runs ("Run checks"), made directly: the service keeps one waiting per submission.
        digest = files_digest(sub.file_map())
        made = [Run(submission_id=sub.id, kind=RunKind.CHECK, status=RunStatus.QUEUED, files_sha256=digest)
                for _ in range(count)]
        s.add_all(made)
        s.flush()
        return [r.id for r in made]


def wait_done(db: Database, ids: list[int], timeout: float = 600, poll_s: float = 0.1) -> None:
    """Wait until every run in ``ids`` is done, with one cheap query per poll.

    The bench runs on the machine it measures: polling each run by id (200 queries every 20 ms) once took half a
    core from the worker being measured, which the bare loop never pays.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with db.begin() as s:
            left = s.scalar(select(func.count()).select_from(Run).where(
                Run.id.in_(ids), Run.status.not_in([RunStatus.DONE, RunStatus.ERROR])))
        if not left:
            return
        time.sleep(poll_s)
    raise TimeoutError("runs did not finish")


def start_worker(settings: Settings, k: int, log: Path, pool_size: int) -> subprocess.Popen[bytes]:
    env = dict(os.environ, CASEPORTAL_INSTANCE=str(settings.instance_path), CASEPORTAL_SANDBOX_POOL_SIZE=str(pool_size),
               CASEPORTAL_DATABASE_URL=settings.database_url, CASEPORTAL_QUEUE_URL=settings.queue_url,
               CASEPORTAL_CASES_DIR=str(settings.cases_dir), CASEPORTAL_SECRET_KEY=settings.secret_key,
               CASEPORTAL_LOG_LEVEL="WARNING")
    return subprocess.Popen([sys.executable, "-m", "caseportal.cli", "worker", "--workers", str(k)], env=env,
                            stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True)


def settle(pid: int, image: str, pool_size: int, timeout: float = 120) -> None:
    """Until the worker ``pid`` has removed its used sandboxes and holds ``pool_size`` warm ones of ``image`` again.

    The pool removes used containers and refills itself after the results are stored; that engine work belongs
    to caseportal's runs, so a round's clock stops only here, not when the last result is in.
    """
    import docker

    client = docker.from_env()
    wanted = {"label": [f"caseportal.worker.pool-pid={pid}"]}
    deadline = time.monotonic() + timeout
    states: list[str] = []
    try:
        while time.monotonic() < deadline:
            states = [str(c.get("State")) for c in client.api.containers(all=True, filters=wanted)
                      if c.get("Image") == image]
            if states == ["running"] * pool_size:
                return
            time.sleep(0.05)
    finally:
        client.close()
    raise TimeoutError(f"the worker's pool did not settle: {states}")


def process_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far, all its threads, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Throughput:
    """One throughput figure: runs per second on each side, and the CPU each side's own process spent per run
    (the worker process against the `docker` CLI processes); the engine's share is the same work on both."""

    portal_rate: float
    bare_rate: float
    outcomes: set[str]
    worker_cpu_ms: float
    cli_cpu_ms: float


def throughput(settings: Settings, db: Database, image: str, k: int, runs: int, pool_size: int, rounds: int,
               log: Path) -> Throughput:
    """Runs per second of caseportal (queued runs drained by one worker process with ``k`` threads) and of bare
    `docker run --rm` with the same parallelism, taken in alternating rounds so that both see the same load."""
    queue = build_queue(settings, db)
    worker = start_worker(settings, k, log, pool_size)
    portal_s = bare_s = worker_cpu = cli_cpu = 0.0
    outcomes: set[str] = set()
    try:
        warm = seed(db, k)  # the worker's first runs are cold and teach its pool the runtime
        for i in warm:
            queue.enqueue_run(i)
        wait_done(db, warm)
        settle(worker.pid, image, pool_size)
        for n in [runs // rounds + (1 if r < runs % rounds else 0) for r in range(rounds)]:
            ids = seed(db, n)
            t, cpu = time.perf_counter(), process_cpu_s(worker.pid)
            for run_id in ids:
                queue.enqueue_run(run_id)
            wait_done(db, ids)
            settle(worker.pid, image, pool_size)
            portal_s += time.perf_counter() - t
            worker_cpu += process_cpu_s(worker.pid) - cpu
            with db.begin() as s:
                outcomes |= {s.get(Run, i).outcome or "?" for i in ids}  # type: ignore[union-attr]
            t, cpu = time.perf_counter(), children_cpu_s()
            with ThreadPoolExecutor(max_workers=k) as ex:
                list(ex.map(lambda _: bare_once(image), range(n)))
            bare_s += time.perf_counter() - t
            cli_cpu += children_cpu_s() - cpu
    finally:
        os.killpg(worker.pid, signal.SIGINT)
        worker.wait(60)
    return Throughput(runs / portal_s, runs / bare_s, outcomes, 1000 * worker_cpu / runs, 1000 * cli_cpu / runs)


def portal_latency(settings: Settings, db: Database, image: str, n: int, log: Path) -> tuple[list[float], list[float]]:
    """Enqueue -> worker (warm pool) -> result stored, one run at a time, each followed by a bare `docker run`."""
    queue = build_queue(settings, db)
    worker = start_worker(settings, 1, log, 2)
    try:
        warm = seed(db, 2)
        for i in warm:
            queue.enqueue_run(i)
        wait_done(db, warm)
        portal, bare = [], []
        for run_id in seed(db, n):
            time.sleep(0.5)  # as between two presses: the pool has refilled
            t = time.perf_counter()
            queue.enqueue_run(run_id)
            wait_done(db, [run_id], poll_s=0.01)
            portal.append(time.perf_counter() - t)
            time.sleep(0.5)
            bare.append(bare_once(image))
    finally:
        os.killpg(worker.pid, signal.SIGINT)
        worker.wait(60)
    return portal, bare


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=15, help="runs for the latency comparison")
    ap.add_argument("--runs", type=int, default=200, help="queued runs for each throughput figure")
    ap.add_argument("--threads", default="1,2,4", help="worker threads (and bare parallelism) to measure")
    ap.add_argument("--pool-size", type=int, default=0,
                    help="the worker's pool size for throughput (0: as many as its threads, at least 2)")
    ap.add_argument("--rounds", type=int, default=4,
                    help="throughput: caseportal and bare take turns in this many rounds (the load moves)")
    ap.add_argument("--data-n", type=int, default=5, help="runs of the data case on each side (0 skips it)")
    ap.add_argument("--data-case", default="subscription-churn", help="the data case for the last figure")
    ap.add_argument("--quick", action="store_true", help="--n 5 --runs 20 --threads 1,2 --data-n 1")
    args = ap.parse_args()
    if args.quick:
        args.n, args.runs, args.threads, args.data_n = 5, 20, "1,2", 1
    threads = [int(k) for k in args.threads.split(",") if k.strip()]

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

        bare_docker(image, 2)  # warm the engine's caches for both sides alike
        print(f"image: {image}; {os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f} at the start")
        if args.n:
            pooled, bare, hits = pool_latency(settings, image, args.n)
            med_w, med_b = statistics.median(pooled), statistics.median(bare)
            print(f"latency, median of {args.n}: warm pool {med_w:.3f} s ({hits}), bare docker run {med_b:.3f} s, "
                  f"ratio {med_w / med_b:.2f} (target <= 0.5)")
            portal, bare = portal_latency(settings, db, image, args.n, tmp / "worker-latency.log")
            med_p, med_b = statistics.median(portal), statistics.median(bare)
            print(f"  whole path (enqueue -> worker -> result stored) {med_p:.3f} s, bare docker run {med_b:.3f} s, "
                  f"ratio {med_p / med_b:.2f}")
        for k in threads:
            size = args.pool_size or max(2, k)
            got = throughput(settings, db, image, k, args.runs, size, args.rounds, tmp / f"worker-{k}.log")
            print(f"throughput, {args.runs} runs in {args.rounds} rounds, {k} thread(s): caseportal "
                  f"{got.portal_rate:.2f} runs/s (pool {size}), bare docker run {got.bare_rate:.2f} runs/s, ratio "
                  f"{got.portal_rate / got.bare_rate:.2f} (target >= 0.9); outcomes {sorted(got.outcomes)}; CPU per "
                  f"run: worker process {got.worker_cpu_ms:.0f} ms, docker CLI {got.cli_cpu_ms:.0f} ms")
        if args.data_n:
            from data_run import compare

            compare(args.data_case, args.data_n)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
