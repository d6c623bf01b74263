"""The candidate's room through the Flask test client: the link is the only credential, the work is theirs."""

from __future__ import annotations

import html as html_lib
import io
import json
import re
import shutil
import stat
import struct
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from caseportal.casebook import CaseSpec, scaffold
from caseportal.config import REPO_ROOT, Settings
from caseportal.models import Invitation, Meeting, Run, RunKind, RunStatus, Submission, SubmissionStatus, utcnow
from caseportal.services import invitations
from tests.conftest import Factory, csrf_token_from

MB = 1024 * 1024
UPLOAD_SLUG = "zz-upload-case"


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    """The real case library plus one scaffolded case that takes uploads, and an in-memory queue."""
    lib = tmp_path / "cases"
    shutil.copytree(REPO_ROOT / "cases", lib)
    folder = scaffold(lib, UPLOAD_SLUG, "data")
    yaml = (folder / "case.yaml").read_text()
    yaml = yaml.replace("uploads: false", "uploads: true").replace(
        'accepted_extensions: [".py"]', 'accepted_extensions: [".py", ".ipynb", ".csv", ".md"]')
    (folder / "case.yaml").write_text(yaml)
    (folder / "starter" / "README.txt").write_text("Part of the case; read-only.\n")
    return Settings.for_tests(tmp_path, cases_dir=lib, queue_url="memory")


def library(app: Flask):  # type: ignore[no-untyped-def]
    return app.extensions["caseportal.casebook"]


def coding_case(app: Flask) -> CaseSpec:
    for case in library(app):
        if case.kind == "coding" and case.runtime == "python" and any(
                case.submission.is_editable(p) for p in case.starter_files):
            return case
    pytest.fail("the case library needs a coding case with editable starter files")


def editable_path(case: CaseSpec) -> str:
    return next(p for p in sorted(case.starter_files) if case.submission.is_editable(p))


def pending(app: Flask) -> int:
    return app.extensions["caseportal.queue"].huey.pending_count()


def stored(session: Session, meeting: Meeting, slug: str) -> dict[str, bytes]:
    session.expire_all()
    sub = session.scalar(select(Submission).where(Submission.meeting_id == meeting.id, Submission.case_slug == slug))
    assert sub is not None
    return sub.file_map()


def sub_of(session: Session, meeting: Meeting, slug: str) -> Submission:
    session.expire_all()
    sub = session.scalar(select(Submission).where(Submission.meeting_id == meeting.id, Submission.case_slug == slug))
    assert sub is not None
    return sub


def text(resp) -> str:  # type: ignore[no-untyped-def]
    """The page with HTML entities decoded, so messages read as the candidate sees them."""
    return html_lib.unescape(resp.get_data(as_text=True))


def textarea_text(page: str, path: str) -> str:
    """The text a browser shows in the editor for ``path`` (it drops one newline right after the tag)."""
    m = re.search(r'<textarea[^>]*name="file::' + re.escape(path) + r'"[^>]*>\n?(.*?)</textarea>', page, re.S)
    assert m, f"no editor for {path}"
    return m.group(1)


def started(client: FlaskClient, token: str, slug: str) -> None:
    resp = client.post(f"/i/{token}/case/{slug}/start")
    assert resp.status_code == 302, text(resp)[:500]


# --------------------------------------------------------------------------- the link


def test_home_shows_offer_meeting_and_case(app: Flask, client: FlaskClient, factory: Factory) -> None:
    case = coding_case(app)
    reviewer = factory.user(name="Grace Hopper")
    meeting = factory.meeting(reviewers=[reviewer], cases=[case.slug], place="Main office, floor 3",
                              video_link="https://meet.example.org/abc")
    token = factory.invite(meeting)
    resp = client.get(f"/i/{token}")
    assert resp.status_code == 200
    html = text(resp)
    assert "What we offer" in html
    assert "<strong>conference budget</strong>" in html  # offer sections are rendered markdown
    assert html.index("What we offer") < html.index(case.title)  # the offer comes first
    for expected in ("Flexible hours", "Wellness allowance", "Python, Postgres", "Grace Hopper", "Main office",
                     "https://meet.example.org/abc", "Backend developer", "Payments", case.title, case.summary,
                     case.review_focus[0], f"about {case.time_estimate_minutes} minutes", "Please hand in by",
                     "Not started yet", f"/i/{token}/meeting.ics", "Europe/Stockholm"):
        assert expected in html, expected
    assert resp.headers["Referrer-Policy"] == "no-referrer"
    assert "no-store" in resp.headers["Cache-Control"]
    inv = meeting.current_invitation
    assert inv is not None and inv.first_opened_at is not None


def test_home_survives_a_case_missing_from_the_library(factory: Factory, client: FlaskClient) -> None:
    meeting = factory.meeting(cases=["no-such-case"])
    token = factory.invite(meeting)
    resp = client.get(f"/i/{token}")
    assert resp.status_code == 200
    assert "temporarily unavailable" in text(resp)
    resp = client.get(f"/i/{token}/case/no-such-case")
    assert resp.status_code == 503 and "temporarily unavailable" in text(resp)


def test_calendar_file(factory: Factory, client: FlaskClient) -> None:
    meeting = factory.meeting()
    token = factory.invite(meeting)
    resp = client.get(f"/i/{token}/meeting.ics")
    assert resp.status_code == 200
    assert resp.mimetype == "text/calendar"
    assert b"BEGIN:VEVENT" in resp.data
    assert "attachment" in resp.headers["Content-Disposition"]


def test_expired_link(factory: Factory, client: FlaskClient, session: Session) -> None:
    meeting = factory.meeting()
    token = factory.invite(meeting)
    inv = session.scalar(select(Invitation).where(Invitation.meeting_id == meeting.id))
    assert inv is not None
    inv.expires_at = utcnow() - timedelta(minutes=1)
    session.commit()
    resp = client.get(f"/i/{token}")
    assert resp.status_code == 410
    assert "expired" in text(resp)


def test_revoked_and_reissued_links(factory: Factory, client: FlaskClient, session: Session) -> None:
    meeting = factory.meeting()
    old = factory.invite(meeting)
    new = factory.invite(meeting)  # issuing again revokes the old link
    assert client.get(f"/i/{old}").status_code == 410
    assert client.get(f"/i/{new}").status_code == 200
    invitations.revoke(meeting)
    session.commit()
    resp = client.get(f"/i/{new}")
    assert resp.status_code == 410 and "withdrawn" in text(resp)


@pytest.mark.parametrize("mangle", [lambda t: t[:-3] + ("abc" if not t.endswith("abc") else "xyz"),
                                    lambda t: "x" + t, lambda t: "garbage"])
def test_tampered_token(factory: Factory, client: FlaskClient, mangle) -> None:  # type: ignore[no-untyped-def]
    meeting = factory.meeting()
    token = factory.invite(meeting)
    resp = client.get(f"/i/{mangle(token)}")
    assert resp.status_code == 410
    assert "not valid" in text(resp)
    slug = meeting.case_slugs[0]
    assert client.post(f"/i/{mangle(token)}/case/{slug}/start").status_code == 410


def test_other_meetings_are_invisible(app: Flask, factory: Factory, client: FlaskClient, session: Session) -> None:
    case = coding_case(app)
    a, b = factory.meeting(cases=[case.slug]), factory.meeting(cases=[case.slug], candidate="Bea Other")
    token_a, token_b = factory.invite(a), factory.invite(b)
    started(client, token_b, case.slug)
    path = editable_path(case)
    client.post(f"/i/{token_b}/case/{case.slug}/save", data={f"file::{path}": "B's secret work"})
    sub_b = sub_of(session, b, case.slug)
    run_b = Run(submission_id=sub_b.id, kind=RunKind.CHECK, status=RunStatus.QUEUED)
    session.add(run_b)
    session.commit()

    assert client.get(f"/i/{token_a}/runs/{run_b.id}.json").status_code == 404
    assert client.get(f"/i/{token_b}/runs/{run_b.id}.json").status_code == 200
    page_a = text(client.get(f"/i/{token_a}/case/{case.slug}"))
    assert "B's secret work" not in page_a and "Bea Other" not in page_a
    # A has not started: nothing of B's can be downloaded, saved or deleted through A's link.
    assert client.get(f"/i/{token_a}/case/{case.slug}/files/{path}").status_code == 404
    assert client.post(f"/i/{token_a}/case/{case.slug}/save", data={f"file::{path}": "A"}).status_code == 404
    assert stored(session, b, case.slug)[path] == b"B's secret work"
    # A case that is not attached to A's meeting is not found either.
    assert client.get(f"/i/{token_a}/case/{UPLOAD_SLUG}").status_code == 404


# --------------------------------------------------------------------------- the work


def test_start_save_come_back_and_submit(app: Flask, factory: Factory, client: FlaskClient,
                                         session: Session) -> None:
    case = coding_case(app)
    meeting = factory.meeting(cases=[case.slug])
    token = factory.invite(meeting)
    page = text(client.get(f"/i/{token}/case/{case.slug}"))
    assert "Start this case" in page
    assert "What we will look at" in page

    started(client, token, case.slug)
    sub = sub_of(session, meeting, case.slug)
    assert sub.case_version == case.version
    assert sub.file_map() == dict(case.starter_files)

    page = text(client.get(f"/i/{token}/case/{case.slug}"))
    path = editable_path(case)
    assert f'name="file::{path}"' in page and 'class="code"' in page
    assert "Save draft" in page and "Hand in my work" in page
    assert page.count("<h1") == 1  # the brief's own title heading is folded under the page's
    assert textarea_text(page, path) == case.starter_files[path].decode()  # what a browser would post back

    resp = client.post(f"/i/{token}/case/{case.slug}/save", data={f"file::{path}": "draft one\r\n"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("#work")
    assert stored(session, meeting, case.slug)[path] == b"draft one\n"

    # The hand-in notes belong to the same form: saving a draft keeps them too.
    client.post(f"/i/{token}/case/{case.slug}/save",
                data={f"file::{path}": "draft one\n", "notes_more_time": "Half-way thoughts"})
    assert sub_of(session, meeting, case.slug).notes_more_time == "Half-way thoughts"

    # A file starting with a blank line keeps it through the page and back.
    client.post(f"/i/{token}/case/{case.slug}/save", data={f"file::{path}": "\n\nstarts blank\n"})
    page = text(client.get(f"/i/{token}/case/{case.slug}"))
    assert textarea_text(page, path) == "\n\nstarts blank\n"
    client.post(f"/i/{token}/case/{case.slug}/save", data={f"file::{path}": "draft one\n"})

    # Coming back later: the draft is there, and can change again.
    page = text(client.get(f"/i/{token}/case/{case.slug}"))
    assert "draft one" in page and "Half-way thoughts" in page
    client.post(f"/i/{token}/case/{case.slug}/save", data={f"file::{path}": "draft two\n"})
    assert stored(session, meeting, case.slug)[path] == b"draft two\n"
    assert "Draft, last saved" in text(client.get(f"/i/{token}"))

    # Handing in without the confirmation keeps the work as a draft (and keeps the posted edits).
    resp = client.post(f"/i/{token}/case/{case.slug}/submit",
                       data={f"file::{path}": "final\n", "notes_more_time": "Fuzz it", "questions": "Team?"})
    assert resp.status_code == 400 and "tick the box" in text(resp)
    assert sub_of(session, meeting, case.slug).status == SubmissionStatus.DRAFT
    assert stored(session, meeting, case.slug)[path] == b"final\n"

    resp = client.post(f"/i/{token}/case/{case.slug}/submit",
                       data={"notes_more_time": "Property tests", "questions": "How do you deploy?", "confirm": "y"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("#handed-in")
    sub = sub_of(session, meeting, case.slug)
    assert sub.is_submitted and sub.submitted_at is not None
    assert sub.notes_more_time == "Property tests" and sub.questions == "How do you deploy?"
    full = session.scalar(select(Run).where(Run.submission_id == sub.id))
    assert full is not None and full.kind == RunKind.FULL and full.status == RunStatus.QUEUED
    assert pending(app) == 1

    page = text(client.get(f"/i/{token}/case/{case.slug}"))
    assert "Thank you" in page and "Property tests" in page and "How do you deploy?" in page
    assert 'id="after-submit"' in page
    assert 'name="file::' not in page  # read-only now
    assert "Hand in my work" not in page
    resp = client.post(f"/i/{token}/case/{case.slug}/save", data={f"file::{path}": "after"})
    assert resp.status_code == 400 and "can no longer be changed" in text(resp)
    assert stored(session, meeting, case.slug)[path] == b"final\n"
    assert "Handed in" in text(client.get(f"/i/{token}"))


def test_only_one_case_can_be_handed_in(app: Flask, factory: Factory, client: FlaskClient,
                                        session: Session) -> None:
    case = coding_case(app)
    meeting = factory.meeting(cases=[case.slug, UPLOAD_SLUG])
    token = factory.invite(meeting)
    started(client, token, case.slug)
    started(client, token, UPLOAD_SLUG)  # switching while nothing is handed in is fine
    resp = client.post(f"/i/{token}/case/{UPLOAD_SLUG}/submit", data={"confirm": "y"})
    assert resp.status_code == 302
    page = text(client.get(f"/i/{token}/case/{case.slug}"))
    assert "already handed in another case" in page
    resp = client.post(f"/i/{token}/case/{case.slug}/submit", data={"confirm": "y"})
    assert resp.status_code == 400
    assert not sub_of(session, meeting, case.slug).is_submitted


def test_deadline_passed_refuses_changes(app: Flask, factory: Factory, client: FlaskClient,
                                         session: Session) -> None:
    meeting = factory.meeting(cases=[UPLOAD_SLUG])
    token = factory.invite(meeting)
    started(client, token, UPLOAD_SLUG)
    meeting.case_deadline = utcnow() - timedelta(minutes=5)
    session.commit()
    before = stored(session, meeting, UPLOAD_SLUG)

    page = text(client.get(f"/i/{token}/case/{UPLOAD_SLUG}"))
    assert "deadline for the case has passed" in page
    assert 'name="file::' not in page and "Hand in my work" not in page and 'type="file"' not in page
    assert "deadline for the case was" in text(client.get(f"/i/{token}"))

    attempts = [
        client.post(f"/i/{token}/case/{UPLOAD_SLUG}/save", data={"file::solution.py": "late"}),
        client.post(f"/i/{token}/case/{UPLOAD_SLUG}/upload", data={"files": [(io.BytesIO(b"x"), "late.md")]},
                    content_type="multipart/form-data"),
        client.post(f"/i/{token}/case/{UPLOAD_SLUG}/submit", data={"confirm": "y"}),
        client.post(f"/i/{token}/case/{UPLOAD_SLUG}/run"),
        client.post(f"/i/{token}/case/{UPLOAD_SLUG}/autosave", json={"files": {"solution.py": "late"}}),
    ]
    for resp in attempts:
        assert resp.status_code == 400
        assert "deadline for the case has passed" in text(resp)
    assert stored(session, meeting, UPLOAD_SLUG) == before
    assert not sub_of(session, meeting, UPLOAD_SLUG).is_submitted
    assert pending(app) == 0


def test_autosave_json(app: Flask, factory: Factory, client: FlaskClient, session: Session) -> None:
    case = coding_case(app)
    meeting = factory.meeting(cases=[case.slug])
    token = factory.invite(meeting)
    started(client, token, case.slug)
    path = editable_path(case)
    url = f"/i/{token}/case/{case.slug}/autosave"
    resp = client.post(url, json={"files": {path: "autosaved\n"}})
    assert resp.status_code == 200
    assert resp.json is not None and resp.json["saved"] == [path] and resp.json["saved_at"]
    assert stored(session, meeting, case.slug)[path] == b"autosaved\n"

    resp = client.post(url, json={"files": {"not/mine.py": "x"}})
    assert resp.status_code == 400 and "not one of your files" in resp.json["error"]
    assert client.post(url, json={"files": ["wrong shape"]}).status_code == 400
    assert client.post(url, json={"notes": {"not_a_note": "x"}}).status_code == 400

    resp = client.post(url, json={"files": {}, "notes": {"questions": "Is there on-call?"}})
    assert resp.status_code == 200
    assert sub_of(session, meeting, case.slug).questions == "Is there on-call?"
    assert "Is there on-call?" in text(client.get(f"/i/{token}/case/{case.slug}"))  # the hand-in form keeps it
    assert client.post(url, data="not json", content_type="application/json").status_code == 400
    assert client.post(f"/i/{token}x/case/{case.slug}/autosave", json={"files": {}}).status_code == 410


def test_autosave_takes_the_csrf_header(csrf_app: Flask, factory: Factory) -> None:
    case = coding_case(csrf_app)
    meeting = factory.meeting(cases=[case.slug])
    token = factory.invite(meeting)
    client = csrf_app.test_client()
    page = client.get(f"/i/{token}/case/{case.slug}")
    resp = client.post(f"/i/{token}/case/{case.slug}/start", data={"csrf_token": csrf_token_from(page.data)})
    assert resp.status_code == 302
    page = client.get(f"/i/{token}/case/{case.slug}")
    csrf = csrf_token_from(page.data)
    url = f"/i/{token}/case/{case.slug}/autosave"
    body = {"files": {editable_path(case): "with header\n"}}
    assert client.post(url, json=body, headers={"Accept": "application/json"}).status_code == 400
    resp = client.post(url, json=body, headers={"X-CSRFToken": csrf, "Accept": "application/json"})
    assert resp.status_code == 200, resp.data[:300]
    assert client.post(f"/i/{token}/case/{case.slug}/save",
                       data={f"file::{editable_path(case)}": "no token"}).status_code == 400


def test_read_only_files_and_downloads(factory: Factory, client: FlaskClient) -> None:
    meeting = factory.meeting(cases=[UPLOAD_SLUG])
    token = factory.invite(meeting)
    started(client, token, UPLOAD_SLUG)
    page = text(client.get(f"/i/{token}/case/{UPLOAD_SLUG}"))
    assert 'name="file::solution.py"' in page
    assert 'name="file::README.txt"' not in page and "Part of the case; read-only." in page
    resp = client.post(f"/i/{token}/case/{UPLOAD_SLUG}/save", data={"file::README.txt": "mine now"})
    assert resp.status_code == 400 and "can't be edited" in text(resp)
    resp = client.get(f"/i/{token}/case/{UPLOAD_SLUG}/files/README.txt")
    assert resp.status_code == 200 and resp.data == b"Part of the case; read-only.\n"
    assert "attachment" in resp.headers["Content-Disposition"]
    assert resp.mimetype == "application/octet-stream"
    assert client.get(f"/i/{token}/case/{UPLOAD_SLUG}/files/nope.txt").status_code == 404


# --------------------------------------------------------------------------- uploads


def make_zip(entries: list[tuple[str | zipfile.ZipInfo, bytes]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in entries:
            zf.writestr(name, content)
    return buf.getvalue()


def _symlink_zip() -> bytes:
    info = zipfile.ZipInfo("link.py")
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return make_zip([("ok.py", b"ok"), (info, b"/etc/passwd")])


def _encrypted_zip() -> bytes:
    out = bytearray(make_zip([("secret.py", b"x = 1\n")]))
    for sig, off in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        pos = out.find(sig)
        struct.pack_into("<H", out, pos + off, struct.unpack_from("<H", out, pos + off)[0] | 1)
    return bytes(out)


def _lying_zip() -> bytes:
    out = bytearray(make_zip([(f"z{i}.csv", b"\0" * (3 * MB // 2)) for i in range(6)]))
    for sig, off in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        pos = 0
        while (pos := out.find(sig, pos)) != -1:
            struct.pack_into("<I", out, pos + off, 1000)
            pos += 4
    return bytes(out)


def _truncated_zip() -> bytes:
    data = make_zip([("a.py", b"print('hello')\n" * 300)])
    return data[: len(data) - 30]


_NOISE = bytes(range(256)) * (MB // 256)

BAD_UPLOADS = {
    "malformed zip": ([("work.zip", b"definitely not a zip")], "not a readable zip archive"),
    "truncated zip": ([("work.zip", _truncated_zip())], "damaged or incomplete"),
    "zip bomb by ratio": ([("bomb.zip", make_zip([("zeros.csv", b"\0" * (3 * MB // 2))]))], "archive bombs"),
    "zip bomb by total": ([("big.zip", make_zip([(f"p{i}.csv", _NOISE + bytes([i])) for i in range(11)]))],
                          "unpacks to 11 MB"),
    "zip with lying header": ([("liar.zip", _lying_zip())], "Nothing was saved"),
    "path traversal": ([("work.zip", make_zip([("ok.py", b"ok"), ("../x.py", b"x")]))], "points outside"),
    "absolute path": ([("work.zip", make_zip([("ok.py", b"ok"), ("/etc/x.py", b"x")]))], "absolute path"),
    "symlink entry": ([("work.zip", _symlink_zip())], "symbolic link"),
    "encrypted entry": ([("work.zip", _encrypted_zip())], "encrypted"),
    "too many files": ([("many.zip", make_zip([(f"f{i}.py", b"") for i in range(201)]))], "at most 200"),
    "oversized file": ([("ok.py", b"fine"), ("data.csv", b"x" * (3 * MB))],
                       "‘data.csv’ is 3 MB; files may be at most 2 MB. Nothing was saved."),
    "oversized total": ([(f"part{i}.csv", (_NOISE * 2)[: MB + MB // 2]) for i in range(7)],
                        "the most allowed is 10 MB"),
    "disallowed extension": ([("ok.py", b"fine"), ("run.exe", b"MZ")], "not a file type this case accepts"),
}


@pytest.mark.parametrize("kind", list(BAD_UPLOADS))
def test_bad_upload_is_refused_and_changes_nothing(kind: str, factory: Factory, client: FlaskClient,
                                                   session: Session) -> None:
    files, message = BAD_UPLOADS[kind]
    meeting = factory.meeting(cases=[UPLOAD_SLUG])
    token = factory.invite(meeting)
    started(client, token, UPLOAD_SLUG)
    ok = client.post(f"/i/{token}/case/{UPLOAD_SLUG}/upload",
                     data={"files": [(io.BytesIO(b"{}"), "analysis.ipynb")]}, content_type="multipart/form-data")
    assert ok.status_code == 302
    before = stored(session, meeting, UPLOAD_SLUG)
    resp = client.post(f"/i/{token}/case/{UPLOAD_SLUG}/upload",
                       data={"files": [(io.BytesIO(content), name) for name, content in files]},
                       content_type="multipart/form-data")
    assert resp.status_code == 400, kind
    html = text(resp)
    assert message in html, html[:3000]
    assert 'role="alert"' in html
    assert stored(session, meeting, UPLOAD_SLUG) == before


def test_upload_zip_flattens_and_lists_files(factory: Factory, client: FlaskClient, session: Session) -> None:
    meeting = factory.meeting(cases=[UPLOAD_SLUG])
    token = factory.invite(meeting)
    started(client, token, UPLOAD_SLUG)
    archive = make_zip([("project/analysis.ipynb", b'{"cells": []}'), ("project/data/clean.csv", b"a,b\n1,2\n"),
                        ("__MACOSX/project/._analysis.ipynb", b"junk"), ("project/.DS_Store", b"junk")])
    resp = client.post(f"/i/{token}/case/{UPLOAD_SLUG}/upload",
                       data={"files": [(io.BytesIO(archive), "project.zip")]}, content_type="multipart/form-data")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("#your-files")
    files = stored(session, meeting, UPLOAD_SLUG)
    assert files["analysis.ipynb"] == b'{"cells": []}' and files["data/clean.csv"] == b"a,b\n1,2\n"
    assert not any("MACOSX" in p or "DS_Store" in p for p in files)
    page = text(client.get(f"/i/{token}/case/{UPLOAD_SLUG}"))
    assert "data/clean.csv" in page and "8 bytes" in page

    # Delete an uploaded file; the case's own files can't be deleted.
    resp = client.post(f"/i/{token}/case/{UPLOAD_SLUG}/delete", data={"path": "data/clean.csv"})
    assert resp.status_code == 302
    assert "data/clean.csv" not in stored(session, meeting, UPLOAD_SLUG)
    resp = client.post(f"/i/{token}/case/{UPLOAD_SLUG}/delete", data={"path": "solution.py"})
    assert resp.status_code == 400 and "can't be deleted" in text(resp)
    assert "solution.py" in stored(session, meeting, UPLOAD_SLUG)


def test_upload_refused_when_the_case_takes_none(app: Flask, factory: Factory, client: FlaskClient,
                                                 session: Session) -> None:
    case = coding_case(app)
    assert not case.submission.uploads
    meeting = factory.meeting(cases=[case.slug])
    token = factory.invite(meeting)
    started(client, token, case.slug)
    assert 'type="file"' not in text(client.get(f"/i/{token}/case/{case.slug}"))
    before = stored(session, meeting, case.slug)
    resp = client.post(f"/i/{token}/case/{case.slug}/upload", data={"files": [(io.BytesIO(b"x"), "x.py")]},
                       content_type="multipart/form-data")
    assert resp.status_code == 400 and "does not take uploads" in text(resp)
    assert stored(session, meeting, case.slug) == before


def test_huge_request_is_refused_before_the_view(factory: Factory, client: FlaskClient, session: Session) -> None:
    meeting = factory.meeting(cases=[UPLOAD_SLUG])
    token = factory.invite(meeting)
    started(client, token, UPLOAD_SLUG)
    before = stored(session, meeting, UPLOAD_SLUG)
    resp = client.post(f"/i/{token}/case/{UPLOAD_SLUG}/upload",
                       data={"files": [(io.BytesIO(b"x" * (12 * MB)), "huge.csv")]},
                       content_type="multipart/form-data")
    assert resp.status_code == 413 and "too large" in text(resp)
    assert stored(session, meeting, UPLOAD_SLUG) == before


# --------------------------------------------------------------------------- checks


def test_run_request_saves_creates_a_queued_run_and_enqueues(app: Flask, factory: Factory, client: FlaskClient,
                                                             session: Session) -> None:
    case = coding_case(app)
    meeting = factory.meeting(cases=[case.slug])
    token = factory.invite(meeting)
    started(client, token, case.slug)
    path = editable_path(case)
    resp = client.post(f"/i/{token}/case/{case.slug}/run", data={f"file::{path}": "saved before the run\n"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("#results")
    assert stored(session, meeting, case.slug)[path] == b"saved before the run\n"
    sub = sub_of(session, meeting, case.slug)
    run = session.scalar(select(Run).where(Run.submission_id == sub.id))
    assert run is not None and run.kind == RunKind.CHECK and run.status == RunStatus.QUEUED
    assert pending(app) == 1

    # A second request while the first waits returns the same run and does not queue another job.
    client.post(f"/i/{token}/case/{case.slug}/run")
    assert len(list(session.scalars(select(Run).where(Run.submission_id == sub.id)))) == 1

    page = text(client.get(f"/i/{token}/case/{case.slug}"))
    assert f"/i/{token}/runs/{run.id}.json" in page
    assert "Refresh status" in page and "Waiting for a free test machine" in page
    data = client.get(f"/i/{token}/runs/{run.id}.json").json
    assert data is not None and data["status"] == "queued" and data["finished"] is False


def test_run_rate_limit(app: Flask, factory: Factory, client: FlaskClient, session: Session) -> None:
    case = coding_case(app)
    meeting = factory.meeting(cases=[case.slug])
    token = factory.invite(meeting)
    started(client, token, case.slug)
    sub = sub_of(session, meeting, case.slug)
    limit = app.extensions["caseportal.settings"].runs_per_hour
    for _ in range(limit):
        session.add(Run(submission_id=sub.id, kind=RunKind.CHECK, status=RunStatus.DONE, created_at=utcnow()))
    session.commit()
    path = editable_path(case)
    resp = client.post(f"/i/{token}/case/{case.slug}/run", data={f"file::{path}": "still saved\n"})
    assert resp.status_code == 429
    assert "Please wait a little" in text(resp)
    assert pending(app) == 0
    assert len(list(session.scalars(select(Run).where(Run.submission_id == sub.id)))) == limit
    assert stored(session, meeting, case.slug)[path] == b"still saved\n"  # the work is saved anyway


def test_run_status_hides_hidden_checks(app: Flask, factory: Factory, client: FlaskClient,
                                        session: Session) -> None:
    case = coding_case(app)
    meeting = factory.meeting(cases=[case.slug])
    token = factory.invite(meeting)
    started(client, token, case.slug)
    sub = sub_of(session, meeting, case.slug)
    result = {"checks": [
        {"name": "test_visible_ok", "status": "passed", "message": "", "visible": True},
        {"name": "test_visible_bad", "status": "failed", "message": "assert 1 == 2", "visible": True},
        {"name": "test_hidden_secret", "status": "failed", "message": "hidden detail", "visible": False},
    ], "stdout": "collected 3 items test_hidden_secret"}
    check = Run(submission_id=sub.id, kind=RunKind.CHECK, status=RunStatus.DONE, outcome="failed",
                explanation="Some checks do not pass yet.", result_json=json.dumps(result))
    full = Run(submission_id=sub.id, kind=RunKind.FULL, status=RunStatus.DONE, outcome="failed",
               explanation="Done.", result_json=json.dumps(result))
    session.add_all([check, full])
    session.commit()

    data = client.get(f"/i/{token}/runs/{check.id}.json").json
    assert data is not None and data["finished"] is True
    assert [c["name"] for c in data["checks"]] == ["test_visible_ok", "test_visible_bad"]
    assert "hidden detail" not in json.dumps(data)
    full_data = client.get(f"/i/{token}/runs/{full.id}.json").json
    assert full_data is not None
    assert "test_hidden_secret" not in json.dumps(full_data)  # not even in a full run's output

    page = text(client.get(f"/i/{token}/case/{case.slug}"))  # the latest (full) run, server-rendered
    assert "test_hidden_secret" not in page and "hidden detail" not in page
    assert "test_visible_bad" not in page and "of 2 checks" not in page  # a full run: no checks, no counts
    assert "handed in and checked" in page
    assert client.get(f"/i/{token}/runs/999999.json").status_code == 404


# --------------------------------------------------------------------------- the editor's vendor files


def test_codemirror_vendor_route(client: FlaskClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    vendor = tmp_path / "cm"
    (vendor / "lib").mkdir(parents=True)
    (vendor / "lib" / "codemirror.js").write_text("window.CodeMirror = {};")
    monkeypatch.setenv("CASEPORTAL_CODEMIRROR_DIR", str(vendor))
    resp = client.get("/vendor/codemirror/lib/codemirror.js")
    assert resp.status_code == 200 and b"CodeMirror" in resp.data
    resp.close()
    assert client.get("/vendor/codemirror/../secret.js").status_code == 404
    assert client.get("/vendor/codemirror/lib/missing.js").status_code == 404
    assert client.get("/vendor/codemirror/lib/codemirror.txt").status_code == 404
    monkeypatch.setenv("CASEPORTAL_CODEMIRROR_DIR", str(tmp_path / "absent"))
    assert client.get("/vendor/codemirror/lib/codemirror.js").status_code == 404
    resp = client.get("/candidate-static/candidate.css")
    assert resp.status_code == 200 and b".CodeMirror" in resp.data
    resp.close()


def test_page_works_without_codemirror(app: Flask, factory: Factory, client: FlaskClient,
                                       monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CASEPORTAL_CODEMIRROR_DIR", str(tmp_path / "absent"))
    case = coding_case(app)
    meeting = factory.meeting(cases=[case.slug])
    token = factory.invite(meeting)
    started(client, token, case.slug)
    page = text(client.get(f"/i/{token}/case/{case.slug}"))
    assert "/vendor/codemirror/" not in page
    assert 'class="code"' in page and "editor.js" in page


def test_submission_status_on_home_page(app: Flask, factory: Factory, client: FlaskClient) -> None:
    case = coding_case(app)
    meeting = factory.meeting(cases=[case.slug, UPLOAD_SLUG])
    token = factory.invite(meeting)
    html = text(client.get(f"/i/{token}"))
    assert "Your taster cases" in html and "only hand in one" in html
    started(client, token, UPLOAD_SLUG)
    client.post(f"/i/{token}/case/{UPLOAD_SLUG}/submit", data={"confirm": "y", "notes_more_time": "n"})
    html = text(client.get(f"/i/{token}"))
    assert "You handed in your work" in html


def test_brief_follows_the_language(app: Flask, factory: Factory, client: FlaskClient) -> None:
    case = next((c for c in library(app) if "sv" in c.briefs), None)
    if case is None:
        pytest.skip("no case with a Swedish brief in the library")
    meeting = factory.meeting(cases=[case.slug])
    token = factory.invite(meeting)
    first_line = next(line for line in case.briefs["sv"].splitlines() if line.strip() and not line.startswith("#"))
    client.set_cookie("lang", "sv")
    assert first_line.split("**")[-1].strip()[:20] in text(client.get(f"/i/{token}/case/{case.slug}"))
    client.set_cookie("lang", "en")
    assert first_line.split("**")[-1].strip()[:20] not in text(client.get(f"/i/{token}/case/{case.slug}"))
