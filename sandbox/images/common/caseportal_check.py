"""Helpers for case check files (see docs/sandbox-contract.md).

Records go to a JSON-lines file under the output folder rather than into memory, so that checkers in
other processes (a notebook kernel, a subprocess) can record too; the checker (cp-pytest,
cp-notebook) merges them into results.json when it finishes.
"""

from __future__ import annotations

import json
import math
import os
import pathlib

__all__ = ["artifact_path", "record_metric", "advisory", "out_dir", "RECORDS_NAME"]

RECORDS_NAME = ".cp-records.jsonl"


def out_dir() -> pathlib.Path:
    """The folder whose results.json and artifacts/ go back to the platform."""
    return pathlib.Path(os.environ.get("CASEPORTAL_OUT", "/out"))


def artifact_path(name: str) -> pathlib.Path:
    """Path to write an artifact (plot, screenshot...) that reviewers will see."""
    clean = pathlib.PurePosixPath(name)
    if clean.is_absolute() or ".." in clean.parts or not clean.parts:
        raise ValueError(f"artifact name must be a relative path without '..': {name!r}")
    path = out_dir() / "artifacts" / clean
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _append(record: dict[str, object]) -> None:
    with open(out_dir() / RECORDS_NAME, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(record) + "\n")


def record_metric(name: str, value: float) -> None:
    """Report a number (e.g. rmse) that reviewers compare against a baseline."""
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"metric {name!r} must be finite, got {value!r}")
    _append({"kind": "metric", "name": str(name), "value": number})


def advisory(name: str, ok: bool, message: str = "") -> None:
    """Report an advisory result: shown to reviewers, never counted as a failure."""
    visible = os.environ.get("CASEPORTAL_CURRENT_CHECK_VISIBLE", "1") == "1"
    text = ("ok" if ok else "not ok") + (f": {message}" if message else "")
    _append({"kind": "advisory", "name": str(name), "ok": bool(ok), "message": text, "visible": visible})


def merge_into_results(checks: list[dict[str, object]]) -> dict[str, object]:
    """Merge new checks plus pending records into out/results.json (used by the checker commands).

    Merging (instead of overwriting) lets a case chain checkers, e.g. ``cp-notebook x.ipynb; cp-pytest``.
    """
    out = out_dir()
    results_path = out / "results.json"
    results: dict[str, object] = {"checks": [], "metrics": {}}
    try:
        loaded = json.loads(results_path.read_text(encoding="utf-8"))
        if isinstance(loaded, dict):
            results["checks"] = list(loaded.get("checks") or [])
            results["metrics"] = dict(loaded.get("metrics") or {})
    except (OSError, ValueError):
        pass
    all_checks = results["checks"]
    metrics = results["metrics"]
    assert isinstance(all_checks, list) and isinstance(metrics, dict)
    all_checks.extend(checks)
    records = out / RECORDS_NAME
    try:
        lines = records.read_text(encoding="utf-8").splitlines()
        records.unlink()
    except OSError:
        lines = []
    for line in lines:
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        if rec.get("kind") == "metric":
            metrics[str(rec["name"])] = float(rec["value"])
        elif rec.get("kind") == "advisory":
            all_checks.append({"name": str(rec["name"]), "status": "advisory",
                               "message": str(rec.get("message", "")), "visible": bool(rec.get("visible", True))})
    tmp = out / ".results.json.tmp"
    tmp.write_text(json.dumps(results, indent=1), encoding="utf-8")
    os.replace(tmp, results_path)
    return results
