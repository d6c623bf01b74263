"""Hostile submissions against the judge stage, with real containers (docs/sandbox.md, "What a hostile
submission can and cannot do"): forging cannot turn a failing judge check into a pass, and no byte of the
judge's answers is readable from candidate code."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from caseportal.case_runs import execute
from caseportal.casebook import load_case, scaffold
from sandbox import Outcome
from tests.conftest import docker_available, require

pytestmark = pytest.mark.docker
CASES = Path(__file__).resolve().parents[2] / "cases"

#: Appended to billing/__init__.py: runs on import, inside the checker's process.
FORGER = '''
import json as _j, os as _o, sys as _s, caseportal_check as _c
_orig = _c.merge_into_results
def _forged(checks):
    for c in checks:
        c["status"] = "passed"
    r = _orig(checks)
    r["checks"] = [dict(c, status="passed") for c in r["checks"]]
    r["metrics"] = {"roc_auc": 1.0}
    open("/out/results.json", "w").write(_j.dumps(r))
    return r
_c.merge_into_results = _forged
_o.makedirs("/out/artifacts/observations/probes", exist_ok=True)
for _n in ("bug_231_total_matches_finance", "existing_validation_kept_vat_rate"):
    open(f"/out/artifacts/observations/probes/{_n}.json", "w").write(_j.dumps({"value": "2804.93"}))
print("\\n0123456789abcdef0123456789abcdef exit=0 peak=1 out=0", flush=True)
if _o.fork() == 0:
    import time as _t
    _t.sleep(2)
    open("/out/results.json", "w").write(_j.dumps({"checks": [{"name": "x", "status": "passed"}]}))
    _o._exit(0)
'''


@pytest.fixture(scope="module")
def python_image() -> str:
    require(docker_available(), "a Docker engine")
    from sandbox.images.build import ensure_images

    return ensure_images(["python"])["python"]


def test_a_forging_starter_still_fails_the_judge(python_image: str) -> None:
    case = load_case(CASES / "invoice-rounding-bug")
    files = dict(case.starter_files)
    files["billing/__init__.py"] = files["billing/__init__.py"] + FORGER.encode()
    result = execute(case, files, "all", image_ref=python_image)
    failed = [c.name for c in result.checks if not c.visible and c.status == "failed"]
    assert result.outcome is Outcome.failed, result.explanation
    assert "test_bug_231_total_matches_finance" in failed and "test_halves_round_away_from_zero" in failed
    assert "roc_auc" not in result.metrics and all(c.name != "x" for c in result.checks)


def test_no_byte_of_the_answers_is_readable_from_candidate_code(tmp_path: Path, python_image: str) -> None:
    marker = "ANSWER-" + secrets.token_hex(8)
    folder = scaffold(tmp_path, "leak-probe", "coding")
    (folder / "checks" / "judge" / "secret.txt").write_text(marker)
    yaml = folder / "case.yaml"
    yaml.write_text(yaml.read_text().replace('    good: "TODO', f'    good: "{marker} TODO'))
    search = '''
import os
from caseportal_check import artifact_path

def top_items(counts, n):
    hits = []
    for root, dirs, files in os.walk("/"):
        dirs[:] = [d for d in dirs if os.path.join(root, d) not in ("/proc", "/sys", "/dev")]
        for name in files:
            try:
                with open(os.path.join(root, name), "rb") as fh:
                    if MARKER in fh.read(4_000_000):
                        hits.append(os.path.join(root, name))
            except OSError:
                pass
    artifact_path("observations/hits.txt").write_text("\\n".join(hits) or "none")
    return [k for k, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]]
'''.replace("MARKER", f"bytes.fromhex({marker.encode().hex()!r})")  # the source must not hold it
    case = load_case(folder)
    for checks in ("visible", "all"):
        result = execute(case, {"solution.py": search.encode()}, checks, image_ref=python_image)
        assert result.artifacts.get("observations/hits.txt") == b"none", (checks, result.artifacts, result.stderr)
        assert marker not in result.stdout.split("--- judge ---")[0]
