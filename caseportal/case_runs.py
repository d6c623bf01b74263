"""Turning cases into sandbox runs, and proving a case's checks with ``check_case``.

This is the only module that joins the case library (casebook) and the sandbox: the worker and
the CLI call :func:`execute` to run a candidate's files, and ``caseportal cases check`` calls
:func:`check_case` so that a case can't ship with checks its own reference solution fails, or
that an untouched starter passes.

A full run of a case with ``checks/judge/`` has two stages: the candidate's container, then a
fresh judge container that gets only plain data (the ``judge.inputs`` files and the
``observations/`` artifacts) and the judge's answers. The answers never enter a container where
candidate code runs, because there the candidate's code shares the checker's process; for the same reason the
verdict and the metrics of a full run are the judge's (docs/sandbox-contract.md, "Whose word counts").
"""

from __future__ import annotations

import fnmatch
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

from sandbox import CheckResult, Limits, Outcome, RunResult, RunSpec
from sandbox import run as sandbox_run

from .casebook import CaseSpec, case_files_for_judge, case_files_for_run, check_env, reference_submission
from .casebook.check_texts import untranslated

__all__ = [
    "DEFAULT_COMMAND",
    "NoAutomatedChecks",
    "CaseCheckRow",
    "CaseCheckReport",
    "limits_for",
    "spec_for",
    "judge_spec_for",
    "judge_work_files",
    "merge_judge",
    "execute",
    "check_case",
]

DEFAULT_COMMAND: tuple[str, ...] = ("cp-pytest",)
Checks = Literal["visible", "all"]
Runner = Callable[[RunSpec], RunResult]
#: Artifacts under this folder of the candidate's run are handed to the judge.
OBSERVATIONS = "observations/"
#: The candidate stage's own endings that stand whatever the judge says.
_CANDIDATE_STOPS = (Outcome.timeout, Outcome.oom, Outcome.output_limit, Outcome.crashed)


class NoAutomatedChecks(ValueError):
    """The case has ``runtime: none``: reviewers read the files, nothing runs."""


def limits_for(case: CaseSpec) -> Limits:
    """The case's limits over the runner's defaults (case.yaml only names the four that matter)."""
    given = dict(case.limits)
    for name in ("memory_mb", "pids"):
        if name in given:
            given[name] = int(given[name])
    for name in ("cpus", "timeout_s"):
        if name in given:
            given[name] = float(given[name])
    return Limits.from_dict(given)


def spec_for(case: CaseSpec, files: Mapping[str, bytes], checks: Checks = "visible",
             image_ref: str | None = None, labels: Mapping[str, str] | None = None,
             sandbox_runtime: str | None = None) -> RunSpec:
    """The RunSpec for running ``files`` (a submission, keyed by path) against ``case``.

    ``checks="visible"`` is a candidate's practice run: hidden checks are not even mounted.
    ``image_ref`` overrides the runtime image (tests pin one); otherwise it is derived from the
    runtime with ``sandbox.images.build.image_for``. ``sandbox_runtime`` is the container
    runtime (e.g. ``"runsc"``); None lets the runner use ``$CASEPORTAL_SANDBOX_RUNTIME``.
    """
    if case.runtime == "none":
        raise NoAutomatedChecks(f"case {case.slug!r} has runtime none: there is nothing to run")
    if checks not in ("visible", "all"):
        raise ValueError(f"checks must be 'visible' or 'all', not {checks!r}")
    if image_ref is None:
        from sandbox.images.build import image_for  # imported late: it reads host apt config

        image_ref = image_for(case.runtime)
    return RunSpec(
        image=image_ref,
        command=case.command or DEFAULT_COMMAND,
        files=dict(files),
        case_files=case_files_for_run(case, checks),
        env={**check_env(case), "CASEPORTAL_CHECKS": checks},
        limits=limits_for(case),
        runtime=sandbox_runtime or None,
        labels={"caseportal.case": case.slug, "caseportal.case-version": case.version[:16],
                "caseportal.checks": checks, **dict(labels or {})},
    )


# --------------------------------------------------------------------------- the judge stage


def judge_work_files(case: CaseSpec, files: Mapping[str, bytes], artifacts: Mapping[str, bytes]) -> dict[str, bytes]:
    """What the judge gets in /work: submission files matching ``judge.inputs`` and the candidate run's
    ``observations/`` artifacts (observations win a clash: they are what the checks recorded)."""
    out = {name: blob for name, blob in files.items()
           if any(fnmatch.fnmatchcase(name, glob) for glob in case.judge_inputs)}
    out.update({name: blob for name, blob in artifacts.items() if name.startswith(OBSERVATIONS)})
    return out


def judge_spec_for(case: CaseSpec, files: Mapping[str, bytes], artifacts: Mapping[str, bytes], image_ref: str,
                   labels: Mapping[str, str] | None = None, sandbox_runtime: str | None = None) -> RunSpec:
    """The judge's RunSpec: same image and limits as the candidate's run, always plain ``cp-pytest`` (a case's
    own command may run candidate code), ``CASEPORTAL_CHECKS=judge``, and only data in /work."""
    return RunSpec(
        image=image_ref,
        command=DEFAULT_COMMAND,
        files=judge_work_files(case, files, artifacts),
        case_files=case_files_for_judge(case),
        env={**check_env(case), "CASEPORTAL_CHECKS": "judge"},
        limits=limits_for(case),
        runtime=sandbox_runtime or None,
        labels={"caseportal.case": case.slug, "caseportal.case-version": case.version[:16],
                **dict(labels or {}), "caseportal.checks": "judge"},
    )


def merge_judge(candidate: RunResult, judge: RunResult) -> RunResult:
    """One result from both stages; the verdict is the judge's.

    The candidate's container ran the candidate's code next to its checker, so anything it reported can be
    forged: of its checks only the visible ones stay (feedback the candidate can run anyway; its probes and
    anything its results file calls hidden are dropped), and none of its metrics. Judge checks are hidden
    whatever the judge's file says, and the judge's metrics are the run's. An infra error in the judge makes the
    run one (it is retried); the candidate's timeout/oom/crash stands; otherwise the run passes iff every
    counting check passed. A judge that ends without results adds an error check, so the run cannot pass."""
    def joined(mine: str, theirs: str) -> str:
        return mine + (("\n" if mine else "") + "--- judge ---\n" + theirs if theirs.strip() else "")

    stdout, stderr = joined(candidate.stdout, judge.stdout), joined(candidate.stderr, judge.stderr)
    duration = round(candidate.duration_s + judge.duration_s, 3)
    if judge.outcome is Outcome.infra_error:
        return replace(candidate, outcome=Outcome.infra_error, stdout=stdout, stderr=stderr, duration_s=duration,
                       explanation=judge.explanation, checks=(), metrics={})
    checks = [replace(c, visible=False) for c in judge.checks]
    if judge.outcome not in (Outcome.passed, Outcome.failed):
        checks.append(CheckResult("judge", "error", f"the judge stage ended with {judge.outcome}: "
                                  f"{judge.explanation}", visible=False))
    merged = (*[c for c in candidate.checks if c.visible], *checks)
    counted = [c for c in merged if c.counts]
    bad = [c for c in counted if c.status != "passed"]
    if candidate.outcome in _CANDIDATE_STOPS:
        outcome, explanation = candidate.outcome, candidate.explanation
    elif bad:
        outcome, explanation = Outcome.failed, f"{len(bad)} of {len(counted)} checks did not pass."
    else:
        outcome = Outcome.passed
        explanation = f"All {len(counted)} checks passed." if counted else "The run finished; there were no checks."
    return replace(candidate, outcome=outcome, checks=merged, stdout=stdout, stderr=stderr, duration_s=duration,
                   metrics=dict(judge.metrics), explanation=explanation,
                   artifacts={**candidate.artifacts, **{f"judge/{k}": v for k, v in judge.artifacts.items()}})


def execute(case: CaseSpec, files: Mapping[str, bytes], checks: Checks = "visible", *, runner: Runner | None = None,
            image_ref: str | None = None, labels: Mapping[str, str] | None = None,
            sandbox_runtime: str | None = None) -> RunResult:
    """Run ``files`` against ``case``; a full run (``checks="all"``) of a case with judge checks then runs the
    judge in a fresh container and merges both. Practice runs never reach the judge."""
    if runner is None:
        import sandbox  # looked up per call, so a patched sandbox.run is honoured

        runner = sandbox.run
    spec = spec_for(case, files, checks, image_ref=image_ref, labels=labels, sandbox_runtime=sandbox_runtime)
    result = runner(spec)
    if checks != "all" or not case.has_judge or result.outcome is Outcome.infra_error:
        return result
    try:
        judged = runner(judge_spec_for(case, files, result.artifacts, spec.image, labels=labels,
                                       sandbox_runtime=sandbox_runtime))
    except ValueError as exc:  # the inputs do not fit the judge's work folder: the submission's doing
        judged = RunResult(outcome=Outcome.crashed, explanation=f"the judge could not start: {exc}")
    return merge_judge(result, judged)


# --------------------------------------------------------------------------- check_case


@dataclass(frozen=True)
class CaseCheckRow:
    """One line of a case check: the reference solution or the starter, and whether it behaved."""

    slug: str
    subject: Literal["reference", "starter", "texts", "-"]
    ok: bool
    outcome: str
    detail: str
    duration_s: float = 0.0


@dataclass(frozen=True)
class CaseCheckReport:
    """The result of :func:`check_case`; ``ok`` when every row is."""

    slug: str
    version: str
    rows: tuple[CaseCheckRow, ...] = field(default_factory=tuple)
    automated: bool = True

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.rows)


def _counting(checks: tuple[CheckResult, ...]) -> list[CheckResult]:
    return [c for c in checks if c.counts]


def _first_line(text: str, limit: int = 160) -> str:
    line = next((s.strip() for s in text.splitlines() if s.strip()), "")
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _judge_reference(slug: str, result: RunResult) -> CaseCheckRow:
    counted = _counting(result.checks)
    bad = [c for c in counted if c.status != "passed"]
    if result.outcome is Outcome.infra_error:
        detail = "sandbox error: " + _first_line(result.stderr or result.explanation)
    elif not counted:
        detail = f"no checks were reported ({result.outcome}); " + _first_line(result.stderr or result.stdout)
    elif bad:
        detail = f"{len(bad)} of {len(counted)} checks did not pass: " + ", ".join(
            f"{c.name} ({c.status}: {_first_line(c.message, 80)})" for c in bad[:3])
    else:
        advisory = len(result.checks) - len(counted)
        metrics = ", ".join(f"{k}={v:.4g}" for k, v in sorted(result.metrics.items()))
        detail = f"all {len(counted)} checks passed" + (f", {advisory} advisory" if advisory else "")
        detail += f"; {metrics}" if metrics else ""
    ok = result.outcome is Outcome.passed and bool(counted) and not bad
    return CaseCheckRow(slug, "reference", ok, str(result.outcome), detail, result.duration_s)


def _judge_starter(slug: str, result: RunResult) -> CaseCheckRow:
    hidden_failed = [c for c in result.checks if not c.visible and c.status in ("failed", "error")]
    if result.outcome is Outcome.infra_error:
        return CaseCheckRow(slug, "starter", False, str(result.outcome),
                            "sandbox error: " + _first_line(result.stderr or result.explanation), result.duration_s)
    if hidden_failed:
        names = ", ".join(c.name for c in hidden_failed[:4]) + (" …" if len(hidden_failed) > 4 else "")
        detail = f"fails {len(hidden_failed)} hidden check(s) as it should: {names}"
        return CaseCheckRow(slug, "starter", True, str(result.outcome), detail, result.duration_s)
    return CaseCheckRow(slug, "starter", False, str(result.outcome),
                        "the untouched starter fails no hidden check: the hidden checks prove nothing",
                        result.duration_s)


def check_case(case: CaseSpec, *, image_ref: str | None = None, runner: Runner | None = None) -> CaseCheckReport:
    """Run the reference solution (must pass every counting check; advisory ones are ignored) and
    the untouched starter (must fail at least one hidden check; judge checks count as hidden) in the
    real sandbox, with all checks and the judge; then check that every visible check either run reported has
    its name and its messages in each of the case's languages (the "texts" row). Cases with ``runtime: none``
    have no automated checks."""
    if case.runtime == "none":
        row = CaseCheckRow(case.slug, "-", True, "-", "no automated checks (runtime none): reviewers read the files")
        return CaseCheckReport(case.slug, case.version, (row,), automated=False)
    run = runner or sandbox_run
    rows: list[CaseCheckRow] = []
    subjects: tuple[tuple[Literal["reference", "starter"], dict[str, bytes], Callable[[str, RunResult], CaseCheckRow]],
                    ...] = (("reference", reference_submission(case), _judge_reference),
                            ("starter", dict(case.starter_files), _judge_starter))
    seen: list[dict[str, object]] = []
    for subject, files, judge in subjects:
        started = time.monotonic()
        try:
            result = execute(case, files, "all", runner=run, image_ref=image_ref,
                             labels={"caseportal.purpose": f"case-check-{subject}"})
        except Exception as exc:  # noqa: BLE001 - one broken case must not stop checking the others
            rows.append(CaseCheckRow(case.slug, subject, False, "infra_error",
                                     f"could not run: {type(exc).__name__}: {exc}", time.monotonic() - started))
            continue
        rows.append(judge(case.slug, result))
        seen += [c.to_dict() for c in result.checks if c.visible]
    if seen:
        rows.append(_texts_row(case, seen))
    return CaseCheckReport(case.slug, case.version, tuple(rows))


def _texts_row(case: CaseSpec, visible: list[dict[str, object]]) -> CaseCheckRow:
    """Whether a candidate in each of the case's languages reads the visible checks the two runs reported in
    their language: a display name for each, and a translation of each message a check wrote itself."""
    missing = untranslated(case, visible)
    detail = (f"{len(missing)} text(s) a candidate would read in English: " + "; ".join(missing[:3])
              + (" …" if len(missing) > 3 else "")) if missing else \
        f"every visible check has its name and messages in {', '.join(case.languages)}"
    return CaseCheckRow(case.slug, "texts", not missing, "-", detail)
