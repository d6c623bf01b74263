"""What the API's front door costs: an authenticated GET /api/v1/roles (key lookup, last-use note, rate limit,
pydantic answer) against the staff /roles page and the keyless, cached OpenAPI document, in one process.

    .venv/bin/python bench/api_overhead.py [--n 400]

SQLite in a temporary folder, Flask's test client (no network), the median of N requests after a warm-up.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import caseportal.models.users as user_models  # noqa: E402
from caseportal import create_app  # noqa: E402
from caseportal.config import Settings  # noqa: E402
from caseportal.models import JobRole, StaffRole  # noqa: E402
from caseportal.services import api_keys, users  # noqa: E402
from caseportal.services.api_limits import ApiLimiter  # noqa: E402
from caseportal.services.employers import default_employer  # noqa: E402
from caseportal.web.api.auth import LIMITER_KEY  # noqa: E402

PASSWORD = "bench-password-123"


def median_ms(call: Callable[[], Any], n: int) -> float:
    for _ in range(20):
        call()
    times = []
    for _ in range(n):
        started = time.perf_counter()
        resp = call()
        times.append(time.perf_counter() - started)
        assert resp.status_code == 200, resp.status_code
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=400)
    args = parser.parse_args()
    user_models.PASSWORD_METHOD = "pbkdf2:sha256:1000"  # sign-in cost is not what is measured
    folder = Path(tempfile.mkdtemp())
    app = create_app(Settings.for_tests(folder, cases_dir=ROOT / "cases",
                                        database_url=f"sqlite:///{folder / 'bench.db'}"), WTF_CSRF_ENABLED=False)
    app.extensions["caseportal.db"].create_all()
    app.extensions[LIMITER_KEY] = ApiLimiter.build("memory://", 10**9)  # counted, never refused
    with app.app_context():
        session = app.extensions["caseportal.db"].session()
        admin = users.create_user(session, email="admin@example.org", name="Admin", role=StaffRole.ADMIN,
                                  password=PASSWORD)
        employer_id = default_employer(session).id  # every role belongs to an employer
        session.add_all([JobRole(title=f"Role {i}", employer_id=employer_id) for i in range(10)])
        secret = api_keys.issue(session, admin, "bench", "read").secret
        session.commit()
    staff = app.test_client()
    staff.post("/login", data={"email": "admin@example.org", "password": PASSWORD})
    api = app.test_client()
    bearer = {"Authorization": f"Bearer {secret}"}
    doc = median_ms(lambda: api.get("/api/v1/openapi.json"), args.n)
    roles = median_ms(lambda: api.get("/api/v1/roles", headers=bearer), args.n)
    page = median_ms(lambda: staff.get("/roles"), args.n)
    print(f"GET /api/v1/roles with a key: {roles:.2f} ms (median of {args.n})")
    print(f"staff /roles page:            {page:.2f} ms  -> API/page ratio {roles / page:.2f}")
    print(f"/api/v1/openapi.json:         {doc:.2f} ms  (no key, cached document)")


if __name__ == "__main__":
    main()
