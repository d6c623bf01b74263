"""The case library: loading, validating and scaffolding taster cases.

A case is a folder ``cases/<slug>/`` (see docs/cases.md and case_schema.json). This module
reads such folders into immutable :class:`CaseSpec` objects. It never imports Flask or the
sandbox so that the web app, the CLI and the tests can all use it cheaply.

Validation collects *every* problem it can find instead of stopping at the first one,
because case authors fix cases in batches and a one-error-at-a-time loop is painful.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import os
import re
import textwrap
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path, PurePosixPath
from types import MappingProxyType
from typing import Any, Literal

import jsonschema
import yaml

from caseportal import case_links

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_CASE_BYTES",
    "CaseProblem",
    "CaseError",
    "CaseSpec",
    "Library",
    "ReviewerPrompt",
    "Submission",
    "Metric",
    "load_case",
    "load_library",
    "validate",
    "case_files_for_run",
    "case_files_for_judge",
    "reference_submission",
    "default_library_root",
    "scaffold",
]

#: Largest single file in a case folder. Data files should stay well below (~200 KB).
MAX_FILE_BYTES = 1_000_000
#: Largest case folder in total: cases are mounted into every run, so keep them small.
MAX_CASE_BYTES = 8_000_000

Kind = Literal["coding", "data", "ux"]
Runtime = Literal["python", "datasci", "browser", "none"]

KINDS: tuple[str, ...] = ("coding", "data", "ux")
_SLUG_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_BRIEF_RE = re.compile(r"^brief(?:\.([a-z]{2}))?\.md$")
# Editor and tool droppings that must neither be loaded nor change the version hash.
_IGNORED_DIRS = {"__pycache__", ".pytest_cache", ".ipynb_checkpoints", ".git", ".ruff_cache", ".mypy_cache"}
_IGNORED_FILES = {".DS_Store", "Thumbs.db"}
_IGNORED_SUFFIXES = (".pyc", ".pyo", "~", ".swp")
_TOP_LEVEL = {"case.yaml", "starter", "checks", "solution", "data", "generate_data.py", "README.md"}
_CHECK_DIRS = ("visible", "hidden", "judge")
_NO_FIELD = "-"


# --------------------------------------------------------------------------- problems


@dataclass(frozen=True)
class CaseProblem:
    """One thing wrong with a case: where (file, field) and what, in words an author can act on."""

    file: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.field or _NO_FIELD}: {self.message}"


class CaseError(Exception):
    """A case folder could not be loaded; ``problems`` lists everything that is wrong with it."""

    def __init__(self, problems: list[CaseProblem] | tuple[CaseProblem, ...]):
        self.problems: tuple[CaseProblem, ...] = tuple(problems)
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} problem(s) in case:\n{lines}")


# --------------------------------------------------------------------------- the spec


@dataclass(frozen=True)
class ReviewerPrompt:
    """A question for the meeting, with what a good answer sounds like."""

    ask: str
    good: str
    tradeoffs: str = ""


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

    @property
    def has_automated_checks(self) -> bool:
        return self.runtime != "none"

    @property
    def has_judge(self) -> bool:
        """Whether full runs end with a judge stage (docs/cases.md, "The judge")."""
        return bool(self.judge_checks)

    def brief(self, lang: str = "en") -> str:
        """The brief in ``lang``, falling back to English."""
        return self.briefs.get(lang) or self.briefs["en"]


# --------------------------------------------------------------------------- schema


@lru_cache(maxsize=1)
def case_schema() -> dict[str, Any]:
    """The JSON Schema for case.yaml (shipped as package data next to this module)."""
    text = resources.files("caseportal").joinpath("case_schema.json").read_text(encoding="utf-8")
    return json.loads(text)


@lru_cache(maxsize=1)
def _validator() -> jsonschema.protocols.Validator:
    schema = case_schema()
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _json_path(parts: Any) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def _schema_problems(data: Any, file: str) -> list[CaseProblem]:
    problems: list[CaseProblem] = []
    errors = sorted(_validator().iter_errors(data), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    for err in errors:
        path = _json_path(err.absolute_path)
        if err.validator == "required" and isinstance(err.instance, dict):
            for name in err.validator_value:
                if name not in err.instance:
                    full = f"{path}.{name}" if path else name
                    problems.append(CaseProblem(file, full, "required field is missing"))
        elif err.validator == "additionalProperties" and isinstance(err.instance, dict):
            allowed = set(err.schema.get("properties", {}))
            for name in sorted(set(err.instance) - allowed):
                full = f"{path}.{name}" if path else name
                problems.append(CaseProblem(file, full, f"unknown field (allowed: {', '.join(sorted(allowed))})"))
        else:
            problems.append(CaseProblem(file, path or _NO_FIELD, err.message))
    return problems


# --------------------------------------------------------------------------- reading folders


def _ignored(name: str) -> bool:
    return name in _IGNORED_FILES or name.endswith(_IGNORED_SUFFIXES)


def _read_tree(folder: Path, shown: str) -> tuple[dict[str, bytes], list[CaseProblem]]:
    """All files under ``folder`` keyed by relative POSIX path, refusing escaping symlinks and
    oversized files. ``shown`` is how the folder is named in problems."""
    files: dict[str, bytes] = {}
    problems: list[CaseProblem] = []
    root = folder.resolve()
    total = 0

    def refuse_link(p: Path, rel: str) -> bool:
        """True (and a problem recorded) if the symlink ``p`` must not be followed."""
        target = p.resolve()
        if not target.is_relative_to(root):
            problems.append(CaseProblem(f"{shown}/{rel}", _NO_FIELD,
                                        f"symlink points outside the case folder (to {os.readlink(p)}); refused"))
            return True
        if target.is_dir():
            problems.append(CaseProblem(f"{shown}/{rel}", _NO_FIELD,
                                        "symlinked directories are not allowed; copy the files instead"))
            return True
        return False

    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        here = Path(dirpath)
        keep = []
        for d in sorted(dirnames):
            if d in _IGNORED_DIRS:
                continue
            p = here / d
            if p.is_symlink():
                refuse_link(p, p.relative_to(folder).as_posix())
                continue
            keep.append(d)
        dirnames[:] = keep
        for name in sorted(filenames):
            if _ignored(name):
                continue
            p = here / name
            rel = p.relative_to(folder).as_posix()
            if p.is_symlink():
                if not p.exists():
                    problems.append(CaseProblem(f"{shown}/{rel}", _NO_FIELD, "broken symlink"))
                    continue
                if refuse_link(p, rel):
                    continue
            size = p.stat().st_size
            if size > MAX_FILE_BYTES:
                problems.append(CaseProblem(f"{shown}/{rel}", _NO_FIELD,
                                            f"file is {size} bytes; the limit is {MAX_FILE_BYTES} bytes"))
                continue
            total += size
            files[rel] = p.read_bytes()
    if total > MAX_CASE_BYTES:
        problems.append(CaseProblem(shown, _NO_FIELD,
                                    f"case folder holds {total} bytes; the limit is {MAX_CASE_BYTES} bytes"))
    return files, problems


def _sub(files: Mapping[str, bytes], prefix: str) -> dict[str, bytes]:
    pre = prefix.rstrip("/") + "/"
    return {k[len(pre):]: v for k, v in files.items() if k.startswith(pre)}


def _version(files: Mapping[str, bytes]) -> str:
    h = hashlib.sha256()
    for rel in sorted(files):
        data = files[rel]
        h.update(rel.encode() + b"\0" + str(len(data)).encode() + b"\0")
        h.update(data)
    return h.hexdigest()


def _parse_yaml(raw: bytes, file: str) -> tuple[Any, list[CaseProblem]]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, [CaseProblem(file, _NO_FIELD, f"not UTF-8: {exc}")]
    try:
        return yaml.safe_load(text), []
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        return None, [CaseProblem(file, _NO_FIELD, f"YAML syntax error: {where}{problem}")]


def _semantic_problems(data: dict[str, Any], files: Mapping[str, bytes], folder_name: str,
                       shown: str) -> list[CaseProblem]:
    """Cross-checks between case.yaml and the folder that a schema cannot express."""
    yaml_file = f"{shown}/case.yaml"
    out: list[CaseProblem] = []
    slug = data.get("slug")
    if isinstance(slug, str) and slug != folder_name:
        out.append(CaseProblem(yaml_file, "slug", f"slug {slug!r} does not match the folder name {folder_name!r}"))

    languages = data.get("languages") if isinstance(data.get("languages"), list) else ["en"]
    brief_langs = {}
    for rel in files:
        m = _BRIEF_RE.match(rel)
        if m:
            brief_langs[m.group(1) or "en"] = rel
    for lang in languages:
        if not isinstance(lang, str):
            continue
        name = "brief.md" if lang == "en" else f"brief.{lang}.md"
        if lang not in brief_langs:
            out.append(CaseProblem(f"{shown}/{name}", "languages",
                                   f"language {lang!r} is listed but {name} is missing"))
        elif not files[brief_langs[lang]].strip():
            out.append(CaseProblem(f"{shown}/{name}", "languages", f"{name} is empty"))
    if "en" not in brief_langs and "en" not in languages:
        out.append(CaseProblem(f"{shown}/brief.md", "languages", "brief.md (English) is required"))
    for lang, rel in brief_langs.items():
        if lang not in languages:
            out.append(CaseProblem(f"{shown}/{rel}", "languages", f"{rel} exists but {lang!r} is not in languages"))

    for rel in files:
        top = rel.split("/", 1)[0]
        if top not in _TOP_LEVEL and not _BRIEF_RE.match(rel):
            out.append(CaseProblem(f"{shown}/{rel}", _NO_FIELD,
                                   f"unexpected entry {top!r} (allowed: {', '.join(sorted(_TOP_LEVEL))}, brief*.md)"))
        if rel.startswith("checks/") and rel.split("/")[1] not in _CHECK_DIRS:
            out.append(CaseProblem(f"{shown}/{rel}", _NO_FIELD, "checks/ may only hold visible/, hidden/ and judge/"))

    runtime = data.get("runtime")
    submission = data.get("submission") if isinstance(data.get("submission"), dict) else {}
    starter = _sub(files, "starter")
    if not starter and not submission.get("uploads"):
        out.append(CaseProblem(f"{shown}/starter", "submission",
                               "starter/ is empty or missing and uploads are off: "
                               "the candidate has nothing to work on"))
    editable = submission.get("editable")
    if isinstance(editable, list):
        for i, pattern in enumerate(editable):
            if isinstance(pattern, str) and not any(fnmatch.fnmatchcase(n, pattern) for n in starter):
                out.append(CaseProblem(yaml_file, f"submission.editable[{i}]",
                                       f"glob {pattern!r} matches no file in starter/"))

    checks_visible = _sub(files, "checks/visible")
    checks_hidden = _sub(files, "checks/hidden")
    if runtime in ("python", "datasci", "browser"):
        for sub, found in (("checks/visible", checks_visible), ("checks/hidden", checks_hidden)):
            if not any(PurePosixPath(n).name.startswith("test_") and n.endswith(".py") for n in found):
                out.append(CaseProblem(f"{shown}/{sub}", "runtime",
                                       f"runtime {runtime} needs at least one test_*.py in {sub}/"))
        if not _sub(files, "solution"):
            out.append(CaseProblem(f"{shown}/solution", "runtime",
                                   "a reference solution is required so `cases check` can prove the checks"))
    elif runtime == "none" and (checks_visible or checks_hidden):
        out.append(CaseProblem(f"{shown}/checks", "runtime", "runtime none never runs checks; remove checks/"))
    out += _judge_problems(data, files, shown)

    command = data.get("command")
    if isinstance(command, list):
        mounted = {f"/case/{k}" for k in files
                   if k == "case.yaml" or k.startswith(("checks/visible/", "checks/hidden/", "data/"))}
        mounted_dirs = {str(PurePosixPath(m).parent) for m in mounted}
        for i, arg in enumerate(command):
            if isinstance(arg, str) and arg.startswith("/case/"):
                norm = arg.rstrip("/")
                if norm not in mounted and norm not in mounted_dirs:
                    out.append(CaseProblem(yaml_file, f"command[{i}]", f"{arg} is not a file of this case"))
        if runtime == "none":
            out.append(CaseProblem(yaml_file, "command", "runtime none runs nothing; remove command"))
    out += _brief_link_problems(files, shown)
    return out


def _brief_link_problems(files: Mapping[str, bytes], shown: str) -> list[CaseProblem]:
    """A brief (any language) may only link to files the candidate gets, or a candidate meets a dead link."""
    out: list[CaseProblem] = []
    for rel in sorted(files):
        if _BRIEF_RE.match(rel):
            for link in case_links.brief_links(files[rel].decode("utf-8", errors="replace")):
                problem = case_links.link_problem(link, files)
                if problem:
                    out.append(CaseProblem(f"{shown}/{rel}", _NO_FIELD, problem))
    return out


def _judge_problems(data: dict[str, Any], files: Mapping[str, bytes], shown: str) -> list[CaseProblem]:
    """checks/judge/ needs a test file and a runtime; ``judge.inputs`` globs must name files a submission has."""
    out: list[CaseProblem] = []
    judge = _sub(files, "checks/judge")
    if judge and not any(PurePosixPath(n).name.startswith("test_") and n.endswith(".py") for n in judge):
        out.append(CaseProblem(f"{shown}/checks/judge", _NO_FIELD, "checks/judge/ needs at least one test_*.py"))
    if judge and data.get("runtime") == "none":
        out.append(CaseProblem(f"{shown}/checks/judge", "runtime", "runtime none never runs checks; remove checks/"))
    block = data.get("judge")
    if isinstance(block, dict):
        if not judge:
            out.append(CaseProblem(f"{shown}/case.yaml", "judge", "a judge block needs checks/judge/ with test_*.py"))
        known = {**_sub(files, "starter"), **_sub(files, "solution")}
        for i, pattern in enumerate(block.get("inputs") or []):
            if isinstance(pattern, str) and not any(fnmatch.fnmatchcase(n, pattern) for n in known):
                out.append(CaseProblem(f"{shown}/case.yaml", f"judge.inputs[{i}]",
                                       f"glob {pattern!r} matches no file in starter/ or solution/"))
    return out


def _build(data: dict[str, Any], files: Mapping[str, bytes], folder: Path) -> CaseSpec:
    ro = MappingProxyType
    briefs = {}
    for rel, content in files.items():
        m = _BRIEF_RE.match(rel)
        if m:
            briefs[m.group(1) or "en"] = content.decode("utf-8")
    sub = data.get("submission", {})
    metric = data.get("metric")
    return CaseSpec(
        slug=data["slug"],
        title=data["title"],
        role_family=data["role_family"],
        kind=data["kind"],
        summary=" ".join(str(data["summary"]).split()),
        time_estimate_minutes=int(data["time_estimate_minutes"]),
        languages=tuple(data["languages"]),
        runtime=data["runtime"],
        command=tuple(data["command"]) if data.get("command") else None,
        limits=ro(dict(data.get("limits") or {})),
        review_focus=tuple(data["review_focus"]),
        reviewer_prompts=tuple(ReviewerPrompt(**p) for p in data["reviewer_prompts"]),
        submission=Submission(
            editable=tuple(sub.get("editable", ())),
            uploads=bool(sub.get("uploads", False)),
            accepted_extensions=tuple(sub.get("accepted_extensions", ())),
            max_upload_mb=float(sub.get("max_upload_mb", 10.0)),
        ),
        metric=Metric(metric["name"], metric["direction"], metric.get("baseline")) if metric else None,
        briefs=ro(briefs),
        starter_files=ro(_sub(files, "starter")),
        visible_checks=ro(_sub(files, "checks/visible")),
        hidden_checks=ro(_sub(files, "checks/hidden")),
        data_files=ro(_sub(files, "data")),
        solution_files=ro(_sub(files, "solution")),
        version=_version(files),
        path=folder,
        raw=ro(data),
        judge_checks=ro(_sub(files, "checks/judge")),
        judge_inputs=tuple((data.get("judge") or {}).get("inputs") or ()),
        case_yaml=files["case.yaml"],
    )


def _load(folder: Path) -> tuple[CaseSpec | None, list[CaseProblem]]:
    shown = str(folder)
    if not folder.is_dir():
        return None, [CaseProblem(shown, _NO_FIELD, "not a directory")]
    files, problems = _read_tree(folder, shown)
    yaml_file = f"{shown}/case.yaml"
    if "case.yaml" not in files:
        if not (folder / "case.yaml").exists():
            problems.append(CaseProblem(yaml_file, _NO_FIELD, "case.yaml is missing"))
        return None, problems
    data, yaml_problems = _parse_yaml(files["case.yaml"], yaml_file)
    problems += yaml_problems
    if yaml_problems:
        return None, problems
    if not isinstance(data, dict):
        problems.append(CaseProblem(yaml_file, _NO_FIELD, "case.yaml must be a mapping of fields"))
        return None, problems
    problems += _schema_problems(data, yaml_file)
    problems += _semantic_problems(data, files, folder.name, shown)
    if problems:
        return None, problems
    return _build(data, files, folder), []


# --------------------------------------------------------------------------- public API


def load_case(path: str | os.PathLike[str]) -> CaseSpec:
    """Load one case folder; raises :class:`CaseError` listing every problem found."""
    case, problems = _load(Path(path))
    if problems or case is None:
        raise CaseError(problems)
    return case


def _is_case_dir(p: Path) -> bool:
    return p.is_dir() and not p.name.startswith((".", "_"))


def validate(path: str | os.PathLike[str]) -> list[CaseProblem]:
    """Problems of a single case folder (one with case.yaml) or of every case in a library root."""
    p = Path(path)
    if not p.is_dir():
        return [CaseProblem(str(p), _NO_FIELD, "no such directory")]
    if (p / "case.yaml").exists() or (p / "brief.md").exists() or (p / "starter").is_dir():
        return _load(p)[1]
    return list(load_library(p).problems)


@dataclass(frozen=True)
class Library:
    """The valid cases of a library root by slug, plus the problems of the broken ones."""

    root: Path
    cases: Mapping[str, CaseSpec]
    problems: tuple[CaseProblem, ...]

    def __iter__(self) -> Iterator[CaseSpec]:
        return iter(self.cases.values())

    def __len__(self) -> int:
        return len(self.cases)

    def __contains__(self, slug: object) -> bool:
        return slug in self.cases

    def get(self, slug: str) -> CaseSpec | None:
        return self.cases.get(slug)


def load_library(root: str | os.PathLike[str]) -> Library:
    """Load every case under ``root``; a broken case is reported, never fatal for the others."""
    r = Path(root)
    cases: dict[str, CaseSpec] = {}
    problems: list[CaseProblem] = []
    if not r.is_dir():
        return Library(r, MappingProxyType({}), (CaseProblem(str(r), _NO_FIELD, "library root does not exist"),))
    for child in sorted(r.iterdir()):
        if child.is_symlink():
            problems.append(CaseProblem(str(child), _NO_FIELD, "symlinked case folders are not allowed"))
            continue
        if not _is_case_dir(child):
            continue
        try:
            case, found = _load(child)
        except OSError as exc:  # unreadable files must not take the library down
            case, found = None, [CaseProblem(str(child), _NO_FIELD, f"could not read: {exc}")]
        problems += found
        if case is not None:
            cases[case.slug] = case
    return Library(r, MappingProxyType(cases), tuple(problems))


def default_library_root() -> Path:
    """``$CASEPORTAL_CASES_DIR`` if set, else ``cases/`` at the repository root."""
    env = os.environ.get("CASEPORTAL_CASES_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent / "cases"


def case_files_for_run(case: CaseSpec, checks: Literal["visible", "all"] = "visible") -> dict[str, bytes]:
    """Files mounted read-only at /case: case.yaml, checks/visible/, data/, and checks/hidden/
    only for ``checks="all"`` (hidden checks must never reach a candidate's practice run)."""
    if checks not in ("visible", "all"):
        raise ValueError(f"checks must be 'visible' or 'all', not {checks!r}")
    out: dict[str, bytes] = {"case.yaml": case.case_yaml or case.path.joinpath("case.yaml").read_bytes()}
    out.update({f"checks/visible/{k}": v for k, v in case.visible_checks.items()})
    if checks == "all":
        out.update({f"checks/hidden/{k}": v for k, v in case.hidden_checks.items()})
    out.update({f"data/{k}": v for k, v in case.data_files.items()})
    return out


def case_files_for_judge(case: CaseSpec) -> dict[str, bytes]:
    """Files mounted at /case for the judge stage: case.yaml, checks/judge/ and data/ (never visible/hidden:
    the judge runs only its own checks). Never part of :func:`case_files_for_run`."""
    out: dict[str, bytes] = {"case.yaml": case.case_yaml or case.path.joinpath("case.yaml").read_bytes()}
    out.update({f"checks/judge/{k}": v for k, v in case.judge_checks.items()})
    out.update({f"data/{k}": v for k, v in case.data_files.items()})
    return out


def reference_submission(case: CaseSpec) -> dict[str, bytes]:
    """The reference solution as a submission: starter files overlaid with solution/ files,
    so solution/ only needs the files the candidate would change."""
    return {**case.starter_files, **case.solution_files}


# --------------------------------------------------------------------------- scaffolding

_RUNTIME_FOR_KIND = {"coding": "python", "data": "datasci", "ux": "browser"}
_ROLE_FOR_KIND = {"coding": "backend", "data": "data-science", "ux": "ux-design"}


def _scaffold_files(slug: str, kind: str) -> dict[str, str]:
    runtime = _RUNTIME_FOR_KIND[kind]
    if kind == "ux":
        editable, starter_name = "index.html", "index.html"
        starter = "<!doctype html>\n<html lang=\"en\">\n<head><title>Draft</title></head>\n<body>\n</body>\n</html>\n"
        solution = ("<!doctype html>\n<html lang=\"en\">\n<head><title>Draft</title></head>\n"
                    "<body>\n  <main><h1>Hello</h1></main>\n</body>\n</html>\n")
        check = textwrap.dedent('''\
            """Checks for the page. Runs with the candidate's files in /work."""
            from pathlib import Path

            PAGE = Path("index.html")


            def test_{name}():
                assert "<main" in PAGE.read_text(encoding="utf-8"), "the page needs a <main> landmark"
            ''')
    else:
        editable, starter_name = "solution.py", "solution.py"
        starter = ('def top_items(counts: dict[str, int], n: int) -> list[str]:\n'
                   '    """Return the n most common names, most common first."""\n'
                   '    raise NotImplementedError\n')
        solution = ('def top_items(counts: dict[str, int], n: int) -> list[str]:\n'
                    '    """Return the n most common names, most common first; ties by name."""\n'
                    '    return [k for k, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]]\n')
        check = textwrap.dedent('''\
            """Checks for solution.py. /work (the candidate's files) is on sys.path."""
            from solution import top_items


            def test_{name}():
                assert top_items({{"a": 1, "b": 3, "c": 2}}, 2) == ["b", "c"]
            ''')
    yaml_text = textwrap.dedent(f"""\
        # Case definition; fields are described in docs/cases.md and caseportal/case_schema.json.
        slug: {slug}
        title: "TODO: a title that says what the candidate gets to do"
        role_family: {_ROLE_FOR_KIND[kind]}
        kind: {kind}
        summary: >-
          TODO: one or two sentences about the situation and what the candidate delivers.
        time_estimate_minutes: 60
        languages: [en]
        runtime: {runtime}
        limits:
          timeout_s: 60
          memory_mb: 512
        review_focus:
          - "TODO: what reviewers will look at (shown to the candidate)"
        reviewer_prompts:
          - ask: "TODO: a question for the meeting"
            good: "TODO: what a good answer sounds like"
            tradeoffs: "TODO: trade-offs worth discussing"
        submission:
          editable: ["{editable}"]
          uploads: false
          accepted_extensions: [".{editable.rsplit('.', 1)[1]}"]
        """)
    brief = textwrap.dedent(f"""\
        # TODO: title

        **Time:** about 60 minutes. This is a conversation starter, not an exam.

        ## The team
        TODO: what the team does and why this problem matters.

        ## The situation
        TODO

        ## What to deliver
        TODO: edit `{starter_name}` ...

        ## What we will look at
        TODO
        """)
    return {
        "case.yaml": yaml_text,
        "brief.md": brief,
        f"starter/{starter_name}": starter,
        f"solution/{starter_name}": solution,
        "checks/visible/test_visible.py": check.format(name="visible"),
        "checks/hidden/test_hidden.py": check.format(name="hidden"),
    }


def scaffold(root: str | os.PathLike[str], slug: str, kind: str) -> Path:
    """Create a new, valid case folder ``root/slug`` full of TODOs; the reference solution
    passes its checks and the starter fails them, so ``cases check`` works from minute one."""
    if not _SLUG_RE.match(slug) or not 3 <= len(slug) <= 64:
        raise ValueError(f"invalid slug {slug!r}: use 3-64 lowercase letters, digits and single hyphens")
    if kind not in KINDS:
        raise ValueError(f"invalid kind {kind!r}: one of {', '.join(KINDS)}")
    folder = Path(root) / slug
    if folder.exists():
        raise FileExistsError(f"{folder} already exists")
    for rel, text in _scaffold_files(slug, kind).items():
        target = folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return folder
