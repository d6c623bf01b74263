"""Judge checks: the edge cases of the station picker (timing, failures, the keyboard, focus).
They run in the judge's container, where the submission is data: Chromium renders the candidate's page,
but no candidate code runs in the checks' own process, so it cannot change their verdict.

The thresholds (minimum characters, the pause before a request, how soon results and the loading state show)
come from station_page.py, which the visible checks use too, and are stated in the brief.
"""

import time

import pytest
import station_page as sp


@pytest.fixture(scope="module")
def browser():
    with sp.new_browser() as b:
        yield b


@pytest.fixture()
def page(browser):
    return sp.StationPage(browser).open()


def test_one_character_sends_no_request(page):
    page.type("u" * (sp.MIN_CHARS - 1))
    time.sleep(1.0)
    s = page.state()
    sent = len(s["requests"])
    assert sent == 0, f"searches start at {sp.MIN_CHARS} characters; typing 'u' sent {sent} request(s)"
    assert s["expanded"] != "true", "with one character the list stays closed"


def test_waits_for_a_pause_in_typing(page):
    page.type("stockh")
    s = page.wait_for_options(f'typing "stockh" should list the Stockholm stations within {sp.RESULTS_WITHIN_S:g} s')
    s = page.settle()
    assert s["requests"], "no request was sent"
    for request in s["requests"]:
        earlier = [k for k in s["keys"] if k <= request["sentAt"]]
        gap = request["sentAt"] - max(earlier, default=0.0)
        assert gap >= sp.MIN_PAUSE_MS, (
            f"the request for {request['q']!r} left {gap:.0f} ms after a key press; wait for a pause of about "
            f"250 ms (at least {sp.MIN_PAUSE_MS} ms) so that typing a name does not send a request per letter")
    assert [sp.name_of(o) for o in s["options"]][:1] == ["Stockholm C"], sp.describe(s)


def test_slow_answer_shows_a_loading_state(page):
    page.type("lu")  # recorded: answers after 1.5 s
    page.wait('s.requests.some((r) => r.q.trim().toLowerCase() === "lu")', 'no request for "lu" was sent')
    time.sleep(sp.LOADING_AFTER_S)
    s = page.state()
    assert s["state"] == "loading", (
        f'while waiting for an answer, #station-picker needs data-state="loading", not {s["state"]!r}')
    assert s["status"], "while waiting, the status region should say that it is searching"
    s = page.wait('s.state === "results" && s.options.length > 0', "the slow answer never showed", 4.0)


def test_only_the_latest_answer_is_shown(page):
    page.type("lu")  # the slow one: its answer comes after the answer for "lun"
    page.wait('s.requests.some((r) => r.q.trim().toLowerCase() === "lu")', 'no request for "lu" was sent')
    page.type("n")
    page.wait('s.requests.some((r) => r.q.trim().toLowerCase() === "lun")', 'no request for "lun" was sent')
    s = page.settle()
    names = sorted(sp.name_of(o) for o in s["options"])
    assert names == ["Lund C", "Lund Gunnesbo"], (
        f'after typing "lun" the list must show the answer for "lun", not the slower, older one for "lu": '
        f"{names}\n" + sp.describe(s))
    assert str(len(names)) in s["status"], f"the status should count the stations shown: {s['status']!r}"


def test_no_results(page):
    page.type("xy")
    s = page.wait('s.requests.length > 0', 'no request for "xy" was sent')
    s = page.settle()
    assert s["options"] == [], "no station matches 'xy', so no options should show"
    assert s["expanded"] != "true", "with nothing to choose the list is closed (aria-expanded=\"false\")"
    assert s["state"] == "empty", f'no matches: data-state="empty", not {s["state"]!r}'
    assert s["status"], "the status region should say that no station matched"


def test_error_is_reported_and_typing_recovers(page):
    page.type("ma")  # recorded: 503 Service Unavailable
    page.wait('s.requests.length > 0', 'no request for "ma" was sent')
    s = page.settle()
    assert s["state"] == "error", f'after a failed request data-state="error", not {s["state"]!r}\n' + sp.describe(s)
    assert s["status"], "the status region should tell the user that the search failed"
    assert s["expanded"] != "true" and s["options"] == [], "after a failed request no (stale) options show"
    page.type("l")
    s = page.wait_for_options('after the error, typing "mal" should search again and list Malmö C')
    assert "Malmö C" in [sp.name_of(o) for o in s["options"]]


def test_arrow_keys_wrap_around(page):
    page.type("upp")
    page.wait_for_options()
    s = page.settle()
    ids = [o["id"] for o in s["options"]]
    for key, expected in (("ArrowDown", ids[0]), ("ArrowUp", ids[-1]), ("ArrowDown", ids[0]),
                          ("ArrowDown", ids[1])):
        page.press(key)
        s = page.state()
        assert s["activedescendant"] == expected, (
            f"{key}: expected {expected!r} to be active (ArrowUp on the first option wraps to the last, "
            f"ArrowDown on the last to the first)\n" + sp.describe(s))
        selected = [o["id"] for o in s["options"] if o["selected"] == "true"]
        assert selected == [expected], f'exactly the active option has aria-selected="true", not {selected}'


def test_escape_closes_then_restores_the_picked_station(page):
    page.type("upp")
    page.wait_for_options()
    page.press("ArrowDown")
    page.press("Enter")
    picked = page.state()
    assert picked["stationId"], "Enter should pick the active station"
    page.browser.evaluate("document.getElementById('station-input').select()")
    page.type("lun")
    page.wait_for_options()
    s = page.state()
    assert s["stationId"] == "", "while the text no longer names the picked station, #station-id must be empty"
    page.press("Escape")
    s = page.state()
    assert s["expanded"] == "false" and s["value"] == "lun", (
        "the first Escape closes the list and keeps what was typed\n" + sp.describe(s))
    page.press("Escape")
    s = page.state()
    assert (s["value"], s["stationId"]) == (picked["value"], picked["stationId"]), (
        f"the second Escape puts back the station picked before ({picked['value']!r})\n" + sp.describe(s))


def test_tab_moves_on_and_closes_the_list(page):
    page.type("upp")
    page.wait_for_options()
    page.press("ArrowDown")
    page.press("Tab")
    s = page.state()
    assert s["focused"] == "search-button", (
        f"Tab from the input goes to the next control (the search button), not to {s['focused']!r}; "
        "options are never in the tab order")
    assert s["expanded"] == "false", "when focus leaves the input the list closes"


def test_click_picks_and_keeps_focus_in_the_input(page):
    page.type("upp")
    s = page.wait_for_options()
    s = page.settle()
    second = s["options"][1]
    page.browser.click(page.option_selector(second["id"]) if second["id"] else "#station-listbox > :nth-child(2)")
    s = page.state()
    assert s["value"] == sp.name_of(second), f"clicking an option picks it\n{sp.describe(s)}"
    assert s["stationId"] == second["stationId"], "clicking an option sets #station-id too"
    assert s["expanded"] == "false", "after a click the list closes"
    assert s["focused"] == "station-input", f"after a click focus is back in the input, not on {s['focused']!r}"
