"""The validator refuses a brief whose relative links or images name no file the candidate gets."""

from __future__ import annotations

from pathlib import Path

import pytest

from caseportal.casebook import load_library, scaffold, validate
from caseportal.casebook.links import Link, brief_links, case_path, link_problem
from caseportal.config import REPO_ROOT


@pytest.fixture()
def case_dir(tmp_path: Path) -> Path:
    """A valid scaffolded case (starter/solution.py) with two data files, one with a space in its name."""
    folder = scaffold(tmp_path, "link-case", "coding")
    (folder / "data").mkdir()
    (folder / "data" / "funnel.csv").write_text("step,n\nlanding,10\n")
    (folder / "data" / "screen 1.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    return folder


def _with_brief(folder: Path, body: str, name: str = "brief.md") -> list[str]:
    (folder / name).write_text(f"# Title\n\n{body}\n", encoding="utf-8")
    return [str(p) for p in validate(folder)]


def test_links_to_shipped_files_and_outside_urls_are_fine(case_dir: Path) -> None:
    body = "\n".join([
        "[funnel](data/funnel.csv) and [again](./data/funnel.csv#top) and ![screen](<data/screen 1.svg>)",
        "[your code](starter/solution.py), [the materials](data/), [encoded](data/screen%201.svg)",
        "[site](https://example.org/x), <https://example.org>, [mail](mailto:team@example.org), [up](#title)",
        "[root](/help) and [ref][r]",
        "",
        "[r]: data/funnel.csv",
    ])
    assert _with_brief(case_dir, body) == []


@pytest.mark.parametrize(("body", "expected"), [
    ("[data](data/missing.csv)", "the link 'data/missing.csv' names no file of this case"),
    ("[code](starter/x.py)", "the link 'starter/x.py' names no file of this case"),
    ("![screen](data/missing.png)", "the image 'data/missing.png' names no file of this case"),
    ("[ref][r]\n\n[r]: data/gone.csv", "the link 'data/gone.csv' names no file of this case"),
    ("[answer](solution/solution.py)", "names a file candidates never get"),
    ("[checks](checks/hidden/test_hidden.py)", "names a file candidates never get"),
    ("[yaml](case.yaml)", "names a file candidates never get"),
    ("[out](../other-case/brief.md)", "points outside the case folder"),
    ("[sneaky](data/../../x.csv)", "points outside the case folder"),
    ("![code](starter/solution.py)", "must be a file in data/ so the case page can show it"),
    ("![folder](data/)", "names the data/ folder"),
])
def test_broken_or_unreachable_links_are_refused(case_dir: Path, body: str, expected: str) -> None:
    problems = _with_brief(case_dir, body)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{case_dir}/brief.md: -: ")
    assert expected in problems[0]


def test_a_data_folder_link_needs_a_data_folder(tmp_path: Path) -> None:
    folder = scaffold(tmp_path, "no-data", "coding")
    problems = _with_brief(folder, "see [the data](data/)")
    assert len(problems) == 1 and "this case has no data/" in problems[0]


def test_every_language_is_checked_and_every_problem_reported(case_dir: Path) -> None:
    text = (case_dir / "case.yaml").read_text().replace("languages: [en]", "languages: [en, sv]")
    text += ("translations:\n  sv: {title: Demo, summary: En demo på svenska., review_focus: [Koden],\n"
             "       reviewer_prompts: [{ask: 'Vad först?', good: Ett exempel.}],\n"
             "       check_names: {test_visible: Den synliga kontrollen}}\n")
    (case_dir / "case.yaml").write_text(text)
    _with_brief(case_dir, "[ok](data/funnel.csv)")
    problems = _with_brief(case_dir, "[trattdata](data/tratt.csv) och ![skärm](data/skarm.png)", "brief.sv.md")
    assert len(problems) == 2, problems
    assert all(p.startswith(f"{case_dir}/brief.sv.md: ") for p in problems)
    assert "data/tratt.csv" in problems[0] and "data/skarm.png" in problems[1]


def test_raw_html_is_not_a_link(case_dir: Path) -> None:
    """The page escapes raw HTML, so an <a> in a brief is text, not a link the validator must follow."""
    assert _with_brief(case_dir, '<a href="data/missing.csv">x</a>') == []


def test_case_path_reads_a_target_like_a_browser() -> None:
    assert case_path("data/funnel.csv") == "data/funnel.csv"
    assert case_path("./data/a%20b.csv?x=1#top") == "data/a b.csv"
    assert case_path("data/") == "data/"
    assert case_path("starter/../data/x.csv") == "data/x.csv"
    assert case_path("../x") == "../x"
    for outside in ("https://example.org/data/x.csv", "mailto:a@b.se", "#top", "/i/abc", "", "?q=1", "HTTP://X"):
        assert case_path(outside) is None, outside


def test_brief_links_finds_links_and_images_in_order() -> None:
    text = "[a](data/a.csv) ![b](data/b.png)\n\n| t |\n|---|\n| [c](starter/c.py) |\n"
    assert brief_links(text) == [Link("data/a.csv", False), Link("data/b.png", True), Link("starter/c.py", False)]
    assert link_problem(Link("data/a.csv", False), ["data/a.csv"]) is None


def test_the_shipped_briefs_link_only_to_shipped_files() -> None:
    lib = load_library(REPO_ROOT / "cases")
    link_problems = [str(p) for p in lib.problems if p.file.rsplit("/", 1)[-1].startswith("brief")
                     and ("link" in p.message or "image" in p.message)]
    assert link_problems == []
