"""The workspace's file tree (new, rename, delete) through the service and the plain-form routes, and the run's
phase with its elapsed time in the page and the status JSON.

The case is a scaffolded one whose editable patterns take new files (``lib/*.py``, ``notes/*.md``) beside a
fixed starter file (``solution.py``), so every rule has something to bite on.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from caseportal.casebook import CaseSpec, scaffold
from caseportal.config import Settings
from caseportal.models import Meeting, RunKind, RunStatus, Submission, utcnow
from caseportal.services import run_phase, runs, submissions, workspace_files
from caseportal.services.errors import Invalid, NotFound
from sandbox.spec import CheckResult, Outcome, RunResult
from tests.conftest import Factory, use_library

SLUG = "tree-case"


@pytest.fixture()
def case(app: Flask, tmp_path: Path) -> CaseSpec:
    root = tmp_path / "tree-cases"
    folder = scaffold(root, SLUG, "coding")
    yaml = (folder / "case.yaml").read_text(encoding="utf-8")
    yaml = yaml.replace('editable: ["solution.py"]', 'editable: ["solution.py", "lib/*.py", "notes/*.md"]')
    yaml = yaml.replace('accepted_extensions: [".py"]', 'accepted_extensions: [".py", ".md"]')
    (folder / "case.yaml").write_text(yaml, encoding="utf-8")
    (folder / "starter" / "lib").mkdir()
    (folder / "starter" / "lib" / "helpers.py").write_text("def helper() -> int:\n    return 1\n")
    (folder / "starter" / "notes").mkdir()
    (folder / "starter" / "notes" / "README.md").write_text("# Notes\n")  # every editable glob names a file
    return use_library(app, root, SLUG)


@pytest.fixture()
def meeting(factory: Factory, case: CaseSpec) -> Meeting:
    return factory.meeting(cases=[case.slug])


@pytest.fixture()
def work(session: Session, meeting: Meeting, case: CaseSpec) -> Submission:
    sub = submissions.start(session, meeting, case)
    session.commit()
    return sub


def paths(sub: Submission) -> list[str]:
    return sorted(f.path for f in sub.files)


# --------------------------------------------------------------------------- the service


def test_new_rename_delete_of_own_files(session: Session, settings: Settings, work: Submission,
                                        case: CaseSpec) -> None:
    assert workspace_files.new_file(session, work, " lib\\extra.py", settings, case=case) == "lib/extra.py"
    assert workspace_files.new_file(session, work, "notes/idea.md", settings, case=case, content="# Idea\r\n")
    assert paths(work) == ["lib/extra.py", "lib/helpers.py", "notes/README.md", "notes/idea.md", "solution.py"]
    assert next(f for f in work.files if f.path == "notes/idea.md").content == b"# Idea\n"
    # a new file is one the candidate types into: the page offers it in the editor
    assert case.submission.is_editable("lib/extra.py")

    assert workspace_files.rename_file(session, work, "lib/extra.py", "lib/more.py", case=case) == "lib/more.py"
    assert workspace_files.rename_file(session, work, "lib/more.py", "lib/More.py", case=case) == "lib/More.py"
    workspace_files.delete_file(session, work, "lib/More.py", case=case)
    assert paths(work) == ["lib/helpers.py", "notes/README.md", "notes/idea.md", "solution.py"]


NEW_FILE_REFUSALS = [
    ("", "Please type a name"),
    ("../lib/x.py", "points outside its folder"),
    ("/lib/x.py", "absolute path"),
    ("lib/\u202egpj.py", "control characters"),
    ("lib/x.txt", "not a file type this case accepts"),
    ("other/x.py", "New files must match solution.py, lib/*.py, notes/*.md"),
    ("solution.py", "already exists"),
    ("lib/Helpers.py", "differ only in upper and lower case"),
    ("lib/ｈelpers.py", "differ only in upper and lower case"),
    ("lib/helpers.py/x.py", "‘lib/helpers.py’ is a file, so it can't also be a folder"),
    ("lib/__pycache__/x.py", "tools use for their own files"),
]


def test_new_file_refusals(session: Session, settings: Settings, work: Submission, case: CaseSpec) -> None:
    """One app for all the bad names (each refusal changes nothing, so they do not disturb each other)."""
    before = paths(work)
    for name, refusal in NEW_FILE_REFUSALS:
        with pytest.raises(Invalid, match=re.escape(refusal)):
            workspace_files.new_file(session, work, name, settings, case=case)
        assert paths(work) == before, name


def test_nfc_names_are_one_file(session: Session, settings: Settings, work: Submission, case: CaseSpec) -> None:
    workspace_files.new_file(session, work, "lib/caf\u00e9.py", settings, case=case)
    with pytest.raises(Invalid, match="already exists"):
        workspace_files.new_file(session, work, "lib/cafe\u0301.py", settings, case=case)


def test_a_folder_name_is_not_a_file(session: Session, settings: Settings, work: Submission,
                                     case: CaseSpec) -> None:
    workspace_files.new_file(session, work, "lib/pkg.py/mod.py", settings, case=case)
    with pytest.raises(Invalid, match="is a folder of your work"):
        workspace_files.new_file(session, work, "lib/pkg.py", settings, case=case)


def test_limits_hold(session: Session, settings: Settings, work: Submission, case: CaseSpec) -> None:
    full = settings.with_(max_files=len(work.files) + 1)
    workspace_files.new_file(session, work, "lib/one.py", full, case=case)
    with pytest.raises(Invalid, match="the most allowed is"):
        workspace_files.new_file(session, work, "lib/two.py", full, case=case)
    small = settings.with_(max_file_bytes=10)
    with pytest.raises(Invalid, match="files may be at most"):
        workspace_files.new_file(session, work, "lib/big.py", small, case=case, content="x = 1\n" * 5)
    tight = settings.with_(max_submission_bytes=sum(f.size for f in work.files) + 4)
    with pytest.raises(Invalid, match="Your submission would be"):
        workspace_files.new_file(session, work, "lib/big.py", tight, case=case, content="x = 1\n")
    assert "lib/two.py" not in paths(work) and "lib/big.py" not in paths(work)


def test_the_cases_own_files_stay(session: Session, settings: Settings, work: Submission, case: CaseSpec) -> None:
    for starter in ("solution.py", "lib/helpers.py"):
        with pytest.raises(Invalid, match="came with the case.*can't be renamed"):
            workspace_files.rename_file(session, work, starter, "lib/mine.py", case=case)
        with pytest.raises(Invalid, match="came with the case.*can't be deleted"):
            workspace_files.delete_file(session, work, starter, case=case)
    with pytest.raises(NotFound):
        workspace_files.rename_file(session, work, "lib/gone.py", "lib/x.py", case=case)


def test_rename_refusals(session: Session, settings: Settings, work: Submission, case: CaseSpec) -> None:
    workspace_files.new_file(session, work, "lib/mine.py", settings, case=case)
    for target, refusal in (("lib/helpers.py", "already exists"), ("../mine.py", "points outside"),
                            ("lib/mine.py", "already has that name"), ("lib/mine.txt", "not a file type"),
                            ("mine.py", "New files must match")):
        with pytest.raises(Invalid, match=re.escape(refusal)):
            workspace_files.rename_file(session, work, "lib/mine.py", target, case=case)
    assert "lib/mine.py" in paths(work)


def test_handed_in_work_refuses_every_change(session: Session, settings: Settings, work: Submission,
                                            case: CaseSpec) -> None:
    workspace_files.new_file(session, work, "lib/mine.py", settings, case=case)
    submissions.submit(session, work, "", "")
    session.commit()
    with pytest.raises(Invalid, match="handed in"):
        workspace_files.new_file(session, work, "lib/other.py", settings, case=case)
    with pytest.raises(Invalid, match="handed in"):
        workspace_files.rename_file(session, work, "lib/mine.py", "lib/other.py", case=case)
    with pytest.raises(Invalid, match="handed in"):
        workspace_files.delete_file(session, work, "lib/mine.py", case=case)


# --------------------------------------------------------------------------- the routes (plain forms, no JS)


def started(client: FlaskClient, factory: Factory, meeting: Meeting) -> str:
    token = factory.invite(meeting)
    assert client.post(f"/i/{token}/case/{SLUG}/start").status_code == 302
    return f"/i/{token}/case/{SLUG}"


def test_tree_forms_work_without_javascript(client: FlaskClient, factory: Factory, meeting: Meeting,
                                            session: Session) -> None:
    base = started(client, factory, meeting)
    page = client.get(base).get_data(as_text=True)
    assert f'action="{base}/new-file"' in page and 'id="new-file-name"' in page
    assert 'class="tree-link"' in page and 'rename-file' not in page  # nothing of the candidate's own yet

    resp = client.post(f"{base}/new-file", data={"name": "lib/extra.py"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("?open=lib/extra.py#work")
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    for action in ("rename-file", "delete"):
        assert f'action="{base}/{action}"' in page, action
    assert 'name="file::lib/extra.py"' in page  # in the editor
    opened = re.search(r'<details class="editor-file" open>\s*<summary><code>([^<]+)</code>', page)
    assert opened and opened.group(1) == "lib/extra.py"  # and the one shown first

    resp = client.post(f"{base}/rename-file", data={"path": "lib/extra.py", "new_name": "lib/tools.py"})
    assert resp.status_code == 302 and "open=lib/tools.py" in resp.headers["Location"]
    resp = client.post(f"{base}/delete", data={"path": "lib/tools.py", "from": "tree"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("#work")
    sub = session.scalar(select(Submission).where(Submission.meeting_id == meeting.id))
    assert sub is not None
    session.refresh(sub)
    assert paths(sub) == ["lib/helpers.py", "notes/README.md", "solution.py"]


@pytest.mark.parametrize(("lang", "refusal", "kept"), [
    ("en", "is not a file this case lets you create", "secret/x.py"),
    ("sv", "Du kan inte skapa ”secret/x.py” i det här caset", "secret/x.py"),
])
def test_a_refusal_is_clear_in_both_languages(client: FlaskClient, factory: Factory, meeting: Meeting,
                                              lang: str, refusal: str, kept: str) -> None:
    base = started(client, factory, meeting)
    resp = client.post(f"{base}/new-file", data={"name": kept}, headers={"Accept-Language": lang})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400 and refusal in page
    assert re.search(r'id="new-file-name" name="name" value="secret/x.py"', page)  # what was typed stays


def test_a_starter_file_has_no_rename_or_delete(client: FlaskClient, factory: Factory, meeting: Meeting) -> None:
    base = started(client, factory, meeting)
    page = client.get(base).get_data(as_text=True)
    assert 'name="path" value="solution.py"' not in page
    resp = client.post(f"{base}/delete", data={"path": "solution.py", "from": "tree"},
                       headers={"Accept-Language": "sv"})
    assert resp.status_code == 400 and "du kan inte ta bort den" in resp.get_data(as_text=True)


def test_handed_in_workspace_is_read_only(client: FlaskClient, factory: Factory, meeting: Meeting,
                                          session: Session) -> None:
    base = started(client, factory, meeting)
    sub = session.scalar(select(Submission).where(Submission.meeting_id == meeting.id))
    assert sub is not None
    submissions.submit(session, sub, "", "")
    session.commit()
    page = client.get(base).get_data(as_text=True)
    assert "new-file" not in page and "rename-file" not in page and 'class="tabs"' not in page
    assert 'id="work-form"' not in page
    resp = client.post(f"{base}/new-file", data={"name": "lib/late.py"})
    assert resp.status_code == 400 and "handed in" in resp.get_data(as_text=True)


# --------------------------------------------------------------------------- the run's phase and elapsed time


def test_phase_follows_the_run(factory: Factory, session: Session, work: Submission) -> None:
    run = runs.request_run(session, work, RunKind.CHECK, runs_per_hour=10**6)
    session.commit()
    t0 = run.created_at
    assert run_phase.progress(run, t0 + timedelta(seconds=3)) == run_phase.Progress("queued", 3)
    assert runs.claim(session, run.id, "tests:0:0", lease_s=300, now=t0 + timedelta(seconds=4))
    session.commit()
    session.refresh(run)
    assert run.status == RunStatus.RUNNING
    assert run_phase.progress(run, t0 + timedelta(seconds=4.5)) == run_phase.Progress("starting", 4)
    assert run_phase.progress(run, t0 + timedelta(seconds=9)) == run_phase.Progress("running", 9)
    run.status, run.finished_at = RunStatus.DONE, t0 + timedelta(seconds=75)
    assert run_phase.progress(run, t0 + timedelta(hours=1)) == run_phase.Progress("done", 75)
    assert run_phase.elapsed_label(75) == "1 min 15 s" and run_phase.elapsed_label(9) == "9 s"


def test_status_json_and_page_show_phase_and_time(client: FlaskClient, factory: Factory, meeting: Meeting,
                                                  session: Session) -> None:
    base = started(client, factory, meeting)
    token = base.split("/")[2]
    sub = session.scalar(select(Submission).where(Submission.meeting_id == meeting.id))
    assert sub is not None
    run = runs.request_run(session, sub, RunKind.CHECK, runs_per_hour=10**6)
    run.created_at = utcnow() - timedelta(seconds=12)
    session.commit()
    data = client.get(f"/i/{token}/runs/{run.id}.json").json
    assert data is not None and data["phase"] == "queued" and data["elapsed_s"] >= 12
    page = client.get(base, headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert 'aria-current="step">I kö</li>' in page and re.search(r'class="run-elapsed"[^>]*>\d+ s</span>', page)

    finished = factory.run(sub, RunResult(outcome=Outcome.passed,
                                          checks=(CheckResult("test_ok", "passed", "", visible=True),)),
                           kind=RunKind.CHECK)
    data = client.get(f"/i/{token}/runs/{finished.id}.json").json
    assert data is not None and data["phase"] == "done" and data["finished"] is True
    page = client.get(base).get_data(as_text=True)
    assert re.search(r"Finished after \d+ s\.", page) and "1 of 1 check passes." in page
