"""Visible checks: the basics of the station picker, driven with a real keyboard in headless Chromium.

Each check opens index.html afresh at phone width (390 px) with the recorded API from data/api/ in place of
fetch. A failure message ends with what the page looked like at that moment.
"""


import pytest
import station_page as sp
from caseportal_check import artifact_path


@pytest.fixture(scope="module")
def browser():
    with sp.new_browser() as b:
        yield b


@pytest.fixture()
def page(browser):
    return sp.StationPage(browser).open()


def test_input_is_a_labelled_combobox(page):
    s = page.state()
    assert s["role"] == "combobox", 'the input needs role="combobox" so screen readers announce it as one'
    node = page.browser.ax_node("#station-input")
    assert node["name"].strip(), "the combobox has no accessible name: connect the <label> to it (for=...)"
    assert s["controls"], 'the input needs aria-controls="station-listbox", the id of the list it controls'
    assert s["listRole"] == "listbox", f'#{s["controls"]} needs role="listbox"'
    assert s["expanded"] == "false", f'before typing, the input needs aria-expanded="false", not {s["expanded"]!r}'


def test_typing_lists_matching_stations(page):
    page.type("upp")
    s = page.wait_for_options('typing "upp" should list stations such as Uppsala C')
    names = [sp.name_of(o) for o in s["options"]]
    assert "Uppsala C" in names, f"Uppsala C is missing from the list: {names}"
    assert all(o["id"] for o in s["options"]), "every option needs an id (aria-activedescendant points at it)"
    s = page.wait('s.expanded === "true"', 'while the list shows, the input needs aria-expanded="true"')
    page.browser.screenshot(artifact_path("station-list-phone.png"), full_page=True)


def test_arrow_down_makes_the_first_option_active(page):
    page.type("upp")
    s = page.wait_for_options()
    page.press("ArrowDown")
    s = page.state()
    first = s["options"][0]
    assert s["activedescendant"] == first["id"], (
        "after ArrowDown, aria-activedescendant on the input should name the first option "
        f"({first['id']!r}), not {s['activedescendant']!r}\n" + sp.describe(s))
    assert first["selected"] == "true", 'the active option needs aria-selected="true"'
    assert s["focused"] == "station-input", "focus stays in the input while you move through the options"


def test_enter_picks_the_active_station(page):
    page.type("upp")
    s = page.wait_for_options()
    page.press("ArrowDown")
    first = page.state()["options"][0]
    page.press("Enter")
    s = page.state()
    assert s["submits"] == 0, "Enter on an active option should pick it, not submit the search form"
    assert s["value"] == sp.name_of(first), f"the input should now read {sp.name_of(first)!r}\n" + sp.describe(s)
    assert s["stationId"] == first["stationId"], (
        'the hidden <input id="station-id"> should hold the picked station\'s id '
        f"({first['stationId']!r}, from the option's data-station-id), not {s['stationId']!r}")
    assert s["expanded"] == "false", "after picking, the list closes (aria-expanded=\"false\")"


def test_status_says_how_many_stations_were_found(page):
    page.type("mal")
    s = page.wait_for_options('typing "mal" should list the three stations in Malmö')
    s = page.settle()
    count = len(s["options"])
    assert s["status"] is not None, 'the page needs the <div id="station-status"> live region'
    assert "status" in s["statusLive"] or "polite" in s["statusLive"], (
        '#station-status must be a live region (role="status") so screen readers read it out')
    assert str(count) in s["status"], (
        f"the status should say how many stations were found ({count}); it says {s['status']!r}")
