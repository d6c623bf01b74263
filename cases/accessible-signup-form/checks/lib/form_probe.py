"""What happens when someone sends the sign-up form empty, asked of the real Chromium in the image.

A linter can't tell whether a script shows an error message or whether ``novalidate`` switched
the browser's checks off without anything in their place, so this runs the page: a copy with a
small probe script appended is loaded headless (``--dump-dom``); the probe presses the form's
submit button, waits, and writes what it saw into the DOM, which Chromium prints. The page's own
scripts run as they would for a visitor; the probe only stops a submission that got through, so
the page never navigates away.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

PROBE = r"""
<script>
window.addEventListener("load", () => {
  const out = {found: false, sent: false, focus: "", on_field: false, invalid: false, native: false, described: [],
               summary: false};
  const form = document.getElementById("signup");
  const shown = (el) => el && el.getClientRects().length > 0 && !el.closest("[hidden]")
    && getComputedStyle(el).visibility !== "hidden" && el.textContent.trim() !== "";
  const report = () => {
    const a = document.activeElement;
    if (a && a !== document.body && form) {
      out.focus = a.getAttribute("name") || a.id || a.tagName.toLowerCase();
      out.on_field = form.contains(a) && ["INPUT", "SELECT", "TEXTAREA"].includes(a.tagName);
      out.invalid = out.on_field && (a.getAttribute("aria-invalid") === "true" || !a.validity.valid);
      out.native = out.on_field && !form.noValidate && !a.validity.valid;
      const ids = ((a.getAttribute("aria-describedby") || "") + " " + (a.getAttribute("aria-errormessage") || ""))
        .split(/\s+/).filter(Boolean);
      out.described = ids.map((id) => document.getElementById(id)).filter(shown)
        .map((el) => el.textContent.trim().replace(/\s+/g, " ").slice(0, 120));
      out.summary = !out.on_field && shown(a) && !!a.querySelector('a[href^="#"]');
    }
    const pre = document.createElement("pre");
    pre.id = "cp-form-probe";
    pre.textContent = JSON.stringify(out);
    document.documentElement.appendChild(pre);
  };
  if (!form) { report(); return; }
  out.found = true;
  window.addEventListener("submit", (event) => {
    if (!event.defaultPrevented) out.sent = true;
    event.preventDefault();
  });
  const button = form.querySelector("button:not([type]), button[type=submit], input[type=submit], input[type=image]");
  if (button) button.click(); else form.requestSubmit();
  setTimeout(report, 500);
});
</script>
"""


@dataclass
class ProbeResult:
    """What the probe saw after pressing submit on the empty form."""

    found: bool = False
    sent: bool = False  # the submission went through (nothing stopped it)
    focus: str = ""  # name or id of the element with focus afterwards
    on_field: bool = False  # focus is on a field of the form
    invalid: bool = False  # ... that is invalid (constraint validation or aria-invalid="true")
    native: bool = False  # ... and the browser's own validation reports it
    described: list[str] = field(default_factory=list)  # shown messages linked to the focused field
    summary: bool = False  # focus is on a shown error summary that links to fields

    def problems(self) -> list[str]:
        """What a visitor (with a screen reader) would miss; empty when the form tells them."""
        if not self.found:
            return ['the page has no <form id="signup">']
        if self.sent:
            return ["an empty form was sent: nothing stopped it or said what was missing"]
        if self.summary:
            return []
        if not (self.on_field and self.invalid):
            where = f"it is on {self.focus!r}" if self.focus else "it did not move"
            return [f"focus should move to the first field that needs fixing; {where}"]
        if not (self.native or self.described):
            return [f"the field {self.focus!r} shows no error message linked with aria-describedby"]
        return []


def probe(page: str | Path = "index.html", timeout: float = 30.0) -> ProbeResult:
    """Load ``page`` in headless Chromium, press submit on the empty form, report what happened."""
    page = Path(page).resolve()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise RuntimeError("chromium is not installed here; the browser runtime has it")
    text = page.read_text(encoding="utf-8", errors="replace")
    base = f'<base href="{page.parent.as_uri()}/">'  # the copy still finds styles.css and scripts
    head = re.search(r"<head\b[^>]*>", text, re.I)
    text = (text[:head.end()] + base + text[head.end():] if head else base + text) + PROBE
    with tempfile.TemporaryDirectory(prefix="form-probe-") as tmp:
        copy = Path(tmp) / "probe.html"
        copy.write_text(text, encoding="utf-8")
        cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
               "--no-default-browser-check", "--disable-extensions", "--mute-audio", f"--user-data-dir={tmp}/profile",
               "--window-size=390,844", "--virtual-time-budget=5000", "--dump-dom", copy.as_uri()]
        proc = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
    dom = proc.stdout.decode("utf-8", "replace")
    found = re.search(r'<pre id="cp-form-probe">(.*?)</pre>', dom, re.S)
    if not found:
        raise RuntimeError(f"the probe did not report (exit {proc.returncode}): "
                           f"{proc.stderr.decode('utf-8', 'replace')[-500:]}")
    data = json.loads(html.unescape(found.group(1)))
    return ProbeResult(**{k: data[k] for k in ProbeResult.__dataclass_fields__ if k in data})
