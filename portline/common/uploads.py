"""Checks shared by every upload (evidence, confirmation photos, check-in selfies).

Images: refused above MAX_IMAGE_PIXELS (read from the header, before anything is decoded, so
a small file that claims 30000 x 30000 pixels costs nothing), and re-encoded by
`image_reencode`, which keeps the pixels (turned upright by their EXIF orientation) and drops
everything else: metadata (EXIF with GPS, XMP, comments) and any bytes appended after the
image. PDFs: refused when they also read as an HTML page (a "polyglot" that a browser sniffing
the content would run as a page).
"""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass

from django.utils.translation import gettext as _

from portline.common.errors import ValidationFailed

# 40 megapixels, e.g. 8000 x 5000: above any phone camera's default or an A4 scan at 600 dpi.
MAX_IMAGE_PIXELS = 40_000_000
IMAGE_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG"}

# Start tags that make a browser treat a document as HTML. PDF syntax never has them outside
# compressed streams: dictionaries start "<<" and hex strings hold only hex digits.
_HTML_MARKERS = re.compile(
    rb"<\s*(?:!doctype|html|head|body|script|iframe|object|embed|svg|img|meta|style|form|base|link)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class CheckedImage:
    content: bytes  # re-encoded
    content_type: str
    width: int
    height: int


class ImageTooLarge(ValidationFailed):
    """The image has more pixels than MAX_IMAGE_PIXELS."""


def _refuse(field: str, message: str, kind: type[ValidationFailed] = ValidationFailed):
    return kind(message, errors={field: [message]})


def image_reencode(content: bytes, *, content_type: str, field: str = "file") -> CheckedImage:
    """Decode the JPEG or PNG in `content` within the pixel limit and encode it again.

    Raises ValidationFailed (on `field`) for an image that is too large, damaged, or not of
    `content_type`. Re-encoding is stable: an image this function wrote comes out unchanged."""
    from PIL import Image, ImageOps, JpegImagePlugin, UnidentifiedImageError

    expected = IMAGE_FORMATS.get(content_type)
    if expected is None:
        raise _refuse(field, _("Only JPEG and PNG images are accepted."))
    too_large = _("The image is too large: at most %(megapixels)d megapixels.") % {
        "megapixels": MAX_IMAGE_PIXELS // 1_000_000
    }
    damaged = _("This image file is damaged or incomplete.")
    try:
        with warnings.catch_warnings():
            # Pillow's own bomb check warns (and above twice its limit raises) on open.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content), formats=[expected]) as image:
                width, height = image.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise _refuse(field, too_large, ImageTooLarge)
                options: dict = {}
                if expected == "JPEG":
                    # The source's own quantisation tables and subsampling: no further loss.
                    options = {
                        "qtables": image.quantization,
                        "subsampling": JpegImagePlugin.get_sampling(image),
                        "optimize": False,
                    }
                upright = ImageOps.exif_transpose(image)
                if expected == "JPEG" and upright.mode not in ("RGB", "L", "CMYK"):
                    upright = upright.convert("RGB")
                if options.get("subsampling") == -1:
                    del options["subsampling"]
                buffer = io.BytesIO()
                upright.save(buffer, format=expected, **options)
                width, height = upright.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _refuse(field, too_large, ImageTooLarge) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise _refuse(field, damaged) from exc
    return CheckedImage(
        content=buffer.getvalue(), content_type=content_type, width=width, height=height
    )


def pdf_check(content: bytes, *, field: str = "file") -> None:
    """A PDF must end like a PDF and must not also be an HTML page."""
    if b"%%EOF" not in content[-2048:]:
        raise _refuse(field, _("This PDF file is damaged or incomplete."))
    if _HTML_MARKERS.search(content):
        raise _refuse(
            field,
            _(
                "This PDF file also contains a web page, which is not allowed. Save it again as a plain PDF."
            ),
        )
