"""An employer's logo upload: checked as a plain raster image, then re-encoded so nothing of the upload is served.

The logo is shown to candidates from caseportal's own origin, so an upload that is also something else is a risk:
an SVG carries script, a polyglot (a GIF that is also HTML, a PNG with a zip or a page appended) is a file other
tools read differently, and a decompression bomb (a few KB that decode to gigapixels) exhausts memory. So:
a byte limit before anything is decoded; the format must be PNG, JPEG, WebP or GIF by its magic bytes *and* by
Pillow; the header's size is checked against a pixel limit before the pixels are decoded; the decoder must consume
the file to its end (trailing data refused); animations are refused; and what is stored is a fresh PNG of at most
``MAX_SIDE`` pixels a side, made from the decoded pixels only (no metadata, no chunks of the upload).
"""

from __future__ import annotations

import io
import warnings

from PIL import Image, UnidentifiedImageError

from caseportal.i18n import gettext as _

from .errors import Invalid

#: Upload limit: a logo is small; anything bigger is refused before it is decoded.
MAX_BYTES = 2 * 1024 * 1024
#: Pixel limit checked from the header before decoding (4096 x 4096): far above any logo, far below a bomb.
MAX_PIXELS = 4096 * 4096
_PIXELS_SHOWN = f"{MAX_PIXELS:,}".replace(",", "\u00a0")  # 16 777 216, with no-break spaces as in both languages
#: The stored logo fits in this square.
MAX_SIDE = 512
#: Pillow's own name for each accepted format, and the magic bytes the file must start with.
_MAGIC = {
    "PNG": (b"\x89PNG\r\n\x1a\n",),
    "JPEG": (b"\xff\xd8\xff",),
    "GIF": (b"GIF87a", b"GIF89a"),
    "WEBP": (b"RIFF",),
}
#: Bytes that mark markup or an archive anywhere in the file: an image that also parses as HTML/SVG/zip.
_FOREIGN = (b"<script", b"<html", b"<svg", b"<?xml", b"<!doctype", b"<body", b"<iframe", b"javascript:",
            b"PK\x03\x04", b"PK\x05\x06")


class LogoRefused(Invalid):
    """An upload that is not accepted as a logo; the message says why in the visitor's language."""


def _kind(data: bytes) -> str | None:
    for name, prefixes in _MAGIC.items():
        if any(data.startswith(p) for p in prefixes):
            if name == "WEBP" and data[8:12] != b"WEBP":
                continue
            return name
    return None


def _ends_cleanly(data: bytes, kind: str) -> bool:
    """Whether the file stops where the image stops: no zip, page or script hidden after the image's end."""
    if kind == "PNG":
        end = data.find(b"IEND")
        return end != -1 and len(data) == end + 8  # "IEND" + its 4-byte CRC
    if kind == "JPEG":
        return data.rstrip(b"\x00").endswith(b"\xff\xd9")
    if kind == "GIF":
        return data.endswith(b";")
    # WebP: the RIFF header states the file's length.
    return len(data) == int.from_bytes(data[4:8], "little") + 8


def _refuse_unusual(data: bytes) -> None:
    if not data:
        raise LogoRefused(_("The file is empty. Please choose a PNG, JPEG, WebP or GIF image."))
    if len(data) > MAX_BYTES:
        raise LogoRefused(_("The logo is too large (%(size)s KB); the limit is %(limit)s KB.",
                            size=len(data) // 1024, limit=MAX_BYTES // 1024))
    head = data[:512].lstrip().lower()
    if head.startswith((b"<svg", b"<?xml", b"<!doctype", b"<html")) or b"<svg" in head:
        raise LogoRefused(_("SVG and other vector or markup files are not accepted, because they can carry "
                            "script. Please upload the logo as a PNG, JPEG, WebP or GIF image."))


def clean(data: bytes) -> bytes:
    """The upload as a freshly encoded PNG (at most MAX_SIDE a side, no metadata), or LogoRefused saying why."""
    _refuse_unusual(data)
    kind = _kind(data)
    if kind is None:
        raise LogoRefused(_("This file is not a PNG, JPEG, WebP or GIF image. Please upload the logo in one of "
                            "these formats."))
    lowered = data.lower()
    if not _ends_cleanly(data, kind) or any(marker.lower() in lowered for marker in _FOREIGN):
        raise LogoRefused(_("This image carries other content besides the picture (for example a web page or an "
                            "archive hidden in the file). Please export the logo again as a plain image."))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[kind]) as img:
                width, height = img.size
                if width * height > MAX_PIXELS:
                    raise LogoRefused(_("The image is too large in pixels (%(w)s x %(h)s); a logo may have at "
                                        "most %(limit)s pixels. Please scale it down.",
                                        w=width, h=height, limit=_PIXELS_SHOWN))
                if getattr(img, "is_animated", False) or getattr(img, "n_frames", 1) > 1:
                    raise LogoRefused(_("Animated images are not accepted as a logo. Please upload a still "
                                        "image."))
                img.load()
                pixels = img.convert("RGBA")
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as err:
        raise LogoRefused(_("The image is too large in pixels; a logo may have at most %(limit)s pixels. "
                            "Please scale it down.", limit=_PIXELS_SHOWN)) from err
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as err:
        raise LogoRefused(_("This image could not be read; it may be damaged. Please export the logo again as "
                            "a PNG, JPEG, WebP or GIF image.")) from err
    pixels.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    # A new image from the pixels alone: no text chunks, EXIF, ICC profile or anything else of the upload.
    fresh = Image.new("RGBA", pixels.size)
    fresh.paste(pixels)
    fresh.save(out, format="PNG", optimize=True)
    return out.getvalue()
