"""cp_browser: drive Debian's headless Chromium from case checks, with no package beyond the standard library.

Chromium speaks the Chrome DevTools Protocol over two pipes (``--remote-debugging-pipe``: it reads commands on
file descriptor 3 and writes replies and events on 4, JSON messages ended by a NUL byte), so no network port is
opened and nothing like websockets or Playwright needs to be in the image. Every wait has a deadline: a page
whose script loops forever gives a :class:`BrowserTimeout` with a clear message (and the loop is stopped with
``Runtime.terminateExecution``) instead of a run that hangs until the sandbox kills it.

    with cp_browser.Browser(width=390, height=844) as browser:
        browser.open("/work/index.html")
        browser.click("#station-input")
        browser.type("upp")
        browser.press("ArrowDown")
        assert browser.evaluate("document.activeElement.id") == "station-input"
        browser.screenshot(artifact_path("open.png"), full_page=True)
"""

from __future__ import annotations

import base64
import fcntl
import itertools
import json
import os
import pathlib
import select
import shutil
import signal
import subprocess
import tempfile
import time
from typing import Any

__all__ = ["Browser", "BrowserError", "BrowserTimeout", "JavaScriptError", "KEYS"]

#: Named keys for :meth:`Browser.press`: (code, Windows virtual key code, text the key types).
KEYS: dict[str, tuple[str, int, str]] = {
    "Enter": ("Enter", 13, "\r"), "Escape": ("Escape", 27, ""), "Tab": ("Tab", 9, ""),
    "Backspace": ("Backspace", 8, ""), "Delete": ("Delete", 46, ""), "Space": ("Space", 32, " "),
    "ArrowDown": ("ArrowDown", 40, ""), "ArrowUp": ("ArrowUp", 38, ""), "ArrowLeft": ("ArrowLeft", 37, ""),
    "ArrowRight": ("ArrowRight", 39, ""), "Home": ("Home", 36, ""), "End": ("End", 35, ""),
    "PageUp": ("PageUp", 33, ""), "PageDown": ("PageDown", 34, ""),
}
MODIFIERS = {"Alt": 1, "Control": 2, "Meta": 4, "Shift": 8}
#: Full-page screenshots stop here, so a page that claims to be a million pixels tall cannot fill /out.
MAX_SCREENSHOT_HEIGHT = 12000

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
         "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--mute-audio",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
         "--disable-backgrounding-occluded-windows", "--force-color-profile=srgb", "--remote-debugging-pipe")


class BrowserError(RuntimeError):
    """Chromium failed: it did not start, it exited, a page crashed, or a protocol command was refused."""


class BrowserTimeout(BrowserError):
    """Something did not happen within its deadline (a page that never loads, a script that never ends)."""


class JavaScriptError(BrowserError):
    """The evaluated JavaScript threw; the message is the page's own error text."""


class Browser:
    """One headless Chromium with one page; use it as a context manager so Chromium always ends."""

    def __init__(self, width: int = 1280, height: int = 800, *, timeout: float = 10.0, mobile: bool = False,
                 chromium: str | None = None) -> None:
        self.timeout = timeout
        self.console: list[str] = []  # console messages and uncaught errors of the page, for helpful failures
        self._ids = itertools.count(1)
        self._buffer = b""
        self._events: list[dict[str, Any]] = []
        self._profile = tempfile.mkdtemp(prefix="cp-browser-")
        self._log = open(os.path.join(self._profile, "chromium.log"), "wb")  # a file, so chromium never blocks
        binary = chromium or os.environ.get("CASEPORTAL_CHROMIUM") or shutil.which("chromium") or "chromium"
        cmd_read, cmd_write = os.pipe()
        reply_read, reply_write = os.pipe()
        # Copies numbered 10 and up, so moving them onto 3 and 4 in the child can never overwrite one with the
        # other; close-on-exec, so only the dup2'ed 3 and 4 reach Chromium.
        high = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10) for fd in (cmd_read, reply_write)]

        def _wire() -> None:  # runs in the child between fork and exec
            os.dup2(high[0], 3)
            os.dup2(high[1], 4)

        try:
            self._proc = subprocess.Popen(
                [binary, *FLAGS, f"--user-data-dir={self._profile}", f"--window-size={width},{height}",
                 "about:blank"],
                stdin=subprocess.DEVNULL, stdout=self._log, stderr=self._log, preexec_fn=_wire,
                close_fds=False, start_new_session=True)
        except OSError as exc:
            os.close(cmd_write)
            os.close(reply_read)
            self._cleanup()
            raise BrowserError(f"could not start chromium ({binary}): {exc}") from exc
        finally:
            for fd in (cmd_read, reply_write, *high):
                os.close(fd)
        self._out, self._in = cmd_write, reply_read
        self._session = ""
        try:
            # A cold start on a busy machine can take a while: the first answer gets a longer deadline.
            target = self.call("Target.createTarget", url="about:blank", _session=None,
                               _timeout=max(timeout, 30.0))["targetId"]
            self._session = self.call("Target.attachToTarget", targetId=target, flatten=True,
                                      _session=None)["sessionId"]
            for domain in ("Page", "Runtime"):
                self.call(f"{domain}.enable")
            self.set_viewport(width, height, mobile=mobile)
        except BaseException:
            self.close()
            raise

    # ------------------------------------------------------------------ protocol

    def call(self, method: str, *, _session: str | None = "", _timeout: float | None = None,
             **params: Any) -> dict[str, Any]:
        """Send one CDP command to the page (or to the browser with ``_session=None``) and return its result."""
        msg_id = next(self._ids)
        message: dict[str, Any] = {"id": msg_id, "method": method, "params": params}
        session = self._session if _session == "" else _session
        if session:
            message["sessionId"] = session
        self._write(json.dumps(message).encode() + b"\0")
        timeout = self.timeout if _timeout is None else _timeout
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read(deadline, f"{method} got no answer within {timeout:g} s")
            if reply.get("id") == msg_id:
                if "error" in reply:
                    raise BrowserError(f"{method} failed: {reply['error'].get('message', reply['error'])}")
                return dict(reply.get("result") or {})
            if "method" in reply:
                self._event(reply)

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        deadline = time.monotonic() + self.timeout
        while view:
            if not select.select([], [self._out], [], max(0.0, deadline - time.monotonic()))[1]:
                raise BrowserTimeout("chromium stopped reading commands")
            try:
                view = view[os.write(self._out, view):]
            except BrokenPipeError as exc:
                raise BrowserError(f"chromium has exited{self._exit_text()}") from exc

    def _read(self, deadline: float, timeout_message: str) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._in], [], [], left)[0]:
                raise BrowserTimeout(timeout_message)
            chunk = os.read(self._in, 1 << 20)
            if not chunk:
                raise BrowserError(f"chromium has exited{self._exit_text()}")
            self._buffer += chunk
        raw, _, self._buffer = self._buffer.partition(b"\0")
        return dict(json.loads(raw))

    def _event(self, event: dict[str, Any]) -> None:
        method, params = event.get("method"), event.get("params") or {}
        if method == "Runtime.consoleAPICalled":
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", []))
            self.console.append(f"console.{params.get('type')}: {text}"[:500])
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails") or {}
            text = (details.get("exception") or {}).get("description") or details.get("text", "")
            self.console.append(f"uncaught: {text}"[:500])
        elif method in ("Inspector.targetCrashed", "Target.targetCrashed"):
            raise BrowserError("the page crashed (it may have run out of memory)")
        self._events.append(event)
        del self._events[:-200]

    def wait_event(self, method: str, timeout: float | None = None) -> dict[str, Any]:
        """Wait for the next event ``method`` (e.g. ``Page.loadEventFired``) and return its parameters."""
        timeout = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        while True:
            for i, event in enumerate(self._events):
                if event.get("method") == method:
                    del self._events[: i + 1]
                    return dict(event.get("params") or {})
            self._events.clear()
            event = self._read(deadline, f"no {method} within {timeout:g} s")
            if "method" in event:
                self._event(event)

    # ------------------------------------------------------------------ pages

    def set_viewport(self, width: int, height: int, *, mobile: bool = False) -> None:
        """The page's size in CSS pixels (device scale 1, so screenshots have exactly these pixels)."""
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1,
                  mobile=mobile)
        self.width, self.height = width, height

    def add_init_script(self, source: str) -> None:
        """Run ``source`` in every page opened later, before the page's own scripts (e.g. to stub ``fetch``)."""
        self.call("Page.addScriptToEvaluateOnNewDocument", source=source)

    def open(self, page: str | os.PathLike[str], timeout: float | None = None) -> None:
        """Load a file (path) or URL and wait for its load event."""
        url = shown = str(page)
        if "://" not in url and not url.startswith(("about:", "data:")):
            path = pathlib.Path(url).resolve()
            shown = path.name  # "index.html", not the sandbox's /work/index.html
            if not path.is_file():
                raise BrowserError(f"{shown} does not exist")
            url = path.as_uri()
        timeout = self.timeout if timeout is None else timeout
        self._events.clear()
        result = self.call("Page.navigate", url=url, _timeout=timeout)
        if result.get("errorText"):
            raise BrowserError(f"could not open {shown}: {result['errorText']}")
        try:
            self.wait_event("Page.loadEventFired", timeout)
        except BrowserTimeout:
            self._stop_scripts()
            raise BrowserTimeout(f"{shown} did not finish loading within {timeout:g} s: a script may be stuck in "
                                 "an endless loop, or waiting for something that never comes") from None

    def evaluate(self, expression: str, timeout: float | None = None) -> Any:
        """The value of a JavaScript expression (promises awaited), as JSON-compatible Python data."""
        timeout = self.timeout if timeout is None else timeout
        try:
            reply = self.call("Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True,
                              userGesture=True, _timeout=timeout)
        except BrowserTimeout:
            self._stop_scripts()
            raise BrowserTimeout(f"JavaScript did not finish within {timeout:g} s (an endless loop, or a promise "
                                 f"that never settles): {expression[:200]}") from None
        if "exceptionDetails" in reply:
            details = reply["exceptionDetails"]
            text = (details.get("exception") or {}).get("description") or details.get("text", "error")
            raise JavaScriptError(f"{text}\n  in: {expression[:300]}")
        return reply.get("result", {}).get("value")

    def wait_for(self, expression: str, timeout: float | None = None, message: str = "") -> Any:
        """Poll a JavaScript expression until it is truthy; its value, or BrowserTimeout with ``message``."""
        timeout = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(expression, timeout=max(1.0, deadline - time.monotonic()))
            if value:
                return value
            if time.monotonic() >= deadline:
                raise BrowserTimeout(message or f"waited {timeout:g} s for: {expression[:200]}")
            time.sleep(0.05)

    def _stop_scripts(self) -> None:
        """Interrupt a busy page (best effort), so later commands and the screenshot can still run."""
        try:
            self._write(json.dumps({"id": next(self._ids), "method": "Runtime.terminateExecution", "params": {},
                                    "sessionId": self._session}).encode() + b"\0")
        except BrowserError:
            pass

    # ------------------------------------------------------------------ input

    def press(self, key: str, modifiers: tuple[str, ...] = ()) -> None:
        """Press and release a key as a user would: ``"ArrowDown"``, ``"Enter"``, ``"a"``, ``"Tab"`` with Shift."""
        mask = sum(MODIFIERS[m] for m in modifiers)
        if key in KEYS:
            code, vk, text = KEYS[key]
            dom_key = " " if key == "Space" else key
        elif len(key) == 1:
            text, dom_key = key, key
            code = f"Key{key.upper()}" if key.isascii() and key.isalpha() else (f"Digit{key}" if key.isdigit() else "")
            vk = ord(key.upper()) if key.isascii() and key.isalnum() else 0
        else:
            raise ValueError(f"unknown key {key!r}; named keys: {', '.join(KEYS)}")
        if mask & ~MODIFIERS["Shift"]:
            text = ""  # Control+a selects, it does not type an "a"
        common: dict[str, Any] = {"key": dom_key, "code": code, "windowsVirtualKeyCode": vk, "nativeVirtualKeyCode": vk,
                  "modifiers": mask}
        down: dict[str, Any] = {"type": "keyDown", "text": text, "unmodifiedText": text} if text else {
            "type": "rawKeyDown"}
        self.call("Input.dispatchKeyEvent", **common, **down)
        self.call("Input.dispatchKeyEvent", type="keyUp", **common)

    def type(self, text: str, delay: float = 0.0) -> None:
        """Type ``text`` one key at a time (real keydown/keypress/input/keyup events)."""
        for char in text:
            self.press(char)
            if delay:
                time.sleep(delay)

    def click(self, selector: str) -> None:
        """A real left click (mouse moved, pressed, released) in the middle of the element."""
        box = self.evaluate(f"""(() => {{
            const el = document.querySelector({json.dumps(selector)});
            if (!el) return null;
            el.scrollIntoView({{block: "center", inline: "center"}});
            const r = el.getBoundingClientRect();
            return {{x: r.left + r.width / 2, y: r.top + r.height / 2, w: r.width, h: r.height}};
        }})()""")
        if not box:
            raise BrowserError(f"nothing on the page matches {selector!r}")
        if box["w"] <= 0 or box["h"] <= 0:
            raise BrowserError(f"{selector!r} is not visible (it has no size), so it cannot be clicked")
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", type=kind, x=box["x"], y=box["y"], button="left", clickCount=1)

    # ------------------------------------------------------------------ accessibility and pictures

    def accessibility_tree(self) -> list[dict[str, Any]]:
        """The page's accessibility tree as Chromium computes it, simplified: role, name, properties, ids."""
        nodes = self.call("Accessibility.getFullAXTree").get("nodes", [])
        return [simplify_ax_node(n) for n in nodes]

    def ax_node(self, selector: str) -> dict[str, Any]:
        """Computed role, accessible name and ARIA states of the element matching ``selector``."""
        root = self.call("DOM.getDocument", depth=0)["root"]["nodeId"]
        node_id = self.call("DOM.querySelector", nodeId=root, selector=selector).get("nodeId")
        if not node_id:
            raise BrowserError(f"nothing on the page matches {selector!r}")
        nodes = self.call("Accessibility.getPartialAXTree", nodeId=node_id, fetchRelatives=False).get("nodes", [])
        if not nodes:
            raise BrowserError(f"{selector!r} has no accessibility node")
        return simplify_ax_node(nodes[0])

    def screenshot(self, path: str | os.PathLike[str] | None = None, *, full_page: bool = False) -> bytes:
        """A PNG of the viewport, or of the whole page (up to MAX_SCREENSHOT_HEIGHT px); written to ``path``."""
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            size = self.call("Page.getLayoutMetrics")["cssContentSize"]
            height = min(max(self.height, int(size["height"] + 0.999)), MAX_SCREENSHOT_HEIGHT)
            params.update(captureBeyondViewport=True, clip={"x": 0, "y": 0, "width": self.width,
                                                            "height": height, "scale": 1})
        data = base64.b64decode(self.call("Page.captureScreenshot", _timeout=max(self.timeout, 30.0),
                                          **params)["data"])
        if path is not None:
            pathlib.Path(path).write_bytes(data)
        return data

    # ------------------------------------------------------------------ shutdown

    def close(self) -> None:
        """End Chromium and all its helper processes, and remove its profile; safe to call twice."""
        proc = getattr(self, "_proc", None)
        if proc is not None and proc.poll() is None:
            try:
                self.call("Browser.close", _session=None, _timeout=2.0)
                proc.wait(timeout=3)
            except (BrowserError, OSError, ValueError, subprocess.TimeoutExpired):
                pass
        if proc is not None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)  # renderer and zygote processes share the group
            except (ProcessLookupError, PermissionError):
                pass
            proc.wait()
        for fd in (getattr(self, "_out", -1), getattr(self, "_in", -1)):
            if fd >= 0:
                os.close(fd)
        self._out = self._in = -1
        self._cleanup()

    def _cleanup(self) -> None:
        if not self._log.closed:
            self._log.close()
        shutil.rmtree(self._profile, ignore_errors=True)

    def _exit_text(self) -> str:
        code = self._proc.poll()
        try:
            self._log.flush()
            tail = pathlib.Path(self._log.name).read_bytes()[-1500:].decode("utf-8", "replace").strip()
        except OSError:
            tail = ""
        return (f" (exit code {code})" if code is not None else "") + (f": {tail}" if tail else "")

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def simplify_ax_node(node: dict[str, Any]) -> dict[str, Any]:
    """Flatten CDP's AXNode (values wrapped in {type, value}) into plain role/name/properties."""
    props = {p["name"]: (p.get("value") or {}).get("value") for p in node.get("properties", [])}
    return {"role": (node.get("role") or {}).get("value"), "name": (node.get("name") or {}).get("value", ""),
            "ignored": bool(node.get("ignored")), "properties": props, "node_id": node.get("nodeId"),
            "backend_dom_node_id": node.get("backendDOMNodeId"), "child_ids": node.get("childIds", [])}
