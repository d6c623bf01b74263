"""The reviewer's submission page: notes, code, diff, runs, raw files and artifacts, and XSS safety."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from sqlalchemy import select
from sqlalchemy.orm import Session

from caseportal.casebook import CaseSpec
from caseportal.models import RunStatus, StaffRole, TalkingPoint
from sandbox.spec import CheckResult, RunResult
from tests.conftest import Factory, login
from tests.web.conftest import assert_no_executable_markup
from tests.web.review.conftest import XSS, World, page

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
    assert "The case has changed since this work was handed in; the changes are shown against the current" in html


def test_case_removed_from_library(client: FlaskClient, session: Session, world: World) -> None:
    world.submission.case_slug = "gone-case"
    session.commit()
    login(client, world.reviewer)
    html = page(client, f"/review/submissions/{world.submission.id}")
    assert "no longer in the case library" in html and 'id="L-' in html


def test_very_long_files_are_offered_as_download(client: FlaskClient, session: Session, factory: Factory,
                                                  world: World, case: CaseSpec) -> None:
    m = factory.meeting(reviewers=[world.reviewer], cases=[case.slug])
    sub = factory.submission(m, {"data.csv": b"a,b\n" * 6000, "solution.py": b"x = 1\n"}, case=case)
    login(client, world.reviewer)
    html = page(client, f"/review/submissions/{sub.id}")
    assert "too long to show here" in html
    assert 'id="L-0-1"' not in html and 'id="L-1-1"' in html


def test_pygments_css(client: FlaskClient, world: World) -> None:
    login(client, world.reviewer)
    resp = client.get("/review/pygments.css")
    assert resp.status_code == 200 and resp.mimetype == "text/css"
    assert ".hl .k" in resp.get_data(as_text=True)


def test_review_stylesheet_is_linked_after_the_highlighting_rules(client: FlaskClient, world: World) -> None:
    """The page's layout (code tables, line anchors, images) is a static file loaded after Pygments' rules."""
    login(client, world.reviewer)
    html = page(client, f"/review/submissions/{world.submission.id}")
    assert html.index('href="/review/pygments.css"') < html.index('href="/static/review.css"')
    resp = client.get("/static/review.css")
    assert resp.status_code == 200 and resp.mimetype == "text/css"
    css = resp.get_data(as_text=True)
    assert ".code-view td.code" in css and ".code-view tr:target" in css and "iframe.artifact" in css


# --------------------------------------------------------------------------- XSS


def test_nothing_the_candidate_writes_can_run_script(client: FlaskClient, session: Session, factory: Factory,
                                                     world: World, case: CaseSpec) -> None:
    m = factory.meeting(reviewers=[world.reviewer], cases=[case.slug], candidate='<script>alert("n")</script>')
    evil_names = ['<img src=x onerror=alert(1)>.py', '"><script>alert(1)</script>.txt', "javascript:alert(1).md",
                  "x.html"]
    files = {name: XSS.encode() + b"\n" for name in evil_names}
    files["<svg onload=alert(1)>.png"] = b"\x89PNG\r\n\x1a\n\x00"
    sub = factory.submission(m, files, case=case, notes=XSS, questions=XSS)
    factory.run(sub, RunResult(
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
    sub = factory.submission(m, {'a"b\r\nSet-Cookie: x=1;.txt': b"x", "dir/caf\u00e9.py": b"y"}, case=case)
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


def test_runs_show_every_check_output_metrics_and_artifacts(client: FlaskClient, factory: Factory,
                                                            world: World) -> None:
    run = factory.run(world.submission, RunResult(
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
    other_run = factory.run(world.submission, RunResult(outcome="passed"))
    assert client.get(f"/review/runs/{other_run.id}/artifacts/{arts['plot.png'].id}").status_code == 404


def test_unfinished_run_is_shown_as_such(client: FlaskClient, factory: Factory, world: World) -> None:
    factory.run(world.submission, None, status=RunStatus.RUNNING)
    login(client, world.reviewer)
    html = page(client, f"/review/submissions/{world.submission.id}")
    assert "has not finished yet (running)" in html


def test_no_run_yet(client: FlaskClient, world: World) -> None:
    login(client, world.reviewer)
    assert "No checks have run on the submitted work yet." in page(client, f"/review/submissions/{world.submission.id}")


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
        sub = factory.submission(m, reference_submission(spec), case=spec)
        html = page(client, f"/review/submissions/{sub.id}")
        assert_no_executable_markup(html)
        assert spec.title in html
        html = page(client, f"/review/meetings/{m.id}")
        for prompt in spec.reviewer_prompts:
            assert str(escape(prompt.ask)) in html
