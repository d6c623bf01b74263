"""Pure logic of the sandbox, no Docker needed: specs, classification, archive parsing, hashing."""

from __future__ import annotations

import json
import pathlib

import pytest

from sandbox import CheckResult, Limits, Outcome, RunResult, RunSpec
from sandbox.engine import container_options
from sandbox.images import build
from sandbox.protocol import OutArchive, OutputStream, pack_input, parse_out, parse_results, read_records, record
from sandbox.verdict import classify

LIMITS = Limits(timeout_s=60, memory_mb=512, output_bytes=1_000_000)


def _records(entries: list[tuple[bytes, str, bytes]]) -> bytes:
    return b"".join(record(kind, name, content) for kind, name, content in entries)


RESULTS = json.dumps({"checks": [{"name": "a", "status": "passed", "message": "", "visible": True},
                                 {"name": "b", "status": "advisory", "message": "hm", "visible": False}],
                      "metrics": {"rmse": 3.2, "bad": "x"}}).encode()


# --------------------------------------------------------------------------- archive parsing


def test_parse_out_reads_results_and_artifacts() -> None:
    data = _records([(b"F", "results.json", RESULTS), (b"F", "artifacts/plot.png", b"PNG"),
                     (b"F", "artifacts/sub/page.html", b"<p>\n"), (b"F", ".cp-records.jsonl", b"")])
    out = parse_out(data)
    assert out.results == RESULTS
    assert out.artifacts == {"plot.png": b"PNG", "sub/page.html": b"<p>\n"}
    assert out.problems == []


def test_planted_symlink_results_is_not_followed() -> None:
    out = parse_out(_records([(b"L", "results.json", b"")]))
    assert out.results is None
    assert "not a regular file" in out.problems[0]
    verdict = classify(limits=LIMITS, stopped_for=None, oom_killed=False, exit_code=0, out=out)
    assert verdict.outcome == Outcome.crashed
    assert "results.json was not a regular file" in verdict.explanation


def test_planted_links_and_climbing_names_are_skipped() -> None:
    data = _records([(b"F", "results.json", RESULTS), (b"L", "artifacts/passwd", b""),
                     (b"L", "artifacts/copy", b""), (b"F", "artifacts/../../etc/x", b"evil")])
    out = parse_out(data)
    assert out.artifacts == {}
    assert len(out.problems) == 2


@pytest.mark.parametrize("data", [b"not records" * 100, b"F 5 10\nabc", b"F 99999999999 1\n", b"X 1 1\nab",
                                  b"F -1 3\nabc", b"F 1 1" + b" " * 100])
def test_garbage_records_are_a_problem_not_a_crash(data: bytes) -> None:
    out = parse_out(data)
    assert out.results is None and out.problems


def test_results_before_a_cut_are_kept_and_the_cut_is_named() -> None:
    out = parse_out(_records([(b"F", "results.json", RESULTS)]) + b"F 3 100\nabc")
    assert out.results == RESULTS and "end early" in out.problems[0]



# --------------------------------------------------------------------------- results and classification


def test_parse_results_validates() -> None:
    checks, metrics = parse_results(RESULTS)
    assert checks == (CheckResult("a", "passed", "", True), CheckResult("b", "advisory", "hm", False))
    assert metrics == {"rmse": 3.2}  # non-numbers dropped
    for bad in (b"{", b"[]", b'{"checks": [{"name": "a", "status": "great"}]}', b'{"checks": [{}]}'):
        with pytest.raises(ValueError):
            parse_results(bad)


@pytest.mark.parametrize(
    ("stopped_for", "oom", "exit_code", "results", "expected"),
    [
        ("timeout", False, None, None, Outcome.timeout),
        ("output", False, None, None, Outcome.output_limit),
        (None, True, 137, RESULTS, Outcome.oom),
        (None, False, 0, RESULTS, Outcome.passed),
        (None, False, 1, b'{"checks": [{"name": "a", "status": "failed"}]}', Outcome.failed),
        (None, False, 1, b'{"checks": [{"name": "a", "status": "error"}]}', Outcome.failed),
        (None, False, 0, b'{"checks": [{"name": "a", "status": "advisory"}]}', Outcome.passed),
        (None, False, 1, None, Outcome.crashed),
        (None, False, 0, None, Outcome.crashed),
        (None, False, 0, b"not json", Outcome.crashed),
    ],
)
def test_classify(stopped_for: str | None, oom: bool, exit_code: int | None, results: bytes | None,
                  expected: Outcome) -> None:
    out = OutArchive(results=results)
    verdict = classify(limits=LIMITS, stopped_for=stopped_for, oom_killed=oom, exit_code=exit_code, out=out)
    assert verdict.outcome == expected
    assert verdict.explanation.endswith(".")


def test_explanations_speak_to_the_candidate() -> None:
    timeout = classify(limits=LIMITS, stopped_for="timeout", oom_killed=False, exit_code=None, out=None)
    assert timeout.explanation == "Your code ran longer than the 60 s limit and was stopped."
    oom = classify(limits=LIMITS, stopped_for=None, oom_killed=True, exit_code=137, out=None)
    assert oom.explanation == "Your code used more than the 512 MB memory limit and was stopped."
    flood = classify(limits=LIMITS, stopped_for="output", oom_killed=False, exit_code=None, out=None)
    assert "1 MB output limit" in flood.explanation


# --------------------------------------------------------------------------- stream demultiplexing


def _frame(kind: int, payload: bytes) -> bytes:
    return bytes([kind, 0, 0, 0]) + len(payload).to_bytes(4, "big") + payload


def test_stream_splits_stdout_stderr_and_finds_the_marker_across_chunks() -> None:
    nonce = "ab" * 16
    data = _frame(1, b"hello\n") + _frame(2, b"oops\n") + _frame(1, f"tail\n{nonce} exit=3\n".encode())
    stream = OutputStream(nonce, 1000)
    for i in range(len(data)):  # one byte at a time: frames and marker split everywhere
        stream.feed(data[i:i + 1])
    assert stream.done and stream.exit_code == 3
    assert bytes(stream.out) == b"hello\ntail" and bytes(stream.err) == b"oops\n"


def test_stream_reads_the_peak_memory_from_the_marker() -> None:
    nonce = "cd" * 16
    stream = OutputStream(nonce, 1000)
    stream.feed(_frame(1, f"out\n{nonce} exit=0 peak=4083712\n".encode()))
    assert stream.done and stream.exit_code == 0 and stream.peak_memory == 4083712
    old = OutputStream(nonce, 1000)  # an image from before the peak field: the runner asks the engine instead
    old.feed(_frame(1, f"\n{nonce} exit=1\n".encode()))
    assert old.exit_code == 1 and old.peak_memory is None


@pytest.mark.parametrize(("field", "kills"), [(" oom=2", 2), (" oom=0", 0), ("", None), (" oom=x", None)])
def test_stream_reads_the_out_of_memory_kills_from_the_marker(field: str, kills: int | None) -> None:
    """cp-entry reads them from the container's cgroup; unknown (None) sends the runner to the engine instead."""
    nonce = "cd" * 16
    stream = OutputStream(nonce, 1000)
    stream.feed(_frame(1, f"out\n{nonce} exit=137 peak=4083712{field} elapsed=0.5\n".encode()))
    assert stream.done and stream.exit_code == 137 and stream.oom_kills == kills and stream.elapsed == 0.5


def test_stream_collects_the_in_band_out_archive_across_frames() -> None:
    import base64

    nonce = "ef" * 16
    payload = base64.b64encode(b"tar bytes \x00\x01 here")
    data = (_frame(1, b"run output\n") + _frame(1, f"\n{nonce} exit=0 peak=10 out={len(payload)}\n".encode()
                                                   + payload[:5]) + _frame(2, b"late stderr\n")
            + _frame(1, payload[5:]))
    stream = OutputStream(nonce, 1000)
    for i in range(len(data)):  # one byte at a time: marker, frames and archive split everywhere
        stream.feed(data[i:i + 1])
    assert stream.done and stream.exit_code == 0 and stream.inline_out == b"tar bytes \x00\x01 here"
    assert bytes(stream.out) == b"run output\n" and bytes(stream.err) == b"late stderr\n"


@pytest.mark.parametrize("chunked", [False, True])
def test_stream_keeps_standard_error_that_arrives_behind_the_end(chunked: bool) -> None:
    """Docker copies stdout and stderr separately: a traceback written before the marker may come after it
    (and after /out), in the same read or a later one; it is the candidate's, stdout after the end is not."""
    import base64

    nonce = "ab" * 16
    payload = base64.b64encode(b"results")
    end = _frame(1, f"\n{nonce} exit=1 out={len(payload)}\n".encode() + payload)
    late = _frame(2, b"Traceback: No space left on device\n") + _frame(1, b"stray stdout\n")
    stream = OutputStream(nonce, 1000)
    if chunked:
        stream.feed(end)
        assert stream.done
        for i in range(len(late)):
            stream.feed_late(late[i:i + 1])
    else:
        stream.feed(end + late)
    assert stream.done and stream.inline_out == b"results"
    assert bytes(stream.err) == b"Traceback: No space left on device\n" and bytes(stream.out) == b""


def test_stream_marks_an_oversized_out_and_a_small_cap_does_not_cut_the_archive() -> None:
    import base64

    nonce = "ef" * 16
    big = OutputStream(nonce, 1000)
    big.feed(_frame(1, f"\n{nonce} exit=0 peak=10 out=-1\n".encode()))
    assert big.done and big.inline_too_large and big.inline_out is None
    payload = base64.b64encode(b"x" * 5000)  # far larger than the output cap: the archive has its own size
    tight = OutputStream(nonce, 50)
    tight.feed(_frame(1, b"y" * 40 + f"\n{nonce} exit=1 out={len(payload)}\n".encode() + payload))
    assert tight.done and tight.exit_code == 1 and tight.inline_out == b"x" * 5000
    assert bytes(tight.out) == b"y" * 40


def test_stream_ignores_a_forged_marker_and_caps_memory() -> None:
    stream = OutputStream("a" * 32, 100)
    stream.feed(_frame(1, b"\n" + b"b" * 32 + b" exit=0\n"))
    assert not stream.done
    stream.feed(_frame(1, b"x" * 10_000_000))
    assert stream.over_cap and len(stream.out) <= stream.cap + stream.slack + 1 < 300
    assert len(stream.text(stream.out)) <= 100


# --------------------------------------------------------------------------- spec, payload, options


def test_spec_rejects_paths_outside_its_folder() -> None:
    for bad in ("/etc/passwd", "../x", "a/../../x", ""):
        with pytest.raises(ValueError):
            RunSpec(image="i", files={bad: b""})
    spec = RunSpec(image="i", command="cp-pytest", files={"./a//b.py": b"x"})  # type: ignore[arg-type]
    assert dict(spec.files) == {"a/b.py": b"x"} and spec.command == ("cp-pytest",)


def test_limits_must_be_positive() -> None:
    with pytest.raises(ValueError):
        Limits(timeout_s=0)


def test_pack_input_header_and_members() -> None:
    spec = RunSpec(image="i", files={"main.py": b"print(1)"}, case_files={"checks/visible/t.py": b"x"})
    payload = pack_input(spec, "n" * 32)
    header, _, body = payload.partition(b"\n")
    assert header == f"CPIN2 {'n' * 32} {len(body)} timeout=60".encode()  # cp-entry enforces the limit
    items, problem = read_records(body)
    assert problem is None
    assert items == [(b"F", "case/checks/visible/t.py", b"x"), (b"F", "work/main.py", b"print(1)")]


def test_container_options_are_hardened(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CASEPORTAL_SANDBOX_RUNTIME", raising=False)
    spec = RunSpec(image="img", limits=Limits(cpus=0.5, memory_mb=300, pids=50), labels={"team": "x"})
    opts = container_options(spec, "rid", "vol")
    assert opts["network_mode"] == "none" and opts["read_only"] is True and opts["init"] is True
    assert opts["cap_drop"] == ["ALL"] and opts["cap_add"] == ["SETUID", "SETGID"]
    assert opts["security_opt"] == ["no-new-privileges:true"]
    assert opts["mem_limit"] == opts["memswap_limit"] == "300m"
    assert opts["nano_cpus"] == 500_000_000 and opts["pids_limit"] == 50
    assert {u["Name"] for u in opts["ulimits"]} == {"nofile", "fsize", "core"}
    assert opts["labels"]["caseportal.sandbox"] == "1" and opts["labels"]["team"] == "x"
    assert "runtime" not in opts
    monkeypatch.setenv("CASEPORTAL_SANDBOX_RUNTIME", "runsc")
    assert container_options(spec, "rid", "vol")["runtime"] == "runsc"
    assert container_options(RunSpec(image="img", runtime="kata"), "rid", "vol")["runtime"] == "kata"


def test_run_result_round_trips_through_json() -> None:
    result = RunResult(outcome=Outcome.failed, checks=(CheckResult("a", "failed", "boom", False),), stdout="o",
                       stderr="e", duration_s=1.5, exit_code=1, peak_memory_bytes=123, metrics={"m": 1.0},
                       artifacts={"p.png": b"\x89PNG\x00"}, explanation="1 of 1 checks did not pass.")
    data = json.loads(json.dumps(result.to_dict()))
    assert data["artifacts"] == {"p.png": "iVBORwA="}
    assert RunResult.from_dict(data) == result


# --------------------------------------------------------------------------- image inputs


def test_tags_change_only_with_inputs(tmp_path: pathlib.Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM x\n")
    first = build.folder_digest(tmp_path)
    assert build.folder_digest(tmp_path) == first
    (tmp_path / "cp-tool").write_text("#!/bin/sh\n")
    second = build.folder_digest(tmp_path)
    assert second != first
    assert build.short_hash(second, "parent:1") != build.short_hash(second, "parent:2")
    assert len(build.short_hash("x")) == 12


def test_image_for_is_stable_and_per_runtime(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASEPORTAL_BASE_IMAGE", "debootstrap")
    refs = {rt: build.image_for(rt) for rt in build.RUNTIMES}
    assert refs == {rt: build.image_for(rt) for rt in build.RUNTIMES}
    assert refs["python"].startswith("caseportal/runtime-python:")
    with pytest.raises(ValueError):
        build.image_for("cobol")


def test_host_apt_sources_parsing(tmp_path: pathlib.Path) -> None:
    etc = tmp_path / "apt"
    (etc / "sources.list.d").mkdir(parents=True)
    (etc / "sources.list").write_text("# comment\ndeb [arch=amd64] http://mirror.test/debian bookworm main contrib\n"
                                      "deb-src http://mirror.test/debian bookworm main\n")
    (etc / "sources.list.d" / "x.sources").write_text(
        "Types: deb\nURIs: http://sec.test/debian-security\nSuites: bookworm-security\nComponents: main\n\n"
        "Types: deb\nURIs: http://other.test/x\nSuites: trixie\nComponents: main\n")
    sources = build.host_apt_sources(etc)
    assert [s.uris[0] for s in sources] == ["http://mirror.test/debian", "http://sec.test/debian-security",
                                            "http://other.test/x"]
    assert build.host_mirror("bookworm", sources) == "http://mirror.test/debian"
    text = build.render_apt_sources("bookworm", sources)
    assert "Suites: bookworm\n" in text and "Suites: bookworm-security\n" in text and "trixie" not in text
    assert "Components: main contrib" in text
