"""Where a data case's run goes: the reference solution through the warm pool against bare `docker run`, and the
run phase by phase.

    .venv/bin/python bench/data_run.py [--case subscription-churn] [--n 3] [--phases]

``compare`` (also called by bench/sandbox_overhead.py) runs the case's reference solution, candidate stage with
all checks, through ``sandbox.run`` with a warm pool, and the same command on the same files with bare
`docker run --rm` under the same CPU and memory limits (files bind-mounted instead of streamed in).
``--phases`` splits one run: the container (cold start against a warm claim), the notebook (libraries, kernel
start, first cell with the imports, the other cells, the HTML export), the checks (cp-pytest), the judge
stage, and recording the result in the database.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from caseportal.case_runs import judge_spec_for, spec_for  # noqa: E402
from caseportal.casebook import CaseSpec, load_library, reference_submission  # noqa: E402
from sandbox import RunResult, RunSpec, run  # noqa: E402
from sandbox import pool as sandbox_pool  # noqa: E402
from sandbox.engine import FIXED_ENV  # noqa: E402

#: Runs the notebook the way cp-notebook does, with a clock around each step (printed as "phase <name> <s>").
PROBE = '''
import time, sys
T = time.perf_counter
t = T(); import nbformat; from nbclient import NotebookClient; from nbconvert import HTMLExporter
print("phase libraries", T() - t)
nb = nbformat.read("analysis.ipynb", as_version=4)
client = NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": "/work"}})
t = T()
with client.setup_kernel():
    print("phase kernel-start", T() - t)
    code = [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    t = T(); client.execute_cell(code[0][1], code[0][0]); print("phase first-cell-imports", T() - t)
    t = T()
    for i, c in code[1:]:
        client.execute_cell(c, i)
    print("phase other-cells", T() - t)
t = T(); HTMLExporter().from_notebook_node(nb); print("phase html-export", T() - t)
'''


def load(slug: str) -> tuple[CaseSpec, dict[str, bytes], str]:
    from sandbox.images.build import ensure_images

    case = load_library(ROOT / "cases").get(slug)
    if case is None:
        raise SystemExit(f"no case {slug!r}")
    return case, dict(reference_submission(case)), ensure_images([case.runtime])[case.runtime]


def bare_run(spec: RunSpec) -> float:
    """The spec's command with bare `docker run --rm`: files bind-mounted, same CPU and memory limits."""
    tmp = Path(tempfile.mkdtemp(prefix="caseportal-bare-"))
    try:
        for folder, files in (("work", spec.files), ("case", spec.case_files)):
            for name, blob in files.items():
                target = tmp / folder / name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(blob)
        (tmp / "work").mkdir(exist_ok=True)
        (tmp / "work").chmod(0o777)
        env = {"CASEPORTAL_CHECKS": "visible", **spec.env, **FIXED_ENV}
        cmd = ["docker", "run", "--rm", "--network", "none", "--cpus", str(spec.limits.cpus),
               "--memory", f"{spec.limits.memory_mb}m", "--user", "65534:65534", "-w", "/work",
               "-v", f"{tmp / 'work'}:/work", "-v", f"{tmp / 'case'}:/case:ro",
               "--tmpfs", "/out:uid=65534,gid=65534", "--tmpfs", "/tmp:mode=1777",
               *(arg for k, v in env.items() for arg in ("-e", f"{k}={v}")), spec.image, *spec.command]
        t = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        return time.perf_counter() - t
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def pooled_runs(spec: RunSpec, n: int) -> tuple[list[float], list[RunResult], str]:
    warm = sandbox_pool.Pool(1).start()
    sandbox_pool.install(warm)
    times, results = [], []
    try:
        warm.warm(spec)
        for _ in range(n):
            warm.ready(120)
            t = time.perf_counter()
            results.append(run(spec))
            times.append(time.perf_counter() - t)
    finally:
        sandbox_pool.install(None)
        warm.close()
    return times, results, f"{warm.stats.hits} of {n} from the pool"


def compare(slug: str, n: int) -> None:
    """Pool and bare runs taken in turns, so that both sides see the same load on a shared machine."""
    case, files, image = load(slug)
    spec = spec_for(case, files, "all", image_ref=image)
    pooled, bare = [], []
    for _ in range(n):
        times, results, _ = pooled_runs(spec, 1)
        assert results[0].outcome == "passed", results[0].explanation
        pooled.append(times[0])
        bare.append(bare_run(spec))
    med_p, med_b = statistics.median(pooled), statistics.median(bare)
    print(f"data case {slug} (reference solution, all checks, candidate stage), median of {n}: warm pool "
          f"{med_p:.2f} s, bare docker run {med_b:.2f} s, ratio {med_p / med_b:.2f} (target <= 1.10)")


def _phase_lines(result: RunResult) -> dict[str, float]:
    return {p[1]: float(p[2]) for p in (line.split() for line in result.stdout.splitlines())
            if len(p) == 3 and p[0] == "phase"}


def phases(slug: str) -> None:
    """One data run, split into its phases (each measured in the same process, one after another)."""
    from dataclasses import replace

    case, files, image = load(slug)
    spec = spec_for(case, files, "all", image_ref=image)
    trivial = replace(spec, command=("true",))
    t = time.perf_counter()
    run(trivial)
    cold = time.perf_counter() - t
    warm_t, _, _ = pooled_runs(trivial, 1)
    rows: list[tuple[str, float]] = [("container: cold create + start + remove (trivial command)", cold),
                                     ("container: warm claim + remove (trivial command)", warm_t[0])]
    probe = run(replace(spec, command=("python3", "probe.py"), files={**spec.files, "probe.py": PROBE.encode()}))
    rows += [(f"notebook: {name}", secs) for name, secs in _phase_lines(probe).items()]
    checks = run(replace(spec, command=("cp-pytest",)))
    rows.append(("checks: cp-pytest (visible + hidden)", checks.duration_s))
    t = time.perf_counter()
    whole = run(spec)
    rows.append(("candidate stage as shipped (notebook + checks), cold", time.perf_counter() - t))
    if case.has_judge:
        t = time.perf_counter()
        run(judge_spec_for(case, files, whole.artifacts, image))
        rows.append(("judge stage, cold", time.perf_counter() - t))
    rows.append(("recording the result (SQLite)", _record_time(whole)))
    print(f"phases of a data run ({slug}, reference solution):")
    for name, secs in rows:
        print(f"  {name:<58} {secs:6.2f} s")


def _record_time(result: RunResult) -> float:
    """``services.runs.record`` of this result (artifacts included) in a throw-away SQLite database."""
    from alembic import command
    from sandbox_overhead import seed

    from caseportal.config import Settings
    from caseportal.db import Database
    from caseportal.migrate import alembic_config
    from caseportal.services import runs
    from caseportal.worker_identity import worker_name

    tmp = Path(tempfile.mkdtemp(prefix="caseportal-bench-"))
    try:
        settings = Settings.for_tests(tmp)
        command.upgrade(alembic_config(settings.database_url), "head")
        db = Database(settings.database_url)
        (run_id,) = seed(db, 1)
        with db.begin() as s:
            token = runs.claim(s, run_id, worker_name(), 300)
        assert token is not None
        t = time.perf_counter()
        with db.begin() as s:
            runs.record(s, run_id, token, result)
        return time.perf_counter() - t
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--case", default="subscription-churn")
    ap.add_argument("--n", type=int, default=3, help="runs on each side of the comparison (0 skips it)")
    ap.add_argument("--phases", action="store_true", help="also split one run into its phases")
    args = ap.parse_args()
    if args.n:
        compare(args.case, args.n)
    if args.phases:
        phases(args.case)


if __name__ == "__main__":
    main()
