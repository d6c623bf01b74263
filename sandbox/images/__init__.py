"""Runtime images for the sandbox: Dockerfiles per runtime and the local builder (see build.py)."""

from sandbox.images.build import (
    RUNTIMES,
    ImageBuildError,
    base_ref,
    build_all,
    build_base,
    ensure_images,
    image_for,
)

__all__ = ["RUNTIMES", "ImageBuildError", "base_ref", "build_all", "build_base", "ensure_images", "image_for"]
