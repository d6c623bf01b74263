"""Judge advisory: we'd like to talk about the tests the candidate wrote, so we look for them (as data)."""

import os
from pathlib import Path

from caseportal_check import advisory


def test_candidate_wrote_tests_for_the_bucket():
    tests = Path(os.environ.get("CASEPORTAL_WORK", "/work")) / "tests"
    texts = [p.read_text(errors="replace") for p in tests.rglob("test_*.py")] if tests.is_dir() else []
    found = any("TokenBucket" in t or "burst" in t for t in texts)
    advisory("tests_for_token_bucket", found,
             "" if found else "no tests under tests/ mention the token bucket or burst")
