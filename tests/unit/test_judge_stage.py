"""The judge stage without Docker: what the judge is given, how two stages merge, what the validator allows."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from caseportal.case_runs import check_case, execute, judge_spec_for, judge_work_files, merge_judge
from caseportal.casebook import case_files_for_judge, case_files_for_run, load_case, scaffold, validate
from sandbox import CheckResult, Outcome, RunResult, RunSpec

CASES = Path(__file__).resolve().parents[2] / "cases"
SLUG = "support-ticket-routing-eval"


def judged_case(root: Path, inputs: str = '["answer.txt", "eval/*.py"]') -> Path:
    folder = scaffold(root, "judged", "coding")
    (folder / "starter" / "answer.txt").write_text("7\n")
    (folder / "starter" / "eval").mkdir()
    (folder / "starter" / "eval" / "score.py").write_text("X = 1\n")
    for old in (folder / "checks" / "judge").iterdir():
        old.unlink()
    (folder / "checks" / "judge" / "test_judge.py").write_text("def test_j():\n    pass\n")
    (folder / "checks" / "judge" / "answers.csv").write_text("id,label\n1,a\n")
    set_judge_inputs(folder, inputs)
    return folder


def set_judge_inputs(folder: Path, inputs: str) -> None:
    """Replace the scaffold's ``judge.inputs`` (every automated case has a judge block)."""
    yaml = folder / "case.yaml"
    yaml.write_text(yaml.read_text().replace("judge:\n  inputs: []\n", f"judge:\n  inputs: {inputs}\n"))


def result(outcome: Outcome, *checks: CheckResult, **kw: Any) -> RunResult:
    return RunResult(outcome=outcome, checks=checks, **kw)


# --------------------------------------------------------------------------- casebook


def test_judge_files_never_reach_the_candidates_run(tmp_path: Path) -> None:
    case = load_case(judged_case(tmp_path))
    assert case.has_judge and case.judge_inputs == ("answer.txt", "eval/*.py")
    for checks in ("visible", "all"):
        assert not any(k.startswith("checks/judge") for k in case_files_for_run(case, checks))
    judge = case_files_for_judge(case)
    assert set(judge) == {"checks/judge/test_judge.py", "checks/judge/answers.csv"}  # never case.yaml


def test_the_judge_folder_counts_in_the_version(tmp_path: Path) -> None:
    folder = judged_case(tmp_path)
    before = load_case(folder).version
    (folder / "checks" / "judge" / "answers.csv").write_text("id,label\n1,b\n")
    assert load_case(folder).version != before


def test_validator_reports_judge_problems(tmp_path: Path) -> None:
    folder = judged_case(tmp_path, '["answr.txt"]')
    (folder / "checks" / "judge" / "test_judge.py").unlink()
    (folder / "checks" / "other").mkdir()
    (folder / "checks" / "other" / "x.txt").write_text("x")
    problems = [str(p) for p in validate(folder)]
    assert any("checks/judge: -: checks/judge/ needs at least one test_*.py" in p for p in problems), problems
    assert any("judge.inputs[0]: glob 'answr.txt' matches no file" in p for p in problems), problems
    assert any("checks/ may only hold visible/, hidden/, judge/ and lib/" in p for p in problems), problems

    shutil.rmtree(folder / "checks" / "judge")
    assert any("judge: a judge block needs checks/judge/" in str(p) for p in validate(folder))


def test_validator_refuses_a_bad_judge_block(tmp_path: Path) -> None:
    folder = judged_case(tmp_path, '"answer.txt"')
    assert any(p.field == "judge.inputs" for p in validate(folder))
    folder = judged_case(tmp_path / "b", '["/etc/passwd"]')
    assert any(p.field == "judge.inputs[0]" for p in validate(folder))


def test_reviewer_only_fields_never_enter_a_run(tmp_path: Path) -> None:
    """case.yaml carries reviewer_prompts; no stage mounts it, even for a case loaded from a stored version."""
    folder = judged_case(tmp_path)
    case = load_case(folder)
    shutil.rmtree(folder)  # a stored version is unpacked into a folder that is removed after loading
    prompt = case.reviewer_prompts[0].good.encode()
    for files in (case_files_for_judge(case), case_files_for_run(case, "all"), case_files_for_run(case, "visible")):
        assert "case.yaml" not in files and not any(prompt in blob for blob in files.values())


# --------------------------------------------------------------------------- what the judge gets


def test_judge_gets_matching_inputs_and_observations_only(tmp_path: Path) -> None:
    case = load_case(judged_case(tmp_path))
    files = {"answer.txt": b"7", "eval/score.py": b"X = 2", "eval/deep/more.py": b"", "solution.py": b"evil"}
    artifacts = {"observations/routes.json": b"{}", "plot.png": b"png", "observations/answer.txt": b"obs"}
    got = judge_work_files(case, files, artifacts)
    assert got == {"answer.txt": b"7", "eval/score.py": b"X = 2", "eval/deep/more.py": b"",
                   "observations/routes.json": b"{}", "observations/answer.txt": b"obs"}

    spec = judge_spec_for(case, files, artifacts, "img:1", labels={"caseportal.checks": "all", "x": "y"})
    assert spec.command == ("cp-pytest",) and spec.env == {"CASEPORTAL_CHECKS": "judge"}
    assert spec.labels["caseportal.checks"] == "judge" and spec.labels["x"] == "y"
    assert "solution.py" not in spec.files and set(spec.case_files) == set(case_files_for_judge(case))


def test_the_visible_advisory_and_the_judge_share_one_rule() -> None:
    """One copy of the rule, in checks/lib/, which both stages get and have on their path."""
    case = load_case(CASES / SLUG)
    assert "routing_rules.py" in case.lib_checks
    assert not any(name.endswith("routing_rules.py") for name in (*case.visible_checks, *case.judge_checks))
    assert "checks/lib/routing_rules.py" in case_files_for_judge(case)
    assert "checks/lib/routing_rules.py" in case_files_for_run(case, "visible")


def test_the_shipped_judge_case_hands_over_routing_json_and_the_analysis_only() -> None:
    case = load_case(CASES / SLUG)
    assert case.has_judge and "answers.csv" in case.judge_checks
    files = {**case.starter_files, **case.solution_files}
    assert set(judge_work_files(case, files, {})) == {"routing.json", "ANALYSIS.md"}
    assert not any("judge" in k for k in case_files_for_run(case, "all"))


# --------------------------------------------------------------------------- merging the stages


def test_merge_takes_the_verdict_and_the_metrics_from_the_judge() -> None:
    """The candidate's container may have forged anything: its hidden results and its metrics are dropped."""
    candidate = result(Outcome.passed, CheckResult("v", "passed"), CheckResult("probe", "passed", visible=False),
                       metrics={"score": 1.0, "other": 2.0}, stdout="mine", artifacts={"observations/x": b"1"})
    judge = result(Outcome.failed, CheckResult("j", "failed", "no", visible=True), CheckResult("a", "advisory"),
                   metrics={"score": 0.25}, stdout="theirs", artifacts={"table.html": b"t"})
    merged = merge_judge(candidate, judge)
    assert merged.outcome is Outcome.failed and merged.explanation == "1 of 2 checks did not pass."
    assert [(c.name, c.visible) for c in merged.checks] == [("v", True), ("j", False), ("a", False)]
    assert dict(merged.metrics) == {"score": 0.25}
    assert set(merged.artifacts) == {"observations/x", "judge/table.html"}
    assert merged.stdout == "mine\n--- judge ---\ntheirs"


def test_merge_outcomes() -> None:
    ok = CheckResult("v", "passed")
    assert merge_judge(result(Outcome.passed, ok), result(Outcome.passed, ok)).outcome is Outcome.passed
    assert merge_judge(result(Outcome.failed, CheckResult("v", "failed")),
                       result(Outcome.passed, ok)).outcome is Outcome.failed
    for stop in (Outcome.timeout, Outcome.oom, Outcome.crashed, Outcome.output_limit):
        merged = merge_judge(result(stop, explanation="stopped"), result(Outcome.passed, ok))
        assert merged.outcome is stop and merged.explanation == "stopped"
    infra = merge_judge(result(Outcome.passed, ok), result(Outcome.infra_error, explanation="engine down"))
    assert infra.outcome is Outcome.infra_error and infra.explanation == "engine down"
    crashed = merge_judge(result(Outcome.passed, ok), result(Outcome.timeout, explanation="too slow"))
    assert crashed.outcome is Outcome.failed
    assert [(c.name, c.status, c.visible) for c in crashed.checks][-1] == ("judge", "error", False)


# --------------------------------------------------------------------------- execute


def fake_runner(calls: list[RunSpec], judge: RunResult | None = None,
                candidate: RunResult | None = None) -> Callable[[RunSpec], RunResult]:
    def run(spec: RunSpec) -> RunResult:
        calls.append(spec)
        if spec.env["CASEPORTAL_CHECKS"] == "judge":
            return judge or result(Outcome.passed, CheckResult("j", "passed", visible=True))
        return candidate or result(Outcome.passed, CheckResult("v", "passed"),
                                   artifacts={"observations/o.json": b"[]"})
    return run


def test_execute_runs_the_judge_only_in_full_runs(tmp_path: Path) -> None:
    case = load_case(judged_case(tmp_path))
    calls: list[RunSpec] = []
    practice = execute(case, {"answer.txt": b"7"}, "visible", runner=fake_runner(calls), image_ref="img:1")
    assert len(calls) == 1 and [c.name for c in practice.checks] == ["v"]

    calls.clear()
    full = execute(case, {"answer.txt": b"7"}, "all", runner=fake_runner(calls), image_ref="img:1")
    assert [c.env["CASEPORTAL_CHECKS"] for c in calls] == ["all", "judge"]
    assert calls[1].image == "img:1" and set(calls[1].files) == {"answer.txt", "observations/o.json"}
    assert [(c.name, c.visible) for c in full.checks] == [("v", True), ("j", False)]


def test_execute_skips_the_judge_after_an_infra_error(tmp_path: Path) -> None:
    case = load_case(judged_case(tmp_path))
    calls: list[RunSpec] = []
    broken = result(Outcome.infra_error, explanation="engine down")
    assert execute(case, {}, "all", runner=fake_runner(calls, candidate=broken), image_ref="i") is broken
    assert len(calls) == 1


def test_every_shipped_case_with_a_runtime_has_a_judge() -> None:
    """The verdict of a full run is the judge's; a practice run never reaches it."""
    for folder in sorted(CASES.iterdir()):
        case = load_case(folder)
        if case.runtime == "none":
            continue
        assert case.has_judge, case.slug
        calls: list[RunSpec] = []
        execute(case, {}, "visible", runner=fake_runner(calls), image_ref="i")
        assert len(calls) == 1


@pytest.mark.parametrize("judge_fails, ok", [(True, True), (False, False)])
def test_check_case_counts_judge_checks_as_hidden(tmp_path: Path, judge_fails: bool, ok: bool) -> None:
    """A starter that fails only a judge check is a proven case; one that fails nothing is not."""
    case = load_case(judged_case(tmp_path))

    def run(spec: RunSpec) -> RunResult:
        starter = spec.labels["caseportal.purpose"].endswith("starter")
        if spec.env["CASEPORTAL_CHECKS"] == "judge":
            failed = starter and judge_fails
            status = "failed" if failed else "passed"
            return result(Outcome.failed if failed else Outcome.passed, CheckResult("j", status))
        return result(Outcome.passed, CheckResult("v", "passed"), CheckResult("h", "passed", visible=False))

    report = check_case(case, image_ref="x", runner=run)
    assert report.rows[0].ok and report.rows[1].ok is ok, report.rows
