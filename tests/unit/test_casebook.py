"""Fast tests of the case library (no Docker): the shipped cases, and that every kind of broken
case gives a clear problem naming the file and the field."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from caseportal import casebook
from caseportal.casebook import (
    MAX_FILE_BYTES,
    CaseError,
    case_files_for_run,
    load_case,
    load_library,
    reference_submission,
    scaffold,
    validate,
)
from caseportal.cli_cases import cases_cli

REPO = Path(__file__).resolve().parents[2]
CASES = REPO / "cases"
#: practice cases (the warm-up, issue 15) are not taster cases: tests/unit/test_practice_cases.py has their rules
PRACTICE = sorted(load_library(CASES).practice)
SHIPPED = sorted(p.name for p in CASES.iterdir()
                 if p.is_dir() and not p.name.startswith((".", "_")) and p.name not in PRACTICE)
#: cases whose data comes from a seeded generate_data.py
GENERATED = [slug for slug in SHIPPED if (CASES / slug / "generate_data.py").is_file()]


@pytest.fixture
def library(tmp_path: Path) -> Path:
    """A library root with one valid scaffolded case per kind."""
    root = tmp_path / "lib"
    root.mkdir()
    for kind in casebook.KINDS:
        scaffold(root, f"demo-{kind}", kind)
    return root


def edit_yaml(folder: Path, **changes: object) -> None:
    data = yaml.safe_load((folder / "case.yaml").read_text())
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    (folder / "case.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))


def only_problem(folder: Path) -> casebook.CaseProblem:
    problems = validate(folder)
    assert len(problems) == 1, problems
    return problems[0]


# --------------------------------------------------------------------------- shipped cases


def test_every_shipped_case_loads_at_least_two_per_kind():
    lib = load_library(CASES)
    assert lib.problems == ()
    assert sorted(c.slug for c in lib) == SHIPPED
    kinds = [c.kind for c in lib]
    assert all(kinds.count(kind) >= 2 for kind in casebook.KINDS), kinds
    assert {c.runtime for c in lib} == {"python", "datasci", "browser", "none"}


@pytest.mark.parametrize("slug", SHIPPED)
def test_shipped_case_validates(slug: str):
    assert validate(CASES / slug) == []
    case = load_case(CASES / slug)
    assert case.slug == slug
    assert 45 <= case.time_estimate_minutes <= 120
    assert "en" in case.briefs and case.briefs["en"].startswith("# ")
    assert "not an exam" in " ".join(case.briefs["en"].split())
    assert case.review_focus and case.reviewer_prompts
    if case.runtime != "none":
        assert case.visible_checks and case.judge_checks and case.solution_files


def data_and_checks(folder: Path) -> dict[str, bytes]:
    """A case's data/, checks/hidden/ and checks/judge/ files by path: what a generator writes and a run mounts."""
    case = load_case(folder)
    return {**{f"data/{k}": v for k, v in case.data_files.items()},
            **{f"checks/hidden/{k}": v for k, v in case.hidden_checks.items()},
            **{f"checks/judge/{k}": v for k, v in case.judge_checks.items()}}


@pytest.mark.parametrize("slug", SHIPPED)
def test_shipped_data_files_are_small(slug: str):
    for name, blob in data_and_checks(CASES / slug).items():
        assert len(blob) < 200_000, name


@pytest.mark.parametrize("slug", GENERATED)
def test_generated_data_is_reproducible(slug: str, tmp_path: Path):
    """generate_data.py has a fixed seed: rerunning it gives the committed bytes."""
    copy = tmp_path / slug
    shutil.copytree(CASES / slug, copy)
    import runpy

    runpy.run_path(str(copy / "generate_data.py"), run_name="__main__")
    original, again = data_and_checks(CASES / slug), data_and_checks(copy)
    assert sorted(again) == sorted(original)
    changed = sorted(name for name in original if again[name] != original[name])
    assert changed == [], f"rerunning {slug}/generate_data.py changed {changed}"


def test_validate_library_cli_passes_on_shipped_cases():
    result = CliRunner().invoke(cases_cli, ["validate", str(CASES)])
    assert result.exit_code == 0, result.output
    assert f"{len(SHIPPED)} case(s) OK" in result.output


# --------------------------------------------------------------------------- broken cases


def test_bad_yaml_reports_the_line(library: Path):
    folder = library / "demo-coding"
    (folder / "case.yaml").write_text("slug: demo-coding\ntitle: [unclosed\nkind: coding\n")
    p = only_problem(folder)
    assert p.file.endswith("demo-coding/case.yaml")
    assert "YAML syntax error" in p.message and "line " in p.message


def test_missing_field(library: Path):
    folder = library / "demo-coding"
    edit_yaml(folder, title=None)
    p = only_problem(folder)
    assert (Path(p.file).name, p.field) == ("case.yaml", "title")
    assert "required" in p.message


def test_wrong_kind(library: Path):
    folder = library / "demo-coding"
    edit_yaml(folder, kind="quiz")
    p = only_problem(folder)
    assert p.field == "kind" and "quiz" in p.message


def test_nested_field_path(library: Path):
    folder = library / "demo-coding"
    edit_yaml(folder, limits={"timeout_s": 5000, "memory_mb": 512})
    p = only_problem(folder)
    assert p.field == "limits.timeout_s"


def test_unknown_field_is_named(library: Path):
    folder = library / "demo-coding"
    edit_yaml(folder, reviewr_prompts=["typo"])
    p = only_problem(folder)
    assert p.field == "reviewr_prompts" and "unknown field" in p.message


def test_slug_mismatch(library: Path):
    folder = library / "demo-coding"
    edit_yaml(folder, slug="something-else")
    p = only_problem(folder)
    assert p.field == "slug" and "folder" in p.message


def test_missing_brief(library: Path):
    folder = library / "demo-coding"
    (folder / "brief.md").unlink()
    p = only_problem(folder)
    assert Path(p.file).name == "brief.md" and p.field == "languages"


def test_missing_translation(library: Path):
    folder = library / "demo-coding"
    edit_yaml(folder, languages=["en", "sv"],
              translations={"sv": {"title": "Demo", "summary": "En demo på svenska.", "review_focus": ["Koden"],
                                   "reviewer_prompts": [{"ask": "Vad först?", "good": "Ett exempel."}],
                                   "check_names": {"test_visible": "Den synliga kontrollen"}}})
    p = only_problem(folder)
    assert Path(p.file).name == "brief.sv.md" and "missing" in p.message


def test_editable_glob_must_match_a_starter_file(library: Path):
    folder = library / "demo-coding"
    edit_yaml(folder, submission={"editable": ["nothing/*.py"]})
    p = only_problem(folder)
    assert p.field == "submission.editable[0]"


def test_missing_judge_checks(library: Path):
    """The verdict of a full run is the judge's, so an automated case needs one; hidden probes are optional."""
    folder = library / "demo-coding"
    shutil.rmtree(folder / "checks" / "hidden")
    assert validate(folder) == []
    (folder / "checks" / "judge" / "test_judge.py").unlink()
    problems = validate(folder)
    assert any(p.file.endswith("checks/judge") and p.field == "runtime" for p in problems), problems


def test_symlink_escaping_the_folder_is_refused(library: Path, tmp_path: Path):
    folder = library / "demo-coding"
    secret = tmp_path / "secret.txt"
    secret.write_text("host secret")
    os.symlink(secret, folder / "starter" / "leak.txt")
    p = only_problem(folder)
    assert p.file.endswith("starter/leak.txt") and "outside the case folder" in p.message
    with pytest.raises(CaseError):
        load_case(folder)


def test_symlinked_directory_escaping_is_refused(library: Path, tmp_path: Path):
    folder = library / "demo-coding"
    os.symlink(tmp_path, folder / "data")
    p = only_problem(folder)
    assert p.file.endswith("/data") and "outside" in p.message


def test_oversized_file(library: Path):
    folder = library / "demo-data"
    (folder / "data").mkdir()
    (folder / "data" / "huge.csv").write_bytes(b"x" * (MAX_FILE_BYTES + 1))
    p = only_problem(folder)
    assert p.file.endswith("data/huge.csv") and "limit" in p.message


def test_every_problem_is_reported_at_once(library: Path):
    folder = library / "demo-coding"
    edit_yaml(folder, kind="quiz", slug="wrong-slug", title=None)
    (folder / "brief.md").unlink()
    with pytest.raises(CaseError) as info:
        load_case(folder)
    fields = {p.field for p in info.value.problems}
    assert {"kind", "slug", "title", "languages"} <= fields
    assert "problem(s)" in str(info.value)


def test_broken_case_does_not_stop_the_library(library: Path):
    (library / "demo-ux" / "case.yaml").write_text(":\n  - [")
    lib = load_library(library)
    assert sorted(lib.cases) == ["demo-coding", "demo-data"]
    assert len(lib.problems) == 1 and "demo-ux" in lib.problems[0].file
    assert validate(library) == list(lib.problems)


def test_folder_without_case_yaml_is_reported(library: Path):
    (library / "half-done").mkdir()
    lib = load_library(library)
    assert len(lib) == 3
    assert [p.message for p in lib.problems] == ["case.yaml is missing"]


def test_validate_cli_prints_file_field_message_and_fails(library: Path):
    edit_yaml(library / "demo-coding", kind="quiz")
    result = CliRunner().invoke(cases_cli, ["validate", str(library)])
    assert result.exit_code == 1
    assert f"{library / 'demo-coding' / 'case.yaml'}: kind: " in result.output


def test_validate_cli_uses_env_root(library: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("CASEPORTAL_CASES_DIR", str(library))
    result = CliRunner().invoke(cases_cli, ["validate"])
    assert result.exit_code == 0 and "3 case(s) OK" in result.output


# --------------------------------------------------------------------------- behaviour


def test_version_changes_when_any_file_changes(library: Path):
    folder = library / "demo-coding"
    before = load_case(folder).version
    assert load_case(folder).version == before  # stable
    (folder / "solution" / "solution.py").write_text("# changed\n")
    changed = load_case(folder).version
    assert changed != before
    (folder / "starter" / "__pycache__").mkdir()
    (folder / "starter" / "__pycache__" / "x.pyc").write_bytes(b"\0")
    assert load_case(folder).version == changed  # caches don't count


def test_case_files_for_run_hides_hidden_checks(library: Path):
    case = load_case(library / "demo-coding")
    visible = case_files_for_run(case, "visible")
    full = case_files_for_run(case, "all")
    assert "case.yaml" not in visible and "case.yaml" not in full  # reviewer prompts never enter a run
    assert "checks/visible/test_visible.py" in visible
    assert not any(k.startswith("checks/hidden/") for k in visible)
    assert "checks/hidden/test_hidden.py" in full
    assert not any(k.startswith(("solution/", "starter/")) or k == "brief.md" for k in full)
    with pytest.raises(ValueError):
        case_files_for_run(case, "hidden")  # type: ignore[arg-type]


def test_case_files_for_run_includes_data():
    case = load_case(CASES / "subscription-churn")
    files = case_files_for_run(case, "visible")
    assert "data/customers.csv" in files
    full = case_files_for_run(case, "all")
    assert "checks/hidden/holdout_features.csv" not in files and "checks/hidden/holdout_features.csv" in full
    assert not any(b"churned" in v for k, v in full.items() if k.startswith("checks/hidden/"))  # no labels


def test_reference_submission_overlays_the_starter():
    case = load_case(CASES / "api-rate-limiter")
    ref = reference_submission(case)
    assert ref["ratelimit/limiters.py"] == case.solution_files["ratelimit/limiters.py"]
    assert ref["ratelimit/clock.py"] == case.starter_files["ratelimit/clock.py"]


@pytest.mark.parametrize("kind", casebook.KINDS)
def test_scaffold_is_valid(tmp_path: Path, kind: str):
    folder = scaffold(tmp_path, "fresh-case", kind)
    assert validate(folder) == []
    case = load_case(folder)
    assert case.kind == kind and case.starter_files and case.judge_checks


def test_scaffold_refuses_bad_slug_and_existing(tmp_path: Path):
    with pytest.raises(ValueError):
        scaffold(tmp_path, "Bad Slug", "coding")
    with pytest.raises(ValueError):
        scaffold(tmp_path, "ok-slug", "quiz")
    scaffold(tmp_path, "ok-slug", "coding")
    with pytest.raises(FileExistsError):
        scaffold(tmp_path, "ok-slug", "coding")


def test_cases_new_cli(tmp_path: Path):
    result = CliRunner().invoke(cases_cli, ["new", "my-case", "--kind", "data", "--root", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert validate(tmp_path / "my-case") == []
    again = CliRunner().invoke(cases_cli, ["new", "my-case", "--kind", "data", "--root", str(tmp_path)])
    assert again.exit_code == 2


def test_case_spec_is_immutable():
    case = load_case(CASES / "invoice-rounding-bug")
    with pytest.raises(AttributeError):
        case.slug = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        case.starter_files["x"] = b""  # type: ignore[index]


def test_spec_for_builds_the_run_without_docker():
    from caseportal.case_runs import NoAutomatedChecks, spec_for

    case = load_case(CASES / "subscription-churn")
    spec = spec_for(case, {"model.py": b"x"}, "visible", image_ref="img:1")
    assert spec.image == "img:1" and spec.env["CASEPORTAL_CHECKS"] == "visible"
    assert spec.command == case.command
    assert spec.limits.timeout_s == case.limits["timeout_s"] and spec.limits.memory_mb == case.limits["memory_mb"]
    assert not any(k.startswith("checks/hidden") for k in spec.case_files)
    assert spec_for(load_case(CASES / "api-rate-limiter"), {}, "all", image_ref="i").command == ("cp-pytest",)
    with pytest.raises(NoAutomatedChecks):
        spec_for(load_case(CASES / "booking-flow-critique"), {}, image_ref="i")


def test_check_case_judges_reference_and_starter_with_a_fake_runner():
    from caseportal.case_runs import check_case
    from sandbox import CheckResult, Outcome, RunResult

    case = load_case(CASES / "invoice-rounding-bug")

    def fake(spec):
        starter = spec.labels["caseportal.purpose"].endswith("starter")
        hidden = CheckResult("test_h", "failed" if starter else "passed", visible=False)
        return RunResult(outcome=Outcome.failed if starter else Outcome.passed,
                         checks=(CheckResult("test_v", "passed"), hidden, CheckResult("adv", "advisory")))

    report = check_case(case, image_ref="x", runner=fake)
    assert [r.subject for r in report.rows] == ["reference", "starter", "texts"]
    assert [r.ok for r in report.rows] == [True, True, False]  # test_v and adv have no Swedish name
    assert "sv: no name for check 'test_v'; sv: no name for check 'adv'" in report.rows[2].detail

    def named(spec):
        checks = fake(spec).checks
        real = [CheckResult("test_format_sek_unchanged", "passed"), *checks[1:2]]
        return RunResult(outcome=Outcome.failed if spec.labels["caseportal.purpose"].endswith("starter")
                         else Outcome.passed, checks=tuple(real))

    assert check_case(case, image_ref="x", runner=named).ok

    def lenient(spec):
        return RunResult(outcome=Outcome.passed, checks=(CheckResult("test_h", "passed", visible=False),))

    bad = check_case(case, image_ref="x", runner=lenient)
    assert not bad.ok and "fails no hidden check" in bad.rows[1].detail

    none = check_case(load_case(CASES / "booking-flow-critique"))
    assert none.ok and not none.automated and "no automated checks" in none.rows[0].detail


def test_sandbox_run_refuses_cases_without_checks(tmp_path: Path):
    """Usage errors (exit 2) are told apart from runs (0) and sandbox failures (3), without Docker."""
    from caseportal.cli_cases import sandbox_cli

    result = CliRunner().invoke(sandbox_cli, ["run", str(CASES / "booking-flow-critique"), str(tmp_path)])
    assert result.exit_code == 2 and "runtime none" in result.output
    broken = scaffold(tmp_path, "broken-case", "coding")
    (broken / "brief.md").unlink()
    result = CliRunner().invoke(sandbox_cli, ["run", str(broken), str(tmp_path)])
    assert result.exit_code == 2 and "brief.md" in result.output
