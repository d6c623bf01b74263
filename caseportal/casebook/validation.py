"""Cross-checks between case.yaml and the folder's files that a JSON Schema cannot express.

Briefs for every listed language, only known entries, the checks a runtime needs, globs that match files,
``command`` paths that a run mounts, a judge that has its tests, and brief links that a candidate can follow.
Each rule adds a :class:`CaseProblem` and carries on, so an author sees every problem in one pass.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Any

from . import links
from .model import BRIEF_RE, CHECK_DIRS, NO_FIELD, TOP_LEVEL, CaseProblem, files_under


def semantic_problems(data: dict[str, Any], files: Mapping[str, bytes], folder_name: str,
                      shown: str) -> list[CaseProblem]:
    """Every rule of docs/cases.md beyond the schema; ``shown`` is how the case folder is named in problems."""
    out: list[CaseProblem] = []
    slug = data.get("slug")
    if isinstance(slug, str) and slug != folder_name:
        out.append(CaseProblem(f"{shown}/case.yaml", "slug",
                               f"slug {slug!r} does not match the folder name {folder_name!r}"))
    out += _brief_problems(data, files, shown)
    out += _translation_problems(data, shown)
    out += _layout_problems(files, shown)
    out += _submission_problems(data, files, shown)
    out += _check_problems(data, files, shown)
    out += _judge_problems(data, files, shown)
    out += _command_problems(data, files, shown)
    out += _brief_link_problems(files, shown)
    return out


def _has_test(files: Mapping[str, bytes]) -> bool:
    return any(PurePosixPath(n).name.startswith("test_") and n.endswith(".py") for n in files)


def _brief_problems(data: dict[str, Any], files: Mapping[str, bytes], shown: str) -> list[CaseProblem]:
    """Each language in ``languages`` has a non-empty brief, and each brief's language is listed."""
    out: list[CaseProblem] = []
    listed = data.get("languages")
    languages: list[Any] = listed if isinstance(listed, list) else ["en"]
    brief_langs = {}
    for rel in files:
        m = BRIEF_RE.match(rel)
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
    return out


def _translation_problems(data: dict[str, Any], shown: str) -> list[CaseProblem]:
    """Each listed language besides English has its title, summary and focus, so no candidate reads a mix."""
    out: list[CaseProblem] = []
    yaml_file = f"{shown}/case.yaml"
    listed = data.get("languages")
    languages = [x for x in listed if isinstance(x, str)] if isinstance(listed, list) else []
    block = data.get("translations")
    translations: dict[str, Any] = block if isinstance(block, dict) else {}
    for lang in languages:
        if lang != "en" and lang not in translations:
            out.append(CaseProblem(yaml_file, f"translations.{lang}",
                                   f"language {lang!r} is listed: give its title, summary and review_focus"))
    for lang, text in translations.items():  # one for an unlisted language is unused, as an unlisted brief is
        if lang == "en":
            out.append(CaseProblem(yaml_file, "translations.en", "English is the top-level fields; remove this"))
        focus = text.get("review_focus") if isinstance(text, dict) else None
        english = data.get("review_focus")
        if isinstance(focus, list) and isinstance(english, list) and len(focus) != len(english):
            out.append(CaseProblem(yaml_file, f"translations.{lang}.review_focus",
                                   f"has {len(focus)} items; the English review_focus has {len(english)}"))
    return out


def _layout_problems(files: Mapping[str, bytes], shown: str) -> list[CaseProblem]:
    """Only the documented entries at the top level and in checks/."""
    out: list[CaseProblem] = []
    for rel in files:
        top = rel.split("/", 1)[0]
        if top not in TOP_LEVEL and not BRIEF_RE.match(rel):
            out.append(CaseProblem(f"{shown}/{rel}", NO_FIELD,
                                   f"unexpected entry {top!r} (allowed: {', '.join(sorted(TOP_LEVEL))}, brief*.md)"))
        if rel.startswith("checks/") and rel.split("/")[1] not in CHECK_DIRS:
            out.append(CaseProblem(f"{shown}/{rel}", NO_FIELD, "checks/ may only hold visible/, hidden/ and judge/"))
    return out


def _submission_problems(data: dict[str, Any], files: Mapping[str, bytes], shown: str) -> list[CaseProblem]:
    """The candidate has something to work on, and every ``editable`` glob names a starter file."""
    out: list[CaseProblem] = []
    block = data.get("submission")
    submission: dict[str, Any] = block if isinstance(block, dict) else {}
    starter = files_under(files, "starter")
    if not starter and not submission.get("uploads"):
        out.append(CaseProblem(f"{shown}/starter", "submission",
                               "starter/ is empty or missing and uploads are off: "
                               "the candidate has nothing to work on"))
    editable = submission.get("editable")
    if isinstance(editable, list):
        for i, pattern in enumerate(editable):
            if isinstance(pattern, str) and not any(fnmatch.fnmatchcase(n, pattern) for n in starter):
                out.append(CaseProblem(f"{shown}/case.yaml", f"submission.editable[{i}]",
                                       f"glob {pattern!r} matches no file in starter/"))
    return out


def _check_problems(data: dict[str, Any], files: Mapping[str, bytes], shown: str) -> list[CaseProblem]:
    """A runtime needs visible and judge tests and a reference solution (the verdict of a full run is the judge's,
    docs/cases.md "The judge"); hidden probes are optional; ``runtime: none`` has no checks."""
    out: list[CaseProblem] = []
    runtime = data.get("runtime")
    checks_visible = files_under(files, "checks/visible")
    checks_hidden = files_under(files, "checks/hidden")
    if runtime in ("python", "datasci", "browser"):
        for sub, found in (("checks/visible", checks_visible), ("checks/judge", files_under(files, "checks/judge"))):
            if not _has_test(found):
                out.append(CaseProblem(f"{shown}/{sub}", "runtime",
                                       f"runtime {runtime} needs at least one test_*.py in {sub}/"))
        if not files_under(files, "solution"):
            out.append(CaseProblem(f"{shown}/solution", "runtime",
                                   "a reference solution is required so `cases check` can prove the checks"))
    elif runtime == "none" and (checks_visible or checks_hidden):
        out.append(CaseProblem(f"{shown}/checks", "runtime", "runtime none never runs checks; remove checks/"))
    return out


def _judge_problems(data: dict[str, Any], files: Mapping[str, bytes], shown: str) -> list[CaseProblem]:
    """checks/judge/ needs a test file and a runtime; ``judge.inputs`` globs must name files a submission has."""
    out: list[CaseProblem] = []
    judge = files_under(files, "checks/judge")
    if judge and not _has_test(judge):
        out.append(CaseProblem(f"{shown}/checks/judge", NO_FIELD, "checks/judge/ needs at least one test_*.py"))
    if judge and data.get("runtime") == "none":
        out.append(CaseProblem(f"{shown}/checks/judge", "runtime", "runtime none never runs checks; remove checks/"))
    block = data.get("judge")
    if isinstance(block, dict):
        if not judge:
            out.append(CaseProblem(f"{shown}/case.yaml", "judge", "a judge block needs checks/judge/ with test_*.py"))
        known = {**files_under(files, "starter"), **files_under(files, "solution")}
        for i, pattern in enumerate(block.get("inputs") or []):
            if isinstance(pattern, str) and not any(fnmatch.fnmatchcase(n, pattern) for n in known):
                out.append(CaseProblem(f"{shown}/case.yaml", f"judge.inputs[{i}]",
                                       f"glob {pattern!r} matches no file in starter/ or solution/"))
    return out


def _command_problems(data: dict[str, Any], files: Mapping[str, bytes], shown: str) -> list[CaseProblem]:
    """A ``command`` argument under /case/ names a file or folder a run mounts; ``runtime: none`` runs nothing."""
    out: list[CaseProblem] = []
    command = data.get("command")
    if not isinstance(command, list):
        return out
    yaml_file = f"{shown}/case.yaml"
    mounted = {f"/case/{k}" for k in files
               if k.startswith(("checks/visible/", "checks/hidden/", "data/"))}
    mounted_dirs = {str(PurePosixPath(m).parent) for m in mounted}
    for i, arg in enumerate(command):
        if isinstance(arg, str) and arg.startswith("/case/"):
            norm = arg.rstrip("/")
            if norm not in mounted and norm not in mounted_dirs:
                out.append(CaseProblem(yaml_file, f"command[{i}]", f"{arg} is not a file of this case"))
    if data.get("runtime") == "none":
        out.append(CaseProblem(yaml_file, "command", "runtime none runs nothing; remove command"))
    return out


def _brief_link_problems(files: Mapping[str, bytes], shown: str) -> list[CaseProblem]:
    """A brief (any language) may only link to files the candidate gets, or a candidate meets a dead link."""
    out: list[CaseProblem] = []
    for rel in sorted(files):
        if BRIEF_RE.match(rel):
            for link in links.brief_links(files[rel].decode("utf-8", errors="replace")):
                problem = links.link_problem(link, files)
                if problem:
                    out.append(CaseProblem(f"{shown}/{rel}", NO_FIELD, problem))
    return out

