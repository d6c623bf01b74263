"""services.uploads: names, limits and zip archives, refused with messages a candidate understands."""

from __future__ import annotations

import io
import stat
import struct
import zipfile

import pytest

from caseportal.services import uploads
from caseportal.services.errors import Invalid
from caseportal.services.uploads import Limits, check_totals, extract_zip, human_size, normalise_name, prepare

MB = 1024 * 1024
LIMITS = Limits(max_file_bytes=2 * MB, max_submission_bytes=10 * MB, max_files=20, max_archive_ratio=100)


def make_zip(entries: list[tuple[str | zipfile.ZipInfo, bytes]], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, content in entries:
            zf.writestr(name, content, compress_type=method)
    return buf.getvalue()


def symlink_info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.create_system = 3  # unix, so the mode bits in external_attr count
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


def set_flag_bits(data: bytes, bits: int) -> bytes:
    """Set general-purpose flag bits in every local and central header (zipfile cannot write encryption)."""
    out = bytearray(data)
    pos = 0
    while (pos := out.find(b"PK\x03\x04", pos)) != -1:
        struct.pack_into("<H", out, pos + 6, struct.unpack_from("<H", out, pos + 6)[0] | bits)
        pos += 4
    pos = 0
    while (pos := out.find(b"PK\x01\x02", pos)) != -1:
        struct.pack_into("<H", out, pos + 8, struct.unpack_from("<H", out, pos + 8)[0] | bits)
        pos += 4
    return bytes(out)


def lie_about_sizes(data: bytes, size: int) -> bytes:
    """Rewrite every entry's uncompressed size in the headers (local and central) to ``size``."""
    out = bytearray(data)
    pos = 0
    while (pos := out.find(b"PK\x03\x04", pos)) != -1:
        struct.pack_into("<I", out, pos + 22, size)
        pos += 4
    pos = 0
    while (pos := out.find(b"PK\x01\x02", pos)) != -1:
        struct.pack_into("<I", out, pos + 24, size)
        pos += 4
    return bytes(out)


# --------------------------------------------------------------------------- names


@pytest.mark.parametrize(("raw", "keep_dirs", "expected"), [
    ("solution.py", False, "solution.py"),
    ("C:\\Users\\ada\\solution.py", False, "solution.py"),
    ("/home/ada/solution.py", False, "solution.py"),
    ("../../solution.py", False, "solution.py"),
    ("src\\pkg\\mod.py", True, "src/pkg/mod.py"),
    ("src//pkg/./mod.py", True, "src/pkg/mod.py"),
    ("cafe\u0301.md", False, "caf\u00e9.md"),  # NFD from a Mac becomes NFC
])
def test_names_are_normalised(raw: str, keep_dirs: bool, expected: str) -> None:
    assert normalise_name(raw, keep_dirs=keep_dirs) == expected


@pytest.mark.parametrize(("raw", "fragment"), [
    ("../x.py", "points outside"),
    ("src/../../x.py", "points outside"),
    ("/etc/x.py", "absolute path"),
    ("C:/x.py", "drive letter"),
    ("c:x.py", "drive letter"),
    ("a\x00b.py", "control characters"),
    ("a\nb.py", "control characters"),
    ("evil\u202egnp.py", "control characters"),
    ("", "without a name"),
    ("./", "without a name"),
    (" x.py", "spaces"),
    ("d/" + "x" * 300 + ".py", "at most 255 characters"),
])
def test_bad_archive_names_are_refused(raw: str, fragment: str) -> None:
    with pytest.raises(Invalid) as exc:
        normalise_name(raw, keep_dirs=True)
    assert fragment in exc.value.message
    assert "Nothing was saved" in exc.value.message


def test_plain_upload_named_dot_dot_is_refused() -> None:
    with pytest.raises(Invalid, match="points outside"):
        normalise_name("..", keep_dirs=False)


@pytest.mark.parametrize("path", ["__MACOSX/._a.py", ".DS_Store", "proj/.DS_Store", "proj/__pycache__/a.pyc",
                                  "Thumbs.db", "._notes.md", "a.py~"])
def test_junk_is_recognised(path: str) -> None:
    assert uploads.is_junk(path)


def test_ordinary_files_are_not_junk() -> None:
    assert not uploads.is_junk("analysis.ipynb")
    assert not uploads.is_junk(".gitignore")


def test_human_size() -> None:
    assert human_size(1) == "1 byte"
    assert human_size(300) == "300 bytes"
    assert human_size(2048) == "2 KB"
    assert human_size(2 * MB) == "2 MB"
    assert human_size(14 * MB + MB // 3) == "14.3 MB"


# --------------------------------------------------------------------------- plain files


def test_plain_files_pass() -> None:
    out = prepare([("a.py", b"print(1)\n"), ("notes.md", b"# hi")], LIMITS, [".py", ".md"])
    assert out == [("a.py", b"print(1)\n"), ("notes.md", b"# hi")]


def test_oversized_file_message_names_sizes() -> None:
    with pytest.raises(Invalid) as exc:
        prepare([("data.csv", b"x" * (14 * MB))], LIMITS.__class__(2 * MB, 100 * MB, 20, 100))
    assert exc.value.message == "‘data.csv’ is 14 MB; files may be at most 2 MB. Nothing was saved."


def test_disallowed_extension() -> None:
    with pytest.raises(Invalid, match=r"‘run\.exe’ is not a file type this case accepts \(\.ipynb, \.py\)"):
        prepare([("ok.py", b""), ("run.exe", b"MZ")], LIMITS, [".py", ".ipynb"])


def test_extension_check_ignores_case() -> None:
    assert prepare([("Analysis.IPYNB", b"{}")], LIMITS, [".ipynb"])[0][0] == "Analysis.IPYNB"


def test_same_file_twice_is_refused() -> None:
    with pytest.raises(Invalid, match="sent twice"):
        prepare([("a.py", b"1"), ("dir/a.py", b"2")], LIMITS)


def test_nothing_chosen() -> None:
    with pytest.raises(Invalid, match="No file was chosen"):
        prepare([], LIMITS)


def test_only_junk_is_refused_clearly() -> None:
    with pytest.raises(Invalid, match="DS_Store"):
        prepare([(".DS_Store", b"junk")], LIMITS)


def test_too_many_plain_files() -> None:
    small = Limits(MB, 10 * MB, 3, 100)
    with pytest.raises(Invalid, match="more than 3 files"):
        prepare([(f"f{i}.py", b"") for i in range(4)], small)


def test_totals() -> None:
    check_totals({"a.py": 5 * MB}, {"b.py": 5 * MB}, LIMITS)
    check_totals({"a.py": 9 * MB}, {"a.py": 1 * MB}, LIMITS)  # a replacement counts once
    with pytest.raises(Invalid, match="would be 10.5 MB; the most allowed is 10 MB"):
        check_totals({"a.py": 9 * MB}, {"b.py": MB + MB // 2}, LIMITS)
    with pytest.raises(Invalid, match="would have 21 files"):
        check_totals({f"{i}": 1 for i in range(20)}, {"new": 1}, LIMITS)


def test_case_upload_cap_tightens_total() -> None:
    class S:
        max_file_bytes, max_submission_bytes, max_files, max_archive_ratio = 2 * MB, 10 * MB, 200, 100

    assert Limits.from_settings(S(), 1.5).max_submission_bytes == int(1.5 * MB)
    assert Limits.from_settings(S(), 50).max_submission_bytes == 10 * MB


# --------------------------------------------------------------------------- zips


def test_zip_is_unpacked_and_single_top_folder_flattened() -> None:
    data = make_zip([("project/", b""), ("project/a.py", b"a"), ("project/pkg/b.py", b"b"),
                     ("__MACOSX/project/._a.py", b"junk"), ("project/.DS_Store", b"junk")])
    assert prepare([("work.zip", data)], LIMITS, [".py"]) == [("a.py", b"a"), ("pkg/b.py", b"b")]


def test_top_folder_that_is_part_of_the_case_is_kept() -> None:
    data = make_zip([("ratelimit/a.py", b"a"), ("ratelimit/b.py", b"b")])
    out = extract_zip(data, "w.zip", LIMITS, known_roots={"ratelimit"})
    assert [p for p, _ in out] == ["ratelimit/a.py", "ratelimit/b.py"]


def test_two_top_folders_are_kept() -> None:
    data = make_zip([("src/a.py", b"a"), ("tests/test_a.py", b"t")])
    assert [p for p, _ in extract_zip(data, "w.zip", LIMITS)] == ["src/a.py", "tests/test_a.py"]


def test_nested_zip_is_stored_not_extracted() -> None:
    inner = make_zip([("deep.py", b"x")])
    out = prepare([("outer.zip", make_zip([("inner.zip", inner), ("a.py", b"a")]))], LIMITS)
    assert dict(out) == {"inner.zip": inner, "a.py": b"a"}


def test_nested_zip_still_obeys_extensions() -> None:
    inner = make_zip([("deep.py", b"x")])
    with pytest.raises(Invalid, match="inner.zip"):
        prepare([("outer.zip", make_zip([("inner.zip", inner), ("a.py", b"a")]))], LIMITS, [".py"])


def test_zip_entries_obey_extensions() -> None:
    with pytest.raises(Invalid, match="evil.sh"):
        prepare([("w.zip", make_zip([("a.py", b"a"), ("evil.sh", b"rm")]))], LIMITS, [".py"])


def test_stored_zip_works() -> None:
    assert extract_zip(make_zip([("a.py", b"a")], zipfile.ZIP_STORED), "w.zip", LIMITS) == [("a.py", b"a")]


def test_not_a_zip() -> None:
    with pytest.raises(Invalid) as exc:
        prepare([("work.zip", b"this is not a zip archive at all")], LIMITS)
    assert "‘work.zip’ is not a readable zip archive" in exc.value.message
    assert "Nothing was saved" in exc.value.message


def test_truncated_zip() -> None:
    data = make_zip([("a.py", b"print('hello')\n" * 200), ("b.py", b"x" * 3000)])
    with pytest.raises(Invalid, match="damaged or incomplete"):
        extract_zip(data[: len(data) // 2], "w.zip", LIMITS)


def test_corrupt_data_inside_zip() -> None:
    payload = bytes(range(256)) * 40
    data = bytearray(make_zip([("a.bin", payload)]))
    data[60:90] = b"\xff" * 30  # inside the compressed stream; the central directory stays intact
    with pytest.raises(Invalid, match="damaged or incomplete"):
        extract_zip(bytes(data), "w.zip", LIMITS)


@pytest.mark.parametrize(("name", "fragment"), [
    ("../x.py", "points outside"),
    ("a/../../x.py", "points outside"),
    ("/etc/x.py", "absolute path"),
    ("C:/Windows/x.py", "drive letter"),
    ("a\x01.py", "control characters"),
])
def test_zip_paths_escaping_the_root(name: str, fragment: str) -> None:
    info = zipfile.ZipInfo(name)
    with pytest.raises(Invalid, match=fragment):
        extract_zip(make_zip([("ok.py", b"ok"), (info, b"x")]), "w.zip", LIMITS)


def test_symlink_entry_is_refused() -> None:
    data = make_zip([("ok.py", b"ok"), (symlink_info("passwd"), b"/etc/passwd")])
    with pytest.raises(Invalid, match="‘passwd’ in ‘w.zip’ is a symbolic link"):
        extract_zip(data, "w.zip", LIMITS)


def test_encrypted_entry_is_refused() -> None:
    data = set_flag_bits(make_zip([("secret.py", b"x = 1\n")]), 0x1)
    with pytest.raises(Invalid, match="encrypted"):
        extract_zip(data, "w.zip", LIMITS)


def test_too_many_files_in_zip() -> None:
    small = Limits(MB, 10 * MB, 3, 100)
    with pytest.raises(Invalid, match="holds 4 files; a submission may have at most 3"):
        extract_zip(make_zip([(f"f{i}.py", b"") for i in range(4)]), "w.zip", small)


def test_huge_directory_of_entries_is_refused_before_reading() -> None:
    small = Limits(MB, 10 * MB, 2, 100)
    with pytest.raises(Invalid, match="entries"):
        extract_zip(make_zip([(f"d{i}/", b"") for i in range(20)]), "w.zip", small)


def test_oversized_file_in_zip() -> None:
    data = make_zip([("big.csv", bytes(range(256)) * (3 * MB // 256))])
    with pytest.raises(Invalid, match="‘big.csv’ is 3 MB; files may be at most 2 MB"):
        extract_zip(data, "w.zip", LIMITS)


def test_zip_bomb_by_ratio() -> None:
    data = make_zip([("zeros.csv", b"\0" * (3 * MB // 2))])  # 1.5 MB of zeros: ~1.5 KB compressed
    assert len(data) < 10_000
    with pytest.raises(Invalid) as exc:
        extract_zip(data, "bomb.zip", LIMITS)
    assert "archive bombs" in exc.value.message and "Nothing was saved" in exc.value.message


def test_zip_bomb_by_total_size() -> None:
    chunk = bytes(range(256)) * (MB // 256)  # incompressible-ish: the ratio check alone would not catch it
    data = make_zip([(f"part{i}.bin", chunk + bytes([i])) for i in range(11)])
    with pytest.raises(Invalid, match="unpacks to 11 MB; a submission may hold at most 10 MB"):
        extract_zip(data, "big.zip", LIMITS)


def test_zip_bomb_with_lying_headers_is_refused() -> None:
    """Headers claim 1 KB per entry while the data inflates to 1.5 MB each: the header sizes are not trusted."""
    data = lie_about_sizes(make_zip([(f"z{i}.csv", b"\0" * (3 * MB // 2)) for i in range(10)]), 1024)
    assert all(i.file_size == 1024 for i in zipfile.ZipFile(io.BytesIO(data)).infolist())
    with pytest.raises(Invalid, match="Nothing was saved"):
        extract_zip(data, "liar.zip", LIMITS)


def test_byte_counter_stops_a_stream_longer_than_declared() -> None:
    """read_capped counts what really comes out, whatever the header said."""
    budget = uploads._Budget("liar.zip", archive_size=10 * MB, limits=LIMITS)
    with pytest.raises(Invalid, match="‘x.bin’ is 2.1 MB; files may be at most 2 MB"):
        uploads.read_capped(io.BytesIO(b"\1" * (2 * MB + 100 * 1024)), "x.bin", compressed=10 * MB, budget=budget)


def test_byte_counter_stops_at_the_submission_total() -> None:
    budget = uploads._Budget("liar.zip", archive_size=10 * MB, limits=LIMITS)
    for i in range(5):
        uploads.read_capped(io.BytesIO(b"\1" * (2 * MB)), f"{i}.bin", compressed=10 * MB, budget=budget)
    with pytest.raises(Invalid, match="unpacks to more than 10 MB"):
        uploads.read_capped(io.BytesIO(b"\1" * 10), "last.bin", compressed=10, budget=budget)


def test_byte_counter_checks_ratio_per_archive() -> None:
    budget = uploads._Budget("bomb.zip", archive_size=1000, limits=LIMITS)
    with pytest.raises(Invalid, match="archive bombs"):
        uploads.read_capped(io.BytesIO(b"\0" * MB), "x.bin", compressed=1000, budget=budget)


def test_small_repetitive_files_are_fine() -> None:
    data = make_zip([("blank.csv", b"," * 100_000), ("a.py", b"print(1)\n")])
    assert dict(extract_zip(data, "w.zip", LIMITS))["blank.csv"] == b"," * 100_000


def test_duplicate_entries_are_refused() -> None:
    with pytest.warns(UserWarning):  # zipfile warns about the duplicate name while writing
        data = make_zip([("a.py", b"1"), ("a.py", b"2")])
    with pytest.raises(Invalid, match="appears twice"):
        extract_zip(data, "w.zip", LIMITS)


def test_empty_zip_is_refused() -> None:
    with pytest.raises(Invalid, match="no files"):
        prepare([("empty.zip", make_zip([]))], LIMITS)
