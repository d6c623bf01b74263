"""Build the runtime images locally: no registry is needed, only the Debian apt mirror.

Layers: ``caseportal/base-rootfs`` (debootstrap minbase + python3, imported with ``docker import``) ->
``caseportal/base`` (``base/``: apt configuration, the sandbox folders) -> ``caseportal/runtime-<name>``
(one folder per runtime; the shared sandbox tools in ``common/`` are copied in as the last layer, so
editing them does not redo the package installs). Every tag is a short hash of the build inputs
(the folder's files, the parent image ref, the base source), so an image is rebuilt only when its
inputs change; ``:latest`` is tagged too. The apt mirror and suite are read from the host at run time
(``/etc/apt/sources.list*`` and ``/etc/os-release``) and never stored in the repository.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import pathlib
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import docker
import docker.errors

IMAGES_DIR = pathlib.Path(__file__).resolve().parent
RUNTIMES: tuple[str, ...] = ("python", "datasci", "browser")
BASE_REPO = "caseportal/base"
ROOTFS_REPO = "caseportal/base-rootfs"
RUNTIME_REPO_PREFIX = "caseportal/runtime-"
DEBOOTSTRAP = "debootstrap"
#: Bump when the debootstrap recipe below changes, so the rootfs tag changes with it.
ROOTFS_RECIPE = "minbase-v1"
ROOTFS_INCLUDE: tuple[str, ...] = ("python3",)
IMAGE_LABEL = "caseportal.image"

Log = Callable[[str], None]
logger = logging.getLogger(__name__)


class ImageBuildError(RuntimeError):
    """An image could not be built (debootstrap, import or docker build failed)."""


# --------------------------------------------------------------------------- host apt configuration


@dataclass(frozen=True)
class AptSource:
    """One apt source entry of the host (types deb only)."""

    uris: tuple[str, ...]
    suites: tuple[str, ...]
    components: tuple[str, ...]


def host_suite(os_release: pathlib.Path = pathlib.Path("/etc/os-release")) -> str:
    """The Debian codename of the host (the images use the same suite as its mirror serves)."""
    for line in os_release.read_text(encoding="utf-8").splitlines():
        key, _, value = line.partition("=")
        if key.strip() == "VERSION_CODENAME" and value.strip().strip('"'):
            return value.strip().strip('"')
    raise ImageBuildError(f"no VERSION_CODENAME in {os_release}")


def _parse_deb822(text: str) -> list[AptSource]:
    sources: list[AptSource] = []
    for stanza in text.split("\n\n"):
        fields: dict[str, str] = {}
        key = ""
        for line in stanza.splitlines():
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            if line[0] in " \t" and key:
                fields[key] += " " + line.strip()
                continue
            key, _, value = line.partition(":")
            key = key.strip().lower()
            fields[key] = value.strip()
        if "deb" not in fields.get("types", "").split() or fields.get("enabled", "yes").lower() == "no":
            continue
        if fields.get("uris") and fields.get("suites"):
            sources.append(AptSource(tuple(fields["uris"].split()), tuple(fields["suites"].split()),
                                     tuple(fields.get("components", "main").split())))
    return sources


def _parse_one_line(text: str) -> list[AptSource]:
    sources: list[AptSource] = []
    for raw in text.splitlines():
        parts = raw.split("#", 1)[0].split()
        if not parts or parts[0] != "deb":
            continue
        parts = parts[1:]
        if parts and parts[0].startswith("["):  # options like [arch=amd64 signed-by=...]
            while parts and not parts[0].endswith("]"):
                parts = parts[1:]
            parts = parts[1:]
        if len(parts) >= 2:
            sources.append(AptSource((parts[0],), (parts[1],), tuple(parts[2:]) or ("main",)))
    return sources


def host_apt_sources(etc_apt: pathlib.Path = pathlib.Path("/etc/apt")) -> list[AptSource]:
    """The host's apt sources, from sources.list and sources.list.d (one-line and deb822)."""
    sources: list[AptSource] = []
    main_list = etc_apt / "sources.list"
    if main_list.is_file():
        sources += _parse_one_line(main_list.read_text(encoding="utf-8"))
    folder = etc_apt / "sources.list.d"
    if folder.is_dir():
        for path in sorted(folder.iterdir()):
            if path.suffix == ".sources":
                sources += _parse_deb822(path.read_text(encoding="utf-8"))
            elif path.suffix == ".list":
                sources += _parse_one_line(path.read_text(encoding="utf-8"))
    return sources


def host_mirror(suite: str, sources: Iterable[AptSource] | None = None) -> str:
    """The mirror URI serving ``suite`` on the host (what debootstrap downloads from)."""
    for source in host_apt_sources() if sources is None else sources:
        if suite in source.suites and source.uris:
            return source.uris[0]
    raise ImageBuildError(f"no apt source for suite {suite!r} in the host's apt configuration")


def render_apt_sources(suite: str, sources: Iterable[AptSource] | None = None) -> str:
    """deb822 text for the images: the host's entries for ``suite`` (and -updates, -security)."""
    stanzas = []
    for source in host_apt_sources() if sources is None else sources:
        suites = [s for s in source.suites if s == suite or s.startswith(suite + "-") or s.startswith(suite + "/")]
        if suites:
            stanzas.append(f"Types: deb\nURIs: {' '.join(source.uris)}\nSuites: {' '.join(suites)}\n"
                           f"Components: {' '.join(source.components)}\n")
    return "\n".join(stanzas)


# --------------------------------------------------------------------------- hashing


def folder_digest(folder: pathlib.Path) -> str:
    """Hash of every file (path + content) under ``folder``: the folder's build inputs."""
    h = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        executable = b"x" if path.stat().st_mode & 0o111 else b"-"  # COPY keeps the mode
        h.update(path.relative_to(folder).as_posix().encode() + b"\0" + executable)
        h.update(path.read_bytes() + b"\0")
    return h.hexdigest()


def short_hash(*parts: str) -> str:
    """12 hex digits over the given inputs, used as the image tag."""
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode() + b"\0")
    return h.hexdigest()[:12]


def base_source_from_env() -> str:
    """``CASEPORTAL_BASE_IMAGE``: ``debootstrap`` (default) or an ordinary image ref."""
    return os.environ.get("CASEPORTAL_BASE_IMAGE", "").strip() or DEBOOTSTRAP


def _client(client: docker.DockerClient | None) -> docker.DockerClient:
    return client if client is not None else docker.from_env()


def rootfs_ref(source: str | None = None, client: docker.DockerClient | None = None) -> str:
    """The image the base Dockerfile builds FROM."""
    source = source or base_source_from_env()
    if source == DEBOOTSTRAP:
        return f"{ROOTFS_REPO}:{short_hash(ROOTFS_RECIPE, host_suite(), ','.join(ROOTFS_INCLUDE))}"
    return source


def _source_identity(source: str, client: docker.DockerClient | None) -> str:
    """What the base tag depends on: the recipe, or the registry image's id when it is present."""
    ref = rootfs_ref(source)
    if source == DEBOOTSTRAP:
        return ref
    try:
        return f"{ref}@{_client(client).images.get(ref).id}"
    except docker.errors.ImageNotFound:
        return ref


def base_ref(source: str | None = None, client: docker.DockerClient | None = None) -> str:
    """``caseportal/base:<hash>`` for the current inputs."""
    source = source or base_source_from_env()
    return f"{BASE_REPO}:{short_hash(folder_digest(IMAGES_DIR / 'base'), _source_identity(source, client))}"


def image_for(runtime: str, base_source: str | None = None, client: docker.DockerClient | None = None) -> str:
    """``caseportal/runtime-<runtime>:<hash>`` for the current inputs (built or not)."""
    if runtime not in RUNTIMES:
        raise ValueError(f"unknown runtime {runtime!r}; known: {', '.join(RUNTIMES)}")
    parent = base_ref(base_source, client)
    inputs = (folder_digest(IMAGES_DIR / runtime), folder_digest(IMAGES_DIR / "common"), parent)
    return f"{RUNTIME_REPO_PREFIX}{runtime}:{short_hash(*inputs)}"


# --------------------------------------------------------------------------- building


def _exists(client: docker.DockerClient, ref: str) -> bool:
    try:
        client.images.get(ref)
        return True
    except docker.errors.ImageNotFound:
        return False


@contextlib.contextmanager
def _build_lock(ref: str) -> Iterator[None]:
    """Serialise builds of one image between processes (a test session and a worker may start
    together); one lock per ref, so a quick build never waits behind a slow unrelated one."""
    path = pathlib.Path(tempfile.gettempdir()) / f"caseportal-image-{short_hash(ref)}.lock"
    with open(path, "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _tag_latest(client: docker.DockerClient, ref: str) -> None:
    repo, _, _ = ref.rpartition(":")
    client.api.tag(ref, repo, "latest")


def _docker_build(client: docker.DockerClient, folder: pathlib.Path, ref: str, buildargs: dict[str, str],
                  log: Log, dockerfile: str = "Dockerfile") -> None:
    log(f"building {ref} from {folder.name}/{dockerfile}")
    for chunk in client.api.build(path=str(folder), dockerfile=dockerfile, tag=ref, buildargs=buildargs, rm=True,
                                  forcerm=True, pull=False, decode=True, labels={IMAGE_LABEL: "1"}):
        if "stream" in chunk and chunk["stream"].strip():
            log(chunk["stream"].rstrip())
        if "error" in chunk:
            raise ImageBuildError(f"building {ref} failed: {chunk['error'].strip()}")
    _tag_latest(client, ref)


def _unmount_under(path: pathlib.Path) -> None:
    """debootstrap mounts /proc etc. inside the target; never let cleanup walk into them."""
    prefix = str(path.resolve())
    with open("/proc/mounts", encoding="utf-8") as fh:
        points = [line.split()[1] for line in fh]
    for point in sorted((p for p in points if p == prefix or p.startswith(prefix + "/")), reverse=True):
        subprocess.run(["umount", "-l", point], check=False)


def _debootstrap_rootfs(client: docker.DockerClient, ref: str, log: Log) -> None:
    suite = host_suite()
    sources = host_apt_sources()
    mirror = host_mirror(suite, sources)
    with tempfile.TemporaryDirectory(prefix="caseportal-rootfs-") as tmp:
        rootfs = pathlib.Path(tmp) / "rootfs"
        try:
            log(f"debootstrap {suite} (minbase + {', '.join(ROOTFS_INCLUDE)}) ...")
            proc = subprocess.run(
                ["debootstrap", "--variant=minbase", f"--include={','.join(ROOTFS_INCLUDE)}", suite,
                 str(rootfs), mirror],
                capture_output=True, text=True, check=False)
            if proc.returncode != 0:
                raise ImageBuildError(f"debootstrap failed ({proc.returncode}): {proc.stdout[-3000:]}"
                                      f"{proc.stderr[-3000:]}")
            _unmount_under(rootfs)
            apt_dir = rootfs / "etc" / "apt"
            (apt_dir / "sources.list").unlink(missing_ok=True)
            (apt_dir / "sources.list.d" / "debian.sources").write_text(render_apt_sources(suite, sources))
            for junk in ("var/cache/apt/archives", "var/lib/apt/lists"):
                for path in (rootfs / junk).glob("*"):
                    if path.is_file():
                        path.unlink()
            tar_path = pathlib.Path(tmp) / "rootfs.tar"
            subprocess.run(["tar", "-C", str(rootfs), "--numeric-owner", "-cf", str(tar_path), "."], check=True)
            repo, _, tag = ref.rpartition(":")
            log(f"docker import -> {ref}")
            client.api.import_image_from_file(str(tar_path), repository=repo, tag=tag)
        finally:
            _unmount_under(rootfs)


def build_base(source: str | None = None, client: docker.DockerClient | None = None, log: Log = print,
               force: bool = False) -> str:
    """Build ``caseportal/base`` from ``source`` (``"debootstrap"`` or an image ref) and return its ref."""
    client = _client(client)
    source = source or base_source_from_env()
    ref = base_ref(source, client)
    if not force and _exists(client, ref):
        return ref
    with _build_lock(ref):
        if not force and _exists(client, ref):  # built by another process meanwhile
            return ref
        return _build_base(client, source, ref, log, force)


def _build_base(client: docker.DockerClient, source: str, ref: str, log: Log, force: bool) -> str:
    parent = rootfs_ref(source)
    if source == DEBOOTSTRAP:
        if force or not _exists(client, parent):
            _debootstrap_rootfs(client, parent, log)
        apt_sources = ""  # the rootfs already carries the host's sources
    else:
        if not _exists(client, parent):
            raise ImageBuildError(f"base image {parent!r} is not present locally (no registry pull is attempted)")
        apt_sources = render_apt_sources(host_suite())
        ref = base_ref(source, client)
    _docker_build(client, IMAGES_DIR / "base", ref, {"BASE_ROOTFS": parent, "APT_SOURCES": apt_sources}, log)
    return ref


def build_all(runtimes: Iterable[str] | None = None, base_source: str | None = None, log: Log = print,
              client: docker.DockerClient | None = None, force: bool = False) -> dict[str, str]:
    """Build (or reuse, when the hash-tagged image exists) the runtime images; returns runtime -> ref."""
    client = _client(client)
    wanted = list(RUNTIMES if runtimes is None else runtimes)
    for runtime in wanted:
        if runtime not in RUNTIMES:
            raise ValueError(f"unknown runtime {runtime!r}; known: {', '.join(RUNTIMES)}")
    refs: dict[str, str] = {}
    base = build_base(base_source, client, log, force=force)
    for runtime in wanted:
        ref = image_for(runtime, base_source, client)
        if force or not _exists(client, ref):
            with _build_lock(ref):
                if force or not _exists(client, ref):
                    _docker_build(client, IMAGES_DIR, ref, {"BASE_IMAGE": base}, log, f"{runtime}/Dockerfile")
        _tag_latest(client, ref)
        refs[runtime] = ref
    return refs


def ensure_images(runtimes: Iterable[str] | None = None, base_source: str | None = None,
                  client: docker.DockerClient | None = None, log: Log | None = None) -> dict[str, str]:
    """Make sure the images for the current inputs exist, building only what is missing."""
    return build_all(runtimes, base_source, log or logger.info, client)
