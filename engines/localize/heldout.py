"""Held-out synthetic evaluation data from BSDS500 val photos (never used in training)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

from engines.localize.generator import ForgeryGenerator, ForgerySample
from engines.localize.pools import HELD_OUT_SPLITS, REPORT_SUBSET, SELECTION_SUBSET, BsdsPool, bsds_root

SELECTION_SEED = 1001
REPORT_SEED = 2024


def selection_samples(data_root: str | Path, count: int) -> Iterator[ForgerySample]:
    """Samples for checkpoint selection (val photos 0–39)."""
    gen = ForgeryGenerator(BsdsPool(bsds_root(data_root), HELD_OUT_SPLITS, SELECTION_SUBSET), seed=SELECTION_SEED)
    return (gen.sample(i) for i in range(count))


def write_report_set(data_root: str | Path, out_dir: str | Path, count: int = 150) -> Path:
    """Write the reported held-out set (val photos 40–99) as lossless PNG + ``<stem>_gt.png`` pairs.

    Authentic samples get no mask file, so evaluation counts them as authentic. Returns ``out_dir``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    gen = ForgeryGenerator(BsdsPool(bsds_root(data_root), HELD_OUT_SPLITS, REPORT_SUBSET), seed=REPORT_SEED)
    for i in range(count):
        s = gen.sample(i)
        stem = f"{i:04d}_{s.kind}"
        _write_png(out / f"{stem}.png", s.image[:, :, ::-1])
        if not s.authentic:
            _write_png(out / f"{stem}_gt.png", s.mask.astype(np.uint8) * 255)
    return out


def _write_png(path: Path, array: np.ndarray) -> None:
    ok, buf = cv2.imencode(".png", np.ascontiguousarray(array))
    if not ok:
        raise OSError(f"PNG encoding failed for {path.name}")
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(buf.tobytes())
    tmp.replace(path)
