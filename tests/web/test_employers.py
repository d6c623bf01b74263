"""Employers and their brand (issue 15): the admin pages, the logo refusals (each with its message and nothing
stored), the contrast refusal, the public logo and stylesheet, roles per employer, and the candidate's pages, mail,
calendar file and brief naming the employer."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from caseportal.config import Settings
from caseportal.models import Employer, JobRole, StaffRole
from caseportal.services import invitation_mail, invitations, logos
from caseportal.services.calendar import ics_for_meeting
from caseportal.web.brand import logo_key
from tests.conftest import Factory, login

# --------------------------------------------------------------------------- images made here


def png(size: tuple[int, int] = (64, 32), colour: str = "#1d4ed8") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_header_only(width: int, height: int) -> bytes:
    """A small, well-formed PNG whose header claims width x height 1-bit pixels: a decompression bomb's shape
    (its data would inflate to the full size; the check must refuse it from the header, before decoding)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * ((width + 7) // 8 + 1) * 4, 9)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", rows) + _chunk(b"IEND", b"")


SVG_WITH_SCRIPT = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
                   b'<script>alert(document.cookie)</script><rect width="10" height="10"/></svg>')


def gif_html_polyglot() -> bytes:
    """A real GIF that a browser sniffing HTML would also run: markup inside a comment extension."""
    out = io.BytesIO()
    Image.new("P", (4, 4), 1).save(out, format="GIF")
    data = out.getvalue()
    comment = b"<html><script>alert(1)</script></html>"
    extension = b"\x21\xfe" + bytes([len(comment)]) + comment + b"\x00"
    return data[:-1] + extension + b";"  # before the trailer, so the file still ends as a GIF does


def png_with_zip() -> bytes:
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("index.html", "<script>alert(1)</script>")
    return png() + archive.getvalue()


def animated_gif() -> bytes:
    out = io.BytesIO()
    frames = [Image.new("RGB", (8, 8), c) for c in ("#1d4ed8", "#0f766e")]
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    return out.getvalue()


# --------------------------------------------------------------------------- helpers


def _manager(factory: Factory, client: FlaskClient, firm_wide: bool = True) -> None:
    user = factory.user(StaffRole.MANAGER)
    user.firm_wide = firm_wide
    factory.session.commit()
    login(client, user)


def _form(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {"name": "Northwind Payments", "about": "We move **money**.",
                               "brand_colour": "#1d4ed8", "offer_growth": "- A mentor", "offer_tech": "Python",
                               "offer_benefits": "", "offer_worklife": "Flexible hours"}
    data.update(overrides)
    return data


def _count(session: Session) -> int:
    session.expire_all()
    return int(session.scalar(select(func.count()).select_from(Employer)) or 0)


# --------------------------------------------------------------------------- admin pages


def test_a_consultant_creates_and_edits_an_employer_with_logo_and_colour(
        client: FlaskClient, factory: Factory, session: Session) -> None:
    _manager(factory, client)
    resp = client.post("/employers/new", data=_form(logo=(io.BytesIO(png((900, 300))), "logo.png")),
                       content_type="multipart/form-data")
    assert resp.status_code == 302
    employer = session.scalar(select(Employer).where(Employer.name == "Northwind Payments"))
    assert employer is not None and employer.brand_colour == "#1d4ed8" and employer.offer_tech == "Python"
    assert employer.logo_png is not None and employer.logo_version == 1
    stored = Image.open(io.BytesIO(employer.logo_png))
    assert stored.format == "PNG" and stored.size == (512, 171) and not stored.info.get("exif")

    page = client.get("/employers").get_data(as_text=True)
    assert "Northwind Payments" in page and "/brand/logo/" in page and "#1d4ed8" in page

    resp = client.post(f"/employers/{employer.id}", data=_form(name="Northwind Pay", brand_colour="#0f766e",
                                                               remove_logo="y"))
    assert resp.status_code == 302
    session.expire_all()
    assert employer.name == "Northwind Pay" and employer.brand_colour == "#0f766e" and employer.logo_png is None


def test_only_firm_wide_staff_add_employers(client: FlaskClient, factory: Factory, session: Session) -> None:
    _manager(factory, client, firm_wide=False)
    assert client.get("/employers/new").status_code == 403
    assert client.post("/employers/new", data=_form()).status_code == 403
    assert _count(session) == 0
    assert "Add an employer" not in client.get("/employers").get_data(as_text=True)


@pytest.mark.parametrize(("upload", "message"), [
    (SVG_WITH_SCRIPT, "SVG and other vector or markup files are not accepted, because they can carry script."),
    (gif_html_polyglot(), "This image carries other content besides the picture"),
    (png_with_zip(), "This image carries other content besides the picture"),
    (png_header_only(30_000, 30_000), "The image is too large in pixels"),  # past Pillow's own bomb limit
    (png_header_only(5_000, 5_000), "The image is too large in pixels (5000 x 5000)"),  # past ours
    (animated_gif(), "Animated images are not accepted as a logo."),
    (b"GIF89a" + b"\x00" * 20 + b";", "This image could not be read"),
    (b"%PDF-1.7 not an image", "This file is not a PNG, JPEG, WebP or GIF image."),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * (logos.MAX_BYTES + 1), "The logo is too large"),
], ids=["svg-script", "gif-html", "png-zip", "bomb", "too-many-pixels", "animated", "broken", "pdf", "too-big"])
def test_a_refused_logo_says_why_and_nothing_is_stored(
        client: FlaskClient, factory: Factory, session: Session, upload: bytes, message: str) -> None:
    _manager(factory, client)
    resp = client.post("/employers/new", data=_form(logo=(io.BytesIO(upload), "logo.png")),
                       content_type="multipart/form-data")
    assert resp.status_code == 400
    assert message in resp.get_data(as_text=True)
    assert _count(session) == 0

    employer = factory.employer("Fjällbacka Health", logo=png())
    resp = client.post(f"/employers/{employer.id}", data=_form(name="Renamed", logo=(io.BytesIO(upload), "l.png")),
                       content_type="multipart/form-data")
    assert resp.status_code == 400 and message in resp.get_data(as_text=True)
    session.expire_all()
    assert employer.name == "Fjällbacka Health" and employer.logo_version == 1


def test_a_refusal_is_in_swedish_for_a_swedish_visitor(client: FlaskClient, factory: Factory) -> None:
    _manager(factory, client)
    client.set_cookie("lang", "sv")
    resp = client.post("/employers/new", data=_form(logo=(io.BytesIO(SVG_WITH_SCRIPT), "logo.svg")),
                       content_type="multipart/form-data")
    assert resp.status_code == 400 and "SVG" in resp.get_data(as_text=True)
    assert "are not accepted" not in resp.get_data(as_text=True)


def test_a_colour_failing_contrast_is_refused_with_its_ratio(
        client: FlaskClient, factory: Factory, session: Session) -> None:
    _manager(factory, client)
    resp = client.post("/employers/new", data=_form(brand_colour="#ffcc00"))
    page = resp.get_data(as_text=True)
    assert resp.status_code == 400
    assert "1.51:1" in page and "4.5:1" in page and "darker shade" in page
    assert _count(session) == 0
    assert client.post("/employers/new", data=_form(brand_colour="blue")).status_code == 400
    assert _count(session) == 0


def test_an_employer_name_is_unique(client: FlaskClient, factory: Factory, session: Session) -> None:
    factory.employer("Northwind Payments")
    _manager(factory, client)
    resp = client.post("/employers/new", data=_form(name=" northwind   payments "))
    assert resp.status_code == 400 and "There is already an employer called" in resp.get_data(as_text=True)
    assert _count(session) == 1


# --------------------------------------------------------------------------- what browsers load


def test_the_logo_is_served_as_a_png_with_safe_headers_and_its_version(
        app: Flask, client: FlaskClient, factory: Factory, session: Session) -> None:
    employer = factory.employer("Northwind Payments", logo=png())
    old = logo_key(employer)  # the test's app context (a new one would end the test's session)
    resp = client.get(f"/brand/logo/{old}.png")
    assert resp.status_code == 200 and resp.data == employer.logo_png
    assert resp.headers["Content-Type"] == "image/png"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in resp.headers["Content-Security-Policy"]
    assert "immutable" in resp.headers["Cache-Control"]
    # a changed logo has a new URL; the old one and any forged key answer 404 (no enumeration of employers)
    from caseportal.services import employers

    employers.update_employer(session, employer, logo=png(colour="#0f766e"))
    session.commit()
    assert client.get(f"/brand/logo/{old}.png").status_code == 404
    assert client.get(f"/brand/logo/{old[:-2]}xx.png").status_code == 404
    assert client.get("/brand/logo/WzEsMV0.png").status_code == 404


def test_the_brand_stylesheet_is_served_only_for_a_passing_colour(client: FlaskClient) -> None:
    resp = client.get("/brand/1d4ed8.css")
    assert resp.status_code == 200 and resp.mimetype == "text/css"
    css = resp.get_data(as_text=True)
    assert "header.top { background: #1d4ed8; color: #ffffff; }" in css
    assert client.get("/brand/ffcc00.css").status_code == 404
    assert client.get("/brand/zzzzzz.css").status_code == 404


# --------------------------------------------------------------------------- roles per employer


def test_roles_belong_to_an_employer_and_start_from_its_offer(
        client: FlaskClient, factory: Factory, session: Session) -> None:
    north = factory.employer("Northwind Payments", offer_growth="- Conference budget", offer_tech="Go")
    fjall = factory.employer("Fjällbacka Health")
    factory.job_role("Nurse app developer", employer=fjall)
    _manager(factory, client)
    page = client.get(f"/roles/new?employer={north.id}").get_data(as_text=True)
    assert "Conference budget" in page and f'<option selected value="{north.id}">' in page

    # created with the offer left empty: the employer's defaults are copied
    resp = client.post("/roles/new", data={"employer_id": north.id, "title": "Backend developer",
                                           "action": "save"})
    assert resp.status_code == 302
    role = session.scalar(select(JobRole).where(JobRole.title == "Backend developer"))
    assert role is not None and role.employer_id == north.id and role.offer_tech == "Go"

    listing = client.get(f"/roles?employer={north.id}").get_data(as_text=True)
    assert "Backend developer" in listing and "Nurse app developer" not in listing
    assert "Nurse app developer" in client.get("/roles").get_data(as_text=True)


def test_the_api_names_a_roles_employer(app: Flask, factory: Factory) -> None:
    from caseportal.web.api.roles import role_out

    role = factory.job_role(employer=factory.employer("Northwind Payments"))
    assert role_out(role).employer.name == "Northwind Payments"
    assert role_out(role).employer.id == role.employer_id


# --------------------------------------------------------------------------- what the candidate sees


def test_the_candidate_sees_the_employer_not_the_other(
        client: FlaskClient, factory: Factory, session: Session, settings: Settings) -> None:
    north = factory.employer("Northwind Payments", brand_colour="#1d4ed8", logo=png(),
                             about="Payments for **40,000** shops.")
    factory.job_role("Clinic developer", employer=factory.employer("Fjällbacka Health", brand_colour="#0f766e"))
    meeting = factory.meeting(job_role=factory.job_role(employer=north))
    meeting.brief_shared = True
    session.commit()
    token = factory.invite(meeting)

    home = client.get(f"/i/{token}").get_data(as_text=True)
    assert "Northwind Payments" in home and "Fjällbacka" not in home
    assert "<strong>40,000</strong>" in home  # the about text, rendered and cleaned as markdown
    assert "/brand/1d4ed8.css" in home and "/brand/logo/" in home and "#0f766e" not in home
    assert "<title>Your meeting · Northwind Payments</title>" in home
    brief = client.get(f"/i/{token}/brief").get_data(as_text=True)
    assert "what it is like to work at Northwind Payments" in brief

    ics = client.get(f"/i/{token}/meeting.ics").get_data(as_text=True).replace("\r\n ", "")
    assert "SUMMARY:Meeting about the Backend developer role at Northwind Payments" in ics
    assert 'ORGANIZER;CN="Northwind Payments":mailto:' in ics

    inv = invitations.issue(session, meeting, 14)
    subject, body = invitation_mail.invitation_email(session, meeting, "https://x/i/t", inv)
    assert "Northwind Payments" in subject and "at Northwind Payments" in body
    staff_ics = ics_for_meeting(meeting, settings).decode()
    assert "Northwind Payments" in staff_ics.replace("\r\n ", "")


def test_a_name_race_is_settled_by_the_database(session: Session, factory: Factory,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from caseportal.services import employers
    from caseportal.services.errors import Invalid

    factory.employer("Northwind Payments")
    monkeypatch.setattr(employers, "_name_taken", lambda *_: False)  # as if the other save were not committed yet
    with pytest.raises(Invalid, match="There is already an employer called Northwind Payments"):
        employers.create_employer(session, "Northwind Payments")
    session.rollback()
    assert _count(session) == 1


def test_a_client_manager_keeps_only_their_own_employer(
        client: FlaskClient, factory: Factory, session: Session) -> None:
    from caseportal.models import EmployerStaff

    own, other = factory.employer("Northwind Payments"), factory.employer("Fjällbacka Health")
    manager = factory.user(StaffRole.MANAGER)
    manager.firm_wide = False
    session.add(EmployerStaff(employer_id=own.id, user_id=manager.id))
    session.commit()
    login(client, manager)
    listing = client.get("/employers").get_data(as_text=True)
    assert "Northwind Payments" in listing and "Fjällbacka" not in listing
    assert client.get(f"/employers/{other.id}").status_code == 404
    assert client.post(f"/employers/{other.id}", data=_form(name="Taken over")).status_code == 404
    assert client.get(f"/employers/{own.id}").status_code == 200
    form = client.get("/roles/new").get_data(as_text=True)
    assert "Northwind Payments" in form and "Fjällbacka" not in form
    session.expire_all()
    assert session.get(Employer, other.id).name == "Fjällbacka Health"  # type: ignore[union-attr]
