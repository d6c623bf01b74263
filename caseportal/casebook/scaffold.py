"""Scaffolding for ``caseportal cases new``: a new case folder that is valid from minute one.

The reference solution passes its checks and the starter fails them, so an author can run ``cases check``
before writing a line, then replace the TODOs.
"""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

from .model import KINDS, SLUG_RE

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
        judge_files = {"checks/judge/test_judge.py": check.format(name="judge")}
        judge_inputs = '["index.html"]'
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
        judge_files = {
            "checks/hidden/test_hidden.py": textwrap.dedent('''\
                """Probes: in full runs they call the candidate's code on hidden inputs and save what came back for
                the judge. No expected value belongs here: the candidate's code can read this folder."""
                from caseportal_check import probe
                from solution import top_items


                @probe
                def test_ties_by_name():
                    return top_items({"a": 2, "c": 5, "b": 2}, 3)
                '''),
            "checks/judge/answers.json": '{"ties_by_name": {"value": ["c", "a", "b"]}}\n',
            "checks/judge/test_judge.py": textwrap.dedent('''\
                """Judge checks: compare the probes' observations with answers.json, in a container without
                candidate code."""
                from pathlib import Path

                from caseportal_check import judge_against

                judge_against(globals(), Path(__file__).with_name("answers.json"))
                '''),
        }
        judge_inputs = "[]"
    yaml_text = textwrap.dedent(f"""\
        # Case definition; fields are described in docs/cases.md and caseportal/casebook/case_schema.json.
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
        judge:
          inputs: {judge_inputs}
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
        **judge_files,
    }


def scaffold(root: str | os.PathLike[str], slug: str, kind: str) -> Path:
    """Create a new, valid case folder ``root/slug`` full of TODOs; the reference solution
    passes its checks and the starter fails them, so ``cases check`` works from minute one."""
    if not SLUG_RE.match(slug) or not 3 <= len(slug) <= 64:
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
