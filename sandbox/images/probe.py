"""Ask a runtime image which Python and key packages it really carries, so case pages never guess.

The image is run once through the same hardened runner as a candidate's code (no network, read-only root,
non-root user, small limits, removed afterwards) with a short Python program that reads the versions from
the image itself: ``platform``, ``sqlite3``, ``importlib.metadata`` and ``chromium --version``. The host
side only parses and validates what comes back; nothing here types a version by hand.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import docker
import docker.errors
import requests

from sandbox.runner import run
from sandbox.spec import Limits, Outcome, RunSpec

#: Distributions looked up in every image (names, not versions): whichever are installed are reported.
#: The second item is the module to import when a Debian package ships no metadata for the distribution.
KEY_DISTRIBUTIONS: tuple[tuple[str, str], ...] = (
    ("pytest", "pytest"),
    ("numpy", "numpy"),
    ("pandas", "pandas"),
    ("scikit-learn", "sklearn"),
    ("matplotlib", "matplotlib"),
    ("nbclient", "nbclient"),
)
MARKER = "CASEPORTAL-PROBE "
PURPOSE_LABEL = "caseportal.purpose"
PROBE_LIMITS = Limits(cpus=1.0, memory_mb=512, pids=128, timeout_s=30.0, output_bytes=100_000, tmpfs_mb=32,
                      work_mb=8, results_bytes=1_000_000)
VERSION = re.compile(r"[0-9][0-9A-Za-z.+~-]*")
CHROMIUM_VERSION = re.compile(r"\b(\d+(?:\.\d+){1,3})\b")
MAX_TEXT = 200

PROGRAM = f"""
import importlib, importlib.metadata as md, json, platform, shutil, sqlite3, subprocess
facts = {{"python": platform.python_version(), "sqlite": sqlite3.sqlite_version, "packages": {{}}}}
for dist, module in {KEY_DISTRIBUTIONS!r}:
    try:
        facts["packages"][dist] = md.version(dist)
    except md.PackageNotFoundError:
        try:
            version = getattr(importlib.import_module(module), "__version__", None)
        except Exception:
            version = None
        if isinstance(version, str):
            facts["packages"][dist] = version
exe = shutil.which("chromium")
if exe:
    try:
        done = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=20)
        facts["chromium"] = (done.stdout.strip() or done.stderr.strip())[-500:]
    except (OSError, subprocess.SubprocessError) as exc:
        facts["chromium"] = "error: " + str(exc)[:300]
print({MARKER!r} + json.dumps(facts), flush=True)
"""


class ProbeError(RuntimeError):
    """The image could not be probed, or it answered something that is not a version report."""


def _version(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ProbeError(f"the probe reported no {what} version")
    text = value.strip()
    if len(text) > MAX_TEXT or not VERSION.fullmatch(text):
        raise ProbeError(f"the probe reported an unreadable {what} version: {text[:MAX_TEXT]!r}")
    return text


def chromium_version(text: str) -> str:
    """``Chromium 120.0.6099.224 built on Debian 12.4, ...`` -> ``120.0.6099.224``."""
    match = CHROMIUM_VERSION.search(text) if text.lower().startswith("chromium") else None
    if match is None:
        raise ProbeError(f"chromium --version said something unexpected: {text[:MAX_TEXT]!r}")
    return match.group(1)


def parse_probe_output(stdout: str) -> dict[str, Any]:
    """The facts in the probe's report line: ``{"python": .., "packages": {name: version}}``.

    SQLite and Chromium are listed with the packages (a SQL case uses SQLite; a UX case's screenshots use
    Chromium). Raises ProbeError for anything else, so a broken image never shows made-up facts.
    """
    line = next((ln for ln in reversed(stdout.splitlines()) if ln.startswith(MARKER)), None)
    if line is None:
        raise ProbeError(f"the probe printed no report; its output began: {stdout[:300]!r}")
    try:
        raw = json.loads(line[len(MARKER):])
    except ValueError as exc:
        raise ProbeError(f"the probe's report is not JSON ({exc})") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("packages", {}), dict):
        raise ProbeError("the probe's report is not an object with a 'packages' object")
    known = {dist for dist, _ in KEY_DISTRIBUTIONS}
    packages = {name: _version(value, name) for name, value in sorted(raw.get("packages", {}).items())
                if name in known}
    packages["sqlite"] = _version(raw.get("sqlite"), "SQLite")
    if raw.get("chromium") is not None:
        packages["chromium"] = chromium_version(str(raw["chromium"]))
    return {"python": _version(raw.get("python"), "Python"), "packages": packages}


def image_id(image_ref: str, client: docker.DockerClient | None = None) -> str | None:
    """The engine's id of ``image_ref`` (None when it is not present): what a probe result belongs to."""
    client = client if client is not None else docker.from_env()
    try:
        return str(client.images.get(image_ref).id)
    except docker.errors.ImageNotFound:
        return None


def probe_environment(image_ref: str, client: docker.DockerClient | None = None,
                      labels: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Run ``image_ref`` once, hardened like a candidate's run, and return its facts (plus ``image_id``).

    ``labels`` go on the probe's container (a worker passes its own, so a sweep after a crash finds it).
    """
    client = client if client is not None else docker.from_env()
    try:
        ident = image_id(image_ref, client)
    except (docker.errors.DockerException, requests.exceptions.RequestException) as exc:
        raise ProbeError(f"the Docker engine could not be asked about {image_ref}: {exc}") from exc
    if ident is None:
        raise ProbeError(f"image {image_ref} is not present; build it with `caseportal images build`")
    spec = RunSpec(image=image_ref, command=("python3", "-c", PROGRAM), limits=PROBE_LIMITS,
                   labels={PURPOSE_LABEL: "probe", **dict(labels or {})})
    result = run(spec, client=client, pooled=False)  # once per image: no warm containers for it
    if result.outcome in (Outcome.infra_error, Outcome.timeout, Outcome.oom, Outcome.output_limit) \
            or result.exit_code != 0:
        detail = (result.stderr or result.explanation).strip()[-500:]
        raise ProbeError(f"probing {image_ref} failed ({result.outcome}, exit code {result.exit_code}): {detail}")
    facts = parse_probe_output(result.stdout)
    facts["image_id"] = ident
    return facts
