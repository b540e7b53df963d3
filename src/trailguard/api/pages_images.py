"""An item's images in the console: blurred and grey unless a reviewer reveals one, each view audited.

The store keeps no image bytes: an item keeps the references it was read with (`Item.images`, paths relative
to the directory of its input file, `items.source_file`) and the scan's hashes of each (`Assessment.images`).
The console reads the file again from there, through the scan's own guard (media.scan.resolve_item_image: no
absolute path, no climbing out of the input's directory, no symlink out of it), refuses a file whose SHA-256
is no longer the one the scan hashed (it is not the evidence any more), and decodes it under the hashing
limits (media.hashing: the decoder allow-list and the decompression-bomb bound).

What leaves the server is never the file's own bytes: the default view is a small greyscale rendering,
pixelated and blurred on the server with Pillow; a reveal (a POST with the CSRF token and a reason) answers
that one request with the decoded pixels re-encoded as PNG (no metadata), and no URL serves the original.
References that are URLs are never fetched.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path as FilePath
from typing import Annotated

from fastapi import APIRouter, Form, Path
from fastapi.responses import Response
from PIL import Image, ImageFilter
from sqlalchemy import Connection, select

from trailguard.api.console_page import Ctx, ItemId, Seen, Visitor, check_csrf, refusal
from trailguard.media.hashing import ImageError, decode_pixels
from trailguard.media.scan import UnsafeImagePath, resolve_item_image
from trailguard.model import Assessment
from trailguard.review import work
from trailguard.settings import Settings
from trailguard.store import tables as st

router = APIRouter()
BLURRED_SIDE = 320  # pixels of the longer side of the blurred view
PIXELS_ACROSS = 12  # the blurred view keeps no more detail than this many blocks across
# A revealed image opens as the browser's own image document, which centres it with inline style: allowed
# there (the document holds nothing but our PNG), and nothing else is.
IMAGE_HEADERS = {
    "Cache-Control": "no-store, private",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
}
Index = Annotated[int, Path(ge=0, le=1000)]


class Unavailable(Exception):
    """The image cannot be shown; the message says why."""


def load_image(conn: Connection, item_id: str, n: int, settings: Settings) -> Image.Image:
    """The item's n-th image decoded (RGB, upright), or Unavailable naming the reason."""
    row = conn.execute(
        select(st.items.c.data, st.items.c.source_file, st.assessments.c.data.label("a"))
        .outerjoin(st.assessments, st.assessments.c.item_id == st.items.c.id)
        .where(st.items.c.id == item_id)
    ).first()
    if row is None:
        raise work.NotFound(f"no item {item_id[:512]!r}")
    refs = list(row.data.get("images") or [])
    if n >= len(refs):
        raise work.NotFound(f"item {item_id[:512]!r} has no image {n}")
    ref = str(refs[n])
    if "://" in ref:
        raise Unavailable(f"image {n} is a URL ({ref[:200]}): the console never fetches it")
    if not row.source_file or row.source_file in ("-", "<stdin>"):
        raise Unavailable("the store does not say which input file this item was read from (standard input?)")
    hashes = Assessment.from_dict(row.a).images if row.a else []
    want = next((h.sha256 for h in hashes if h.path == ref), None)
    try:
        path = resolve_item_image(FilePath(row.source_file).parent, ref)
        with path.open("rb") as fh:
            data = fh.read(settings.max_image_bytes + 1)
    except UnsafeImagePath as exc:
        raise Unavailable(str(exc)) from exc
    except OSError as exc:
        raise Unavailable(f"image {n} cannot be read where the scan read it: {exc.strerror}") from exc
    if len(data) > settings.max_image_bytes:
        raise Unavailable(f"image {n} is larger than {settings.max_image_bytes} bytes")
    if want is None or hashlib.sha256(data).hexdigest() != want:
        raise Unavailable(f"image {n} is not the file the scan hashed (changed, or never hashed): not shown")
    try:
        return Image.fromarray(decode_pixels(data, settings, upright=True))
    except ImageError as exc:
        raise Unavailable(f"image {n}: {exc}") from exc


def blurred(im: Image.Image) -> bytes:
    """Greyscale, reduced to PIXELS_ACROSS blocks across, scaled back up and blurred: shape and tone only."""
    grey = im.convert("L")
    grey.thumbnail((BLURRED_SIDE, BLURRED_SIDE))
    w, h = grey.size
    blocks = grey.resize((PIXELS_ACROSS, max(1, round(PIXELS_ACROSS * h / w))), Image.Resampling.BOX)
    out = blocks.resize((w, h), Image.Resampling.BILINEAR).filter(ImageFilter.GaussianBlur(w / PIXELS_ACROSS))
    return _png(out)


def _png(im: Image.Image) -> bytes:
    buf = io.BytesIO()
    im.save(buf, "PNG")
    return buf.getvalue()


def _serve(who: Visitor, ctx: Ctx, item_id: str, n: int, action: str, reason: str | None) -> Response:
    details: dict[str, object] = {"image": n}
    if reason is not None:
        details["reason"] = reason
    try:
        with ctx.log.view(who.user.name, action, f"item:{item_id}", details) as conn:
            im = load_image(conn, item_id, n, ctx.settings)
    except work.NotFound as exc:
        return refusal(who, 404, str(exc))
    except Unavailable as exc:
        return Response(str(exc), status_code=404, media_type="text/plain; charset=utf-8")
    body = blurred(im) if reason is None else _png(im)
    return Response(body, media_type="image/png", headers=IMAGE_HEADERS)


@router.get("/images/{n}/{item_id:path}")
def image(n: Index, item_id: ItemId, who: Seen, ctx: Ctx) -> Response:
    """The n-th image of the item, blurred and grey; audited as `image.view`."""
    return _serve(who, ctx, item_id, n, "image.view", None)


@router.post("/images/{n}/{item_id:path}")
def reveal(
    n: Index,
    item_id: ItemId,
    who: Seen,
    ctx: Ctx,
    csrf: Annotated[str, Form(max_length=100)],
    reason: Annotated[str, Form(max_length=work.MAX_REASON)] = "",
) -> Response:
    """The image itself, for this answer only; audited as `image.reveal` with the reviewer's reason."""
    check_csrf(who, csrf)
    reason = reason.replace("\x00", "").strip()
    if not reason:
        return refusal(who, 422, "say why you reveal the image (the reason goes in the audit log)")
    return _serve(who, ctx, item_id, n, "image.reveal", reason)
