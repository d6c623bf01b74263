"""The case library: every case under a root folder, loaded once at start-up.

A broken case is reported, never fatal for the others, so one bad edit cannot take the portal down; the
app shows the valid cases and the problems of the broken ones. :func:`validate` lives here because it
answers for a single case folder and for a whole library root alike.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from .loading import load_folder
from .model import NO_FIELD, CaseProblem, CaseSpec


@dataclass(frozen=True)
class Library:
    """The valid cases of a library root by slug, plus the problems of the broken ones.

    ``cases`` (and iterating, ``in`` and :meth:`get`) is the catalogue managers attach cases from; practice cases
    (the candidate's warm-up, ``practice: true``) are kept apart in ``practice``, so no list, form or API written
    for the catalogue can offer one. :meth:`find` looks in both, for the workspace and the worker.
    """

    root: Path
    cases: Mapping[str, CaseSpec]
    problems: tuple[CaseProblem, ...]
    practice: Mapping[str, CaseSpec] = field(default_factory=lambda: MappingProxyType({}))

    def __iter__(self) -> Iterator[CaseSpec]:
        return iter(self.cases.values())

    def __len__(self) -> int:
        return len(self.cases)

    def __contains__(self, slug: object) -> bool:
        return slug in self.cases

    def get(self, slug: str) -> CaseSpec | None:
        return self.cases.get(slug)

    def find(self, slug: str) -> CaseSpec | None:
        """A catalogue case or a practice case."""
        return self.cases.get(slug) or self.practice.get(slug)

    def every_case(self) -> list[CaseSpec]:
        """Catalogue and practice cases by slug: what ``cases check`` proves."""
        return [c for _slug, c in sorted({**self.cases, **self.practice}.items())]


def _is_case_dir(p: Path) -> bool:
    return p.is_dir() and not p.name.startswith((".", "_"))


def load_library(root: str | os.PathLike[str]) -> Library:
    """Load every case under ``root``; a broken case is reported, never fatal for the others."""
    r = Path(root)
    cases: dict[str, CaseSpec] = {}
    practice: dict[str, CaseSpec] = {}
    problems: list[CaseProblem] = []
    if not r.is_dir():
        return Library(r, MappingProxyType({}), (CaseProblem(str(r), NO_FIELD, "library root does not exist"),))
    for child in sorted(r.iterdir()):
        if child.is_symlink():
            problems.append(CaseProblem(str(child), NO_FIELD, "symlinked case folders are not allowed"))
            continue
        if not _is_case_dir(child):
            continue
        try:
            case, found = load_folder(child)
        except OSError as exc:  # unreadable files must not take the library down
            case, found = None, [CaseProblem(str(child), NO_FIELD, f"could not read: {exc}")]
        problems += found
        if case is not None:
            (practice if case.practice else cases)[case.slug] = case
    return Library(r, MappingProxyType(cases), tuple(problems), MappingProxyType(practice))


def validate(path: str | os.PathLike[str]) -> list[CaseProblem]:
    """Problems of a single case folder (one with case.yaml) or of every case in a library root."""
    p = Path(path)
    if not p.is_dir():
        return [CaseProblem(str(p), NO_FIELD, "no such directory")]
    if (p / "case.yaml").exists() or (p / "brief.md").exists() or (p / "starter").is_dir():
        return load_folder(p)[1]
    return list(load_library(p).problems)


def default_library_root() -> Path:
    """``$CASEPORTAL_CASES_DIR`` if set, else ``cases/`` at the repository root."""
    env = os.environ.get("CASEPORTAL_CASES_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "cases"
