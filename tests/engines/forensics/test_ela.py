"""ELA known-answer test: a region pasted from an uncompressed source into a JPEG lights up."""

from __future__ import annotations

import io

import cv2
import numpy as np
from PIL import Image
from skimage import data

from engines.evaluation.metrics import pixel_auc
from engines.forensics import Subject, run_analysis
from engines.forensics.ela import error_level, jpeg_roundtrip


def _jpeg(arr, q):
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, "JPEG", quality=q)
    return np.array(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))


def _splice():
    base = _jpeg(data.astronaut(), 60)
    donor = data.coffee()[90:290, 190:390]
    forged = base.copy()
    mask = np.zeros(base.shape[:2], bool)
    mask[300:500, 290:490] = True
    forged[mask] = donor.reshape(-1, 3)
    return _jpeg(forged, 95), base, mask


def test_ela_localizes_splice():
    forged, _base, mask = _splice()
    finding = run_analysis("ela", Subject(forged), {"quality": 90})
    assert finding.heatmap.shape == mask.shape
    auc = pixel_auc(cv2.blur(finding.heatmap, (9, 9)), mask)
    assert auc > 0.85, auc


def test_ela_stays_quiet_on_untouched_jpeg():
    forged, base, mask = _splice()
    untouched = _jpeg(base, 95)  # same processing chain, no splice
    quiet = error_level(untouched, 90)[mask].mean()
    loud = error_level(forged, 90)[mask].mean()
    assert loud > 2 * quiet, (loud, quiet)


def test_ela_params_recorded_and_quality_changes_output():
    img = _jpeg(data.astronaut()[:128, :128], 80)
    a = run_analysis("ela", Subject(img), {"quality": 70})
    b = run_analysis("ela", Subject(img), {"quality": 95})
    assert a.params == {"quality": 70, "scale": 20.0}
    assert not np.allclose(a.heatmap, b.heatmap)


def test_roundtrip_shape_and_tiny_image():
    tiny = np.zeros((1, 1, 3), np.uint8)
    assert jpeg_roundtrip(tiny, 90).shape == (1, 1, 3)
    assert run_analysis("ela", Subject(tiny)).heatmap.shape == (1, 1)
