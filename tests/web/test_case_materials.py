"""A case's data/ reaches the candidate: listed and previewed on the case page, downloadable one by one and as a zip,
only through a live link of a meeting the case belongs to, and never as something that could run in our origin."""

from __future__ import annotations

import html as html_lib
import io
import re
import shutil
import struct
import zipfile
import zlib
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from caseportal.casebook import CaseSpec, load_library, scaffold
from caseportal.config import REPO_ROOT, Settings
from caseportal.models import Invitation, StaffRole, utcnow
from caseportal.services import invitations
from caseportal.services.case_materials import PREVIEW_COLUMNS, PREVIEW_ROWS
from tests.conftest import Factory, login

SLUG = "zz-materials-case"
PLAIN_SLUG = "zz-plain-case"  # no data/
EVIL_SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" onload="alert(1)">'
            b"<title>Evil &amp; tiny</title><script>alert(document.domain)</script>"
            b"<rect width='10' height='10'/></svg>")
HEADER = [f"col{i}" for i in range(PREVIEW_COLUMNS + 4)]
LONG_CELL = "x" * 300


def _png() -> bytes:
    """A real 1x1 PNG, so an image that is not an SVG goes through the same route."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\x00")) + chunk(b"IEND", b""))


def _csv() -> bytes:
    rows = [",".join(HEADER)]
    rows.append(",".join(['"Stockholm, Södermalm"', LONG_CELL] + [str(i) for i in range(len(HEADER) - 2)]))
    rows += [",".join(str(r * 100 + c) for c in range(len(HEADER))) for r in range(1, 12)]
    return ("\n".join(rows) + "\n").encode()


BRIEF = """# Materials case

Read [the table](data/table.csv), the [notes](./data/notes.md) and [all of it](data/). The screen:

![The evil screen](data/evil.svg)

Your code is in [solution.py](starter/solution.py); the team's site is [here](https://example.org/).
"""


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    """The real library plus one case with every kind of material and one without data/."""
    lib = tmp_path / "cases"
    shutil.copytree(REPO_ROOT / "cases", lib)
    folder = scaffold(lib, SLUG, "coding")
    (folder / "brief.md").write_text(BRIEF, encoding="utf-8")
    data = folder / "data"
    (data / "img").mkdir(parents=True)
    (data / "table.csv").write_bytes(_csv())
    (data / "notes.md").write_text("# Notes\n\nFive sessions.\n", encoding="utf-8")
    (data / "evil.svg").write_bytes(EVIL_SVG)
    (data / "img" / "dot.png").write_bytes(_png())
    scaffold(lib, PLAIN_SLUG, "coding")
    return Settings.for_tests(tmp_path, cases_dir=lib, queue_url="memory")


def case_of(app: Flask, slug: str = SLUG) -> CaseSpec:
    case = app.extensions["caseportal.casebook"].get(slug)
    assert case is not None, app.extensions["caseportal.casebook"].problems
    return case


def text(resp) -> str:  # type: ignore[no-untyped-def]
    return html_lib.unescape(resp.get_data(as_text=True))


def base(token: str, slug: str = SLUG) -> str:
    return f"/i/{token}/case/{slug}"


@pytest.fixture()
def token(factory: Factory) -> str:
    return factory.invite(factory.meeting(cases=[SLUG, PLAIN_SLUG]))


def _materials_section(page: str) -> str:
    m = re.search(r'<section id="materials".*?</section>', page, re.S)
    assert m, "no materials section on the case page"
    return m.group(0)


def test_listed_before_and_after_starting(app: Flask, client: FlaskClient, token: str) -> None:
    case = case_of(app)
    for when in ("before", "after"):
        if when == "after":
            assert client.post(f"{base(token)}/start").status_code == 302
        page = text(client.get(base(token)))
        section = _materials_section(page)
        for name in case.data_files:
            assert f"{base(token)}/materials/{name}" in section, (when, name)
        assert f"{base(token)}/materials.zip" in section
        assert f'<img src="{base(token)}/images/evil.svg" alt="Evil & tiny"' in section  # its <title> as alt text
        assert f'<img src="{base(token)}/images/img/dot.png" alt="The image img/dot.png"' in section
        assert f"{base(token)}/images/notes.md" not in section  # text is linked, not shown as an image
        assert '<a href="#materials">Materials</a>' in page or when == "before"  # the page's own menu, once started
    # never the SVG's markup in our page, only an <img> pointing at it
    assert "<svg" not in page and "alert(" not in page


def test_a_case_without_data_has_no_materials(client: FlaskClient, token: str) -> None:
    page = text(client.get(base(token, PLAIN_SLUG)))
    assert 'id="materials"' not in page
    assert client.get(f"{base(token, PLAIN_SLUG)}/materials.zip").status_code == 404


def test_download_is_the_case_file_as_an_attachment(app: Flask, client: FlaskClient, token: str) -> None:
    case = case_of(app)
    for name, content in case.data_files.items():
        resp = client.get(f"{base(token)}/materials/{name}")
        assert resp.status_code == 200, name
        assert resp.data == content
        assert resp.headers["Content-Disposition"] == f"attachment; filename={name.rsplit('/', 1)[-1]}"
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert resp.headers["Cache-Control"] == "no-store"
        assert resp.headers["Referrer-Policy"] == "no-referrer"
        assert "sandbox" in resp.headers["Content-Security-Policy"]


def test_zip_holds_every_material_under_data(app: Flask, client: FlaskClient, token: str) -> None:
    case = case_of(app)
    resp = client.get(f"{base(token)}/materials.zip")
    assert resp.status_code == 200 and resp.mimetype == "application/zip"
    assert resp.headers["Content-Disposition"] == f"attachment; filename={SLUG}-materials.zip"
    assert resp.headers["Cache-Control"] == "no-store"
    with zipfile.ZipFile(io.BytesIO(resp.data)) as zf:
        assert sorted(zf.namelist()) == sorted(f"data/{n}" for n in case.data_files)
        for name, content in case.data_files.items():
            assert zf.read(f"data/{name}") == content
    assert client.get(f"{base(token)}/materials.zip").data == resp.data  # same bytes for the same version


def test_csv_preview_is_a_small_captioned_table(client: FlaskClient, token: str) -> None:
    section = _materials_section(text(client.get(base(token))))
    table = re.search(r'<div class="table-scroll" role="region" tabindex="0" aria-labelledby="([^"]+)">\s*'
                      r'<table class="preview">(.*?)</table>', section, re.S)
    assert table, section
    caption = re.search(r'<caption id="([^"]+)">(.*?)</caption>', table.group(2), re.S)
    assert caption and caption.group(1) == table.group(1)
    assert " ".join(caption.group(2).split()) == (
        f"Preview of table.csv: the first {PREVIEW_ROWS} of 12 rows (4 more columns in the download)")
    headers = re.findall(r'<th scope="col">(.*?)</th>', table.group(2))
    assert headers == HEADER[:PREVIEW_COLUMNS]
    rows = re.findall(r"<tr>(.*?)</tr>", re.search(r"<tbody>(.*?)</tbody>", table.group(2), re.S).group(1))
    assert len(rows) == PREVIEW_ROWS
    first = re.findall(r"<td>(.*?)</td>", rows[0])
    assert first[0] == "Stockholm, Södermalm"  # parsed as CSV, not split on every comma
    assert len(first) == PREVIEW_COLUMNS and len(first[1]) < 100 and first[1].endswith("…")


def test_images_inline_with_a_policy_that_keeps_an_svg_inert(client: FlaskClient, token: str) -> None:
    resp = client.get(f"{base(token)}/images/evil.svg")
    assert resp.status_code == 200 and resp.data == EVIL_SVG
    assert resp.mimetype == "image/svg+xml"
    assert resp.headers["Content-Disposition"].startswith("inline")
    csp = resp.headers["Content-Security-Policy"]
    assert "sandbox" in csp and "default-src 'none'" in csp and "script-src" not in csp
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    png = client.get(f"{base(token)}/images/img/dot.png")
    assert png.status_code == 200 and png.mimetype == "image/png"
    # only images are served inline: a CSV or markdown file is not an image
    assert client.get(f"{base(token)}/images/table.csv").status_code == 404
    assert client.get(f"{base(token)}/images/notes.md").status_code == 404


def test_brief_links_point_at_the_materials(client: FlaskClient, token: str) -> None:
    brief = re.search(r'<div class="brief">(.*?)</div>', text(client.get(base(token))), re.S).group(1)
    assert f'<a href="{base(token)}/materials/table.csv">the table</a>' in brief
    assert f'<a href="{base(token)}/materials/notes.md">notes</a>' in brief
    assert '<a href="#materials">all of it</a>' in brief
    assert f'<img src="{base(token)}/images/evil.svg" alt="The evil screen">' in brief
    assert '<a href="https://example.org/">here</a>' in brief
    assert "<a>solution.py</a>" in brief  # nothing to link to before starting: text stays, the link goes
    assert client.post(f"{base(token)}/start").status_code == 302
    brief = re.search(r'<div class="brief">(.*?)</div>', text(client.get(base(token))), re.S).group(1)
    assert f'<a href="{base(token)}/files/solution.py">solution.py</a>' in brief  # the candidate's own copy


@pytest.mark.parametrize("name", [
    "../case.yaml", "..%2Fcase.yaml", "%2e%2e/case.yaml", "..%2F..%2Fcases", "../solution/solution.py",
    "img/../../case.yaml", "../starter/solution.py", "solution.py", "missing.csv", "img", "img/", "%00",
    "/etc/passwd", "//etc/passwd", "%2Fetc%2Fpasswd",
])
def test_nothing_outside_data_is_found(client: FlaskClient, token: str, name: str) -> None:
    for route in ("materials", "images"):
        resp = client.get(f"{base(token)}/{route}/{name}", follow_redirects=True)
        assert resp.status_code == 404, (route, name, resp.status_code)
        assert b"def top_items" not in resp.data and b"root:" not in resp.data


def test_only_cases_of_the_invitations_meeting(app: Flask, client: FlaskClient, factory: Factory) -> None:
    """Another case with data/ exists in the library but is not attached to this meeting: not found."""
    other = next(c for c in app.extensions["caseportal.casebook"] if c.data_files and c.slug != SLUG)
    name = sorted(other.data_files)[0]
    tok = factory.invite(factory.meeting(cases=[SLUG]))
    assert client.get(f"{base(tok, other.slug)}/materials/{name}").status_code == 404
    assert client.get(f"{base(tok, other.slug)}/materials.zip").status_code == 404
    assert client.get(f"{base(tok, other.slug)}/images/{name}").status_code == 404
    mine = factory.invite(factory.meeting(cases=[other.slug]))  # the same file through a link that may see it
    assert client.get(f"{base(mine, other.slug)}/materials/{name}").data == other.data_files[name]


@pytest.mark.parametrize("how", ["revoked", "expired", "reissued"])
def test_a_dead_link_gets_no_materials(client: FlaskClient, factory: Factory, session: Session, how: str) -> None:
    meeting = factory.meeting(cases=[SLUG])
    tok = factory.invite(meeting)
    assert client.get(f"{base(tok)}/materials/table.csv").status_code == 200
    if how == "revoked":
        invitations.revoke(meeting)
    elif how == "expired":
        inv = session.scalar(select(Invitation).where(Invitation.meeting_id == meeting.id))
        assert inv is not None
        inv.expires_at = utcnow() - timedelta(minutes=1)
    else:
        factory.invite(meeting)
    session.commit()
    for path in ("materials/table.csv", "images/evil.svg", "materials.zip"):
        resp = client.get(f"{base(tok)}/{path}")
        assert resp.status_code == 410, (how, path)
        assert b"col0" not in resp.data and b"<svg" not in resp.data


def test_after_starting_the_materials_are_those_of_the_started_version(
        app: Flask, client: FlaskClient, factory: Factory, settings: Settings) -> None:
    started = factory.invite(factory.meeting(cases=[SLUG]))
    assert client.post(f"{base(started)}/start").status_code == 302
    original = case_of(app).data_files["notes.md"]
    (settings.cases_dir / SLUG / "data" / "notes.md").write_text("# Notes, second edition\n", encoding="utf-8")
    (settings.cases_dir / SLUG / "data" / "new.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    app.extensions["caseportal.casebook"] = load_library(settings.cases_dir)
    fresh = factory.invite(factory.meeting(cases=[SLUG]))

    assert client.get(f"{base(started)}/materials/notes.md").data == original
    assert client.get(f"{base(started)}/materials/new.csv").status_code == 404
    assert "new.csv" not in _materials_section(text(client.get(base(started))))
    with zipfile.ZipFile(io.BytesIO(client.get(f"{base(started)}/materials.zip").data)) as zf:
        assert "data/new.csv" not in zf.namelist() and zf.read("data/notes.md") == original
    assert client.get(f"{base(fresh)}/materials/notes.md").data == b"# Notes, second edition\n"
    assert "new.csv" in _materials_section(text(client.get(base(fresh))))


def test_every_shipped_case_with_data_lists_all_its_files(app: Flask, client: FlaskClient, factory: Factory) -> None:
    with_data = [c for c in app.extensions["caseportal.casebook"] if c.data_files and c.slug != SLUG]
    assert with_data, "the library should ship at least one case with data/"
    tok = factory.invite(factory.meeting(cases=[c.slug for c in with_data]))
    for case in with_data:
        section = _materials_section(text(client.get(base(tok, case.slug))))
        for name in case.data_files:
            assert f"{base(tok, case.slug)}/materials/{name}" in section, (case.slug, name)


def test_swedish_case_page(client: FlaskClient, token: str) -> None:
    client.set_cookie("lang", "sv")
    section = _materials_section(text(client.get(base(token))))
    assert '<h2 id="materials-h">Material</h2>' in section
    assert "Förhandsvisning av table.csv: de första 5 av 12 raderna" in section
    assert "Ladda ner allt material (zip)" in section and "4 kolumner till i den nedladdade filen" in section


def test_staff_case_page_shows_the_same_materials(app: Flask, client: FlaskClient, factory: Factory) -> None:
    case = case_of(app)
    login(client, factory.user(StaffRole.MANAGER))
    page = text(client.get(f"/cases/{SLUG}"))
    section = _materials_section(page)
    for name in case.data_files:
        assert f"/cases/{SLUG}/materials/{name}" in section
    assert f'<img src="/cases/{SLUG}/images/evil.svg"' in section and "<svg" not in page
    assert f'<a href="/cases/{SLUG}/materials/table.csv">the table</a>' in page  # the brief's link, too
    resp = client.get(f"/cases/{SLUG}/materials/table.csv")
    assert resp.data == case.data_files["table.csv"] and resp.headers["Content-Disposition"].startswith("attachment")
    svg = client.get(f"/cases/{SLUG}/images/evil.svg")
    assert svg.mimetype == "image/svg+xml" and "sandbox" in svg.headers["Content-Security-Policy"]
    with zipfile.ZipFile(io.BytesIO(client.get(f"/cases/{SLUG}/materials.zip").data)) as zf:
        assert sorted(zf.namelist()) == sorted(f"data/{n}" for n in case.data_files)
    assert client.get(f"/cases/{SLUG}/materials/../case.yaml").status_code == 404
    assert client.get(f"/cases/{PLAIN_SLUG}/materials.zip").status_code == 404
