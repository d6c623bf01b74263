"""The browser runtime in a real sandbox: full-page screenshots, cp_browser driving Chromium over its DevTools
pipe, and pages that loop forever ending in a clear error instead of a hung run (slow: builds the image)."""

from __future__ import annotations

import time

import docker
import pytest

from sandbox import Limits, Outcome, RunResult, RunSpec, run
from tests.sandbox.conftest import SESSION_LABELS, leftovers

pytestmark = pytest.mark.docker

ROOMY = Limits(memory_mb=1024, pids=256, timeout_s=90, tmpfs_mb=128, work_mb=32)

#: Three screens of content on a phone, with the thing reviewers must see (the submit button) at the very end.
LONG_PAGE = b"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{margin:0;font:16px sans-serif} section{height:900px;border-bottom:4px solid #246}
button{display:block;margin:16px;height:48px}</style></head>
<body><section>Plans</section><section>Details</section><section>Terms</section>
<button type="submit">Start my free trial</button></body></html>"""

KEYBOARD_PAGE = b"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Keys</title></head><body>
<label for="q">Station</label> <input id="q" role="combobox" aria-expanded="false" aria-controls="l">
<ul id="l" role="listbox"></ul><button id="next">Next</button>
<script>
window.seen = [];
const q = document.getElementById("q");
q.addEventListener("keydown", (e) => {
  seen.push(e.key);
  if (e.key === "ArrowDown") q.setAttribute("aria-expanded", "true");
});
</script></body></html>"""

KEYBOARD_CHECK = b'''import time

import cp_browser


def test_keyboard_and_evaluate():
    with cp_browser.Browser(390, 844, timeout=10) as browser:
        browser.open("/work/index.html")
        browser.click("#q")
        browser.type("upp")
        browser.press("ArrowDown")
        assert browser.evaluate("document.getElementById('q').value") == "upp"
        assert browser.evaluate("seen") == ["u", "p", "p", "ArrowDown"]
        assert browser.evaluate("document.getElementById('q').getAttribute('aria-expanded')") == "true"
        assert browser.evaluate("new Promise((ok) => setTimeout(() => ok(6 * 7), 50))") == 42
        node = browser.ax_node("#q")
        assert node["role"] == "combobox" and node["name"] == "Station", node
        assert node["properties"]["expanded"] is True, node
        browser.press("Tab")
        assert browser.evaluate("document.activeElement.id") == "next"
        browser.press("Tab", ("Shift",))
        assert browser.evaluate("document.activeElement.id") == "q"
        try:
            browser.evaluate("null.boom")
        except cp_browser.JavaScriptError as exc:
            assert "Cannot read properties of null" in str(exc)
        else:
            raise AssertionError("a throwing expression must raise JavaScriptError")


def test_close_leaves_no_chromium_behind():
    browser = cp_browser.Browser(timeout=10)
    browser.open("/work/index.html")
    browser.close()
    browser.close()  # twice is fine
    time.sleep(0.2)
    import os
    left = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                if b"chromium" in fh.read():
                    left.append(pid)
        except OSError:
            pass
    assert left == [], f"chromium processes left: {left}"
'''

LOOP_PAGE = b"<!doctype html><html lang='en'><body><p>Almost there</p><script>for (;;) {}</script></body></html>"

LOOP_CHECK = b'''import time

import cp_browser


def test_loading_a_looping_page():
    with cp_browser.Browser(timeout=4) as browser:
        browser.open("/work/index.html")


def test_evaluating_a_loop_times_out_and_the_page_recovers():
    with cp_browser.Browser(timeout=4) as browser:
        browser.open("/work/calm.html")
        started = time.monotonic()
        try:
            browser.evaluate("while (true) {}", timeout=2)
        except cp_browser.BrowserTimeout as exc:
            assert "did not finish within 2 s" in str(exc)
        else:
            raise AssertionError("an endless loop must time out")
        assert time.monotonic() - started < 4
        assert browser.evaluate("1 + 1") == 2  # the loop was stopped, the page answers again
'''


def _run(image: str, client: docker.DockerClient, command: tuple[str, ...], files: dict[str, bytes],
         case_files: dict[str, bytes] | None = None) -> tuple[RunResult, float]:
    spec = RunSpec(image=image, command=command, files=files, case_files=case_files or {}, limits=ROOMY,
                   labels=SESSION_LABELS)
    started = time.monotonic()
    result = run(spec, client=client)
    elapsed = time.monotonic() - started
    assert leftovers(client) == []
    return result, elapsed


def _png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def test_screenshots_are_full_page(browser_image: str, docker_client: docker.DockerClient) -> None:
    result, _ = _run(browser_image, docker_client, ("cp-screenshot", "index.html"), {"index.html": LONG_PAGE})
    assert result.outcome == Outcome.passed, result
    assert {c.name: c.status for c in result.checks} == {"screenshot_phone": "passed",
                                                        "screenshot_desktop": "passed"}
    phone_w, phone_h = _png_size(result.artifacts["index-phone.png"])
    desktop_w, desktop_h = _png_size(result.artifacts["index-desktop.png"])
    assert phone_w == 390 and desktop_w == 1280
    # 3 x 904 px of sections plus the button: far beyond the 844 px phone screen, and all of it pictured.
    assert phone_h >= 2780 > 844, phone_h
    assert desktop_h >= 2780, desktop_h
    assert f"390 x {phone_h} px" in next(c.message for c in result.checks if c.name == "screenshot_phone")


def test_screenshot_of_a_missing_page_says_so(browser_image: str, docker_client: docker.DockerClient) -> None:
    result, _ = _run(browser_image, docker_client, ("cp-screenshot", "index.html"), {"other.html": LONG_PAGE})
    assert result.outcome == Outcome.failed, result
    assert [c.status for c in result.checks] == ["error", "error"]
    assert all("index.html is not among your files" in c.message for c in result.checks)


def test_cp_browser_keyboard_evaluate_and_clean_shutdown(browser_image: str,
                                                         docker_client: docker.DockerClient) -> None:
    result, _ = _run(browser_image, docker_client, ("cp-pytest",), {"index.html": KEYBOARD_PAGE},
                     {"checks/visible/test_keys.py": KEYBOARD_CHECK})
    assert result.outcome == Outcome.passed, result
    assert {c.name: c.status for c in result.checks} == {"test_keyboard_and_evaluate": "passed",
                                                        "test_close_leaves_no_chromium_behind": "passed"}


def test_endless_loop_is_a_clear_error_not_a_hung_run(browser_image: str,
                                                      docker_client: docker.DockerClient) -> None:
    files = {"index.html": LOOP_PAGE, "calm.html": b"<!doctype html><title>calm</title><p>ok</p>"}
    result, elapsed = _run(browser_image, docker_client, ("cp-pytest",), files,
                           {"checks/visible/test_loop.py": LOOP_CHECK})
    assert result.outcome == Outcome.failed, result  # the checks' verdict, not the sandbox's timeout
    checks = {c.name: c for c in result.checks}
    assert checks["test_loading_a_looping_page"].status == "failed"
    assert "index.html did not finish loading within 4 s" in checks["test_loading_a_looping_page"].message
    assert "endless loop" in checks["test_loading_a_looping_page"].message
    assert checks["test_evaluating_a_loop_times_out_and_the_page_recovers"].status == "passed", checks
    assert elapsed < ROOMY.timeout_s / 2, f"the run took {elapsed:.0f} s"


def test_screenshot_of_a_looping_page_ends_in_time(browser_image: str, docker_client: docker.DockerClient) -> None:
    result, elapsed = _run(browser_image, docker_client, ("cp-screenshot", "index.html", "--timeout", "5"),
                           {"index.html": LOOP_PAGE})
    assert result.outcome == Outcome.failed, result
    for check in result.checks:
        assert check.status == "error" and "did not finish loading within 5 s" in check.message, check
    assert elapsed < 40, f"the run took {elapsed:.0f} s"
