"""caseportal's sandbox: run untrusted submission code in hardened, throw-away Docker containers.

No Flask or database imports here: the app builds a RunSpec, calls ``run`` and stores ``RunResult.to_dict()``.
spec.py is that contract, runner.py the lifecycle of a run, protocol.py the wire format to the container's
entry process, engine.py the Docker calls, verdict.py the outcome rules. See docs/sandbox.md and
docs/sandbox-contract.md.
"""

from sandbox.engine import sweep_orphans
from sandbox.runner import run
from sandbox.spec import CheckResult, Limits, Outcome, RunResult, RunSpec

__all__ = ["run", "sweep_orphans", "RunSpec", "Limits", "RunResult", "CheckResult", "Outcome"]
