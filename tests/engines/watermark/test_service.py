"""File-level embedding and verification: formats, GIF and MP4 round trips, Content Credentials, refusals."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from engines.media import MediaError
from engines.watermark import embed_file, verify_file
from engines.watermark.media_io import Frames, encode, read_frames
from tests.engines.watermark._images import astronaut, moving_frames

KEY = "k3y"


@pytest.fixture()
def photo(tmp_path):
    path = tmp_path / "photo.png"
    Image.fromarray(astronaut()).save(path)
    return path


@pytest.fixture()
def animation(tmp_path):
    path = tmp_path / "anim.gif"
    path.write_bytes(encode(Frames(moving_frames(6), "animated", (0.1,) * 6), path))
    return path


def test_png_to_jpeg_round_trip_names_the_owner(photo, tmp_path):
    result = embed_file(photo, tmp_path / "out.jpg", "Alice Example", KEY)
    assert result.psnr >= 40 and result.ssim >= 0.98 and result.frames == 1
    assert photo.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"  # the input is untouched
    found = verify_file(tmp_path / "out.jpg", KEY)
    assert found.found and found.detection.payload == result.payload
    assert found.owner == "Alice Example"  # from this machine's owner register
    assert found.credentials is not None and found.credentials.state == "none"
    assert verify_file(tmp_path / "out.jpg", "not the key").found is False


def test_gif_round_trip_with_palette_and_dropped_frames(animation, tmp_path):
    out = tmp_path / "marked.gif"
    result = embed_file(animation, out, "Alice", KEY)
    assert result.frames == 6
    assert verify_file(out, KEY).detection.payload == result.payload
    # drop every other frame and re-quantise the palette with another method
    frames = read_frames(out).frames[::2]
    pal = [Image.fromarray(f).quantize(64, method=Image.Quantize.FASTOCTREE) for f in frames]
    dropped = tmp_path / "dropped.gif"
    pal[0].save(dropped, save_all=True, append_images=pal[1:], duration=100, loop=0)
    check = verify_file(dropped, KEY)
    assert check.frames_checked == 3 and check.detection.payload == result.payload


def test_mp4_round_trip_and_re_encode(tmp_path):
    clip = tmp_path / "clip.gif"
    clip.write_bytes(encode(Frames(moving_frames(10, 384), "animated", (0.1,) * 10), clip))
    out = tmp_path / "marked.mp4"
    result = embed_file(clip, out, "Alice", KEY)
    assert verify_file(out, KEY).detection.payload == result.payload
    # A second generation (dropped frame, re-encode at CRF 23) of a panning clip needs a stronger mark.
    out = tmp_path / "strong.mp4"
    result = embed_file(clip, out, "Alice", KEY, strength=1.5)
    frames = read_frames(out).frames[1:]
    reencoded = tmp_path / "again.mp4"
    import engines.watermark.media_io as mio

    old = mio.VIDEO_CRF
    mio.VIDEO_CRF = 23
    try:
        reencoded.write_bytes(encode(Frames(frames, "video", fps=10.0), reencoded))
    finally:
        mio.VIDEO_CRF = old
    assert verify_file(reencoded, KEY).detection.payload == result.payload


def test_content_credentials_carry_the_watermark_id(photo, tmp_path):
    out = tmp_path / "signed.png"
    result = embed_file(photo, out, "Alice", KEY, c2pa=True)
    assert result.signed
    check = verify_file(out, KEY)
    assert check.found
    assert check.credentials.state == "trusted"  # this installation's own root is trusted locally
    assert check.credentials.watermark["watermark_id"] == result.payload.watermark_id
    assert check.credentials_match is True
    # a second signing reuses the key made on first use
    embed_file(photo, tmp_path / "signed2.png", "Alice", KEY, c2pa=True)
    assert verify_file(tmp_path / "signed2.png", KEY).credentials.signer == check.credentials.signer
    # wrong key: credentials still read, but nothing to compare them with
    wrong = verify_file(out, "other")
    assert not wrong.found and wrong.credentials_match is None and wrong.as_dict()["credentials"]["watermark"]


def test_refusals(photo, tmp_path):
    with pytest.raises(ValueError, match="new file"):
        embed_file(photo, photo, "Alice", KEY)
    (tmp_path / "exists.png").write_bytes(b"x")
    with pytest.raises(ValueError, match="exists"):
        embed_file(photo, tmp_path / "exists.png", "Alice", KEY)
    with pytest.raises(ValueError, match="cannot write"):
        embed_file(photo, tmp_path / "out.xyz", "Alice", KEY)
    with pytest.raises(ValueError, match="does not exist"):
        embed_file(photo, tmp_path / "no" / "out.png", "Alice", KEY)
    with pytest.raises(ValueError, match="folder"):
        embed_file(photo, tmp_path, "Alice", KEY)
    with pytest.raises(ValueError):
        embed_file(photo, tmp_path / "out.png", "  ", KEY)
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"\xff\xd8\xff" + b"\x00" * 20)
    with pytest.raises(MediaError):
        verify_file(bad, KEY)
    with pytest.raises(MediaError):
        embed_file(tmp_path / "missing.png", tmp_path / "o.png", "Alice", KEY)
    assert not (tmp_path / "o.png").exists() and not (tmp_path / "out.png").exists()


def test_verify_reports_json_ready_fields(photo, tmp_path):
    embed_file(photo, tmp_path / "m.webp", "Alice", KEY)
    data = verify_file(tmp_path / "m.webp", KEY).as_dict()
    assert data["found"] and data["owner"] == "Alice" and 0.9 <= data["bit_agreement"] <= 1.0
    import json

    json.dumps(data)
    assert np.isfinite(data["pilot_z"]) and io is not None
