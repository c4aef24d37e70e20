"""BlazeFace decoding: anchor layout, known-answer decoding, weighted NMS, tiles."""

from __future__ import annotations

import numpy as np

from engines.faces.blazeface import FULL_RANGE, SHORT_RANGE, decode, make_anchors, tile_grid, weighted_nms


def test_anchor_layouts_match_the_models():
    short = make_anchors(SHORT_RANGE)
    assert short.shape == (896, 2)
    # Stride 8: a 16×16 grid with two anchors per cell, then stride 16: 8×8 with six per cell.
    assert np.allclose(short[0], [0.5 / 16, 0.5 / 16]) and np.allclose(short[1], short[0])
    assert np.allclose(short[512], [0.5 / 8, 0.5 / 8]) and np.allclose(short[512:518], short[512])
    assert np.allclose(short[-1], [7.5 / 8, 7.5 / 8])
    full = make_anchors(FULL_RANGE)
    assert full.shape == (2304, 2) and np.allclose(full[1], [1.5 / 48, 0.5 / 48])


def test_decode_known_answer():
    anchors = make_anchors(SHORT_RANGE)
    raw = np.zeros((896, 16), np.float32)
    logits = np.full(896, -10.0, np.float32)
    i = 600
    logits[i] = 3.0
    raw[i, :4] = [12.8, -6.4, 32.0, 25.6]  # offsets and size in input pixels (128)
    raw[i, 4:6] = [-6.4, 0.0]
    boxes, scores, kps = decode(raw, logits, anchors, 128, 0.5)
    assert len(scores) == 1 and np.isclose(scores[0], 1 / (1 + np.exp(-3.0)))
    cx, cy = anchors[i] + [0.1, -0.05]
    assert np.allclose(boxes[0], [cx - 0.125, cy - 0.1, cx + 0.125, cy + 0.1], atol=1e-6)
    assert np.allclose(kps[0, 0], anchors[i] + [-0.05, 0.0], atol=1e-6)


def test_decode_with_nothing_above_threshold_is_empty():
    anchors = make_anchors(SHORT_RANGE)
    boxes, scores, kps = decode(np.zeros((896, 16)), np.full(896, -5.0), anchors, 128, 0.5)
    assert boxes.shape == (0, 4) and scores.shape == (0,) and kps.shape == (0, 6, 2)


def test_weighted_nms_blends_overlaps_and_keeps_separate_faces():
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [50, 50, 60, 60]], np.float32)
    scores = np.array([0.9, 0.6, 0.8], np.float32)
    kps = np.zeros((3, 6, 2), np.float32)
    b, s, _ = weighted_nms(boxes, scores, kps)
    assert len(s) == 2 and np.allclose(s, [0.9, 0.8])
    assert np.allclose(b[0], (boxes[0] * 0.9 + boxes[1] * 0.6) / 1.5)
    assert np.allclose(b[1], boxes[2])


def test_tiles_cover_the_image_with_overlap():
    tiles = tile_grid(720, 1280, 3)
    covered = np.zeros((720, 1280), bool)
    for x0, y0, x1, y1 in tiles:
        covered[y0:y1, x0:x1] = True
    assert covered.all() and len(tiles) > 3
    assert tile_grid(100, 100, 1) == [(0, 0, 100, 100)]
