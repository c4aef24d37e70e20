"""Test data made inside the tests: scikit-image's bundled photos with SLIC label maps as "objects",
a fake BSDS500 folder, and a spliced forgery whose mask is known."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import skimage.data
from skimage.segmentation import slic

from engines.localize.pools import ArrayPool

PHOTOS = ("astronaut", "coffee", "chelsea")


def photo(name: str, size: tuple[int, int] = (192, 256)) -> np.ndarray:
    """A bundled photo resized to ``size`` (rows, cols), RGB uint8."""
    image = getattr(skimage.data, name)()
    return cv2.resize(image, (size[1], size[0]), interpolation=cv2.INTER_AREA)


def label_map(image: np.ndarray, segments: int = 24) -> np.ndarray:
    """SLIC superpixels standing in for human segmentations."""
    return slic(image, n_segments=segments, compactness=10, start_label=1).astype(np.uint16)


def photo_pool(size: tuple[int, int] = (192, 256)) -> ArrayPool:
    images = [photo(n, size) for n in PHOTOS]
    return ArrayPool(images, [[label_map(im, 16), label_map(im, 30)] for im in images])


def fake_bsds(root: Path, size: tuple[int, int] = (160, 224)) -> Path:
    """A BSDS500-shaped folder (train/test/val) built from the bundled photos; returns the data root."""
    bsds = root / "natural" / "bsds500"
    for split in ("train", "test", "val"):
        (bsds / "images" / split).mkdir(parents=True)
        (bsds / "groundTruth" / split).mkdir(parents=True)
        for i, name in enumerate(PHOTOS):
            im = photo(name, size)
            cv2.imwrite(str(bsds / "images" / split / f"{i}{split[:2]}.jpg"), im[:, :, ::-1],
                        [cv2.IMWRITE_JPEG_QUALITY, 92])
            cv2.imwrite(str(bsds / "groundTruth" / split / f"{i}{split[:2]}_seg0.png"), label_map(im, 12))
    return root


def spliced_forgery(size: tuple[int, int] = (256, 320)) -> tuple[np.ndarray, np.ndarray]:
    """astronaut (JPEG q=85 history) with an elliptical region of coffee (resized ×0.8, JPEG q=60) pasted in.

    Saved losslessly afterwards, like CASIA's TIFF splices. Returns (image, mask).
    """
    target = _jpeg(photo("astronaut", size), 85)
    donor = _jpeg(cv2.resize(photo("coffee", (size[0] * 5 // 4, size[1] * 5 // 4)), (size[1], size[0]),
                             interpolation=cv2.INTER_LINEAR), 60)
    mask = np.zeros(size, np.uint8)
    cv2.ellipse(mask, (size[1] * 3 // 5, size[0] // 2), (size[1] // 6, size[0] // 5), 20, 0, 360, 1, -1)
    mask = mask.astype(bool)
    image = target.copy()
    image[mask] = donor[mask]
    return image, mask


def _jpeg(image: np.ndarray, quality: int) -> np.ndarray:
    ok, buf = cv2.imencode(".jpg", image[:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)[:, :, ::-1].copy()
