"""``python -m sandbox.images build [--runtime X] [--base-source S] [--force]`` and ``ref --runtime X``."""

from __future__ import annotations

import argparse
import sys

from sandbox.images.build import RUNTIMES, ImageBuildError, base_source_from_env, build_all, image_for


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.images")
    sub = parser.add_subparsers(dest="cmd", required=True)
    build = sub.add_parser("build", help="build the runtime images that are missing")
    build.add_argument("--runtime", action="append", choices=RUNTIMES, help="repeatable; default: all")
    build.add_argument("--base-source", default=None,
                       help="'debootstrap' or a local image ref (default: $CASEPORTAL_BASE_IMAGE or debootstrap)")
    build.add_argument("--force", action="store_true", help="rebuild even when the tagged image exists")
    ref = sub.add_parser("ref", help="print the image ref for the current inputs")
    ref.add_argument("--runtime", required=True, choices=RUNTIMES)
    args = parser.parse_args(argv)
    try:
        if args.cmd == "build":
            refs = build_all(args.runtime, args.base_source or base_source_from_env(), force=args.force)
            for runtime, image in refs.items():
                print(f"{runtime}: {image}")
        else:
            print(image_for(args.runtime))
    except ImageBuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
