"""Generated images with a known JPEG history and a known forgery mask, for the JPEG-group tests.

Every image comes from scikit-image's bundled photos, downscaled by a non-integer factor (which wipes any
JPEG history they may carry) and given light sensor-like noise, then put through Pillow's JPEG encoder.
"""

from __future__ import annotations

import io

import cv2
import numpy as np
import skimage.data
from PIL import Image

_PHOTOS = {"astronaut": skimage.data.astronaut, "coffee": skimage.data.coffee, "chelsea": skimage.data.chelsea}


def natural_image(name: str = "astronaut", size: tuple[int, int] = (384, 384), seed: int = 0) -> np.ndarray:
    """A photo from scikit-image resized to ``size`` (rows, columns) with mild noise; RGB uint8, never JPEG'd."""
    photo = _PHOTOS[name]()
    small = cv2.resize(photo, (int(photo.shape[1] * 0.7), int(photo.shape[0] * 0.7)), interpolation=cv2.INTER_AREA)
    resized = cv2.resize(small, (size[1], size[0]), interpolation=cv2.INTER_CUBIC)
    noise = np.random.default_rng(seed).normal(0.0, 1.5, resized.shape)
    return np.clip(resized + noise, 0, 255).astype(np.uint8)


def jpeg_bytes(image: np.ndarray, quality: int) -> bytes:
    """Encode RGB uint8 as a JPEG file (Pillow / libjpeg, standard tables, 4:2:0)."""
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="JPEG", quality=int(quality))
    return buffer.getvalue()


def decode(data: bytes) -> np.ndarray:
    """Decode JPEG bytes to RGB uint8."""
    with Image.open(io.BytesIO(data)) as im:
        return np.asarray(im.convert("RGB"))


def recompress(image: np.ndarray, quality: int) -> np.ndarray:
    """The image after one JPEG save at ``quality`` and a decode."""
    return decode(jpeg_bytes(image, quality))


def rect_mask(shape: tuple[int, int], top: int, left: int, height: int, width: int) -> np.ndarray:
    """Bool mask of ``shape`` that is True inside the rectangle."""
    mask = np.zeros(shape, bool)
    mask[top : top + height, left : left + width] = True
    return mask


def paste(host: np.ndarray, donor: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """``donor`` where ``mask`` is True, ``host`` elsewhere (same-sized RGB arrays)."""
    return np.where(mask[..., None], donor, host)


def _scene(size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """The base photo and the forgery mask used by every scenario (the mask is a 128×128 square, grid-aligned)."""
    return natural_image("astronaut", size, seed=1), rect_mask(size, 128, 160, 128, 128)


# The pasted region always shows the same scene content as the photo, only its compression history differs,
# so a detector can only score by reading that history, not by spotting different content.


def ghost_splice(
    q_region: int = 60, q_final: int = 90, size: tuple[int, int] = (384, 384)
) -> tuple[np.ndarray, np.ndarray, bytes]:
    """A region that was saved at ``q_region`` pasted (grid-aligned) into the never-compressed photo, the whole
    then saved at ``q_final``. Returns (decoded final image, mask, final JPEG bytes)."""
    photo, mask = _scene(size)
    data = jpeg_bytes(paste(photo, recompress(photo, q_region), mask), q_final)
    return decode(data), mask, data


def fresh_region_splice(
    q_host: int = 70, q_final: int = 95, size: tuple[int, int] = (384, 384)
) -> tuple[np.ndarray, np.ndarray, bytes]:
    """A JPEG photo (``q_host``) with a never-compressed region pasted in, the whole saved at ``q_final``.

    With ``q_final`` well above ``q_host`` this is the classic error-level-analysis case. Same return as above.
    """
    photo, mask = _scene(size)
    data = jpeg_bytes(paste(recompress(photo, q_host), photo, mask), q_final)
    return decode(data), mask, data


def aligned_double_splice(
    q_first: int = 60, q_final: int = 90, size: tuple[int, int] = (384, 384)
) -> tuple[np.ndarray, np.ndarray, bytes]:
    """Like ``fresh_region_splice``: the background is aligned double-compressed, the pasted region only once."""
    return fresh_region_splice(q_first, q_final, size)


def nonaligned_double_splice(
    q_first: int = 70, q_final: int = 90, grid: tuple[int, int] = (3, 5), size: tuple[int, int] = (384, 384)
) -> tuple[np.ndarray, np.ndarray, bytes]:
    """A JPEG photo (``q_first``) whose block grid sits at ``grid`` (row, column) — as after a crop — with a
    never-compressed region pasted in, the whole saved at ``q_final`` (grid at 0, 0).

    The background is non-aligned double-compressed with its first grid at ``grid``; the region only once.
    """
    photo, mask = _scene(size)
    data = jpeg_bytes(paste(shifted_recompress(photo, q_first, grid), photo, mask), q_final)
    return decode(data), mask, data


def shifted_recompress(image: np.ndarray, quality: int, grid: tuple[int, int]) -> np.ndarray:
    """The image after a JPEG save whose 8×8 grid starts at ``grid`` (row, column) instead of (0, 0)."""
    top, left = (8 - grid[0]) % 8, (8 - grid[1]) % 8  # padding that puts a block corner at ``grid``
    padded = np.pad(image, ((top, 8), (left, 8), (0, 0)), mode="reflect")
    return recompress(padded, quality)[top : top + image.shape[0], left : left + image.shape[1]]


def shifted_grid_splice(
    q_host: int = 75, q_region: int = 75, shift: tuple[int, int] = (3, 5), size: tuple[int, int] = (384, 384)
) -> tuple[np.ndarray, np.ndarray]:
    """A JPEG photo (grid at 0, 0) with a region from a JPEG whose grid is shifted by ``shift`` (row, column),
    kept lossless afterwards (as if saved to PNG). Returns (image, mask)."""
    photo, _ = _scene(size)
    mask = rect_mask(size, 128 + shift[0], 160 + shift[1], 128, 128)
    return paste(recompress(photo, q_host), shifted_recompress(photo, q_region, shift), mask), mask


def single_jpeg(quality: int = 90, size: tuple[int, int] = (384, 384)) -> tuple[np.ndarray, bytes]:
    """The untouched photo saved once at ``quality``: (decoded image, bytes)."""
    data = jpeg_bytes(_scene(size)[0], quality)
    return decode(data), data


def double_jpeg(q_first: int = 60, q_final: int = 90, size: tuple[int, int] = (384, 384)) -> np.ndarray:
    """The untouched photo saved at ``q_first`` and again at ``q_final`` (no forgery): decoded image."""
    return recompress(recompress(_scene(size)[0], q_first), q_final)
