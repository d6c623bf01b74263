"""caseportal's sandbox: run untrusted submission code in hardened, throw-away Docker containers.

No Flask or database imports here: the app builds a RunSpec, calls ``run`` and stores
``RunResult.to_dict()``. See docs/sandbox.md and docs/sandbox-contract.md.
"""

from sandbox.runner import run, sweep_orphans
from sandbox.spec import CheckResult, Limits, Outcome, RunResult, RunSpec

__all__ = ["run", "sweep_orphans", "RunSpec", "Limits", "RunResult", "CheckResult", "Outcome"]
