"""open_media: every supported still, animation and video format, random access, file facts."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from engines.media import open_media
from tests.media_factory import frame_level, texture, write_animation, write_still, write_video


@pytest.mark.parametrize(
    ("fmt", "suffix", "lossless"),
    [
        ("JPEG", ".jpg", False),
        ("PNG", ".png", True),
        ("TIFF", ".tif", True),
        ("WEBP", ".webp", False),
        ("BMP", ".bmp", True),
        ("HEIF", ".heic", False),
        ("AVIF", ".avif", False),
    ],
)
def test_open_stills(tmp_path, fmt, suffix, lossless):
    image = texture(64, 80)
    path = write_still(tmp_path / f"still{suffix}", fmt, image)
    with open_media(path) as media:
        assert media.kind == "still"
        assert media.size == (80, 64)
        assert media.frame_count == 1
        frame = media.frame(0)
        assert frame.shape == (64, 80, 3) and frame.dtype == np.uint8
        err = np.abs(frame.astype(int) - image.astype(int)).mean()
        assert err == 0 if lossless else err < 12
        assert media.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
        assert not media.info.extension_mismatch


@pytest.mark.parametrize(("fmt", "suffix"), [("GIF", ".gif"), ("WEBP", ".webp"), ("PNG", ".png")])
def test_open_animations_with_durations(tmp_path, fmt, suffix):
    durations = [40, 50, 60, 70, 80, 90]
    path = write_animation(tmp_path / f"anim{suffix}", fmt, 6, durations)
    with open_media(path) as media:
        assert media.kind == "animated"
        assert media.frame_count == 6
        assert media.info.durations == pytest.approx([d / 1000 for d in durations])
        for i in (3, 0, 5, 1):  # random access, including backwards
            assert media.frame(i)[40, 60].mean() == pytest.approx(30 * i, abs=3)
        assert media.timestamp(2) == pytest.approx(0.09)


def test_gif_zero_duration_uses_browser_default(tmp_path):
    path = write_animation(tmp_path / "zero.gif", "GIF", 3, [0, 0, 0])
    with open_media(path) as media:
        assert media.info.durations == pytest.approx([0.1, 0.1, 0.1])


@pytest.mark.parametrize("suffix", [".mp4", ".mov", ".mkv", ".webm", ".avi"])
def test_open_video_random_access(tmp_path, suffix):
    path = write_video(tmp_path / f"clip{suffix}", n=30)
    with open_media(path) as media:
        assert media.kind == "video"
        assert media.frame_count == 30
        assert media.info.fps == pytest.approx(25, rel=0.01)
        assert media.info.codec
        for i in (0, 1, 2, 17, 5, 29, 28, 3):
            assert frame_level(media.frame(i)) == pytest.approx(8 * i, abs=4), f"frame {i}"
        assert media.info.duration == pytest.approx(30 / 25, rel=0.05)


def test_frame_index_out_of_range(tmp_path):
    path = write_still(tmp_path / "a.png", "PNG")
    with open_media(path) as media, pytest.raises(IndexError):
        media.frame(1)


def test_frames_are_read_only(tmp_path):
    path = write_still(tmp_path / "a.png", "PNG")
    with open_media(path) as media:
        with pytest.raises(ValueError):
            media.frame(0)[0, 0, 0] = 1


def test_info_rows_include_sha256(tmp_path):
    path = write_still(tmp_path / "a.png", "PNG")
    with open_media(path) as media:
        rows = dict(media.info.as_rows())
        assert rows["SHA-256"] == media.sha256
        assert rows["Kind"] == "still"


def test_sixteen_bit_png_is_scaled(tmp_path):
    from PIL import Image

    arr = np.arange(64 * 64, dtype=np.uint16).reshape(64, 64) * 16
    Image.fromarray(arr).save(tmp_path / "deep.png")
    with open_media(tmp_path / "deep.png") as media:
        frame = media.frame(0)
        assert frame.dtype == np.uint8 and frame.max() > 200
