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

__all__ = ["artifact_path", "record_metric", "advisory", "out_dir", "RECORDS_NAME", "probe", "observed", "raised",
           "judge_against", "same"]

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


# --------------------------------------------------------------------------- probes and the judge
#
# A probe runs in the candidate's container (checks/hidden/): it calls the candidate's code on hidden inputs and
# saves what came back as an observation. It holds no expected value, and what it reports is ignored for the
# verdict. The judge (checks/judge/, a container without candidate code) compares observations with answers.

PROBES = "observations/probes"


def _plain(value: object) -> object:
    """JSON for a probe's value: numbers that are not floats (Decimal, numpy) travel as their exact text."""
    if isinstance(value, bool | int | str) or value is None:
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "tolist"):
        return _plain(value.tolist())
    return str(value)


def probe(fn):  # type: ignore[no-untyped-def]  # a pytest test function, built for any zero-argument callable
    """Decorator for a probe ``name()``: pytest runs it as ``test_name``; its return value, or the type of the
    exception it raised, is saved as ``observations/probes/<name>.json`` for the judge."""
    name = fn.__name__.removeprefix("test_")

    def test() -> None:
        try:
            record: dict[str, object] = {"value": _plain(fn())}
        except Exception as exc:  # noqa: BLE001 - the judge decides whether raising was right
            record = {"raised": type(exc).__name__, "message": str(exc)[:500]}
        artifact_path(f"{PROBES}/{name}.json").write_text(json.dumps(record), encoding="utf-8")

    test.__name__ = test.__qualname__ = f"test_{name}"
    test.__doc__ = fn.__doc__
    return test


def _observation(name: str) -> dict[str, object]:
    """The record a probe saved, read as data from the judge's /work (a claim: validate before trusting)."""
    path = pathlib.Path(os.environ.get("CASEPORTAL_WORK", "/work")) / PROBES / f"{name}.json"
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise AssertionError(f"no usable observation {name!r}: the run did not get that far") from None
    if not isinstance(record, dict) or not ("value" in record or isinstance(record.get("raised"), str)):
        raise AssertionError(f"observation {name!r} is malformed")
    return record


def raised(name: str) -> str | None:
    """The exception type the candidate's code raised in probe ``name`` (None when it returned)."""
    found = _observation(name).get("raised")
    return found if isinstance(found, str) else None


def observed(name: str) -> object:
    """What the candidate's code returned in probe ``name``; fails the judge check when it raised."""
    record = _observation(name)
    if "raised" in record:
        raise AssertionError(f"the code raised {record['raised']}: {str(record.get('message', ''))[:300]}")
    return record["value"]


def _number(value: object) -> object:
    import decimal

    if isinstance(value, bool):
        return value
    if isinstance(value, int | float | str):
        try:
            return decimal.Decimal(str(value))
        except (decimal.InvalidOperation, ValueError):
            return value
    return value


def same(got: object, want: object, tolerance: float = 1e-6) -> bool:
    """Equal as data, numbers compared by value ("298.8" == "298.80"; floats within ``tolerance``)."""
    if isinstance(want, dict):
        return isinstance(got, dict) and got.keys() == want.keys() and all(same(got[k], want[k], tolerance)
                                                                             for k in want)
    if isinstance(want, list):
        return isinstance(got, list) and len(got) == len(want) and all(same(g, w, tolerance)
                                                                         for g, w in zip(got, want, strict=True))
    a, b = _number(got), _number(want)
    if isinstance(want, float) and not isinstance(a, str | bool) and not isinstance(b, str | bool):
        return abs(float(a) - float(b)) <= tolerance  # type: ignore[arg-type]  # both are numbers here
    return type(a) is type(b) and a == b


def judge_against(namespace: dict[str, object], answers: pathlib.Path) -> None:
    """Define one judge check ``test_<name>`` in ``namespace`` per answer in ``answers`` (a JSON object of
    ``{"name": {"value": ...}}`` or ``{"name": {"raised": "ValueError"}}``), comparing the probe's observation."""
    expected = json.loads(answers.read_text(encoding="utf-8"))
    for name, want in sorted(expected.items()):
        def check(name: str = name, want: dict[str, object] = want) -> None:
            if "raised" in want:
                got = raised(name)
                assert got == want["raised"], f"expected {want['raised']} to be raised, got {got or 'a return value'}"
                return
            got_value = observed(name)
            assert same(got_value, want["value"]), f"expected {want['value']!r}, got {got_value!r}"

        check.__name__ = check.__qualname__ = f"test_{name}"
        namespace[f"test_{name}"] = check
