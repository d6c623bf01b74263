"""`caseportal cases ...` and `caseportal sandbox ...`: plain click groups, no Flask app needed.

They are registered on the main CLI as ``cases`` and ``sandbox`` (see caseportal/cli.py), and
work on their own too, which keeps them fast and easy to test with click's CliRunner.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import click

from .casebook import KINDS, CaseError, default_library_root, load_case, load_library, scaffold, validate

if TYPE_CHECKING:
    from sandbox import RunResult

    from .case_runs import CaseCheckRow, Checks

__all__ = ["cases_cli", "sandbox_cli", "read_submission_dir"]

#: A local submission folder larger than this is surely a mistake (a venv, node_modules...).
MAX_SUBMISSION_BYTES = 50_000_000
_SKIP_DIRS = {".git", "__pycache__", ".pytest_cache", ".ipynb_checkpoints", ".venv", "node_modules"}
_STATUS_MARK = {"passed": "PASS", "failed": "FAIL", "error": "ERR ", "advisory": "ADV "}


# --------------------------------------------------------------------------- cases


@click.group("cases")
def cases_cli() -> None:
    """The case library: validate, check against the sandbox, scaffold new cases."""


@cases_cli.command("validate")
@click.argument("path", required=False, type=click.Path(path_type=Path))
def validate_cmd(path: Path | None) -> None:
    """Validate a case folder or a whole library (default: $CASEPORTAL_CASES_DIR or cases/)."""
    target = path or default_library_root()
    problems = validate(target)
    for p in problems:
        click.echo(str(p))
    if problems:
        click.echo(f"{len(problems)} problem(s) in {target}", err=True)
        sys.exit(1)
    if (target / "case.yaml").exists():
        click.echo(f"{target}: OK")
    else:
        lib = load_library(target)
        practice = f", and {len(lib.practice)} practice case(s)" if lib.practice else ""
        click.echo(f"{target}: {len(lib)} case(s) OK{practice}")


@cases_cli.command("check")
@click.argument("slugs", nargs=-1)
@click.option("--root", type=click.Path(path_type=Path), default=None, help="library root (default: cases/)")
@click.option("--image", "image_ref", default=None, help="run with this image instead of the runtime's")
@click.option("--ensure-images", is_flag=True, help="build missing runtime images first")
def check_cmd(slugs: tuple[str, ...], root: Path | None, image_ref: str | None, ensure_images: bool) -> None:
    """Prove the checks of cases in the sandbox: the reference solution passes every check and the
    untouched starter fails at least one hidden check."""
    from .case_runs import check_case

    library = load_library(root or default_library_root())
    for p in library.problems:
        click.echo(str(p), err=True)
    found = {s: library.find(s) for s in slugs}  # practice cases (the warm-up) are proven like the others
    unknown = [s for s, c in found.items() if c is None]
    if unknown:
        raise click.UsageError(f"unknown or invalid case(s): {', '.join(unknown)}")
    selected = [c for c in found.values() if c is not None] if slugs else library.every_case()
    if ensure_images:
        from sandbox.images.build import ensure_images as build

        build(sorted({c.runtime for c in selected if c.runtime != "none"}), log=lambda m: click.echo(m, err=True))
    rows: list[CaseCheckRow] = []
    for case in selected:
        click.echo(f"checking {case.slug} ...", err=True)
        rows.extend(check_case(case, image_ref=image_ref).rows)
    width = max([len(r.slug) for r in rows] + [4])
    click.echo(f"{'CASE':<{width}}  {'RUN':<9}  {'OK':<4}  {'OUTCOME':<11}  {'TIME':>6}  DETAIL")
    for r in rows:
        click.echo(f"{r.slug:<{width}}  {r.subject:<9}  {'yes' if r.ok else 'NO':<4}  {r.outcome:<11}  "
                   f"{r.duration_s:>5.1f}s  {r.detail}")
    if library.problems or not all(r.ok for r in rows):
        sys.exit(1)


@cases_cli.command("new")
@click.argument("slug")
@click.option("--kind", type=click.Choice(KINDS), required=True)
@click.option("--root", type=click.Path(path_type=Path), default=None, help="library root (default: cases/)")
def new_cmd(slug: str, kind: str, root: Path | None) -> None:
    """Scaffold a new, valid case folder full of TODOs."""
    try:
        folder = scaffold(root or default_library_root(), slug, kind)
    except (ValueError, FileExistsError) as exc:
        raise click.UsageError(str(exc)) from exc
    click.echo(f"created {folder}")
    click.echo("next: write brief.md, the starter, the checks and the solution; then "
               f"`caseportal cases validate {folder}` and `caseportal cases check {slug}`")


# --------------------------------------------------------------------------- sandbox


def read_submission_dir(folder: Path) -> dict[str, bytes]:
    """Files of a local submission folder keyed by relative POSIX path; symlinks are refused so a
    submission can't smuggle in files from elsewhere on the host."""
    files: dict[str, bytes] = {}
    total = 0
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if any(part in _SKIP_DIRS for part in rel.parts) or path.suffix == ".pyc":
            continue
        if path.is_symlink():
            raise click.UsageError(f"{path} is a symlink; submissions may only hold regular files")
        if path.is_file():
            total += path.stat().st_size
            if total > MAX_SUBMISSION_BYTES:
                raise click.UsageError(f"{folder} holds more than {MAX_SUBMISSION_BYTES} bytes")
            files[rel.as_posix()] = path.read_bytes()
    return files


def _result_json(result: RunResult, artifacts_saved: dict[str, str] | None) -> dict[str, Any]:
    data = result.to_dict()
    # Artifacts can be megabytes of screenshots: list names and sizes, not base64 blobs.
    data["artifacts"] = {name: {"bytes": len(blob), **({"path": artifacts_saved[name]} if artifacts_saved else {})}
                         for name, blob in result.artifacts.items()}
    return data


@click.group("sandbox")
def sandbox_cli() -> None:
    """Run submissions against cases in the sandbox."""


@sandbox_cli.command("run")
@click.argument("case_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("submission_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="print exactly one JSON object")
@click.option("--checks", type=click.Choice(["visible", "all"]), default="visible", show_default=True)
@click.option("--image", "image_ref", default=None, help="run with this image instead of the runtime's")
@click.option("--artifacts-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="write the run's artifacts (screenshots, notebooks) here")
def run_cmd(case_dir: Path, submission_dir: Path, as_json: bool, checks: str, image_ref: str | None,
            artifacts_dir: Path | None) -> None:
    """Run SUBMISSION_DIR against the case in CASE_DIR.

    Exits 0 when the run completed, whatever its outcome; 3 on a sandbox (infrastructure) error;
    2 for usage errors (an invalid case, a case without automated checks).
    """
    from sandbox import Outcome

    from .case_runs import NoAutomatedChecks, execute

    try:
        case = load_case(case_dir)
    except CaseError as exc:
        for p in exc.problems:
            click.echo(str(p), err=True)
        raise click.UsageError(f"{case_dir} is not a valid case") from exc
    files = read_submission_dir(submission_dir)
    try:  # a full run of a case with a judge runs it too, as after a hand-in
        result = execute(case, files, cast("Checks", checks), image_ref=image_ref)  # click.Choice checked it
    except NoAutomatedChecks as exc:
        raise click.UsageError(str(exc)) from exc

    saved: dict[str, str] | None = None
    if artifacts_dir is not None and result.artifacts:
        saved = {}
        root = artifacts_dir.resolve()
        for name, blob in result.artifacts.items():
            target = (root / name).resolve()
            if not target.is_relative_to(root):
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(blob)
            saved[name] = str(target)

    if as_json:
        click.echo(json.dumps(_result_json(result, saved)))
    else:
        click.echo(f"{case.slug}: {result.outcome} in {result.duration_s:.1f}s ({checks} checks)")
        for c in result.checks:
            where = "" if c.visible else " [hidden]"
            first = next((s for s in c.message.splitlines() if s.strip()), "")
            click.echo(f"  {_STATUS_MARK.get(c.status, c.status)} {c.name}{where}" + (f": {first}" if first else ""))
        for k, v in sorted(result.metrics.items()):
            click.echo(f"  metric {k} = {v:.6g}")
        for name, blob in sorted(result.artifacts.items()):
            click.echo(f"  artifact {name} ({len(blob)} bytes)" + (f" -> {saved[name]}" if saved else ""))
        if result.explanation:
            click.echo(result.explanation)
        if result.outcome is not Outcome.passed:
            for label, text in (("stdout", result.stdout), ("stderr", result.stderr)):
                if text.strip():
                    click.echo(f"--- {label} (last 40 lines) ---")
                    click.echo("\n".join(text.rstrip().splitlines()[-40:]))
    if result.outcome is Outcome.infra_error:
        sys.exit(3)
