"""Cross-checks between case.yaml and the folder's files that a JSON Schema cannot express.

Briefs and texts (check names, reviewer prompts) for every listed language, only known entries, one copy of
each check helper (checks/lib/), the checks a runtime needs, globs that match files,
``command`` paths that a run mounts, a judge that has its tests, and brief links that a candidate can follow.
Each rule adds a :class:`CaseProblem` and carries on, so an author sees every problem in one pass.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Any

from . import check_texts, links
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
    out += _lib_problems(files, shown)
    out += _check_text_problems(data, files, shown)
    out += _judge_problems(data, files, shown)
    out += _command_problems(data, files, shown)
    out += _brief_link_problems(files, shown)
    out += _practice_problems(data, shown)
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
                                   f"language {lang!r} is listed: give its title, summary and review_focus, "
                                   "its reviewer_prompts and the check_names of the visible checks"))
    for lang, text in translations.items():  # one for an unlisted language is unused, as an unlisted brief is
        if lang == "en":
            out.append(CaseProblem(yaml_file, "translations.en", "English is the top-level fields; remove this"))
        for name in ("review_focus", "reviewer_prompts"):
            theirs = text.get(name) if isinstance(text, dict) else None
            english = data.get(name)
            if isinstance(theirs, list) and isinstance(english, list) and len(theirs) != len(english):
                out.append(CaseProblem(yaml_file, f"translations.{lang}.{name}",
                                       f"has {len(theirs)} items; the English {name} has {len(english)}"))
    return out


def _check_text_problems(data: dict[str, Any], files: Mapping[str, bytes], shown: str) -> list[CaseProblem]:
    """Each listed language names every visible check a reader can find in checks/visible/, and a translated
    message uses only the ``{names}`` its English template captures (docs/cases.md, "Check names and messages").
    Names that only exist at run time (an advisory named by a variable) are proven by ``cases check``."""
    out: list[CaseProblem] = []
    yaml_file = f"{shown}/case.yaml"
    listed = data.get("languages")
    languages = [x for x in listed if isinstance(x, str) and x != "en"] if isinstance(listed, list) else []
    block = data.get("translations")
    translations: dict[str, Any] = block if isinstance(block, dict) else {}
    visible = check_texts.visible_check_names(files_under(files, "checks/visible"))
    for lang in languages:
        text = translations.get(lang)
        if not isinstance(text, dict):
            continue  # reported by _translation_problems
        given = text.get("check_names")
        names: dict[str, Any] = given if isinstance(given, dict) else {}
        missing = [n for n in visible if n not in names]
        if missing:
            out.append(CaseProblem(yaml_file, f"translations.{lang}.check_names",
                                   f"give a name in {lang!r} to every visible check; missing: {', '.join(missing)}"))
        messages = text.get("check_messages")
        for english, theirs in (messages.items() if isinstance(messages, dict) else ()):
            extra = set(check_texts.placeholders(str(theirs))) - set(check_texts.placeholders(str(english)))
            if extra:
                out.append(CaseProblem(yaml_file, f"translations.{lang}.check_messages",
                                       f"{str(theirs)[:60]!r} uses {', '.join(sorted(extra))}, which its English "
                                       "template does not capture"))
    return out


def _lib_problems(files: Mapping[str, bytes], shown: str) -> list[CaseProblem]:
    """checks/lib/ holds helper modules, one copy each, that the candidate's checks need: everything in it is
    mounted into the candidate's container, so a helper only the judge uses belongs in checks/judge/."""
    out: list[CaseProblem] = []
    lib = files_under(files, "checks/lib")
    if not lib:
        return out
    modules = {PurePosixPath(rel).parts[0].removesuffix(".py") for rel in lib}
    for rel in lib:
        if PurePosixPath(rel).name.startswith("test_"):
            out.append(CaseProblem(f"{shown}/checks/lib/{rel}", NO_FIELD,
                                   "checks/lib/ holds helpers, not checks: move test_*.py to visible/ or judge/"))
    used = check_texts.imports_of({**files_under(files, "checks/visible"), **files_under(files, "checks/hidden")})
    if not modules & used:
        out.append(CaseProblem(f"{shown}/checks/lib", NO_FIELD,
                               "no visible or hidden check imports checks/lib/, yet it is mounted into the "
                               "candidate's container: keep a helper only the judge uses in checks/judge/"))
    for sub in ("visible", "hidden", "judge"):
        for rel in files_under(files, f"checks/{sub}"):
            if PurePosixPath(rel).parts[0].removesuffix(".py") in modules:
                out.append(CaseProblem(f"{shown}/checks/{sub}/{rel}", NO_FIELD,
                                       "checks/lib/ has a module of this name: keep one copy, in checks/lib/"))
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
            out.append(CaseProblem(f"{shown}/{rel}", NO_FIELD,
                                   "checks/ may only hold visible/, hidden/, judge/ and lib/"))
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
    elif runtime == "none" and (checks_visible or checks_hidden or files_under(files, "checks/lib")):
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
               if k.startswith(("checks/visible/", "checks/hidden/", "checks/lib/", "data/"))}
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


#: The longest warm-up: it is a taste of the workspace before the real case, not a second case.
PRACTICE_MAX_MINUTES = 15


def _practice_problems(data: dict[str, Any], shown: str) -> list[CaseProblem]:
    """A practice case is a few minutes of edit, run the checks, see a result: it needs a runtime, takes no
    uploads and stays short (docs/cases.md, "Practice cases")."""
    if data.get("practice") is not True:
        return []
    out: list[CaseProblem] = []
    yaml_file = f"{shown}/case.yaml"
    if data.get("runtime") == "none":
        out.append(CaseProblem(yaml_file, "practice", "a practice case is about running checks: give it a runtime"))
    block = data.get("submission")
    if isinstance(block, dict) and block.get("uploads"):
        out.append(CaseProblem(yaml_file, "practice", "a practice case is done in the page: set uploads to false"))
    minutes = data.get("time_estimate_minutes")
    if isinstance(minutes, int) and minutes > PRACTICE_MAX_MINUTES:
        out.append(CaseProblem(yaml_file, "practice",
                               f"a practice case takes at most {PRACTICE_MAX_MINUTES} minutes, not {minutes}"))
    return out
