"""Decide how a run ended and say so in words a candidate understands.

The order is fixed: the limits the runner enforced (time, output), then the memory limit, then what the
checks reported. Apart from the runner so that the rules and their texts are read, and tested, in one place.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sandbox.protocol import OutArchive, parse_results
from sandbox.spec import CheckResult, Limits, Outcome

INFRA_EXPLANATION = ("The sandbox could not run your code because of a problem on our side. "
                     "It will be retried; nothing is wrong with your code because of this.")
RESULTS_NOT_FOUND = "the results folder was not found"


def fmt_seconds(value: float) -> str:
    """A limit as a candidate reads it: "6", not "6.0"."""
    return f"{value:g}"


def fmt_bytes(value: int) -> str:
    """A size in decimal units, as the limits are stated: "1 MB", not "1000000 bytes"."""
    if value >= 1_000_000:
        return f"{value / 1_000_000:g} MB"
    if value >= 1_000:
        return f"{value / 1_000:g} kB"
    return f"{value} bytes"


def results_too_large(limits: Limits) -> str:
    """The problem noted when /out holds more than ``results_bytes``; the run then counts as crashed."""
    return f"the results were larger than {fmt_bytes(limits.results_bytes)}"


@dataclass(frozen=True)
class Verdict:
    """What ``classify`` decided: the outcome, the words for the candidate, and the checks when they reported."""

    outcome: Outcome
    explanation: str
    checks: tuple[CheckResult, ...] = ()
    metrics: Mapping[str, float] = field(default_factory=dict)


def classify(*, limits: Limits, stopped_for: str | None, oom_killed: bool, exit_code: int | None,
             out: OutArchive | None) -> Verdict:
    """Decide the outcome. Order matters: limits we enforced first, then OOM, then the results."""
    if stopped_for == "timeout":
        return Verdict(Outcome.timeout,
                       f"Your code ran longer than the {fmt_seconds(limits.timeout_s)} s limit and was stopped.")
    if stopped_for == "output":
        return Verdict(Outcome.output_limit,
                       f"Your code printed more than the {fmt_bytes(limits.output_bytes)} output limit and was "
                       "stopped. Print less, for example nothing inside long loops.")
    if oom_killed:
        return Verdict(Outcome.oom, f"Your code used more than the {limits.memory_mb} MB memory limit and was stopped.")
    problems = list(out.problems) if out else []
    if out is not None and out.results is not None:
        try:
            checks, metrics = parse_results(out.results)
        except ValueError as exc:
            problems.append(str(exc))
        else:
            counted = [c for c in checks if c.counts]
            bad = [c for c in counted if c.status != "passed"]
            if bad:
                return Verdict(Outcome.failed, f"{len(bad)} of {len(counted)} checks did not pass.", checks, metrics)
            text = (f"All {len(counted)} checks passed." if counted
                    else "The run finished; there were no checks to count.")
            return Verdict(Outcome.passed, text, checks, metrics)
    detail = f" ({'; '.join(problems)})" if problems else ""
    if problems and any("results.json" in p for p in problems):
        return Verdict(Outcome.crashed, f"The checks did not produce a usable results file{detail}.")
    if exit_code == 128 + 25:  # SIGXFSZ
        return Verdict(Outcome.crashed,
                       f"Your code wrote a file larger than the {limits.fsize_mb} MB limit and was stopped.")
    if exit_code == 127:
        return Verdict(Outcome.crashed, f"The check command could not be started{detail}.")
    if exit_code is not None and exit_code > 128:
        return Verdict(Outcome.crashed,
                       f"Your code was stopped by signal {exit_code - 128} before the checks could report results"
                       f"{detail}.")
    if exit_code:
        return Verdict(Outcome.crashed,
                       f"Your code stopped with exit code {exit_code} before the checks could report results{detail}.")
    return Verdict(Outcome.crashed, f"The run finished but the checks did not report any results{detail}.")
