"""Check names and check messages in the visitor's language, and finding a case's visible checks in its files.

A check's name and message come out of the candidate's container in English, as the check's author wrote them.
Their translations live in case.yaml (``check_names``, ``translations.<lang>.check_names`` and
``check_messages``), so nothing about languages enters a run and authors keep writing plain asserts: the app
recognises a message by its English template (``"export sums to {got}, PDF says {want}"``) and fills the same
``{names}`` into the translation when it shows the run (docs/cases.md, "Check names and messages").
"""

from __future__ import annotations

import ast
import re
import threading
from collections.abc import Iterable, Iterator, Mapping
from functools import lru_cache
from pathlib import PurePosixPath
from typing import Any

from .model import CaseSpec, CaseText

__all__ = ["display_checks", "placeholders", "visible_check_names", "untranslated", "imports_of"]

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
#: The line of pytest's report that carries a check's own words: ``E   AssertionError: the total is 3`` (an
#: assert's message) or ``E   Failed: ...`` (pytest.fail). Python's own errors and pytest's ``assert a == b``
#: explanation are code, not the check's words, and stay as they are.
_RAISED = re.compile(r"^E   (?:AssertionError|Failed): (.+)$")
#: The first line of a traceback entry in pytest's short report: ``/case/checks/visible/test_x.py:12: in test_x``.
_LOCATION = re.compile(r"^\S+:\d+: in \S+")
#: How caseportal_check.advisory words its verdict in front of the message.
_VERDICTS = ("not ok", "ok")


def placeholders(template: str) -> list[str]:
    """The ``{names}`` of a message template, in order."""
    return _PLACEHOLDER.findall(template)


@lru_cache(maxsize=512)
def _pattern(template: str) -> re.Pattern[str]:
    """A regex that matches a message written from ``template`` and captures each ``{name}``."""
    out, seen, pos = [], set(), 0
    for m in _PLACEHOLDER.finditer(template):
        out.append(re.escape(template[pos:m.start()]))
        name = m.group(1)
        out.append(f"(?P={name})" if name in seen else f"(?P<{name}>.+?)")
        seen.add(name)
        pos = m.end()
    out.append(re.escape(template[pos:]))
    return re.compile("".join(out), re.S)


def _fill(template: str, values: Mapping[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)


def _sentences(message: str) -> Iterator[tuple[str, str]]:
    """Where a check's own words sit in its message: (verdict, text) pairs; verdict is an advisory's "ok"/"not
    ok" or "". The advisory's whole text, the text of each ``E`` line of a pytest report, else the message."""
    stripped = message.strip()
    for verdict in _VERDICTS:
        if stripped == verdict or stripped.startswith(verdict + ": "):
            yield verdict, stripped[len(verdict) + 2:]
            return
    lines = message.splitlines()
    raised = [m.group(1).strip() for line in lines if (m := _RAISED.match(line))]
    yield from (("", text) for text in raised if text and not text.startswith("assert "))
    report = any(line.startswith("E   ") or _LOCATION.match(line) for line in lines)
    if not report and stripped and not stripped.startswith("assert "):
        yield "", stripped  # a skip's reason, or pytest.fail(..., pytrace=False): the words alone


def _say(text: str, table: Mapping[str, str], nested: bool = True) -> str | None:
    """``text`` in the table's language, or None. A captured value that is itself a message (a helper's
    ``"{message} (waited {s} s)"`` around the check's own words) is translated too, one level deep."""
    for english, theirs in table.items():
        m = _pattern(english).fullmatch(text)
        if m:
            values = {k: (_say(v, table, nested=False) if nested else None) or v for k, v in m.groupdict().items()}
            return _fill(theirs, values)
    return None


def _translate(message: str, table: Mapping[str, str]) -> tuple[str, str, bool]:
    """(message with its sentence translated, the translated sentence, whether one was found)."""
    for _verdict, text in _sentences(message):
        said = _say(text, table)
        if said is not None:
            return message.replace(text, said, 1), said, True
    return message, "", False


def _name(raw: str, names: Mapping[str, str]) -> str:
    """The display name of check ``raw``; a parametrised ``test_x[a]`` shows the name of ``test_x`` and ``[a]``."""
    if raw in names:
        return names[raw]
    base, bracket, rest = raw.partition("[")
    if bracket and base in names:
        return f"{names[base]} [{rest}"
    return ""


def display_checks(case: CaseSpec | None, checks: Iterable[Mapping[str, Any]], lang: str,
                   verdicts: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """Check rows as a visitor reads them in ``lang``: ``name`` is the display name (falling back to English,
    then to the checker's name), ``check`` the checker's name, ``message`` the raw message with the check's own
    sentence in ``lang`` where case.yaml has it, ``text`` that sentence alone ("" when there is none in ``lang``).
    ``verdicts`` words an advisory's "ok"/"not ok" in ``lang`` (the caller translates them)."""
    english = case.text("en") if case else CaseText("", "", ())
    text = case.text(lang) if case else english
    table = dict(text.check_messages) if lang != "en" else {}
    out = []
    for check in checks:
        raw, message = str(check.get("name", "")), str(check.get("message", ""))
        label = _name(raw, text.check_names) or _name(raw, english.check_names) or raw
        sentence = ""
        if table:
            message, sentence, _found = _translate(message, table)
        elif lang == "en":
            sentence = next((t for _v, t in _sentences(message)), "")
        if verdicts:
            for verdict in _VERDICTS:
                if message == verdict or message.startswith(verdict + ": "):
                    message = verdicts.get(verdict, verdict) + message[len(verdict):]
                    break
        out.append({**check, "name": label, "check": raw, "message": message, "text": sentence})
    return out


def untranslated(case: CaseSpec, checks: Iterable[Mapping[str, Any]]) -> list[str]:
    """What a visitor in another language would read in English among ``checks`` (visible ones from a real run):
    a check without a display name, a message case.yaml has no translation for. Used by ``cases check``."""
    out = []
    for lang in case.languages:
        if lang == "en":
            continue
        text = case.text(lang)
        for check in checks:
            raw, message = str(check.get("name", "")), str(check.get("message", ""))
            if not _name(raw, text.check_names):
                out.append(f"{lang}: no name for check {raw!r}")
            if any(t for _v, t in _sentences(message)) and not _translate(message, text.check_messages)[2]:
                first = next(t for _v, t in _sentences(message) if t)
                out.append(f"{lang}: no translation of {raw}'s message {first[:120]!r}")
    return list(dict.fromkeys(out))


# --------------------------------------------------------------------------- reading check files


#: CPython 3.11 keeps the AST converter's recursion depth in shared module state, so two threads parsing at once
#: can fail with "SystemError: AST constructor recursion depth mismatch" (python/cpython#106905): one at a time.
_PARSE_LOCK = threading.Lock()


def _parse(source: bytes) -> ast.Module | None:
    try:
        with _PARSE_LOCK:
            return ast.parse(source)
    except (SyntaxError, ValueError):
        return None


def visible_check_names(files: Mapping[str, bytes]) -> list[str]:
    """The checks ``checks/visible/test_*.py`` report under a name one can read off the source: test functions,
    ``TestClass::test_method`` and ``advisory("name", ...)`` calls with a literal name. ``files`` are keyed by
    their path in checks/visible/."""
    names: list[str] = []
    for rel in sorted(files):
        path = PurePosixPath(rel)
        if not (path.name.startswith("test_") and path.suffix == ".py"):
            continue
        tree = _parse(files[rel])
        if tree is None:
            continue
        for node in tree.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test_"):
                names.append(node.name)
            elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
                names += [f"{node.name}::{f.name}" for f in node.body
                          if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef) and f.name.startswith("test_")]
        for call in ast.walk(tree):
            if (isinstance(call, ast.Call) and getattr(call.func, "id", getattr(call.func, "attr", "")) == "advisory"
                    and call.args and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str)):
                names.append(call.args[0].value)
    return list(dict.fromkeys(names))


def imports_of(files: Mapping[str, bytes]) -> set[str]:
    """The top-level module names the Python files in ``files`` import."""
    found: set[str] = set()
    for rel, source in files.items():
        tree = _parse(source) if rel.endswith(".py") else None
        for node in ast.walk(tree) if tree else ():
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.add(node.module.split(".")[0])
    return found
