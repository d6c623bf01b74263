"""A symlink in a case folder may only point at a file in the folder it lives in.

Each top-level folder goes somewhere else (data/ to candidates as downloads, solution/ nowhere near them, each
checks/ sub-folder to its own kind of run), so a link across folders would quietly publish one in the other.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from caseportal.casebook import CaseError, load_case, scaffold, validate


@pytest.fixture()
def case_dir(tmp_path: Path) -> Path:
    """A valid scaffolded coding case with one data file."""
    folder = scaffold(tmp_path, "link-case", "coding")
    (folder / "data").mkdir()
    (folder / "data" / "funnel.csv").write_text("step,n\nlanding,10\n")
    return folder


def test_a_data_file_linking_to_the_reference_solution_is_refused(case_dir: Path) -> None:
    os.symlink("../solution/solution.py", case_dir / "data" / "hint.py")
    problems = validate(case_dir)
    assert len(problems) == 1, problems
    p = problems[0]
    assert p.file == f"{case_dir}/data/hint.py" and p.field == "-"
    assert "solution/solution.py" in p.message and "data/" in p.message and "refused" in p.message
    assert str(p).startswith(f"{case_dir}/data/hint.py: -: symlink points at solution/solution.py")
    with pytest.raises(CaseError):
        load_case(case_dir)


def test_a_visible_check_linking_to_a_hidden_check_is_refused(case_dir: Path) -> None:
    """checks/visible/ reaches practice runs, checks/hidden/ must not: they count as different folders."""
    os.symlink("../hidden/test_hidden.py", case_dir / "checks" / "visible" / "test_more.py")
    problems = validate(case_dir)
    assert len(problems) == 1, problems
    assert problems[0].file.endswith("checks/visible/test_more.py")
    assert "checks/hidden/test_hidden.py" in problems[0].message and "checks/visible/" in problems[0].message


def test_a_top_level_file_linking_into_a_folder_is_refused(case_dir: Path) -> None:
    (case_dir / "brief.md").unlink()
    os.symlink("solution/solution.py", case_dir / "brief.md")
    problems = [p for p in validate(case_dir) if p.file.endswith("/brief.md") and p.field == "-"]
    assert len(problems) == 1, validate(case_dir)
    assert "top level" in problems[0].message


def test_a_chain_of_links_is_judged_by_where_it_ends(case_dir: Path) -> None:
    os.symlink("../solution/solution.py", case_dir / "data" / "b.py")
    os.symlink("b.py", case_dir / "data" / "a.py")
    problems = validate(case_dir)
    assert sorted(Path(p.file).name for p in problems) == ["a.py", "b.py"], problems
    assert all("solution/solution.py" in p.message for p in problems)


def test_links_within_their_own_folder_still_load(case_dir: Path) -> None:
    os.symlink("funnel.csv", case_dir / "data" / "same.csv")
    (case_dir / "starter" / "pkg").mkdir()
    os.symlink("../solution.py", case_dir / "starter" / "pkg" / "copy.py")
    os.symlink("brief.md", case_dir / "README.md")
    assert validate(case_dir) == []
    case = load_case(case_dir)
    assert case.data_files["same.csv"] == case.data_files["funnel.csv"]
    assert case.starter_files["pkg/copy.py"] == case.starter_files["solution.py"]
