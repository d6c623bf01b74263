"""The OpenAPI document is valid 3.1, and the live API keeps to it: schemathesis sends generated requests (valid
and invalid ones) to every operation and checks each answer: no server error, a documented status and content
type, a body that matches the documented schema."""

from __future__ import annotations

import time
from typing import Any

import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.orm import Session

from caseportal.models import RunStatus, StaffRole, User
from caseportal.services import api_keys
from caseportal.services.api_limits import ApiLimiter
from caseportal.web.api.auth import LIMITER_KEY
from tests.api.conftest import issue_key
from tests.conftest import Factory

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
#: Examples per operation and generation mode: enough to reach every error answer, small enough for ~20 s.
EXAMPLES = 12


def test_the_document_is_valid_openapi_31(client: Any) -> None:
    resp = client.get("/api/v1/openapi.json")
    assert resp.status_code == 200
    doc = resp.json
    validate(doc)
    assert doc["openapi"].startswith("3.1")
    create = doc["paths"]["/api/v1/meetings"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/MeetingCreate")
    assert "application/problem+json" in create["responses"]["422"]["content"]
    assert doc["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer"}
    assert not any(p.startswith("/api/v1/docs") or not p.startswith("/api/v1/") for p in doc["paths"])


def test_every_operation_answers_as_documented(app: Flask, session: Session, factory: Factory,
                                               admin: User) -> None:
    app.extensions[LIMITER_KEY] = ApiLimiter.build("memory://", 10**6)  # this test is about shapes, not limits
    reviewer = factory.user(StaffRole.REVIEWER)
    meeting = factory.meeting(reviewers=[reviewer])
    factory.invite(meeting)
    factory.run(factory.submission(meeting, {"solution.py": b"print(1)\n"}), status=RunStatus.RUNNING)
    headers = {"Authorization": f"Bearer {issue_key(session, admin)}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    started = time.monotonic()
    calls = 0
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        operation = result.ok()
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):

            @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                      suppress_health_check=list(HealthCheck))
            @given(case=operation.as_strategy(mode))
            def call(case: schemathesis.Case[Any]) -> None:
                nonlocal calls
                calls += 1
                case.call_and_validate(headers=headers, checks=CHECKS)

            call()
    assert calls >= 8 * 2 * 3, calls
    assert time.monotonic() - started < 60
    assert api_keys.all_keys(session)  # the run went through a real, stored key
