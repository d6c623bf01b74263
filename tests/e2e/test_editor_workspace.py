"""The workspace as an editor, in a real browser, on a desktop in English and on a phone in Swedish: the file tree
(new file, rename, delete), tabs, Ctrl+Enter to save and run, the run's phase and elapsed time, then the result
and the hand-in. Every page is checked with axe-core; screenshots go where the other journeys put theirs."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import DESKTOP, PHONE, Journey, LiveServer
from .test_candidate_access import assert_fits

pytestmark = [pytest.mark.browser, pytest.mark.docker]

SLUG = "api-rate-limiter"
STARTER = "ratelimit/limiters.py"
WORDS: dict[str, dict[str, Any]] = {
    "en": {"start": "Start this case", "ready": "Your workspace is ready", "new": "New file", "create": "Create file",
           "menu": "Rename or delete", "new_name": "New name", "rename": "Rename", "delete": "Delete",
           "shortcut": "Shortcut:", "confirm": re.compile(r"I'm ready to hand in"), "hand_in": "Hand in my work",
           "thanks": re.compile(r"your work is handed in"), "took": re.compile(r"Finished after \d+ s"),
           "result": re.compile(r"\d+ of \d+ checks? pass|finished without any checks|could not")},
    "sv": {"start": "Börja med det här caset", "ready": "Din arbetsyta är klar", "new": "Ny fil",
           "create": "Skapa filen", "menu": "Byt namn på eller ta bort", "new_name": "Nytt namn",
           "rename": "Byt namn", "delete": "Ta bort", "shortcut": "Kortkommando:",
           "confirm": re.compile(r"Jag är redo att lämna in"), "hand_in": "Lämna in mitt arbete",
           "thanks": re.compile(r"ditt arbete är inlämnat"), "took": re.compile(r"Klar efter \d+ s"),
           "result": re.compile(r"\d+ av \d+ kontroller|utan några kontroller|kunde inte")},
}


def tree(page: Any) -> Any:
    return page.locator("nav.file-tree")


def open_tab(page: Any) -> str:
    return str(page.locator("ul.tabs button.tab[aria-current='true']").inner_text())


@pytest.mark.parametrize(("device", "lang"), [("desktop", "en"), ("phone", "sv")])
def test_tree_tabs_shortcut_and_phases(journey: Journey, live_server: LiveServer, device: str, lang: str) -> None:
    j, w = journey, WORDS[lang]
    link = live_server.invite(f"Eddie Editor {device}", f"eddie.{device}@example.org", SLUG)
    extra: dict[str, Any] = {"locale": "sv-SE" if lang == "sv" else "en-GB",
                             "extra_http_headers": {"Accept-Language": lang}}
    if device == "phone":
        extra.update(is_mobile=True, has_touch=True, device_scale_factor=2)
    page = j.page(PHONE if device == "phone" else DESKTOP, **extra)
    page.goto(f"{link}/case/{SLUG}")
    page.get_by_role("button", name=w["start"]).click()
    expect(page.get_by_role("status").first).to_contain_text(w["ready"])
    expect(page.locator("#work .CodeMirror").first).to_be_visible()
    j.step(page, "workspace")

    boxes = [page.locator(sel).bounding_box() for sel in ("nav.file-tree", "#work", "#results")]
    if device == "desktop":  # tree, editor and checks side by side
        assert boxes[0]["x"] < boxes[1]["x"] < boxes[2]["x"], boxes
        assert abs(boxes[0]["y"] - boxes[2]["y"]) < 5, boxes
    else:  # stacked, in that order, and nothing scrolls sideways
        assert boxes[0]["y"] < boxes[1]["y"] < boxes[2]["y"], boxes
        assert_fits(page, "workspace", [tree(page), page.locator("#work .CodeMirror").first])

    # New file from the tree: the page comes back with it open in a tab; type into it.
    page.get_by_label(w["new"], exact=True).fill("tests/test_extra.py")
    page.get_by_role("button", name=w["create"]).click()
    expect(page.locator("ul.tabs button.tab[aria-current='true']")).to_have_text("tests/test_extra.py")
    editor = page.locator(".editor-pane:not([hidden]) .CodeMirror")
    editor.click()
    page.keyboard.type("def test_extra():\n    assert True\n")
    j.step(page, "new-file")

    # Rename it straight away: what was typed is saved before the page reloads.
    item = tree(page).locator("li.tree-file", has=page.locator('a[data-path="tests/test_extra.py"]'))
    item.locator("summary").click()
    item.get_by_label(w["new_name"]).fill("tests/test_more.py")
    item.get_by_role("button", name=w["rename"], exact=True).click()
    expect(page.locator("ul.tabs button.tab[aria-current='true']")).to_have_text("tests/test_more.py")
    expect(page.locator(".editor-pane:not([hidden]) .CodeMirror")).to_contain_text("assert True")
    j.step(page, "renamed")

    # Tabs: open a starter module from the tree, switch back and forth; both stay open.
    tree(page).locator(f'a[data-path="{STARTER}"]').click()
    assert open_tab(page) == STARTER
    assert page.evaluate("() => !!document.activeElement.closest('.CodeMirror')"), "the editor did not get focus"
    page.locator("ul.tabs button.tab", has_text="tests/test_more.py").click()
    assert open_tab(page) == "tests/test_more.py"
    page.locator("ul.tabs button.tab", has_text=STARTER).click()
    expect(page.locator(".editor-pane:not([hidden]) .CodeMirror")).to_contain_text("class")
    j.step(page, "tabs")

    # Delete the extra file from the tree.
    item = tree(page).locator("li.tree-file", has=page.locator('a[data-path="tests/test_more.py"]'))
    item.locator("summary").click()
    item.get_by_role("button", name=re.compile("^" + w["delete"])).click()
    expect(tree(page).locator('a[data-path="tests/test_more.py"]')).to_have_count(0)
    assert open_tab(page) == STARTER  # the remembered tab, now that the other is gone

    # The shortcut, shown beside the button: save and run; the phase and the seconds show while it goes.
    expect(page.locator("#run-shortcut")).to_contain_text(w["shortcut"])
    page.locator(".editor-pane:not([hidden]) .CodeMirror").click()
    page.keyboard.press("Control+End")
    page.keyboard.type("\n# saved and run with the shortcut\n")
    page.keyboard.press("Control+Enter")
    page.wait_for_url(re.compile(r"#results$"))
    status = page.locator("#run-status")
    expect(status.locator("ol.run-phases li[aria-current='step']")).to_have_count(1)
    page.evaluate("() => { window.__e2eSamePage = true; }")
    j.step(page, "run-phase", audit=False)
    expect(status.locator(".run-elapsed, .run-time")).to_contain_text(re.compile(r"\d+ s"))
    expect(status).to_contain_text(w["result"], timeout=120_000)
    expect(status.locator(".run-time")).to_contain_text(w["took"])
    expect(status.locator("li.phase-done")).to_have_attribute("aria-current", "step")
    assert page.evaluate("() => window.__e2eSamePage === true"), "the page reloaded instead of updating live"
    expect(page.locator(".editor-pane:not([hidden]) .CodeMirror")).to_contain_text("saved and run with the shortcut")
    j.step(page, "run-result")

    page.get_by_label(w["confirm"]).check()
    page.get_by_role("button", name=w["hand_in"]).click()
    expect(page.get_by_role("heading", name=w["thanks"])).to_be_visible()
    expect(tree(page)).to_have_count(0)  # handed in: read-only, no tree forms, no tabs
    expect(page.locator("ul.tabs")).to_have_count(0)
    j.step(page, "handed-in")
    j.finish()


def test_without_javascript_plain_forms_do_it_all(journey: Journey, live_server: LiveServer) -> None:
    """No script at all: collapsible files, the tree's forms, save, run (phase and time as of the page) and hand in.

    axe-core needs scripts, so these pages are not audited here; the journeys above audit the same markup."""
    j = journey
    link = live_server.invite("Nora Noscript", "nora.noscript@example.org", SLUG)
    page = j.page(java_script_enabled=False)
    page.goto(f"{link}/case/{SLUG}")
    page.get_by_role("button", name="Start this case").click()
    expect(page.locator("#work textarea.code").first).to_be_visible()  # plain text areas
    expect(page.locator("ul.tabs")).to_have_count(0)
    expect(page.locator("#run-shortcut")).to_be_hidden()  # no shortcut promised without the script behind it
    j.step(page, "workspace", audit=False)

    page.get_by_label("New file", exact=True).fill("tests/test_plain.py")
    page.get_by_role("button", name="Create file").click()
    item = tree(page).locator("li.tree-file", has=page.locator('a[data-path="tests/test_plain.py"]'))
    item.locator("summary").click()
    item.get_by_label("New name").fill("tests/test_renamed.py")
    item.get_by_role("button", name="Rename", exact=True).click()
    area = page.locator('textarea[name="file::tests/test_renamed.py"]')
    expect(area).to_be_visible()  # the page opens the file the change named
    area.fill("def test_plain() -> None:\n    assert True\n")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("status").first).to_contain_text("Draft saved")
    j.step(page, "saved", audit=False)

    page.get_by_role("button", name="Save and run checks").click()
    status = page.locator("#run-status")
    expect(status.locator("ol.run-phases li[aria-current='step']")).to_have_count(1)
    expect(status.locator(".run-elapsed, .run-time")).to_contain_text(re.compile(r"\d+ s"))
    j.step(page, "run", audit=False)

    page.get_by_label(re.compile(r"I'm ready to hand in")).check()
    page.get_by_role("button", name="Hand in my work").click()
    expect(page.get_by_role("heading", name=re.compile(r"your work is handed in"))).to_be_visible()
    j.step(page, "handed-in", audit=False)
    j.finish()
