"""Which of a case's files each kind of run gets, in one place.

Hidden checks must never reach a candidate's practice run, and the judge's answers must never reach a container
that holds candidate code; keeping the three selections side by side makes that easy to see and to test.
"""

from __future__ import annotations

from typing import Literal

from .model import LIB_PATH, CaseSpec


def case_files_for_run(case: CaseSpec, checks: Literal["visible", "all"] = "visible") -> dict[str, bytes]:
    """Files mounted read-only at /case: checks/visible/, checks/lib/, data/, and the probes of checks/hidden/
    only for ``checks="all"`` (hidden inputs must never reach a candidate's practice run). checks/lib/ is there
    because the visible checks import it (the validator refuses a lib/ they do not), so it is material the
    candidate may see. Never case.yaml: its reviewer prompts are for reviewers, and nothing in a run needs it."""
    if checks not in ("visible", "all"):
        raise ValueError(f"checks must be 'visible' or 'all', not {checks!r}")
    out = {f"checks/visible/{k}": v for k, v in case.visible_checks.items()}
    out.update({f"checks/lib/{k}": v for k, v in case.lib_checks.items()})
    if checks == "all":
        out.update({f"checks/hidden/{k}": v for k, v in case.hidden_checks.items()})
    out.update({f"data/{k}": v for k, v in case.data_files.items()})
    return out


def case_files_for_judge(case: CaseSpec) -> dict[str, bytes]:
    """Files mounted at /case for the judge stage: checks/judge/, checks/lib/ and data/ (never visible/hidden:
    the judge runs only its own checks; never case.yaml). checks/judge/ is never part of
    :func:`case_files_for_run`."""
    out = {f"checks/judge/{k}": v for k, v in case.judge_checks.items()}
    out.update({f"checks/lib/{k}": v for k, v in case.lib_checks.items()})
    out.update({f"data/{k}": v for k, v in case.data_files.items()})
    return out


def check_env(case: CaseSpec) -> dict[str, str]:
    """Environment both stages of a run need besides CASEPORTAL_CHECKS: checks/lib/ on the Python path (of the
    checker and of anything it starts, a notebook kernel included), so checks import its helpers by name."""
    return {"PYTHONPATH": LIB_PATH} if case.lib_checks else {}


def reference_submission(case: CaseSpec) -> dict[str, bytes]:
    """The reference solution as a submission: starter files overlaid with solution/ files,
    so solution/ only needs the files the candidate would change."""
    return {**case.starter_files, **case.solution_files}
