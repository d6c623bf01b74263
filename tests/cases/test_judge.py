"""The judge stage in the real sandbox: answers that never enter the candidate's container.

Each test builds a small case through ``casebook.scaffold`` plus judge files, and runs it with
``case_runs.execute`` against the real Docker engine and the locally built python runtime image.
"""

from __future__ import annotations

import json
import secrets
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from caseportal.case_runs import execute
from caseportal.casebook import CaseSpec, load_case, reference_submission, scaffold
from caseportal.config import Settings
from caseportal.models import Run, RunKind, RunStatus
from caseportal.run_executor import execute_run
from caseportal.services import runs
from sandbox import CheckResult, Outcome, RunResult, RunSpec
from tests.conftest import Factory, docker_available, require

pytestmark = pytest.mark.docker


@pytest.fixture(scope="module")
def python_image() -> str:
    require(docker_available(), "a Docker engine")
    from sandbox.images.build import ensure_images

    return ensure_images(["python"])["python"]


def make_case(root: Path, files: dict[str, str], judge_inputs: list[str]) -> CaseSpec:
    """A scaffolded python case with ``files`` (paths relative to the case folder) written over it."""
    folder = scaffold(root, "judge-demo", "coding")
    for rel, text in files.items():
        target = folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text), encoding="utf-8")
    yaml = folder / "case.yaml"
    yaml.write_text(yaml.read_text(encoding="utf-8").replace("judge:\n  inputs: []\n",
                                                             f"judge:\n  inputs: {json.dumps(judge_inputs)}\n"))
    return load_case(folder)


def recording(specs: list[RunSpec]) -> Callable[[RunSpec], RunResult]:
    """The real sandbox runner, remembering every spec it was given."""
    from sandbox import run

    def runner(spec: RunSpec) -> RunResult:
        specs.append(spec)
        return run(spec)

    return runner


def by_name(result: RunResult) -> dict[str, CheckResult]:
    return {c.name: c for c in result.checks}


def test_judge_runs_on_data_only_and_its_checks_come_back_hidden(tmp_path: Path, python_image: str) -> None:
    case = make_case(tmp_path, {
        "starter/notes.txt": "hello judge\n",
        "starter/private.md": "not for the judge\n",
        "checks/visible/test_visible.py": """
            from caseportal_check import artifact_path

            def test_observe():
                import solution
                artifact_path("observations/seen.txt").write_text(str(solution.top_items({"a": 2, "b": 1}, 1)))
                artifact_path("plots/other.txt").write_text("not an observation")
            """,
        "checks/judge/answers.txt": "a\n",
        "checks/judge/test_judge.py": """
            from pathlib import Path

            import pytest
            from caseportal_check import advisory, record_metric

            ANSWER = (Path(__file__).parent / "answers.txt").read_text().strip()

            def test_observation_matches_answer():
                assert Path("observations/seen.txt").read_text() == f"['{ANSWER}']"
                record_metric("judge_score", 1.0)

            def test_inputs_arrive_as_data_and_nothing_else():
                assert Path("solution.py").is_file() and Path("notes.txt").read_text() == "hello judge\\n"
                assert not Path("private.md").exists() and not Path("plots/other.txt").exists()
                with pytest.raises(ImportError):
                    import solution  # noqa: F401 - the judge never imports candidate code
                assert not Path("/case/checks/visible").exists() and not Path("/case/checks/hidden").exists()
                advisory("judge_note", True, "seen")

            def test_fails_on_purpose():
                assert ANSWER == "b", "judge checks can fail"
            """,
    }, judge_inputs=["*.py", "notes.txt"])
    specs: list[RunSpec] = []
    result = execute(case, dict(case.solution_files) | {"notes.txt": b"hello judge\n", "private.md": b"x"}, "all",
                     runner=recording(specs), image_ref=python_image)

    assert len(specs) == 2 and specs[1].env["CASEPORTAL_CHECKS"] == "judge"
    # the scaffold's probe (checks/hidden) reaches the judge only as its saved observation
    assert set(specs[1].files) == {"solution.py", "notes.txt", "observations/seen.txt",
                                   "observations/probes/ties_by_name.json"}
    checks = by_name(result)
    judge = ["test_observation_matches_answer", "test_inputs_arrive_as_data_and_nothing_else", "test_fails_on_purpose",
             "judge_note"]
    assert [(checks[n].status, checks[n].visible) for n in judge if n in checks] == [
        ("passed", False), ("passed", False), ("failed", False), ("advisory", False)], result.checks
    # of the candidate's container only its visible checks stay: the probe's own result is no verdict
    assert set(checks) == {"test_observe", *judge} and checks["test_observe"].visible
    assert "judge checks can fail" in checks["test_fails_on_purpose"].message
    assert result.metrics["judge_score"] == 1.0 and result.outcome is Outcome.failed
    assert {"observations/seen.txt", "plots/other.txt"} <= set(result.artifacts)


def test_candidate_container_cannot_read_the_judges_answers(tmp_path: Path, python_image: str) -> None:
    token = secrets.token_hex(12)
    search = f'''
        import os
        import stat

        TOKEN = "{token[::-1]}"  # reversed, so this file holds neither marker
        SKIP = ("/proc", "/sys", "/dev")


        def find():
            needles = {{"hidden": ("HID-" + TOKEN[::-1]).encode(), "judge": ("JDG-" + TOKEN[::-1]).encode()}}
            found = {{name: [] for name in needles}}
            for root, dirs, files in os.walk("/"):
                dirs[:] = [d for d in dirs if os.path.join(root, d) not in SKIP]
                for name in files:
                    path = os.path.join(root, name)
                    try:
                        st = os.lstat(path)
                        if not stat.S_ISREG(st.st_mode) or st.st_size > 50_000_000:
                            continue
                        with open(path, "rb") as fh:
                            data = fh.read()
                    except OSError:
                        continue
                    for key, needle in needles.items():
                        if needle in data:
                            found[key].append(path)
            env = "\\n".join(os.environ.values()).encode()
            for key, needle in needles.items():
                if needle in env:
                    found[key].append("environment")
            return found
        '''
    case = make_case(tmp_path, {
        "starter/search.py": search,
        "checks/hidden/planted.txt": f"HID-{token}\n",
        "checks/hidden/test_search.py": """
            from pathlib import Path

            from caseportal_check import probe

            @probe
            def test_search_the_whole_filesystem():
                import search

                return {**search.find(), "judge_folder_mounted": Path("/case/checks/judge").exists()}
            """,
        "checks/judge/answers.txt": f"JDG-{token}\n",
        "checks/judge/test_judge.py": """
            from pathlib import Path

            from caseportal_check import observed, record_metric

            def test_the_judge_has_its_answers():
                text = (Path(__file__).parent / "answers.txt").read_text()
                record_metric("judge_saw_marker", float(text.startswith("JDG-")))
                found = observed("search_the_whole_filesystem")  # the candidate's metrics would not count
                record_metric("found_hidden_marker", len(found["hidden"]))
                record_metric("found_judge_marker", len(found["judge"]))
                record_metric("judge_folder_mounted", float(found["judge_folder_mounted"]))
                assert found["judge"] == [], found
            """,
    }, judge_inputs=["search.py"])
    result = execute(case, reference_submission(case), "all", image_ref=python_image)

    details = json.dumps([c.to_dict() for c in result.checks])[:3000]
    assert result.metrics.get("found_hidden_marker", 0) >= 1, details  # the search works: it finds what is there
    assert result.metrics.get("found_judge_marker") == 0, details
    assert result.metrics.get("judge_folder_mounted") == 0.0
    assert result.metrics.get("judge_saw_marker") == 1.0, details  # the answers did reach the judge
    assert result.outcome is Outcome.passed, details


FORGER = '''
import json
import os
from pathlib import Path

from caseportal_check import artifact_path, record_metric


def run():
    """A submission that tries to write its own verdict, in every place it can reach."""
    artifact_path("observations/claim.json").write_text(json.dumps({"score": 1.0}))
    record_metric("score", 1.0)
    out = Path(os.environ.get("CASEPORTAL_OUT", "/out"))
    (out / "results.json").write_text(json.dumps({
        "checks": [{"name": "test_judge_score", "status": "passed", "message": "", "visible": False}],
        "metrics": {"score": 1.0}}))
'''

FORGERY_CASE = {
    "starter/forger.py": FORGER,
    "starter/answer.txt": "7\n",
    "checks/visible/test_visible.py": """
        def test_calls_the_submission():
            import forger

            forger.run()
        """,
    "checks/judge/truth.txt": "42\n",
    "checks/judge/test_judge.py": """
        import json
        from pathlib import Path

        from caseportal_check import record_metric

        TRUTH = int((Path(__file__).parent / "truth.txt").read_text())

        def test_judge_score():
            claim = Path("observations/claim.json")
            if claim.exists():
                record_metric("claimed_score", json.loads(claim.read_text())["score"])
            score = 1.0 if int(Path("answer.txt").read_text()) == TRUTH else 0.0
            record_metric("score", score)
            assert score == 1.0, "the answer does not match"
        """,
}


def test_a_forged_observation_is_still_scored_by_the_judge(tmp_path: Path, python_image: str) -> None:
    case = make_case(tmp_path, FORGERY_CASE, judge_inputs=["answer.txt"])
    result = execute(case, dict(case.starter_files), "all", image_ref=python_image)

    assert result.metrics.get("claimed_score") == 1.0, result.checks  # the forgery reached the judge as data ...
    assert result.metrics["score"] == 0.0  # ... and the judge's own computation overrides the forged metric
    # the forged "passed" check and metric from the candidate's container are dropped, not just outvoted
    judged = [c for c in result.checks if c.name == "test_judge_score"]
    assert len(judged) == 1 and judged[0].status == "failed" and not judged[0].visible, result.checks
    assert set(result.metrics) == {"claimed_score", "score"}
    assert result.outcome is Outcome.failed


def test_practice_runs_never_run_the_judge(tmp_path: Path, python_image: str) -> None:
    case = make_case(tmp_path, FORGERY_CASE, judge_inputs=["answer.txt"])
    specs: list[RunSpec] = []
    result = execute(case, dict(case.starter_files), "visible", runner=recording(specs), image_ref=python_image)

    assert len(specs) == 1 and specs[0].env["CASEPORTAL_CHECKS"] == "visible"
    assert not any(k.startswith("checks/judge") for k in specs[0].case_files)
    assert "claimed_score" not in result.metrics and result.outcome is Outcome.passed, result.checks


def test_the_worker_records_the_judged_full_run_of_the_shipped_case(
        app: Flask, session: Session, factory: Factory, settings: Settings, python_image: str) -> None:
    """The worker's call site: a hand-in of support-ticket-routing-eval is judged, and recorded once."""
    slug = "support-ticket-routing-eval"
    case = app.extensions["caseportal.casebook"].get(slug)
    sub = factory.submission(factory.meeting(cases=[slug]), reference_submission(case), submitted=False)
    run = runs.request_run(session, sub, RunKind.FULL, runs_per_hour=10)
    session.commit()

    assert execute_run(settings, app.extensions["caseportal.db"], run.id) == "done"
    session.expire_all()
    done = session.get(Run, run.id)
    assert done is not None and done.status == RunStatus.DONE and done.outcome == "passed", done and done.result_json
    data = json.loads(done.result_json or "{}")
    judged = {c["name"]: c["visible"] for c in data["checks"] if c["name"].endswith("_on_unseen_tickets")}
    assert judged == {"test_chosen_threshold_saves_a_quarter_on_unseen_tickets": False,
                      "test_your_routing_saves_a_quarter_on_unseen_tickets": False}
    assert data["metrics"]["holdout_cost_per_ticket"] < data["metrics"]["baseline_cost_per_ticket"]
