"""The case model: what a case folder may hold and the immutable spec it loads into.

The bottom of the casebook package: plain data and names of the folder's parts, no I/O, so every other module
(schema, validation, loading, run files, scaffolding) can share them without an import circle.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

#: Largest single file in a case folder. Data files should stay well below (~200 KB).
MAX_FILE_BYTES = 1_000_000
#: Largest case folder in total: cases are mounted into every run, so keep them small.
MAX_CASE_BYTES = 8_000_000

Kind = Literal["coding", "data", "ux"]
Runtime = Literal["python", "datasci", "browser", "none"]

KINDS: tuple[str, ...] = ("coding", "data", "ux")
SLUG_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
#: ``brief.md`` (English) or ``brief.<lang>.md``; group 1 is the language (None for English).
BRIEF_RE = re.compile(r"^brief(?:\.([a-z]{2}))?\.md$")
#: The entries a case folder may have at its top level (besides its briefs).
TOP_LEVEL = frozenset({"case.yaml", "starter", "checks", "solution", "data", "generate_data.py", "README.md"})
#: The sub-folders of checks/: each goes to a different place (practice run, full run, judge); lib/ holds the
#: helper modules visible checks share with the judge, one copy on the path of both stages (run_files.py).
CHECK_DIRS = ("visible", "hidden", "judge", "lib")
#: Where checks/lib/ is mounted; run_files.check_env puts it on PYTHONPATH.
LIB_PATH = "/case/checks/lib"
#: A brief's section headings that hold the review focus; the case page shows review_focus there instead.
FOCUS_HEADINGS = frozenset({"What we will look at", "Det här tittar vi på"})
#: Shown in a problem that is about a file as a whole rather than one of its fields.
NO_FIELD = "-"


def files_under(files: Mapping[str, bytes], prefix: str) -> dict[str, bytes]:
    """The files below folder ``prefix`` keyed by their path relative to it (``starter/a.py`` -> ``a.py``)."""
    pre = prefix.rstrip("/") + "/"
    return {k[len(pre):]: v for k, v in files.items() if k.startswith(pre)}


@dataclass(frozen=True)
class CaseProblem:
    """One thing wrong with a case: where (file, field) and what, in words an author can act on."""

    file: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.field or NO_FIELD}: {self.message}"


class CaseError(Exception):
    """A case folder could not be loaded; ``problems`` lists everything that is wrong with it."""

    def __init__(self, problems: list[CaseProblem] | tuple[CaseProblem, ...]):
        self.problems: tuple[CaseProblem, ...] = tuple(problems)
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} problem(s) in case:\n{lines}")


@dataclass(frozen=True)
class ReviewerPrompt:
    """A question for the meeting, with what a good answer sounds like."""

    ask: str
    good: str
    tradeoffs: str = ""


@dataclass(frozen=True)
class CaseText:
    """A case's words in one language: what a candidate reads (title, summary, review focus, the names of the
    checks and their messages) and what reviewers ask in the meeting."""

    title: str
    summary: str
    review_focus: tuple[str, ...]
    #: Display names of checks by the name the checker reports (``test_total_is_rounded``).
    check_names: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    #: The English message templates of checks (``"export sums to {got}"``) -> the same message in this language.
    check_messages: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    #: The reviewer prompts, in the order of the English list (empty: use the English ones).
    reviewer_prompts: tuple[ReviewerPrompt, ...] = ()


@dataclass(frozen=True)
class Submission:
    """What the candidate may hand in."""

    editable: tuple[str, ...] = ()
    uploads: bool = False
    accepted_extensions: tuple[str, ...] = ()
    max_upload_mb: float = 10.0

    def is_editable(self, name: str) -> bool:
        """Whether starter file ``name`` may be edited in the browser (fnmatch; ``*`` spans ``/``)."""
        return any(fnmatch.fnmatchcase(name, g) for g in self.editable)


@dataclass(frozen=True)
class Metric:
    """The case's headline metric; ``baseline`` is what a naive approach scores."""

    name: str
    direction: Literal["lower", "higher"]
    baseline: float | None = None

    def beats_baseline(self, value: float) -> bool | None:
        """True if ``value`` is strictly better than the baseline (None without a baseline)."""
        if self.baseline is None:
            return None
        return value < self.baseline if self.direction == "lower" else value > self.baseline


@dataclass(frozen=True)
class CaseSpec:
    """A loaded, valid case. File mappings are keyed by POSIX paths relative to their subfolder
    (``starter_files["ratelimit/limiters.py"]``) and are read-only."""

    slug: str
    title: str
    role_family: str
    kind: Kind
    summary: str
    time_estimate_minutes: int
    languages: tuple[str, ...]
    runtime: Runtime
    command: tuple[str, ...] | None
    limits: Mapping[str, float | int]
    review_focus: tuple[str, ...]
    reviewer_prompts: tuple[ReviewerPrompt, ...]
    submission: Submission
    metric: Metric | None
    briefs: Mapping[str, str]
    starter_files: Mapping[str, bytes]
    visible_checks: Mapping[str, bytes]
    hidden_checks: Mapping[str, bytes]
    data_files: Mapping[str, bytes]
    solution_files: Mapping[str, bytes]
    #: sha256 over every file in the folder *including* solution/ and generate_data.py:
    #: a changed reference solution changes what ``cases check`` proved, so it is a new version.
    version: str
    path: Path
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)
    #: checks/judge/: judge checks and their answers, run in a second container that never holds candidate code.
    judge_checks: Mapping[str, bytes] = field(default_factory=lambda: MappingProxyType({}))
    #: ``judge.inputs``: globs of submission files handed to the judge as plain data.
    judge_inputs: tuple[str, ...] = ()
    #: case.yaml as read: a case loaded from a stored version keeps its files in memory, its folder is gone.
    case_yaml: bytes = field(default=b"", repr=False)
    #: ``translations``: title, summary and review focus in each listed language besides English.
    translations: Mapping[str, CaseText] = field(default_factory=lambda: MappingProxyType({}))
    #: checks/lib/: helper modules shared by the visible checks and the judge (material a candidate may see).
    lib_checks: Mapping[str, bytes] = field(default_factory=lambda: MappingProxyType({}))
    #: ``practice``: the candidate's warm-up, kept out of the catalogue managers attach from (library.py).
    practice: bool = False

    @property
    def has_automated_checks(self) -> bool:
        return self.runtime != "none"

    @property
    def has_judge(self) -> bool:
        """Whether full runs end with a judge stage (docs/cases.md, "The judge")."""
        return bool(self.judge_checks)

    #: ``check_names``: English display names of checks (optional; without one a check shows its own name).
    check_names: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def text(self, lang: str = "en") -> CaseText:
        """The case's words in ``lang``, falling back to English (case.yaml's own fields)."""
        return self.translations.get(lang) or CaseText(self.title, self.summary, self.review_focus,
                                                       self.check_names, MappingProxyType({}), self.reviewer_prompts)

    def brief(self, lang: str = "en") -> str:
        """The brief in ``lang``, falling back to English."""
        return self.briefs.get(lang) or self.briefs["en"]
