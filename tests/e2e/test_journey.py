"""The whole meeting, in a real browser: manager plans and invites, the candidate tries the role, a reviewer
prepares, the manager takes the brief to the meeting. Every page is checked with axe-core on the way."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import Journey, LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.docker]

ROLE_TITLE = "Platform engineer (e2e)"
EMPLOYER = "Northwind Payments"  # a demo employer (services/demo.py)
OFFER_GROWTH = "A mentor from the platform guild and four learning days a quarter"
OFFER_TECH = "We ship Python services on Kubernetes several times a day"
CANDIDATE = "Ada Lindqvist"
EDITED_FILE = "ratelimit/limiters.py"
EDIT_MARK = "# edited in the browser by the e2e journey"
NOTES = "I would add a property test: at most burst + rate * t requests in any window."
QUESTION = "How do you share rate-limit state between the gateway instances?"
TALKING_POINT = "Ask Ada how the bucket would behave on four gateway instances"
RUN_PENDING = re.compile(r"Waiting for a free test machine|Running the checks")
RUN_RESULT = re.compile(r"\d+ of \d+ checks? pass|finished without any checks|could not")


def login(page: Any, j: Journey, email: str, step: str) -> None:
    page.goto(j.url("/login"))
    j.step(page, f"{step}-login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(j.server.passwords[email])
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1, name="Meetings")).to_be_visible()
    j.step(page, f"{step}-dashboard")


def manager_plans_and_invites(page: Any, j: Journey) -> tuple[int, str]:
    """Role with an offer, meeting with a reviewer and the case, invitation; returns (meeting id, link)."""
    login(page, j, "manager@demo.example.org", "manager")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Roles").click()
    j.step(page, "roles")
    page.get_by_role("link", name="Describe a new role").click()
    j.step(page, "role-new")
    page.get_by_label("Employer").select_option(label=EMPLOYER)
    page.get_by_label("Title").fill(ROLE_TITLE)
    page.get_by_label("Team").fill("Gateway team")
    page.get_by_label("Location").fill("Gothenburg")
    page.get_by_label("Remote work possible").check()
    page.get_by_label("Role family").fill("backend")
    page.get_by_label("Growth and learning").fill(f"- {OFFER_GROWTH}\n- A **conference** a year")
    page.get_by_label("Tech and how we work").fill(f"- {OFFER_TECH}")
    page.get_by_label("Benefits and wellness").fill("- Wellness allowance and 30 days of holiday")
    page.get_by_label("Work-life balance").fill("- Core hours 10-15, no meetings on Wednesdays")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#preview-h")).to_contain_text("not saved yet")
    expect(page.get_by_text(OFFER_GROWTH).last).to_be_visible()
    j.step(page, "role-preview")
    page.get_by_role("button", name="Save role").click()
    expect(page.get_by_role("status")).to_contain_text("Role saved")
    j.step(page, "role-saved")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Meetings").click()
    page.get_by_role("link", name="Plan a new meeting").click()
    j.step(page, "meeting-new")
    page.get_by_label("Candidate's name").fill(CANDIDATE)
    page.get_by_label("Candidate's email").fill("ada.lindqvist@example.org")
    page.get_by_label("Role", exact=True).select_option(label=f"{ROLE_TITLE} · Gateway team · {EMPLOYER}")
    when = date.today() + timedelta(days=14)
    page.get_by_label("Date and time").fill(f"{when.isoformat()}T10:00")
    page.get_by_label("Time zone").select_option("Europe/Stockholm")
    page.get_by_label("Video link").fill("https://meet.example.org/ada")
    page.get_by_role("checkbox", name=re.compile(r"Stop the boundary bursts")).check()
    page.get_by_role("checkbox", name=re.compile(r"Robin Reviewer")).check()
    page.get_by_role("button", name="Create meeting").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(CANDIDATE)
    j.step(page, "meeting-created")
    meeting_id = int(re.search(r"/meetings/(\d+)", page.url).group(1))  # type: ignore[union-attr]

    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_role("status")).to_contain_text("invitation link is ready")
    link = page.get_by_label("The candidate's personal link").input_value()
    assert link.startswith(j.server.origin + "/i/"), link
    j.step(page, "invitation-link")
    return meeting_id, link


def candidate_tries_the_case(page: Any, j: Journey, link: str) -> None:
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Welcome, {CANDIDATE}")
    expect(page.get_by_role("heading", name="What we offer")).to_be_visible()
    expect(page.get_by_text(OFFER_GROWTH)).to_be_visible()
    expect(page.get_by_text(OFFER_TECH)).to_be_visible()
    expect(page.get_by_text("Robin Reviewer")).to_be_visible()
    j.step(page, "candidate-home")

    page.get_by_role("link", name=re.compile(r"Read the brief")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Stop the boundary bursts")
    j.step(page, "candidate-brief")
    page.get_by_role("button", name="Start this case").click()
    expect(page.get_by_role("status").first).to_contain_text("Your workspace is ready")
    expect(page.locator("#work .CodeMirror").first).to_be_visible()  # Debian's CodeMirror, served by caseportal
    j.step(page, "candidate-workspace")

    # Open a starter module from the file tree (a tab) and type into it like a person: click, go to the end, type.
    page.locator(f'nav.file-tree a[data-path="{EDITED_FILE}"]').click()
    editor = page.locator(f'.editor-pane[data-path="{EDITED_FILE}"] .CodeMirror')
    expect(editor).to_be_visible()
    editor.click()
    page.keyboard.press("Control+End")
    page.keyboard.type(f"\n{EDIT_MARK}\n")
    expect(editor).to_contain_text(EDIT_MARK)
    expect(page.locator("#autosave-status")).to_contain_text("Saved at", timeout=20_000)
    j.step(page, "candidate-autosaved")

    # Run the checks; the page that comes back polls the run and redraws it live.
    page.get_by_role("button", name="Save and run checks").click()
    page.wait_for_url(re.compile(r"#results$"))
    status = page.locator("#run-status")
    expect(status).to_contain_text(RUN_PENDING)
    page.evaluate("() => { window.__e2eSamePage = true; }")
    j.step(page, "candidate-run-queued", audit=False)
    expect(status).to_contain_text(RUN_RESULT, timeout=120_000)
    assert page.evaluate("() => window.__e2eSamePage === true"), "the page reloaded instead of updating live"
    expect(page.locator(".no-js-refresh")).to_be_hidden()
    j.step(page, "candidate-run-result")
    page.locator(f'nav.file-tree a[data-path="{EDITED_FILE}"]').click()
    expect(page.locator(f'.editor-pane[data-path="{EDITED_FILE}"] .CodeMirror', has_text=EDIT_MARK)).to_be_visible()

    # Hand in with notes and a question.
    page.get_by_label("What would you do with more time?").fill(NOTES)
    page.get_by_label("Questions for the team").fill(QUESTION)
    page.get_by_label(re.compile(r"I'm ready to hand in")).check()
    page.get_by_role("button", name="Hand in my work").click()
    expect(page.get_by_role("heading", name=re.compile(r"your work is handed in"))).to_be_visible()
    expect(page.get_by_text(NOTES)).to_be_visible()
    expect(page.get_by_text(QUESTION)).to_be_visible()
    j.step(page, "candidate-handed-in")
    handed_file = page.locator("details.readonly-file").filter(has=page.locator("summary", has_text=EDITED_FILE))
    handed_file.locator("summary").click()
    expect(handed_file.locator("pre")).to_contain_text(EDIT_MARK)


def candidate_rates_the_case(page: Any, j: Journey, link: str) -> str:
    """After handing in, the candidate follows the offer to rate the case and sends the short form."""
    page.locator('a[href$="/feedback"]').first.click()
    form = page.locator('form[action$="/feedback"]').first
    j.step(page, "candidate-feedback-form")
    groups: dict[str, list[Any]] = {}
    for radio in form.locator('input[type="radio"]').all():
        groups.setdefault(radio.get_attribute("name") or "", []).append(radio)
    for options in groups.values():  # the highest number on a scale, else the first (most positive) choice
        numeric = [r for r in options if (r.get_attribute("value") or "").isdigit()]
        (max(numeric, key=lambda r: int(r.get_attribute("value"))) if numeric else options[0]).check()
    for box in form.locator('input[type="number"], input[inputmode="numeric"]').all():
        box.fill("70")
    for area in form.locator("textarea").all():
        area.fill("A realistic case, and I liked seeing the team's offer first.")
    form.locator('button[type="submit"], input[type="submit"]').last.click()
    page.wait_for_load_state("load")
    expect(page.get_by_role("status").first).to_contain_text(re.compile(r"[Tt]hank"))
    expect(page.get_by_role("alert")).to_have_count(0)
    j.step(page, "candidate-feedback-sent")
    return "rated"


def reviewer_prepares(page: Any, j: Journey, meeting_id: int) -> None:
    login(page, j, "reviewer1@demo.example.org", "reviewer")
    row = page.get_by_role("row").filter(has_text=CANDIDATE)
    row.get_by_role("link", name=re.compile(r"^Review")).click()
    j.step(page, "review-meeting")
    page.get_by_role("link", name=re.compile(r"Open the submission|Stop the boundary bursts")).first.click()
    expect(page.get_by_role("heading", name="Talking points", exact=True)).to_be_visible()
    j.step(page, "review-submission")
    page.locator('form[action$="/points"]').get_by_label("Talking point", exact=True).fill(TALKING_POINT)
    page.get_by_role("button", name="Add talking point").click()
    expect(page.locator("#points")).to_contain_text(TALKING_POINT)
    j.step(page, "review-talking-point")


def manager_takes_the_brief(page: Any, j: Journey, meeting_id: int) -> str:
    page.goto(j.url(f"/review/meetings/{meeting_id}"))
    j.step(page, "manager-review-meeting")
    page.get_by_role("link", name="Meeting brief").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator("main")).to_contain_text(TALKING_POINT)
    j.step(page, "manager-brief")

    page.get_by_role("link", name="See what the candidate sees").click()
    j.step(page, "manager-brief-candidate-preview")
    page.go_back()

    pdf_link = page.locator('a[href$="/brief.pdf"]').first
    with page.expect_download(timeout=60_000) as info:
        pdf_link.click()
    download = info.value
    body = Path(download.path()).read_bytes()
    assert body.startswith(b"%PDF"), f"the brief download is not a PDF: {body[:40]!r}"
    assert download.suggested_filename.endswith(".pdf"), download.suggested_filename
    outcome = f"PDF downloaded ({len(body)} bytes)"

    page.goto(j.url(f"/meetings/{meeting_id}"))
    page.get_by_role("link", name="Feedback to the candidate").click()
    j.step(page, "manager-feedback")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Meetings").click()
    page.get_by_role("link", name=re.compile(r"Pipeline analytics")).click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    j.step(page, "manager-analytics")

    page.get_by_role("navigation", name="Main").get_by_role("link", name=re.compile("Notifications")).click()
    j.step(page, "manager-notifications")
    return outcome


def test_meeting_journey_from_invitation_to_brief(journey: Journey, live_server: LiveServer) -> None:
    j = journey
    manager = j.page()
    meeting_id, link = manager_plans_and_invites(manager, j)

    candidate = j.page()  # a fresh context: no staff cookie, only the link
    candidate_tries_the_case(candidate, j, link)
    rating = candidate_rates_the_case(candidate, j, link)

    reviewer = j.page()
    reviewer_prepares(reviewer, j, meeting_id)

    pdf = manager_takes_the_brief(manager, j, meeting_id)
    print(f"\ncandidate feedback: {rating}; brief: {pdf}; pages audited: {len(j.audited)}")
    j.finish()
