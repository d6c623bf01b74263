"""Drives your index.html in headless Chromium, with the recorded station API (data/api/) in place of fetch.

Shared by the visible and the hidden checks. Keys are real key presses (keydown, input, keyup), clicks are
real mouse clicks, and what the checks read is what a screen reader reads: roles, ARIA states, the live region.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import cp_browser

CASE = Path(__file__).resolve().parents[2]
API = CASE / "data" / "api"
PAGE = Path(os.environ.get("CASEPORTAL_WORK", "/work")) / "index.html"
#: The thresholds the brief states, in one place for the visible and the hidden checks.
MIN_CHARS = 2  # searches start at this many characters
MIN_PAUSE_MS = 150  # no request sooner than this after a key press (the brief asks for a pause of about 250 ms)
RESULTS_WITHIN_S = 3.0  # results show within this long after the last key press when the API answers quickly
LOADING_AFTER_S = 0.5  # an answer slower than this must show the loading state

STATIONS = {s["id"]: s for s in json.loads((API / "stations.json").read_text(encoding="utf-8"))["stations"]}

#: Installed before your scripts run: the recorded API, a log of key presses, and a guard that keeps a form
#: submission from leaving the page (it is counted instead, so a check can say that Enter submitted the form).
INIT_SCRIPT = (
    "window.__RECORDED_API_DATA = " + json.dumps({
        "stations": json.loads((API / "stations.json").read_text(encoding="utf-8")),
        "recordings": json.loads((API / "recordings.json").read_text(encoding="utf-8")),
    }) + ";\n" + (API / "fake-api.js").read_text(encoding="utf-8") + """
window.__cpKeys = [];
window.__cpSubmits = 0;
window.addEventListener("keydown", () => window.__cpKeys.push(performance.now()), true);
window.addEventListener("submit", (e) => { window.__cpSubmits += 1; e.preventDefault(); }, true);
""")

#: Everything the checks look at, read in one go.
STATE_JS = """(() => {
  const input = document.getElementById("station-input");
  if (!input) return null;
  const listId = input.getAttribute("aria-controls");
  const list = (listId && document.getElementById(listId)) || document.getElementById("station-listbox");
  const shown = (el) => el.getClientRects().length > 0 && !el.closest("[hidden]");
  const options = list ? [...list.querySelectorAll("[role=option]")].filter(shown) : [];
  const items = list ? [...list.children].filter(shown).map((el) => el.textContent.trim()) : [];
  const status = document.getElementById("station-status");
  const picker = document.getElementById("station-picker");
  const hidden = document.getElementById("station-id");
  return {
    value: input.value,
    role: input.getAttribute("role"),
    expanded: input.getAttribute("aria-expanded"),
    controls: listId,
    activedescendant: input.getAttribute("aria-activedescendant") || "",
    listRole: list ? list.getAttribute("role") : null,
    items,
    options: options.map((o) => ({id: o.id, text: o.textContent.replace(/\\s+/g, " ").trim(),
                                  selected: o.getAttribute("aria-selected"), stationId: o.dataset.stationId || ""})),
    status: status ? status.textContent.replace(/\\s+/g, " ").trim() : null,
    statusLive: status ? (status.getAttribute("role") || "") + "|" + (status.getAttribute("aria-live") || "") : "",
    state: picker ? picker.dataset.state || "" : "",
    stationId: hidden ? hidden.value : null,
    focused: document.activeElement ? document.activeElement.id : "",
    submits: window.__cpSubmits,
    requests: window.__recordedApi ? window.__recordedApi.log : [],
    keys: window.__cpKeys,
  };
})()"""


class StationPage:
    """Your page with the station picker, opened fresh for each check."""

    def __init__(self, browser: cp_browser.Browser) -> None:
        self.browser = browser

    def open(self) -> StationPage:
        assert PAGE.is_file(), "index.html is missing from your files"
        self.browser.console.clear()
        self.browser.open(PAGE)
        assert self.state() is not None, 'index.html needs the <input id="station-input"> the checks drive'
        self.browser.click("#station-input")
        return self

    def state(self) -> dict[str, Any]:
        return self.browser.evaluate(STATE_JS)  # type: ignore[no-any-return]

    def type(self, text: str) -> None:
        self.browser.type(text)

    def press(self, key: str, *modifiers: str) -> None:
        self.browser.press(key, modifiers)

    def wait(self, condition: str, message: str, timeout: float = RESULTS_WITHIN_S) -> dict[str, Any]:
        """Wait until ``condition`` (JavaScript over ``s``, the state) holds; the state, or a failure with
        ``message`` and what the page looked like."""
        deadline = time.monotonic() + timeout
        while True:
            state = self.browser.evaluate(f"(() => {{ const s = {STATE_JS}; return [({condition}), s]; }})()")
            if state[0]:
                return state[1]  # type: ignore[no-any-return]
            if time.monotonic() >= deadline:
                raise AssertionError(f"{message} (waited {timeout:g} s)\n{describe(state[1])}{self.errors()}")
            time.sleep(0.05)

    def wait_for_options(self, message: str = "", timeout: float = RESULTS_WITHIN_S) -> dict[str, Any]:
        return self.wait("s.options.length > 0", message or "no options appeared in the listbox", timeout)

    def settle(self, timeout: float = 5.0) -> dict[str, Any]:
        """Wait until every request has been answered (or aborted), then a little more for the page to render."""
        self.wait("s.requests.every((r) => r.doneAt !== null)", "a request was never answered", timeout)
        time.sleep(0.3)
        return self.state()

    def option_selector(self, option_id: str) -> str:
        return "#" + self.browser.evaluate(f"CSS.escape({json.dumps(option_id)})")

    def errors(self) -> str:
        lines = [c for c in self.browser.console if c.startswith(("uncaught", "console.error"))]
        return ("\nErrors on the page:\n  " + "\n  ".join(lines[-5:])) if lines else ""


def name_of(option: dict[str, Any]) -> str:
    """The station an option stands for, by its data-station-id (falls back to the option's text)."""
    station = STATIONS.get(option.get("stationId", ""))
    return station["name"] if station else option["text"]


def describe(state: dict[str, Any] | None) -> str:
    """What the page looked like, for failure messages."""
    if state is None:
        return "the page has no #station-input"
    options = ", ".join(o["text"] for o in state["options"][:8]) or "none"
    if not state["options"] and state["items"]:
        options += (f" (the list shows {len(state['items'])} item(s), {', '.join(state['items'][:3])}, but none "
                    'has role="option")')
    requests = ", ".join(repr(r["q"]) for r in state["requests"]) or "none"
    return (f"  input value {state['value']!r}, aria-expanded={state['expanded']!r}, "
            f"aria-activedescendant={state['activedescendant']!r}\n  visible options: {options}\n"
            f"  status: {state['status']!r}, data-state={state['state']!r}, requests sent: {requests}")


def new_browser() -> cp_browser.Browser:
    browser = cp_browser.Browser(390, 844, timeout=10)
    browser.add_init_script(INIT_SCRIPT)
    return browser
