"""services.submissions: start, save, upload, delete, hand in — and the rules that keep work consistent."""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from caseportal.casebook import CaseSpec, load_case, scaffold
from caseportal.config import Settings
from caseportal.models import Meeting, Submission, SubmissionStatus, utcnow
from caseportal.services import submissions
from caseportal.services.errors import Invalid, NotFound
from tests.conftest import Factory


def coding_case(app: Flask) -> CaseSpec:
    """A case of the real library whose starter has editable text files and no uploads."""
    for case in app.extensions["caseportal.casebook"]:
        if case.kind == "coding" and any(case.submission.is_editable(p) for p in case.starter_files):
            return case
    pytest.fail("the case library needs a coding case with editable starter files")


def editable_path(case: CaseSpec) -> str:
    return next(p for p in sorted(case.starter_files) if case.submission.is_editable(p))


def upload_case(root: Path) -> CaseSpec:
    """A data case that takes uploads (a notebook case), made from the scaffold."""
    folder = scaffold(root, "upload-case", "data")
    yaml = (folder / "case.yaml").read_text()
    yaml = yaml.replace("uploads: false", "uploads: true").replace(
        'accepted_extensions: [".py"]', 'accepted_extensions: [".py", ".ipynb", ".csv", ".md"]')
    (folder / "case.yaml").write_text(yaml)
    (folder / "starter" / "README.txt").write_text("Read me; not editable.\n")
    return load_case(folder)


@pytest.fixture()
def cfg(app: Flask) -> Settings:
    return app.extensions["caseportal.settings"]


def zip_of(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in entries.items():
            zf.writestr(name, content)
    return buf.getvalue()


def snapshot(sub: Submission) -> dict[str, tuple[bytes, int, str]]:
    return {f.path: (f.content, f.size, f.sha256) for f in sub.files}


def test_start_copies_the_starter_files(app: Flask, session: Session, factory: Factory) -> None:
    case = coding_case(app)
    meeting = factory.meeting(cases=[case.slug])
    sub = submissions.start(session, meeting, case)
    session.commit()
    assert sub.case_version == case.version
    assert sub.status == SubmissionStatus.DRAFT
    assert sub.file_map() == dict(case.starter_files)
    for f in sub.files:
        assert f.size == len(f.content)
        assert f.sha256 == hashlib.sha256(f.content).hexdigest()
    assert submissions.start(session, meeting, case).id == sub.id  # a second click changes nothing


def test_start_refuses_a_case_of_another_meeting(app: Flask, session: Session, factory: Factory) -> None:
    case = coding_case(app)
    meeting = factory.meeting(cases=[])
    with pytest.raises(NotFound):
        submissions.start(session, meeting, case)


def test_switching_cases_until_one_is_handed_in(app: Flask, session: Session, factory: Factory,
                                                tmp_path: Path) -> None:
    coding, other = coding_case(app), upload_case(tmp_path)
    meeting = factory.meeting(cases=[coding.slug, other.slug])
    first = submissions.start(session, meeting, coding)
    second = submissions.start(session, meeting, other)  # started but not handed in: switching is fine
    assert first.id != second.id
    submissions.submit(session, second, "more tests", "")
    session.commit()
    assert submissions.handed_in(session, meeting).id == second.id
    with pytest.raises(Invalid, match="already handed in another case"):
        submissions.save_files(session, first, {editable_path(coding): "x"}, app.extensions["caseportal.settings"])
    with pytest.raises(Invalid, match="already handed in another case"):
        submissions.submit(session, first, "", "")


def test_start_after_another_case_was_handed_in(app: Flask, session: Session, factory: Factory,
                                                tmp_path: Path) -> None:
    coding, other = coding_case(app), upload_case(tmp_path)
    meeting = factory.meeting(cases=[coding.slug, other.slug])
    submissions.submit(session, submissions.start(session, meeting, coding), "", "")
    with pytest.raises(Invalid, match="already handed in another case"):
        submissions.start(session, meeting, other)


def test_save_files(app: Flask, session: Session, factory: Factory, cfg: Settings) -> None:
    case = coding_case(app)
    meeting = factory.meeting(cases=[case.slug])
    sub = submissions.start(session, meeting, case, now=utcnow() - timedelta(hours=1))
    session.commit()
    before = sub.updated_at
    path = editable_path(case)
    changed = submissions.save_files(session, sub, {path: "new text\r\nline two\r\n"}, cfg, case=case)
    session.commit()
    assert changed == [path]
    f = next(f for f in sub.files if f.path == path)
    assert f.content == b"new text\nline two\n"  # browsers' CRLF stored as LF
    assert f.size == len(f.content) and f.sha256 == hashlib.sha256(f.content).hexdigest()
    assert sub.updated_at > before
    # Saving the same text again changes nothing.
    stamp = sub.updated_at
    assert submissions.save_files(session, sub, {path: "new text\nline two\n"}, cfg, case=case) == []
    assert sub.updated_at == stamp


def test_save_refuses_unknown_and_read_only_files(session: Session, factory: Factory, cfg: Settings,
                                                  tmp_path: Path) -> None:
    case = upload_case(tmp_path)
    meeting = factory.meeting(cases=[case.slug])
    sub = submissions.start(session, meeting, case)
    before = snapshot(sub)
    with pytest.raises(Invalid, match="not one of your files"):
        submissions.save_files(session, sub, {"solution.py": "ok", "../../etc/passwd": "x"}, cfg, case=case)
    with pytest.raises(Invalid, match="can't be edited"):
        submissions.save_files(session, sub, {"solution.py": "ok", "README.txt": "changed"}, cfg, case=case)
    assert snapshot(sub) == before  # all or nothing


def test_save_refuses_oversized_text(app: Flask, session: Session, factory: Factory, cfg: Settings) -> None:
    case = coding_case(app)
    sub = submissions.start(session, factory.meeting(cases=[case.slug]), case)
    before = snapshot(sub)
    with pytest.raises(Invalid, match="files may be at most 2 MB"):
        submissions.save_files(session, sub, {editable_path(case): "x" * (3 * 1024 * 1024)}, cfg, case=case)
    assert snapshot(sub) == before


def test_deadline_closes_the_work(app: Flask, session: Session, factory: Factory, cfg: Settings) -> None:
    case = coding_case(app)
    meeting: Meeting = factory.meeting(cases=[case.slug])
    sub = submissions.start(session, meeting, case)
    meeting.case_deadline = utcnow() - timedelta(minutes=1)
    session.commit()
    assert not submissions.is_open(meeting, sub)
    assert submissions.is_open(meeting, sub, now=utcnow() - timedelta(minutes=2))
    before = snapshot(sub)
    for attempt in (
        lambda: submissions.save_files(session, sub, {editable_path(case): "late"}, cfg, case=case),
        lambda: submissions.add_uploads(session, sub, [("late.md", b"x")], cfg, [".md"]),
        lambda: submissions.submit(session, sub, "", ""),
    ):
        with pytest.raises(Invalid, match="deadline for the case has passed"):
            attempt()
    assert snapshot(sub) == before and not sub.is_submitted


def test_no_deadline_means_open(app: Flask, session: Session, factory: Factory) -> None:
    case = coding_case(app)
    meeting = factory.meeting(cases=[case.slug])
    meeting.case_deadline = None
    assert submissions.is_open(meeting, None)
    assert not submissions.deadline_passed(meeting)


def test_uploads_add_replace_and_protect(session: Session, factory: Factory, cfg: Settings,
                                         tmp_path: Path) -> None:
    case = upload_case(tmp_path)
    sub = submissions.start(session, factory.meeting(cases=[case.slug]), case)
    stored = submissions.add_uploads(session, sub, [("analysis.ipynb", b"{}"), ("solution.py", b"x = 1\n")], cfg,
                                     case.submission.accepted_extensions, case=case)
    assert stored == ["analysis.ipynb", "solution.py"]
    files = sub.file_map()
    assert files["analysis.ipynb"] == b"{}" and files["solution.py"] == b"x = 1\n"
    before = snapshot(sub)
    with pytest.raises(Invalid, match="part of the case and can't be replaced"):
        submissions.add_uploads(session, sub, [("new.md", b"n"), ("README.txt", b"mine")], cfg,
                                [".md", ".txt"], case=case)
    assert snapshot(sub) == before


def test_upload_zip_all_or_nothing(session: Session, factory: Factory, cfg: Settings, tmp_path: Path) -> None:
    case = upload_case(tmp_path)
    sub = submissions.start(session, factory.meeting(cases=[case.slug]), case)
    before = snapshot(sub)
    bad = zip_of({"project/a.py": b"a", "project/b.exe": b"MZ"})
    with pytest.raises(Invalid, match="b.exe"):
        submissions.add_uploads(session, sub, [("ok.py", b"fine"), ("work.zip", bad)], cfg,
                                case.submission.accepted_extensions, case=case)
    assert snapshot(sub) == before
    good = zip_of({"project/a.py": b"a", "project/data/b.csv": b"1,2"})
    assert submissions.add_uploads(session, sub, [("work.zip", good)], cfg, case.submission.accepted_extensions,
                                   case=case) == ["a.py", "data/b.csv"]


def test_upload_respects_submission_total(session: Session, factory: Factory, tmp_path: Path) -> None:
    case = upload_case(tmp_path)
    small = Settings.for_tests(tmp_path, max_submission_bytes=4000, max_file_bytes=3000)
    sub = submissions.start(session, factory.meeting(cases=[case.slug]), case)
    submissions.add_uploads(session, sub, [("a.csv", b"x" * 2000)], small, [".csv"], case=case)
    before = snapshot(sub)
    with pytest.raises(Invalid, match="Your submission would be"):
        submissions.add_uploads(session, sub, [("b.csv", b"x" * 2500)], small, [".csv"], case=case)
    assert snapshot(sub) == before


def test_delete_only_own_files(session: Session, factory: Factory, cfg: Settings, tmp_path: Path) -> None:
    case = upload_case(tmp_path)
    sub = submissions.start(session, factory.meeting(cases=[case.slug]), case)
    submissions.add_uploads(session, sub, [("notes.md", b"n")], cfg, [".md"], case=case)
    session.commit()
    with pytest.raises(Invalid, match="can't be deleted"):
        submissions.delete_file(session, sub, "solution.py", case=case)
    with pytest.raises(NotFound):
        submissions.delete_file(session, sub, "nope.md", case=case)
    submissions.delete_file(session, sub, "notes.md", case=case)
    session.commit()
    assert "notes.md" not in sub.file_map()
    assert submissions.deletable(sub, "anything.md", case) and not submissions.deletable(sub, "solution.py", case)


def test_submit(app: Flask, session: Session, factory: Factory, cfg: Settings) -> None:
    case = coding_case(app)
    meeting = factory.meeting(cases=[case.slug])
    sub = submissions.start(session, meeting, case)
    now = utcnow()
    submissions.submit(session, sub, "  I would add property tests.  ", "How big is the team?", now=now)
    session.commit()
    assert sub.status == SubmissionStatus.SUBMITTED and sub.submitted_at == now and sub.updated_at == now
    assert sub.notes_more_time == "I would add property tests."
    assert sub.questions == "How big is the team?"
    assert not submissions.is_open(meeting, sub)
    with pytest.raises(Invalid, match="handed in your work"):
        submissions.submit(session, sub, "", "")
    with pytest.raises(Invalid, match="handed in your work"):
        submissions.save_files(session, sub, {editable_path(case): "after"}, cfg, case=case)


def test_submit_refuses_overlong_notes(app: Flask, session: Session, factory: Factory) -> None:
    case = coding_case(app)
    sub = submissions.start(session, factory.meeting(cases=[case.slug]), case)
    with pytest.raises(Invalid, match="can be at most"):
        submissions.submit(session, sub, "x" * (submissions.MAX_NOTE_CHARS + 1), "")
    assert not sub.is_submitted


def test_notes_are_kept_with_the_draft(app: Flask, session: Session, factory: Factory) -> None:
    case = coding_case(app)
    meeting = factory.meeting(cases=[case.slug])
    sub = submissions.start(session, meeting, case, now=utcnow() - timedelta(hours=1))
    stamp = sub.updated_at
    assert submissions.save_notes(session, sub, "first thoughts", None)
    assert sub.notes_more_time == "first thoughts" and sub.questions == "" and sub.updated_at > stamp
    assert not submissions.save_notes(session, sub, "first thoughts", None)
    assert submissions.save_notes(session, sub, None, "How is on-call?")
    assert (sub.notes_more_time, sub.questions) == ("first thoughts", "How is on-call?")
    with pytest.raises(Invalid, match="can be at most"):
        submissions.save_notes(session, sub, "x" * (submissions.MAX_NOTE_CHARS + 1), None)
    meeting.case_deadline = utcnow() - timedelta(seconds=1)
    with pytest.raises(Invalid, match="deadline"):
        submissions.save_notes(session, sub, "late", None)
