"""Practice cases (the warm-up, issue 15): kept out of the catalogue by the library, and kept short, runnable and
upload-free by the validator."""

from __future__ import annotations

from pathlib import Path

from caseportal.casebook import load_library, scaffold, validate
from caseportal.config import REPO_ROOT


def _practice(root: Path, slug: str, kind: str = "coding", **replace: str) -> Path:
    folder = scaffold(root, slug, kind)
    text = (folder / "case.yaml").read_text(encoding="utf-8")
    for old, new in replace.items():
        assert old in text, old
        text = text.replace(old, new)
    (folder / "case.yaml").write_text("practice: true\n" + text, encoding="utf-8")
    return folder


def test_the_shipped_warm_up_is_a_practice_case_apart_from_the_catalogue() -> None:
    lib = load_library(REPO_ROOT / "cases")
    warm = lib.practice["warm-up"]
    assert warm.practice and warm.time_estimate_minutes == 5 and warm.runtime == "python"
    assert "warm-up" not in lib and lib.get("warm-up") is None and lib.find("warm-up") is warm
    assert all(not c.practice for c in lib) and warm in lib.every_case()
    assert [c.slug for c in lib.every_case()] == sorted([*lib.cases, *lib.practice])


def test_a_short_practice_case_with_a_runtime_is_valid(tmp_path: Path) -> None:
    folder = _practice(tmp_path, "tiny-warm-up", **{"time_estimate_minutes: 60": "time_estimate_minutes: 10"})
    assert validate(folder) == []
    lib = load_library(tmp_path)
    assert list(lib.practice) == ["tiny-warm-up"] and len(lib) == 0


def test_a_practice_case_must_be_short_runnable_and_done_in_the_page(tmp_path: Path) -> None:
    long = _practice(tmp_path, "long-warm-up")  # the scaffold's 60 minutes
    assert [p.field for p in validate(long)] == ["practice"]
    assert "at most 15 minutes, not 60" in str(validate(long)[0])

    uploads = _practice(tmp_path, "upload-warm-up", **{"time_estimate_minutes: 60": "time_estimate_minutes: 5",
                                                       "uploads: false": "uploads: true"})
    assert ["set uploads to false" in str(p) for p in validate(uploads)] == [True]

    none = _practice(tmp_path, "silent-warm-up", **{"time_estimate_minutes: 60": "time_estimate_minutes: 5",
                                                    "runtime: python": "runtime: none"})
    assert any("give it a runtime" in str(p) for p in validate(none))
