"""The import graph of caseportal/ and sandbox/: no cycles, no audience importing another, a sandbox without the app.

A cycle that only works because one side imports late (inside a function) is still a cycle: it hides which
module depends on which. Imports inside ``if TYPE_CHECKING:`` are left out, since they never run.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("caseportal", "sandbox")
AUDIENCES = ("auth", "manage", "candidate", "review")
#: What the sandbox must never import: it runs without the app, the web framework and the database.
SANDBOX_FORBIDDEN = ("caseportal", "flask", "sqlalchemy")

Graph = dict[str, set[str]]


def module_files(root: Path, packages: Iterable[str] = PACKAGES) -> dict[str, tuple[Path, bool]]:
    """Module name -> (file, is_package). ``x/__init__.py`` wins over ``x.py``, as it does for Python."""
    found: dict[str, tuple[Path, bool]] = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            is_package = parts[-1] == "__init__"
            name = ".".join(parts[:-1] if is_package else parts)
            if name not in found or is_package:
                found[name] = (path, is_package)
    return found


def _type_checking_only(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(nodes: Iterable[ast.AST]) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import that can run, at any depth (functions included), skipping ``if TYPE_CHECKING:`` bodies."""
    for node in nodes:
        if isinstance(node, ast.If) and _type_checking_only(node):
            yield from _imports(node.orelse)
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        yield from _imports(ast.iter_child_nodes(node))


def imported_names(module: str, is_package: bool, tree: ast.AST, modules: Iterable[str] = ()) -> set[str]:
    """Absolute dotted names this module imports.

    ``from X import Y`` names the module X.Y when that is one of ``modules``, else X (Y is a name in X); a
    parent package counts only when a name is taken from it, as every submodule import runs its parents anyway.
    """
    known = set(modules)
    names: set[str] = set()
    package = module if is_package else module.rpartition(".")[0]
    for node in _imports([tree]):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
            continue
        base = node.module or ""
        if node.level:
            anchor = package.split(".")
            anchor = anchor[: len(anchor) - (node.level - 1)]
            base = ".".join([*anchor, base] if base else anchor)
        for alias in node.names:
            names.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base)
    return names


def import_graph(root: Path, packages: Iterable[str] = PACKAGES) -> tuple[Graph, dict[str, set[str]]]:
    """(edges between our modules, every dotted name each module imports)."""
    files = module_files(root, packages)
    graph: Graph = {}
    raw: dict[str, set[str]] = {}
    for module, (path, is_package) in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        raw[module] = imported_names(module, is_package, tree, files)
        graph[module] = {n for n in raw[module] if n in files and n != module}
    return graph, raw


def groups(graph: Graph) -> list[set[str]]:
    """Groups of modules that import each other: Tarjan's strongly connected components (iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[set[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component: set[str] = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    components.append(component)
    return sorted(components, key=min)


def cycles(graph: Graph) -> list[list[str]]:
    """One concrete cycle per group, through the group's first module."""
    return [_one_cycle(graph, group) for group in groups(graph)]


def _one_cycle(graph: Graph, component: set[str]) -> list[str]:
    """The shortest way from the component's first module back to itself, for a readable message."""
    start = min(component)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        following: list[str] = []
        for node in frontier:
            for child in sorted(graph[node] & component):
                if child == start:
                    return [*paths[node], start]
                if child not in paths:
                    paths[child] = [*paths[node], child]
                    following.append(child)
        frontier = following
    return sorted(component)


def audience_crossings(graph: Graph, web: str = "caseportal.web") -> list[str]:
    """Imports from one audience's package into another's (each audience is its own room)."""
    def audience(module: str) -> str | None:
        for name in AUDIENCES:
            if module == f"{web}.{name}" or module.startswith(f"{web}.{name}."):
                return name
        return None

    return sorted(f"{m} -> {t}" for m, targets in graph.items() for t in targets
                  if audience(m) and audience(t) and audience(m) != audience(t))


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")


def test_the_checker_sees_a_cycle_hidden_in_a_function(tmp_path: Path) -> None:
    _write(tmp_path, {
        "caseportal/__init__.py": "",
        "caseportal/jobs.py": "def build():\n    from .worker import run\n",
        "caseportal/worker.py": "from caseportal import jobs\n",
        "caseportal/current.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .typed import T\n",
        "caseportal/typed.py": "from . import current\n",
    })
    graph, _ = import_graph(tmp_path, ["caseportal"])
    assert cycles(graph) == [["caseportal.jobs", "caseportal.worker", "caseportal.jobs"]]


def test_the_checker_sees_one_audience_importing_another(tmp_path: Path) -> None:
    _write(tmp_path, {
        "caseportal/web/__init__.py": "",
        "caseportal/web/common.py": "",
        "caseportal/web/review/__init__.py": "",
        "caseportal/web/review/points.py": "from ..common import x\nfrom ..manage.meetings import y\n",
        "caseportal/web/manage/__init__.py": "",
        "caseportal/web/manage/meetings.py": "from caseportal.web import common\n",
    })
    graph, _ = import_graph(tmp_path, ["caseportal"])
    assert audience_crossings(graph) == ["caseportal.web.review.points -> caseportal.web.manage.meetings"]


def test_no_import_cycles_in_caseportal_or_sandbox() -> None:
    graph, _ = import_graph(REPO_ROOT)
    found = [(_one_cycle(graph, group), group) for group in groups(graph)]
    assert not found, "import cycles:\n" + "\n".join(
        " -> ".join(cycle) + (f"  (one of {len(group)} modules in a knot: {', '.join(sorted(group))})"
                              if len(group) >= len(cycle) else "")
        for cycle, group in found)


def test_no_audience_imports_another() -> None:
    graph, _ = import_graph(REPO_ROOT)
    crossings = audience_crossings(graph)
    assert crossings == [], "one audience's package imports another's:\n" + "\n".join(crossings)


def test_the_sandbox_imports_neither_the_app_nor_flask_nor_a_database() -> None:
    _, raw = import_graph(REPO_ROOT)
    bad = sorted(f"{m} -> {n}" for m, names in raw.items() if m == "sandbox" or m.startswith("sandbox.")
                 for n in names if n.split(".")[0] in SANDBOX_FORBIDDEN)
    assert bad == [], "the sandbox must run without the app:\n" + "\n".join(bad)
