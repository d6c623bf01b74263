"""Reading one case folder safely and turning it into a :class:`CaseSpec`.

A case folder is authored by people and mounted into every run, so reading it refuses what could leak or
swell: symlinks out of the folder or out of the sub-folder they live in, symlinked directories, oversized
files and folders. Problems are collected, never raised one at a time, because case authors fix cases in
batches; only :func:`load_case` turns them into a :class:`CaseError`.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from .model import (
    BRIEF_RE,
    MAX_CASE_BYTES,
    MAX_FILE_BYTES,
    NO_FIELD,
    CaseError,
    CaseProblem,
    CaseSpec,
    CaseText,
    Metric,
    ReviewerPrompt,
    Submission,
    files_under,
)
from .schema import schema_problems
from .validation import semantic_problems

# Editor and tool droppings that must neither be loaded nor change the version hash.
_IGNORED_DIRS = {"__pycache__", ".pytest_cache", ".ipynb_checkpoints", ".git", ".ruff_cache", ".mypy_cache"}
_IGNORED_FILES = {".DS_Store", "Thumbs.db"}
_IGNORED_SUFFIXES = (".pyc", ".pyo", "~", ".swp")


def _ignored(name: str) -> bool:
    return name in _IGNORED_FILES or name.endswith(_IGNORED_SUFFIXES)


def _home(rel: str) -> str:
    """The folder a file is handed out from: its top-level folder, checks/<visible|hidden|judge>/ for checks
    (each goes to a different run), "" for a file at the top level."""
    parts = rel.split("/")
    if len(parts) > 2 and parts[0] == "checks":
        return f"checks/{parts[1]}"
    return parts[0] if len(parts) > 1 else ""


def read_tree(folder: Path, shown: str) -> tuple[dict[str, bytes], list[CaseProblem]]:
    """All files under ``folder`` keyed by relative POSIX path, refusing unsafe symlinks and oversized files.
    ``shown`` is how the folder is named in problems."""
    files: dict[str, bytes] = {}
    problems: list[CaseProblem] = []
    root = folder.resolve()
    total = 0

    def refuse_link(p: Path, rel: str) -> bool:
        """True (and a problem recorded) if the symlink ``p`` must not be followed."""
        target = p.resolve()
        if not target.is_relative_to(root):
            problems.append(CaseProblem(f"{shown}/{rel}", NO_FIELD,
                                        f"symlink points outside the case folder (to {os.readlink(p)}); refused"))
            return True
        if target.is_dir():
            problems.append(CaseProblem(f"{shown}/{rel}", NO_FIELD,
                                        "symlinked directories are not allowed; copy the files instead"))
            return True
        # data/x -> ../solution/y would hand the reference solution to candidates as a download.
        to, home = target.relative_to(root).as_posix(), _home(rel)
        if _home(to) != home:
            own = f"its own folder {home}/" if home else "the top level of the case folder"
            problems.append(CaseProblem(f"{shown}/{rel}", NO_FIELD,
                                        f"symlink points at {to} (to {os.readlink(p)}), outside {own}; "
                                        "a symlink may only point at a file in the folder it lives in; refused"))
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
                    problems.append(CaseProblem(f"{shown}/{rel}", NO_FIELD, "broken symlink"))
                    continue
                if refuse_link(p, rel):
                    continue
            size = p.stat().st_size
            if size > MAX_FILE_BYTES:
                problems.append(CaseProblem(f"{shown}/{rel}", NO_FIELD,
                                            f"file is {size} bytes; the limit is {MAX_FILE_BYTES} bytes"))
                continue
            total += size
            files[rel] = p.read_bytes()
    if total > MAX_CASE_BYTES:
        problems.append(CaseProblem(shown, NO_FIELD,
                                    f"case folder holds {total} bytes; the limit is {MAX_CASE_BYTES} bytes"))
    return files, problems


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
        return None, [CaseProblem(file, NO_FIELD, f"not UTF-8: {exc}")]
    try:
        return yaml.safe_load(text), []
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        return None, [CaseProblem(file, NO_FIELD, f"YAML syntax error: {where}{problem}")]


def _build(data: dict[str, Any], files: Mapping[str, bytes], folder: Path) -> CaseSpec:
    ro = MappingProxyType
    briefs = {}
    for rel, content in files.items():
        m = BRIEF_RE.match(rel)
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
        starter_files=ro(files_under(files, "starter")),
        visible_checks=ro(files_under(files, "checks/visible")),
        hidden_checks=ro(files_under(files, "checks/hidden")),
        data_files=ro(files_under(files, "data")),
        solution_files=ro(files_under(files, "solution")),
        version=_version(files),
        path=folder,
        raw=ro(data),
        judge_checks=ro(files_under(files, "checks/judge")),
        judge_inputs=tuple((data.get("judge") or {}).get("inputs") or ()),
        case_yaml=files["case.yaml"],
        practice=bool(data.get("practice", False)),
        translations=ro({lang: _text(t) for lang, t in (data.get("translations") or {}).items()}),
        lib_checks=ro(files_under(files, "checks/lib")),
        check_names=ro(dict(data.get("check_names") or {})),
    )


def _text(t: dict[str, Any]) -> CaseText:
    """One ``translations.<lang>`` entry (already validated)."""
    return CaseText(t["title"], " ".join(str(t["summary"]).split()), tuple(t["review_focus"]),
                    check_names=MappingProxyType(dict(t.get("check_names") or {})),
                    check_messages=MappingProxyType(dict(t.get("check_messages") or {})),
                    reviewer_prompts=tuple(ReviewerPrompt(**p) for p in t.get("reviewer_prompts") or ()))


#: Fields whose rules grew after cases were first stored (texts in every language): a stored version is held to
#: the rules of its own day for these, not to today's, so work begun on it keeps its own checks and texts.
AUTHORING_ONLY = ("translations", "check_names", "check_messages")


def load_folder(folder: Path, *, stored: bool = False) -> tuple[CaseSpec | None, list[CaseProblem]]:
    """The case in ``folder`` and no problems, or None and every problem found. ``stored``: a version kept in the
    database (``services/case_versions``), which may lack texts today's rules require (AUTHORING_ONLY)."""
    shown = str(folder)
    if not folder.is_dir():
        return None, [CaseProblem(shown, NO_FIELD, "not a directory")]
    files, problems = read_tree(folder, shown)
    yaml_file = f"{shown}/case.yaml"
    if "case.yaml" not in files:
        if not (folder / "case.yaml").exists():
            problems.append(CaseProblem(yaml_file, NO_FIELD, "case.yaml is missing"))
        return None, problems
    data, yaml_problems = _parse_yaml(files["case.yaml"], yaml_file)
    problems += yaml_problems
    if yaml_problems:
        return None, problems
    if not isinstance(data, dict):
        problems.append(CaseProblem(yaml_file, NO_FIELD, "case.yaml must be a mapping of fields"))
        return None, problems
    problems += schema_problems(data, yaml_file)
    problems += semantic_problems(data, files, folder.name, shown)
    if stored:
        problems = [p for p in problems if not p.field.startswith(AUTHORING_ONLY)]
    if problems:
        return None, problems
    return _build(data, files, folder), []


def load_case(path: str | os.PathLike[str], *, stored: bool = False) -> CaseSpec:
    """Load one case folder (``stored``: see load_folder); raises :class:`CaseError` listing every problem found."""
    case, problems = load_folder(Path(path), stored=stored)
    if problems or case is None:
        raise CaseError(problems)
    return case
