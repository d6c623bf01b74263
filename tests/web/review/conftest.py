"""The reviewer's room: a case of our own, a world with a reviewer, an outsider, a manager, an admin, handed-in work
with every kind of file, and a draft; shared by the review suites."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from caseportal.casebook import CaseSpec, scaffold
from caseportal.models import Meeting, StaffRole, Submission, User
from tests.conftest import Factory, use_library

XSS = ('<script>alert("x")</script> [click](javascript:alert(1)) <img src=x onerror=alert(1)> '
       '<a href="javascript:alert(2)">a</a> [j](JaVaScRiPt:alert(3))')
SOLUTION = b"def top_items(counts, n):\n    return sorted(counts, key=counts.get, reverse=True)[:n]\n"


@pytest.fixture()
def case(app: Flask, tmp_path: Path) -> CaseSpec:
    """A valid case of our own (scaffolded) with a second starter file, as the only case in the library."""
    root = tmp_path / "library"
    root.mkdir()
    folder = scaffold(root, "tiny-case", "coding")
    (folder / "starter" / "NOTES.md").write_text("# Notes\nkeep\nremove me\n", encoding="utf-8")
    return use_library(app, root)


@dataclass
class World:
    reviewer: User
    other: User
    manager: User
    admin: User
    meeting: Meeting
    submission: Submission
    draft_meeting: Meeting
    draft: Submission


@pytest.fixture()
def world(factory: Factory, case: CaseSpec) -> World:
    reviewer = factory.user(StaffRole.REVIEWER, name="Rita Reviewer")
    other = factory.user(StaffRole.REVIEWER, name="Otto Outsider")
    manager = factory.user(StaffRole.MANAGER)
    admin = factory.user(StaffRole.ADMIN)
    meeting = factory.meeting(reviewers=[reviewer], cases=[case.slug], candidate="Ada Candidate")
    files = {
        "solution.py": SOLUTION,  # changed
        "NOTES.md": b"# Notes\nkeep\n",  # one line removed
        "extra/helper.py": b"a = 1\nb = 2\n",  # added
        "shot.png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        "diagram.svg": b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(1)</script></svg>',
        "report.pdf": b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n",
    }
    submission = factory.submission(meeting, files, case=case, notes="I would add **metrics**.",
                                    questions="How big is the team?")
    draft_meeting = factory.meeting(reviewers=[reviewer], cases=[case.slug])
    draft = factory.submission(draft_meeting, {"solution.py": b"SECRET_DRAFT = 1\n"}, case=case, submitted=False)
    return World(reviewer, other, manager, admin, meeting, submission, draft_meeting, draft)


def page(client: FlaskClient, url: str, status: int = 200) -> str:
    resp = client.get(url)
    assert resp.status_code == status, (url, resp.status_code, resp.data[:400])
    return resp.get_data(as_text=True)
