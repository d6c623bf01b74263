"""A stand-in worker for the self-ending tests: runs one RunSpec (JSON on argv) and prints the result as JSON.

A separate process, so that a test can pause it (SIGSTOP) or kill it (SIGKILL) mid-run, as a machine would.
"""

from __future__ import annotations

import json
import sys

from sandbox import Limits, RunSpec, run

if __name__ == "__main__":
    raw = json.loads(sys.argv[1])
    spec = RunSpec(image=raw["image"], command=tuple(raw["command"]), limits=Limits(**raw["limits"]),
                   labels=raw["labels"])
    result = run(spec)
    print(json.dumps({"outcome": result.outcome.value, "duration_s": result.duration_s}), flush=True)
