"""A case's materials in a real browser: downloads are the case's own bytes, images and previews show, and the
UX case that lives on its materials can be done from the invitation to the hand-in. axe checks every page."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from caseportal.casebook import CaseSpec, Library, load_library
from caseportal.config import REPO_ROOT
from caseportal.services.case_materials import kind_of

from .conftest import PHONE, Journey, LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.docker]

BOOKING = "booking-flow-critique"
RATIONALE = "My first fix: show the total price and the cancellation rule on the time step."
NOTES = "With more time I would run a five-person prototype test on phones, including VoiceOver."
QUESTION = "How often do salon owners change their services list?"


def library() -> Library:
    """The cases the live server serves (it reads the same folder)."""
    return load_library(REPO_ROOT / "cases")


def demo_case_slugs(server: LiveServer) -> list[str]:
    """The cases of the demo meeting, read from the live server's database."""
    from sqlalchemy import select

    from caseportal.db import Database
    from caseportal.models import Meeting
    from caseportal.services.demo import DEMO_CANDIDATE_EMAIL

    database = Database(server.env["CASEPORTAL_DATABASE_URL"])
    try:
        with database.begin() as s:
            meeting = s.scalar(select(Meeting).where(Meeting.candidate_email == DEMO_CANDIDATE_EMAIL))
            assert meeting is not None, "the demo meeting is missing"
            return list(meeting.case_slugs)
    finally:
        database.dispose()


def open_case(page: Any, j: Journey, link: str, case: CaseSpec, step: str) -> None:
    """From the invitation page to the case's page, as a candidate clicks it."""
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")
    j.step(page, f"{step}-home")
    page.locator(f'a[href$="/case/{case.slug}"]').first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(case.title)
    expect(page.get_by_role("heading", level=2, name="Materials")).to_be_visible()
    j.step(page, f"{step}-case")


def download(page: Any, link: Any) -> tuple[bytes, str]:
    with page.expect_download() as info:
        link.click()
    d = info.value
    return Path(d.path()).read_bytes(), d.suggested_filename


def images_shown(page: Any, case: CaseSpec) -> None:
    """Every image of data/ is on the page as an <img> that the browser decoded (not the SVG's markup inlined)."""
    for name in sorted(n for n in case.data_files if kind_of(n) == "image"):
        img = page.locator(f'#materials img[src$="/images/{name}"]')
        img.scroll_into_view_if_needed()
        expect(img).to_be_visible()
        page.wait_for_function("el => el.complete && el.naturalWidth > 0", arg=img.element_handle())
    assert page.locator("#materials svg, .brief svg").count() == 0


def test_every_demo_data_case_downloads_its_own_bytes(journey: Journey, live_server: LiveServer) -> None:
    """Every case with data/ (those of the demo meeting through the demo link, the rest attached to a meeting of
    their own through the services): a data file and the zip downloaded by the browser equal the case's files."""
    j = journey
    lib = library()
    in_demo = set(demo_case_slugs(live_server))
    with_data = [c for c in sorted(lib, key=lambda c: c.slug) if c.data_files]
    assert with_data, "the library has no case with data/"
    for n, case in enumerate(with_data):
        link = (live_server.demo_link if case.slug in in_demo
                else live_server.invite(f"Dana Data {n}", f"dana.data{n}@example.org", slug=case.slug))
        page = j.page()
        open_case(page, j, link, case, case.slug)
        images_shown(page, case)
        name = next((m for m in sorted(case.data_files) if kind_of(m) == "csv"), sorted(case.data_files)[0])
        body, filename = download(page, page.get_by_role("link", name=f"Download {name}", exact=True))
        assert body == case.data_files[name], f"{case.slug}/{name}: the download differs from the case file"
        assert filename == name.rsplit("/", 1)[-1]
        zipped, zip_name = download(page, page.get_by_role("link", name="Download all materials (zip)"))
        assert zip_name == f"{case.slug}-materials.zip"
        with zipfile.ZipFile(io.BytesIO(zipped)) as zf:
            assert {n: zf.read(n) for n in zf.namelist()} == {f"data/{k}": v for k, v in case.data_files.items()}
    print(f"\ncases with data: {[c.slug for c in with_data]}; in the demo meeting: {sorted(in_demo)}")
    j.finish()


def test_booking_flow_critique_from_invitation_to_hand_in(journey: Journey, live_server: LiveServer) -> None:
    j = journey
    case = library().get(BOOKING)
    assert case is not None and case.data_files, f"{BOOKING} should ship its screens, funnel and notes in data/"
    link = live_server.invite("Bo Berglund", "bo.berglund@example.org", slug=BOOKING)
    page = j.page()
    open_case(page, j, link, case, "candidate")

    # The brief's links lead to the materials; the screens are shown, the funnel is previewed.
    funnel_link = page.locator('.brief a[href$="/materials/funnel.csv"]')
    expect(funnel_link.first).to_be_visible()
    images_shown(page, case)
    preview = page.get_by_role("table", name=re.compile(r"funnel\.csv"))
    expect(preview).to_be_visible()
    expect(preview.get_by_role("columnheader", name="step", exact=True)).to_be_visible()
    first_step = case.data_files["funnel.csv"].decode().splitlines()[1].split(",")[0]
    expect(preview.get_by_role("cell", name=first_step, exact=True)).to_be_visible()
    page.locator("#materials").scroll_into_view_if_needed()
    j.step(page, "candidate-materials")

    # An SVG opened on its own is served under a sandboxing policy.
    svg = next(n for n in sorted(case.data_files) if n.endswith(".svg"))
    resp = page.request.get(j.url(page.locator(f'#materials img[src$="/images/{svg}"]').get_attribute("src")))
    assert resp.ok and "sandbox" in resp.headers["content-security-policy"]

    notes, filename = download(page, page.get_by_role("link", name="Download research-notes.md", exact=True))
    assert notes == case.data_files["research-notes.md"] and filename == "research-notes.md"

    # Start, write the rationale in the editor, hand in with notes.
    page.get_by_role("button", name="Start this case").click()
    expect(page.get_by_role("status").first).to_contain_text("Your workspace is ready")
    expect(page.get_by_role("heading", level=2, name="Materials")).to_be_visible()  # still there once started
    j.step(page, "candidate-workspace")
    box = page.locator("details.editor-file").filter(has=page.locator("summary", has_text="rationale.md"))
    if not box.evaluate("el => el.open"):
        box.locator("summary").click()
    editor = box.locator(".CodeMirror")
    if editor.count():
        editor.click()
        page.keyboard.press("Control+End")
        page.keyboard.type(f"\n{RATIONALE}\n")
        expect(editor).to_contain_text(RATIONALE)
    else:  # no CodeMirror on this machine: the plain text area is the editor
        area = box.locator("textarea")
        area.fill(area.input_value() + f"\n{RATIONALE}\n")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("status").first).to_contain_text("Draft saved")
    j.step(page, "candidate-rationale-saved")

    page.get_by_label("What would you do with more time?").fill(NOTES)
    page.get_by_label("Questions for the team").fill(QUESTION)
    page.get_by_label(re.compile(r"I'm ready to hand in")).check()
    page.get_by_role("button", name="Hand in my work").click()
    expect(page.get_by_role("heading", name=re.compile(r"your work is handed in"))).to_be_visible()
    expect(page.get_by_text(NOTES)).to_be_visible()
    handed = page.locator("details.readonly-file").filter(has=page.locator("summary", has_text="rationale.md"))
    handed.locator("summary").click()
    expect(handed.locator("pre")).to_contain_text(RATIONALE)
    expect(page.get_by_role("heading", level=2, name="Materials")).to_be_visible()
    j.step(page, "candidate-handed-in")

    # On a phone the previews scroll inside their own box: nothing of the materials sticks out of the screen.
    phone = j.page(PHONE)
    phone.goto(page.url)
    j.step(phone, "candidate-handed-in-phone")
    wider = phone.evaluate("""() => [...document.querySelectorAll('#materials, #materials *')]
        .filter(el => !el.closest('.table-scroll') || el.classList.contains('table-scroll'))
        .filter(el => el.getBoundingClientRect().right > window.innerWidth + 1).map(el => el.tagName)""")
    assert wider == [], f"materials wider than a phone screen: {wider}"
    j.finish()


def test_staff_see_the_materials_on_the_case_page(journey: Journey, live_server: LiveServer) -> None:
    """A manager reads the case in the library with the same materials a candidate gets."""
    j = journey
    page = j.page()
    page.goto(j.url("/login"))
    page.get_by_label("Email").fill("manager@demo.example.org")
    page.get_by_label("Password").fill(live_server.passwords["manager@demo.example.org"])
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1, name="Meetings")).to_be_visible()
    for case in [c for c in sorted(library(), key=lambda c: c.slug) if c.data_files]:
        page.goto(j.url(f"/cases/{case.slug}"))
        expect(page.get_by_role("heading", level=2, name="Materials")).to_be_visible()
        images_shown(page, case)
        j.step(page, f"staff-{case.slug}")
        name = sorted(case.data_files)[0]
        body, _ = download(page, page.get_by_role("link", name=f"Download {name}", exact=True))
        assert body == case.data_files[name], f"{case.slug}/{name}"
    j.finish()
