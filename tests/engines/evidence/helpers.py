"""Test-data generators for the evidence tests: synthetic spliced images and findings with known masks."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from engines.evidence import Case, add_evidence, create_case
from engines.findings import Finding

SPLICE_BOX = (slice(40, 100), slice(60, 140))  # rows, cols of the pasted block in a 160 x 200 image


def spliced_image(seed: int = 0, size: tuple[int, int] = (160, 200)) -> tuple[np.ndarray, np.ndarray]:
    """A smooth gradient photo-like RGB image with a noisy pasted block; returns (image, true mask)."""
    rng = np.random.default_rng(seed)
    h, w = size
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    base = np.stack([x * 0.9 + 30, y * 1.1 + 20, 128 + 50 * np.sin(x / 17.0) * np.cos(y / 13.0)], axis=-1)
    image = np.clip(base + rng.normal(0, 3, base.shape), 0, 255).astype(np.uint8)
    mask = np.zeros((h, w), bool)
    mask[SPLICE_BOX] = True
    block = rng.normal(128, 45, (int(mask.sum()), 3))
    image[mask] = np.clip(block, 0, 255).astype(np.uint8)
    return image, mask


def write_jpeg(path: Path, image: np.ndarray, quality: int = 90) -> Path:
    """Save an RGB image as JPEG; returns the path."""
    ok = cv2.imwrite(str(path), np.ascontiguousarray(image[:, :, ::-1]), [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return path


def finding_with_mask(mask: np.ndarray, engine: str = "ela", score: float | None = 0.8) -> Finding:
    """A finding whose heatmap is 1 inside ``mask`` and 0.1 elsewhere."""
    heat = np.where(mask, 1.0, 0.1).astype(np.float32)
    return Finding(engine=engine, version="1.0", params={"quality": 90, "scale": 20.0},
                   summary="synthetic finding for tests", heatmap=heat, mask=mask, score=score,
                   table=(("Flagged area", f"{mask.mean() * 100:.1f}%"),))


def case_with_item(tmp_path: Path, name: str = "Test case") -> tuple[Case, Path, np.ndarray]:
    """A new case holding one spliced JPEG; returns (case, evidence path, true mask)."""
    image, mask = spliced_image()
    path = write_jpeg(tmp_path / "evidence.jpg", image)
    case = create_case(name, examiner="Tester")
    add_evidence(case, [path])
    return case, path, mask
