"""The reviewer's room through the test client: stories, access, XSS safety, raw-file headers."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from sqlalchemy import select
from sqlalchemy.orm import Session

from caseportal.casebook import CaseSpec, load_library, scaffold
from caseportal.models import (
    LineComment,
    Meeting,
    Run,
    RunArtifact,
    RunKind,
    RunStatus,
    StaffRole,
    Submission,
    SubmissionFile,
    SubmissionStatus,
    TalkingPoint,
    User,
    utcnow,
)
from sandbox.spec import CheckResult, RunResult
from tests.conftest import PASSWORD, Factory, csrf_token_from, login

XSS = ('<script>alert("x")</script> [click](javascript:alert(1)) <img src=x onerror=alert(1)> '
       '<a href="javascript:alert(2)">a</a> [j](JaVaScRiPt:alert(3))')
SOLUTION = b"def top_items(counts, n):\n    return sorted(counts, key=counts.get, reverse=True)[:n]\n"


class _Tags(HTMLParser):
    """Collects the tags and attributes a browser would see."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def assert_no_executable_markup(html: str) -> None:
    """Text may mention <script>, onerror= or javascript: (escaped); the parsed markup must not contain them."""
    parser = _Tags()
    parser.feed(html)
    parser.close()
    assert parser.tags, "nothing parsed"
    for tag, attrs in parser.tags:
        assert tag not in ("script", "svg", "math", "embed", "base"), tag
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name, value)
            if name in ("href", "src", "action", "formaction", "data", "srcdoc"):
                assert not re.sub(r"[\s\x00-\x1f]", "", value or "").lower().startswith(("javascript:", "data:text"))
    assert "<script" not in html.lower()


# --------------------------------------------------------------------------- fixtures and builders


@pytest.fixture()
def case(app: Flask, tmp_path: Path) -> CaseSpec:
    """A valid case of our own (scaffolded) with a second starter file, as the only case in the library."""
    root = tmp_path / "library"
    root.mkdir()
    folder = scaffold(root, "tiny-case", "coding")
    (folder / "starter" / "NOTES.md").write_text("# Notes\nkeep\nremove me\n", encoding="utf-8")
    lib = load_library(root)
    assert not lib.problems, lib.problems
    app.extensions["caseportal.casebook"] = lib
    spec = lib.get("tiny-case")
    assert spec is not None
    return spec


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


def make_submission(session: Session, meeting: Meeting, case: CaseSpec, files: dict[str, bytes], *,
                    submitted: bool = True, notes: str = "", questions: str = "",
                    version: str | None = None) -> Submission:
    sub = Submission(meeting_id=meeting.id, case_slug=case.slug, case_version=version or case.version,
                     status=SubmissionStatus.SUBMITTED if submitted else SubmissionStatus.DRAFT,
                     submitted_at=utcnow() if submitted else None, notes_more_time=notes, questions=questions)
    for path, content in files.items():
        sub.files.append(SubmissionFile(path=path, content=content, size=len(content),
                                        sha256=hashlib.sha256(content).hexdigest()))
    session.add(sub)
    session.commit()
    return sub


def make_run(session: Session, submission: Submission, result: RunResult | None, *,
             kind: RunKind = RunKind.FULL, status: RunStatus = RunStatus.DONE) -> Run:
    """A run as the worker records it: RunResult.to_dict() as JSON, artifacts as rows."""
    data = result.to_dict() if result else None
    if data:
        data.pop("artifacts", None)
    run = Run(submission_id=submission.id, kind=kind, status=status,
              outcome=result.outcome.value if result else None, explanation=result.explanation if result else "",
              result_json=json.dumps(data) if data else None, duration_s=result.duration_s if result else None)
    session.add(run)
    session.flush()
    for name, content in sorted((result.artifacts if result else {}).items()):
        session.add(RunArtifact(run_id=run.id, name=name, content=content, mime="application/octet-stream"))
    session.commit()
    return run


@pytest.fixture()
def world(session: Session, factory: Factory, case: CaseSpec) -> World:
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
    submission = make_submission(session, meeting, case, files, notes="I would add **metrics**.",
                                 questions="How big is the team?")
    draft_meeting = factory.meeting(reviewers=[reviewer], cases=[case.slug])
    draft = make_submission(session, draft_meeting, case, {"solution.py": b"SECRET_DRAFT = 1\n"}, submitted=False)
    return World(reviewer, other, manager, admin, meeting, submission, draft_meeting, draft)


def page(client: FlaskClient, url: str, status: int = 200) -> str:
    resp = client.get(url)
    assert resp.status_code == status, (url, resp.status_code, resp.data[:400])
    return resp.get_data(as_text=True)


# --------------------------------------------------------------------------- the meeting page


def test_meeting_page_shows_role_candidate_cases_prompts_and_submissions(client: FlaskClient, world: World,
                                                                         case: CaseSpec) -> None:
    login(client, world.reviewer)
    html = page(client, f"/review/meetings/{world.meeting.id}")
    assert world.meeting.job_role.title in html
    assert "Ada Candidate" in html and world.meeting.candidate_email in html
    assert case.title in html
    for prompt in case.reviewer_prompts:
        assert prompt.ask in html and prompt.good in html and prompt.tradeoffs in html
    for focus in case.review_focus:
        assert focus in html
    assert f'href="/review/submissions/{world.submission.id}"' in html
    assert "submitted" in html


def test_meeting_page_lists_a_draft_with_its_status(client: FlaskClient, world: World) -> None:
    login(client, world.reviewer)
    html = page(client, f"/review/meetings/{world.draft_meeting.id}")
    assert "draft: in progress" in html and f"/review/submissions/{world.draft.id}" in html


def test_blind_review_hides_the_candidate_from_reviewers_not_managers(client: FlaskClient, session: Session,
                                                                      factory: Factory, world: World,
                                                                      case: CaseSpec) -> None:
    m = factory.meeting(reviewers=[world.reviewer], cases=[case.slug], candidate="Blinda Name", blind_review=True)
    sub = make_submission(session, m, case, {"solution.py": b"x = 1\n"})
    login(client, world.reviewer)
    for url in (f"/review/meetings/{m.id}", f"/review/submissions/{sub.id}"):
        html = page(client, url)
        assert "Blinda Name" not in html and m.candidate_email not in html and f"#{m.id}" in html
    client.post("/logout")
    login(client, world.manager)
    assert "Blinda Name" in page(client, f"/review/meetings/{m.id}")


# --------------------------------------------------------------------------- access


def _urls(world: World, session: Session) -> list[str]:
    f = world.submission.files[0]
    run = make_run(session, world.submission, RunResult(outcome="passed", artifacts={"plot.png": b"\x89PNG"}))
    art = run.artifacts[0]
    return [f"/review/meetings/{world.meeting.id}", f"/review/submissions/{world.submission.id}",
            f"/review/submissions/{world.submission.id}/files/{f.id}/raw",
            f"/review/runs/{run.id}/artifacts/{art.id}"]


@pytest.mark.parametrize(("who", "expected"), [("reviewer", 200), ("other", 404), ("manager", 200),
                                               ("admin", 200)])
def test_access_by_role(client: FlaskClient, session: Session, world: World, who: str, expected: int) -> None:
    urls = _urls(world, session)
    login(client, getattr(world, who))
    for url in urls:
        assert client.get(url).status_code == expected, url


def test_other_reviewer_gets_404_for_every_action(client: FlaskClient, session: Session, world: World) -> None:
    point = TalkingPoint(submission_id=world.submission.id, text="p", position=0)
    comment = LineComment(submission_id=world.submission.id, author_id=world.reviewer.id, file_path="solution.py",
                          line=1, body="c")
    session.add_all([point, comment])
    session.commit()
    sid, fid = world.submission.id, world.submission.files[0].id
    login(client, world.other)
    for url, data in [
        (f"/review/submissions/{sid}/points", {"tp-text": "x"}),
        (f"/review/points/{point.id}/edit", {"tp-text": "x"}),
        (f"/review/points/{point.id}/delete", {}),
        (f"/review/points/{point.id}/move", {"direction": "up"}),
        (f"/review/submissions/{sid}/files/{fid}/comments", {f"c{fid}-line": "1", f"c{fid}-body": "x"}),
        (f"/review/comments/{comment.id}/delete", {}),
        (f"/review/submissions/{sid}/reviewed", {}),
        (f"/review/submissions/{sid}/unreviewed", {}),
    ]:
        assert client.post(url, data=data).status_code == 404, url
    assert client.get(f"/review/points/{point.id}/edit").status_code == 404
    assert client.get(f"/review/meetings/{world.meeting.id + 999}").status_code == 404
    assert client.get(f"/review/submissions/{sid + 999}").status_code == 404


def test_anonymous_is_sent_to_login(client: FlaskClient, session: Session, world: World) -> None:
    for url in [*_urls(world, session), "/review/pygments.css"]:
        resp = client.get(url)
        assert resp.status_code == 302 and "/login" in resp.headers["Location"], url
    resp = client.post(f"/review/submissions/{world.submission.id}/reviewed")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


# --------------------------------------------------------------------------- drafts are private


def test_draft_shows_not_submitted_yet_and_nothing_of_the_work(client: FlaskClient, world: World) -> None:
    login(client, world.reviewer)
    html = page(client, f"/review/submissions/{world.draft.id}")
    assert "Not submitted yet" in html and "SECRET_DRAFT" not in html
    fid = world.draft.files[0].id
    assert client.get(f"/review/submissions/{world.draft.id}/files/{fid}/raw").status_code == 404
    assert client.post(f"/review/submissions/{world.draft.id}/points", data={"tp-text": "x"}).status_code == 404
    assert client.post(f"/review/submissions/{world.draft.id}/reviewed").status_code == 404


def test_runs_of_drafts_and_practice_runs_stay_private(client: FlaskClient, session: Session,
                                                       world: World) -> None:
    practice = make_run(session, world.submission, RunResult(outcome="passed", stdout="PRACTICE_OUT",
                                                             artifacts={"p.png": b"\x89PNG"}), kind=RunKind.CHECK)
    draft_run = make_run(session, world.draft, RunResult(outcome="passed", artifacts={"d.png": b"\x89PNG"}))
    login(client, world.reviewer)
    assert "PRACTICE_OUT" not in page(client, f"/review/submissions/{world.submission.id}")
    for run in (practice, draft_run):
        assert client.get(f"/review/runs/{run.id}/artifacts/{run.artifacts[0].id}").status_code == 404


# --------------------------------------------------------------------------- the submission page


def test_submission_page_shows_notes_code_diff_and_anchors(client: FlaskClient, world: World) -> None:
    login(client, world.reviewer)
    html = page(client, f"/review/submissions/{world.submission.id}")
    assert "<strong>metrics</strong>" in html and "How big is the team?" in html
    # the <file-index> of anchors follows the paths' order:
    # NOTES.md, diagram.svg, extra/helper.py, report.pdf, shot.png, solution.py
    paths = sorted(f.path for f in world.submission.files)
    sol = paths.index("solution.py")
    assert sol == 5
    assert f'id="L-{sol}-1"' in html and f'id="L-{sol}-2"' in html and f'id="L-{sol}-3"' not in html
    assert f'href="#L-{sol}-2"' in html
    assert '<span class="k">def</span>' in html  # Pygments markup
    assert 'href="/review/pygments.css"' in html
    # the diff: solution.py changed, NOTES.md changed (a line removed), extra/helper.py added
    assert 'class="diff code-view"' in html and '<tr class="add">' in html and '<tr class="del">' in html
    assert "remove me" in html  # the removed starter line is shown
    assert "Files: 2 changed, 4 added, 0 removed. Lines: 5 added, 4 removed." in html
    # images inline through the raw route, PDFs embedded, SVG offered as a download only
    by_path = {f.path: f for f in world.submission.files}
    png = by_path["shot.png"]
    assert f'<img src="/review/submissions/{world.submission.id}/files/{png.id}/raw"' in html
    pdf = by_path["report.pdf"]
    assert f'data="/review/submissions/{world.submission.id}/files/{pdf.id}/raw" type="application/pdf"' in html
    svg = by_path["diagram.svg"]
    assert f'<img src="/review/submissions/{world.submission.id}/files/{svg.id}/raw"' not in html
    assert "The case changed since this submission" not in html
    assert_no_executable_markup(html)


def test_case_changed_since_submission_is_said(client: FlaskClient, session: Session, world: World) -> None:
    world.submission.case_version = "an-older-version"
    session.commit()
    login(client, world.reviewer)
    html = page(client, f"/review/submissions/{world.submission.id}")
    assert "The case changed since this submission; diff against current starter" in html


def test_case_removed_from_library(client: FlaskClient, session: Session, world: World) -> None:
    world.submission.case_slug = "gone-case"
    session.commit()
    login(client, world.reviewer)
    html = page(client, f"/review/submissions/{world.submission.id}")
    assert "no longer in the case library" in html and 'id="L-' in html


def test_very_long_files_are_offered_as_download(client: FlaskClient, session: Session, factory: Factory,
                                                  world: World, case: CaseSpec) -> None:
    m = factory.meeting(reviewers=[world.reviewer], cases=[case.slug])
    sub = make_submission(session, m, case, {"data.csv": b"a,b\n" * 6000, "solution.py": b"x = 1\n"})
    login(client, world.reviewer)
    html = page(client, f"/review/submissions/{sub.id}")
    assert "too long to show here" in html
    assert 'id="L-0-1"' not in html and 'id="L-1-1"' in html


def test_pygments_css(client: FlaskClient, world: World) -> None:
    login(client, world.reviewer)
    resp = client.get("/review/pygments.css")
    assert resp.status_code == 200 and resp.mimetype == "text/css"
    assert ".hl .k" in resp.get_data(as_text=True)


# --------------------------------------------------------------------------- XSS


def test_nothing_the_candidate_writes_can_run_script(client: FlaskClient, session: Session, factory: Factory,
                                                     world: World, case: CaseSpec) -> None:
    m = factory.meeting(reviewers=[world.reviewer], cases=[case.slug], candidate='<script>alert("n")</script>')
    evil_names = ['<img src=x onerror=alert(1)>.py', '"><script>alert(1)</script>.txt', "javascript:alert(1).md",
                  "x.html"]
    files = {name: XSS.encode() + b"\n" for name in evil_names}
    files["<svg onload=alert(1)>.png"] = b"\x89PNG\r\n\x1a\n\x00"
    sub = make_submission(session, m, case, files, notes=XSS, questions=XSS)
    make_run(session, sub, RunResult(
        outcome="failed", stdout=XSS, stderr=XSS, explanation=XSS,
        checks=(CheckResult(XSS, "failed", XSS, False),), metrics={XSS: 1.0},
        artifacts={'<img src=x onerror=alert(1)>.png': b"\x89PNG", "nb<script>.html": b"<script>alert(1)</script>"}))
    login(client, world.reviewer)
    # reviewer-written text is rendered too: talking points and comments
    assert client.post(f"/review/submissions/{sub.id}/points",
                       data={"tp-text": XSS, "tp-file_path": evil_names[0], "tp-line": "1"}).status_code == 302
    fid = sub.files[0].id
    assert client.post(f"/review/submissions/{sub.id}/files/{fid}/comments",
                       data={f"c{fid}-line": "1", f"c{fid}-body": XSS}).status_code == 302
    html = page(client, f"/review/submissions/{sub.id}")
    assert_no_executable_markup(html)
    assert "&lt;script&gt;" in html  # shown, as text
    assert_no_executable_markup(page(client, f"/review/meetings/{m.id}"))
    point = session.scalars(select(TalkingPoint).where(TalkingPoint.submission_id == sub.id)).one()
    assert_no_executable_markup(page(client, f"/review/points/{point.id}/edit"))


def test_raw_file_names_cannot_break_headers(client: FlaskClient, session: Session, factory: Factory,
                                             world: World, case: CaseSpec) -> None:
    m = factory.meeting(reviewers=[world.reviewer], cases=[case.slug])
    sub = make_submission(session, m, case, {'a"b\r\nSet-Cookie: x=1;.txt': b"x", "dir/caf\u00e9.py": b"y"})
    login(client, world.reviewer)
    for f in sub.files:
        resp = client.get(f"/review/submissions/{sub.id}/files/{f.id}/raw")
        assert resp.status_code == 200
        assert "Set-Cookie" not in resp.headers
        assert resp.headers["Content-Disposition"].startswith("attachment;")
        assert "dir" not in resp.headers["Content-Disposition"]


# --------------------------------------------------------------------------- raw files and artifacts


def _raw(client: FlaskClient, world: World, path: str):  # type: ignore[no-untyped-def]
    f = next(f for f in world.submission.files if f.path == path)
    return client.get(f"/review/submissions/{world.submission.id}/files/{f.id}/raw")


def test_raw_file_headers(client: FlaskClient, world: World) -> None:
    login(client, world.reviewer)
    png = _raw(client, world, "shot.png")
    assert png.status_code == 200 and png.mimetype == "image/png"
    assert png.headers["Content-Disposition"].startswith("inline")
    assert png.data.startswith(b"\x89PNG")
    pdf = _raw(client, world, "report.pdf")
    assert pdf.mimetype == "application/pdf" and pdf.headers["Content-Disposition"].startswith("inline")
    for path in ("diagram.svg", "solution.py", "NOTES.md"):
        resp = _raw(client, world, path)
        assert resp.mimetype == "application/octet-stream", path
        assert resp.headers["Content-Disposition"].startswith("attachment"), path
        assert "sandbox" in resp.headers["Content-Security-Policy"]
    for path in ("shot.png", "report.pdf", "diagram.svg", "solution.py"):
        resp = _raw(client, world, path)
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in resp.headers["Cache-Control"]


def test_raw_file_of_another_submission_is_404(client: FlaskClient, world: World) -> None:
    login(client, world.reviewer)
    draft_file = world.draft.files[0]
    resp = client.get(f"/review/submissions/{world.submission.id}/files/{draft_file.id}/raw")
    assert resp.status_code == 404


def test_runs_show_every_check_output_metrics_and_artifacts(client: FlaskClient, session: Session,
                                                            world: World) -> None:
    run = make_run(session, world.submission, RunResult(
        outcome="failed", checks=(CheckResult("test_visible_ok", "passed", "", True),
                                  CheckResult("test_hidden_edge", "failed", "assert 3 == 4", False)),
        stdout="collected 2 items <b>", stderr="DeprecationWarning", duration_s=1.25, exit_code=1,
        metrics={"p95_ms": 12.5}, explanation="One check did not pass.",
        artifacts={"plot.png": b"\x89PNG", "notebook.html": b"<html><script>alert(1)</script></html>",
                   "data.csv": b"a,b\n", "vector.svg": b"<svg/>"}))
    login(client, world.reviewer)
    html = page(client, f"/review/submissions/{world.submission.id}")
    assert "test_visible_ok" in html and "test_hidden_edge" in html and "assert 3 == 4" in html
    assert "hidden" in html and "collected 2 items &lt;b&gt;" in html and "DeprecationWarning" in html
    assert "p95_ms" in html and "12.5" in html and "One check did not pass." in html
    arts = {a.name: a for a in run.artifacts}
    base = f"/review/runs/{run.id}/artifacts"
    assert f'<img src="{base}/{arts["plot.png"].id}"' in html
    assert f'<iframe sandbox="" src="{base}/{arts["notebook.html"].id}"' in html
    assert_no_executable_markup(html)

    nb = client.get(f"{base}/{arts['notebook.html'].id}")
    assert nb.mimetype == "text/html" and nb.headers["Content-Disposition"].startswith("inline")
    csp = nb.headers["Content-Security-Policy"]
    assert "default-src 'none'; img-src data:; style-src 'unsafe-inline'" in csp and "sandbox" in csp
    assert nb.headers["X-Content-Type-Options"] == "nosniff"
    dl = client.get(f"{base}/{arts['notebook.html'].id}?download=1")
    assert dl.mimetype == "application/octet-stream" and dl.headers["Content-Disposition"].startswith("attachment")
    img = client.get(f"{base}/{arts['plot.png'].id}")
    assert img.mimetype == "image/png" and img.headers["X-Content-Type-Options"] == "nosniff"
    for name in ("data.csv", "vector.svg"):
        resp = client.get(f"{base}/{arts[name].id}")
        assert resp.mimetype == "application/octet-stream" and resp.headers["Content-Disposition"].startswith(
            "attachment"), name
    other_run = make_run(session, world.submission, RunResult(outcome="passed"))
    assert client.get(f"/review/runs/{other_run.id}/artifacts/{arts['plot.png'].id}").status_code == 404


def test_unfinished_run_is_shown_as_such(client: FlaskClient, session: Session, world: World) -> None:
    make_run(session, world.submission, None, status=RunStatus.RUNNING)
    login(client, world.reviewer)
    html = page(client, f"/review/submissions/{world.submission.id}")
    assert "has not finished yet (running)" in html


def test_no_run_yet(client: FlaskClient, world: World) -> None:
    login(client, world.reviewer)
    assert "No checks have run on the submitted work yet." in page(client, f"/review/submissions/{world.submission.id}")


# --------------------------------------------------------------------------- talking points


def _points(session: Session, sub: Submission) -> list[tuple[str, int]]:
    session.expire_all()
    rows = session.scalars(select(TalkingPoint).where(TalkingPoint.submission_id == sub.id)
                           .order_by(TalkingPoint.position))
    return [(p.text, p.position) for p in rows]


def test_talking_points_add_move_edit_delete(client: FlaskClient, session: Session, world: World) -> None:
    sid = world.submission.id
    login(client, world.reviewer)
    for text in ("First", "Second", "Third"):
        resp = client.post(f"/review/submissions/{sid}/points", data={"tp-text": text})
        assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/review/submissions/{sid}#points")
    assert _points(session, world.submission) == [("First", 0), ("Second", 1), ("Third", 2)]
    third = session.scalars(select(TalkingPoint).where(TalkingPoint.text == "Third")).one()
    assert client.post(f"/review/points/{third.id}/move", data={"direction": "up"}).status_code == 302
    assert [t for t, _ in _points(session, world.submission)] == ["First", "Third", "Second"]
    assert client.post(f"/review/points/{third.id}/move", data={"direction": "up"}).status_code == 302
    assert client.post(f"/review/points/{third.id}/move", data={"direction": "up"}).status_code == 302  # no-op
    assert [t for t, _ in _points(session, world.submission)] == ["Third", "First", "Second"]
    assert client.post(f"/review/points/{third.id}/move", data={"direction": "down"}).status_code == 302
    assert [t for t, _ in _points(session, world.submission)] == ["First", "Third", "Second"]
    assert client.post(f"/review/points/{third.id}/move", data={"direction": "left"}).status_code == 400

    html = page(client, f"/review/points/{third.id}/edit")
    assert "Third" in html
    resp = client.post(f"/review/points/{third.id}/edit",
                       data={"tp-text": "Third, edited", "tp-file_path": "solution.py", "tp-line": "2"})
    assert resp.status_code == 302
    session.expire_all()
    edited = session.get(TalkingPoint, third.id)
    assert edited is not None and (edited.text, edited.file_path, edited.line) == ("Third, edited", "solution.py", 2)
    html = page(client, f"/review/submissions/{sid}")
    sol = sorted(f.path for f in world.submission.files).index("solution.py")
    assert f'href="#L-{sol}-2">solution.py:2</a>' in html
    assert html.index("First") < html.index("Third, edited") < html.index("Second")

    assert client.post(f"/review/points/{third.id}/delete").status_code == 302
    assert _points(session, world.submission) == [("First", 0), ("Second", 1)]


@pytest.mark.parametrize(("data", "message"), [
    ({"tp-text": "x", "tp-file_path": "solution.py", "tp-line": "3"},
     "Line 3 is outside solution.py, which has 2 lines"),
    ({"tp-text": "x", "tp-file_path": "nope.py"}, "There is no file called nope.py"),
    ({"tp-text": "x", "tp-line": "1"}, "A line number needs a file"),
    ({"tp-text": "x", "tp-file_path": "shot.png", "tp-line": "1"}, "not a text file"),
    ({"tp-text": ""}, "This field is required"),
    ({"tp-text": "x", "tp-file_path": "solution.py", "tp-line": "0"}, "Number must be at least 1"),
])
def test_talking_point_validation(client: FlaskClient, session: Session, world: World, data: dict[str, str],
                                  message: str) -> None:
    login(client, world.reviewer)
    resp = client.post(f"/review/submissions/{world.submission.id}/points", data=data)
    assert resp.status_code == 400
    assert message in resp.get_data(as_text=True)
    assert _points(session, world.submission) == []


def test_edit_point_validation_keeps_the_old_text(client: FlaskClient, session: Session, world: World) -> None:
    point = TalkingPoint(submission_id=world.submission.id, text="Keep me", position=0)
    session.add(point)
    session.commit()
    login(client, world.reviewer)
    resp = client.post(f"/review/points/{point.id}/edit",
                       data={"tp-text": "New", "tp-file_path": "solution.py", "tp-line": "99"})
    assert resp.status_code == 400 and "outside" in resp.get_data(as_text=True)
    session.expire_all()
    assert session.get(TalkingPoint, point.id).text == "Keep me"  # type: ignore[union-attr]


# --------------------------------------------------------------------------- line comments


def test_line_comments_inline_and_delete_own_only(client: FlaskClient, session: Session, factory: Factory,
                                                  world: World) -> None:
    second = factory.user(StaffRole.REVIEWER, name="Second Reviewer")
    world.meeting.reviewers.append(second)
    session.commit()
    sub = world.submission
    sol_index = sorted(f.path for f in sub.files).index("solution.py")
    fid = next(f.id for f in sub.files if f.path == "solution.py")
    login(client, world.reviewer)
    resp = client.post(f"/review/submissions/{sub.id}/files/{fid}/comments",
                       data={f"c{fid}-line": "2", f"c{fid}-body": "Why sorted twice?"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"#L-{sol_index}-2")
    html = page(client, f"/review/submissions/{sub.id}")
    line2 = html.index(f'id="L-{sol_index}-2"')
    assert line2 < html.index("Why sorted twice?")
    assert "Delete my comment" in html
    comment = session.scalars(select(LineComment)).one()

    client.post("/logout")
    login(client, second)
    html = page(client, f"/review/submissions/{sub.id}")
    assert "Why sorted twice?" in html and "Delete my comment" not in html
    assert client.post(f"/review/comments/{comment.id}/delete").status_code == 403

    client.post("/logout")
    login(client, world.reviewer)
    assert client.post(f"/review/comments/{comment.id}/delete").status_code == 302
    session.expire_all()
    assert session.scalars(select(LineComment)).all() == []


@pytest.mark.parametrize(("line", "message"), [("3", "Line 3 is outside"), ("", "This field is required"),
                                               ("-1", "Number must be at least 1")])
def test_comment_line_validation(client: FlaskClient, session: Session, world: World, line: str,
                                 message: str) -> None:
    sub = world.submission
    fid = next(f.id for f in sub.files if f.path == "solution.py")
    login(client, world.reviewer)
    resp = client.post(f"/review/submissions/{sub.id}/files/{fid}/comments",
                       data={f"c{fid}-line": line, f"c{fid}-body": "hm"})
    assert resp.status_code == 400 and message in resp.get_data(as_text=True)
    assert session.scalars(select(LineComment)).all() == []


def test_comment_on_a_file_of_another_submission_is_404(client: FlaskClient, world: World) -> None:
    login(client, world.reviewer)
    fid = world.draft.files[0].id
    resp = client.post(f"/review/submissions/{world.submission.id}/files/{fid}/comments",
                       data={f"c{fid}-line": "1", f"c{fid}-body": "x"})
    assert resp.status_code == 404


# --------------------------------------------------------------------------- reviewed mark


def test_mark_and_unmark_reviewed(client: FlaskClient, session: Session, world: World) -> None:
    sid = world.submission.id
    login(client, world.reviewer)
    assert "Mark as reviewed" in page(client, f"/review/submissions/{sid}")
    assert client.post(f"/review/submissions/{sid}/reviewed").status_code == 302
    session.expire_all()
    sub = session.get(Submission, sid)
    assert sub is not None and sub.reviewed_at is not None and sub.reviewed_by_id == world.reviewer.id
    html = page(client, f"/review/submissions/{sid}")
    assert "Unmark reviewed" in html and "Rita Reviewer" in html
    assert client.post(f"/review/submissions/{sid}/unreviewed").status_code == 302
    session.expire_all()
    sub = session.get(Submission, sid)
    assert sub is not None and sub.reviewed_at is None and sub.reviewed_by_id is None


# --------------------------------------------------------------------------- with CSRF on, as in production


def test_forms_carry_csrf_tokens(csrf_app: Flask, world: World, case: CaseSpec) -> None:
    """Same database file as the CSRF-off app (shared settings); only the library must be set here too."""
    csrf_app.extensions["caseportal.casebook"] = load_library(case.path.parent)
    client = csrf_app.test_client()
    token = csrf_token_from(client.get("/login").data)
    assert client.post("/login", data={"email": world.reviewer.email, "password": PASSWORD,
                                       "csrf_token": token}).status_code == 302
    sid = world.submission.id
    assert client.post(f"/review/submissions/{sid}/points", data={"tp-text": "no token"}).status_code == 400
    html = client.get(f"/review/submissions/{sid}").data
    token = csrf_token_from(html)
    assert b'name="tp-csrf_token"' in html
    resp = client.post(f"/review/submissions/{sid}/points", data={"tp-text": "with token", "tp-csrf_token": token})
    assert resp.status_code == 302
    resp = client.post(f"/review/submissions/{sid}/reviewed", data={"csrf_token": token})
    assert resp.status_code == 302


# --------------------------------------------------------------------------- the shipped case library


def test_reference_solutions_of_the_shipped_cases_render(app: Flask, client: FlaskClient, session: Session,
                                                         factory: Factory) -> None:
    """Every real case (notebooks, SVG screens, CSV data) renders safely with its reference solution."""
    from caseportal.casebook import reference_submission

    library = app.extensions["caseportal.casebook"]
    if not len(library):
        pytest.skip("no cases in the library")
    reviewer = factory.user(StaffRole.REVIEWER)
    login(client, reviewer)
    for spec in library:
        m = factory.meeting(reviewers=[reviewer], cases=[spec.slug])
        sub = make_submission(session, m, spec, reference_submission(spec))
        html = page(client, f"/review/submissions/{sub.id}")
        assert_no_executable_markup(html)
        assert spec.title in html
        html = page(client, f"/review/meetings/{m.id}")
        for prompt in spec.reviewer_prompts:
            assert str(escape(prompt.ask)) in html


# --------------------------------------------------------------------------- suggested talking points


def _suggestion_ids(html: str) -> list[str]:
    return re.findall(r'id="suggestion-([a-z0-9-]+)"', html)


def test_suggestions_accept_edit_drop_restore_and_reorder(client: FlaskClient, session: Session,
                                                          world: World) -> None:
    from caseportal.models.review import DroppedSuggestion
    from caseportal.services.suggestions import question_key

    sid = world.submission.id
    qkey = question_key("How big is the team?")
    login(client, world.reviewer)
    html = page(client, f"/review/submissions/{sid}")
    keys = _suggestion_ids(html)
    assert {"diff", "notes", qkey} <= set(keys)
    assert "Suggested talking points" in html and "Edit before accepting" in html
    assert "“How big is the team?”" in html

    # accept as suggested: lands at the end of the list, anchored at the most-changed file
    resp = client.post(f"/review/submissions/{sid}/suggestions/diff/accept")
    assert resp.status_code == 302
    diff_point = session.scalars(select(TalkingPoint).where(TalkingPoint.suggestion_key == "diff")).one()
    assert resp.headers["Location"].endswith(f"#point-{diff_point.id}")
    assert (diff_point.source, diff_point.author_id, diff_point.file_path) == ("diff", world.reviewer.id,
                                                                               "solution.py")
    assert diff_point.text.startswith("You changed 6 files against the starter (+5 −4 lines)")

    # edit before accepting
    resp = client.post(f"/review/submissions/{sid}/suggestions/{qkey}/accept",
                       data={f"s-{qkey}-text": "Team size: Anna answers this one."})
    assert resp.status_code == 302
    assert _points(session, world.submission)[-1] == ("Team size: Anna answers this one.", 1)

    # drop: gone from the list, remembered per submission, offered again on request
    assert client.post(f"/review/submissions/{sid}/suggestions/notes/drop").status_code == 302
    assert session.scalars(select(DroppedSuggestion.key).where(
        DroppedSuggestion.submission_id == sid)).all() == ["notes"]
    html = page(client, f"/review/submissions/{sid}")
    assert set(_suggestion_ids(html)) == set(keys) - {"diff", qkey, "notes"}
    assert "Suggest the 1 dropped suggestion again" in html
    assert "suggested, from the changes · accepted by Rita Reviewer" in html and "the candidate's question" in html
    assert client.post(f"/review/submissions/{sid}/suggestions/restore").status_code == 302
    assert "notes" in _suggestion_ids(page(client, f"/review/submissions/{sid}"))

    # an accepted suggestion is no longer open: a second accept (a stale page) changes nothing
    resp = client.post(f"/review/submissions/{sid}/suggestions/diff/accept", follow_redirects=True)
    assert "no longer open" in resp.get_data(as_text=True)
    assert len(_points(session, world.submission)) == 2

    # reorder with the existing move buttons; add one of their own
    q_point = session.scalars(select(TalkingPoint).where(TalkingPoint.suggestion_key == qkey)).one()
    assert client.post(f"/review/points/{q_point.id}/move", data={"direction": "up"}).status_code == 302
    client.post(f"/review/submissions/{sid}/points", data={"tp-text": "My own"})
    assert [t for t, _ in _points(session, world.submission)] == [
        "Team size: Anna answers this one.", diff_point.text, "My own"]


def test_suggestion_errors_and_access(client: FlaskClient, session: Session, world: World) -> None:
    sid = world.submission.id
    login(client, world.reviewer)
    resp = client.post(f"/review/submissions/{sid}/suggestions/diff/accept",
                       data={"s-diff-text": "x" * 2001})
    assert resp.status_code == 400 and "Field cannot be longer than 2000 characters" in resp.get_data(as_text=True)
    assert client.post(f"/review/submissions/{sid}/suggestions/NOT_A_KEY/accept").status_code == 404
    resp = client.post(f"/review/submissions/{sid}/suggestions/no-such-key/drop", follow_redirects=True)
    assert "no longer open" in resp.get_data(as_text=True)
    for url in (f"/review/submissions/{world.draft.id}/suggestions/diff/accept",
                f"/review/submissions/{world.draft.id}/suggestions/diff/drop"):
        assert client.post(url).status_code == 404  # drafts are private
    client.post("/logout")
    login(client, world.other)
    for url in (f"/review/submissions/{sid}/suggestions/diff/accept",
                f"/review/submissions/{sid}/suggestions/diff/drop",
                f"/review/submissions/{sid}/suggestions/restore"):
        assert client.post(url).status_code == 404, url
    assert _points(session, world.submission) == []


def test_suggestion_forms_carry_csrf_tokens(csrf_app: Flask, world: World, case: CaseSpec) -> None:
    csrf_app.extensions["caseportal.casebook"] = load_library(case.path.parent)
    client = csrf_app.test_client()
    token = csrf_token_from(client.get("/login").data)
    client.post("/login", data={"email": world.reviewer.email, "password": PASSWORD, "csrf_token": token})
    sid = world.submission.id
    assert client.post(f"/review/submissions/{sid}/suggestions/notes/accept").status_code == 400
    html = client.get(f"/review/submissions/{sid}").data
    assert b'name="s-notes-csrf_token"' in html
    token = csrf_token_from(html)
    assert client.post(f"/review/submissions/{sid}/suggestions/notes/drop",
                       data={"s-notes-csrf_token": token}).status_code == 302
    assert client.post(f"/review/submissions/{sid}/suggestions/diff/accept",
                       data={"s-diff-csrf_token": token}).status_code == 302
