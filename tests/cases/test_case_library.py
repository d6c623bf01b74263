"""The shipped cases, proven in the real sandbox (Docker and the runtime images).

For every case with a runtime, the reference solution passes every check and the untouched
starter fails at least one hidden check. Also covers ``caseportal sandbox run --json``.
Skipped on a laptop without Docker; a failure in CI (CI=true), where Docker must be there.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from caseportal.casebook import load_case, load_library, reference_submission
from caseportal.cli_cases import sandbox_cli
from tests.conftest import docker_available, require

pytestmark = pytest.mark.docker

REPO = Path(__file__).resolve().parents[2]
CASES = REPO / "cases"
SLUGS = sorted(load_library(CASES).cases)


@pytest.fixture(scope="session")
def docker_engine() -> None:
    require(docker_available(), "a Docker engine")


@pytest.fixture(scope="session")
def images(docker_engine: None) -> dict[str, str]:
    """The runtime images the shipped cases need, built only if missing (the build is locked)."""
    from sandbox.images.build import ensure_images

    runtimes = sorted({c.runtime for c in load_library(CASES) if c.runtime != "none"})
    return ensure_images(runtimes)


@pytest.mark.parametrize("slug", SLUGS)
def test_case_checks_hold_in_the_sandbox(slug: str, images: dict[str, str]) -> None:
    from caseportal.case_runs import check_case

    case = load_case(CASES / slug)
    report = check_case(case, image_ref=images.get(case.runtime))
    if case.runtime == "none":
        assert not report.automated and report.ok
        return
    details = "\n".join(f"{r.subject}: ok={r.ok} outcome={r.outcome} {r.detail}" for r in report.rows)
    assert report.ok, details
    assert [r.subject for r in report.rows] == ["reference", "starter", "texts"]  # texts: names and messages in sv


def _write(folder: Path, files: dict[str, bytes]) -> Path:
    for name, blob in files.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(blob)
    return folder


def test_sandbox_run_json_on_a_failing_submission(tmp_path: Path, images: dict[str, str]) -> None:
    case = load_case(CASES / "invoice-rounding-bug")
    submission = _write(tmp_path / "sub", dict(case.starter_files))
    result = CliRunner().invoke(sandbox_cli, ["run", str(case.path), str(submission), "--json",
                                              "--image", images["python"]])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["outcome"] == "failed"
    assert {"outcome", "checks", "duration_s", "stdout", "stderr"} <= set(data)
    assert isinstance(data["duration_s"], float)
    for check in data["checks"]:
        assert {"name", "status", "message"} <= set(check)
    statuses = {c["name"]: c["status"] for c in data["checks"]}
    assert statuses["test_bug_231_export_sums_to_the_pdf_total"] == "failed"
    assert statuses["test_format_sek_unchanged"] == "passed"
    assert all(c["visible"] for c in data["checks"]), "a visible run must not report hidden checks"


def test_sandbox_run_all_checks_on_the_reference(tmp_path: Path, images: dict[str, str]) -> None:
    case = load_case(CASES / "api-rate-limiter")
    submission = _write(tmp_path / "sub", reference_submission(case))
    result = CliRunner().invoke(sandbox_cli, ["run", str(case.path), str(submission), "--checks", "all",
                                              "--image", images["python"]])
    assert result.exit_code == 0, result.output
    assert "api-rate-limiter: passed" in result.output
    assert "[hidden]" in result.output


def test_sandbox_run_collects_artifacts(tmp_path: Path, images: dict[str, str]) -> None:
    """The browser case's screenshots come back and can be saved for reviewers."""
    case = load_case(CASES / "accessible-signup-form")
    submission = _write(tmp_path / "sub", dict(case.starter_files))
    out = tmp_path / "artifacts"
    result = CliRunner().invoke(sandbox_cli, ["run", str(case.path), str(submission), "--json",
                                              "--image", images["browser"], "--artifacts-dir", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["outcome"] == "passed"  # the starter keeps the form contract; the rest is advisory
    assert {"index-phone.png", "index-desktop.png"} <= set(data["artifacts"])
    assert (out / "index-phone.png").read_bytes().startswith(b"\x89PNG")
    advisories = {c["name"]: c for c in data["checks"] if c["status"] == "advisory"}
    assert "labels" in advisories and advisories["labels"]["message"].startswith("not ok")
