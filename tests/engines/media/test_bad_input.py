"""Bad input never crashes or hangs: each case raises a MediaError with a clear one-line reason."""

from __future__ import annotations

import builtins
import struct
import zlib

import pytest

from engines.media import (
    CorruptMedia,
    EmptyFile,
    Limits,
    MediaError,
    MediaTooLarge,
    UnreadableFile,
    UnsupportedFormat,
    open_media,
)
from tests.media_factory import jpeg_bytes, texture, write_animation, write_still, write_video


def _one_line(exc: BaseException) -> str:
    text = str(exc)
    assert text and "\n" not in text
    return text


def test_zero_byte_file(tmp_path):
    path = tmp_path / "empty.jpg"
    path.write_bytes(b"")
    with pytest.raises(EmptyFile) as err:
        open_media(path)
    assert "empty" in _one_line(err.value)


def test_missing_file(tmp_path):
    with pytest.raises(UnreadableFile, match="not found"):
        open_media(tmp_path / "missing.jpg")


def test_folder_instead_of_file(tmp_path):
    with pytest.raises(UnreadableFile, match="folder"):
        open_media(tmp_path)


def test_truncated_jpeg(tmp_path):
    data = jpeg_bytes(texture(256, 256), 90)
    path = tmp_path / "cut.jpg"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CorruptMedia) as err:
        open_media(path)
    _one_line(err.value)


def test_truncated_png(tmp_path):
    full = write_still(tmp_path / "full.png", "PNG", texture(128, 128))
    path = tmp_path / "cut.png"
    path.write_bytes(full.read_bytes()[:3000])
    with pytest.raises(CorruptMedia):
        open_media(path)


def test_wrong_extension_opens_and_is_flagged(tmp_path):
    path = write_still(tmp_path / "really_png.jpg", "PNG")
    with open_media(path) as media:
        assert media.info.format == "png"
        assert media.info.extension_mismatch
        assert "does not match" in dict(media.info.as_rows())["Format"]


def test_non_image_file(tmp_path):
    path = tmp_path / "notes.jpg"
    path.write_text("this is not an image\n" * 10)
    with pytest.raises(UnsupportedFormat) as err:
        open_media(path)
    assert "not an image" in _one_line(err.value)


def test_corrupt_gif(tmp_path):
    good = write_animation(tmp_path / "good.gif", "GIF", 6).read_bytes()
    path = tmp_path / "bad.gif"
    path.write_bytes(good[:13] + bytes(b ^ 0x5A for b in good[13:200]) + good[200:260])
    with pytest.raises(MediaError) as err:
        open_media(path)
    _one_line(err.value)


def test_video_with_broken_stream(tmp_path):
    good = write_video(tmp_path / "good.mp4", n=20).read_bytes()
    path = tmp_path / "broken.mp4"
    path.write_bytes(good[:64] + b"\x00" * (len(good) - 64))
    with pytest.raises(MediaError) as err:
        open_media(path)
    _one_line(err.value)


def test_video_container_without_video_stream(tmp_path):
    import av
    import numpy as np

    path = tmp_path / "audio_only.mkv"
    container = av.open(str(path), "w")
    stream = container.add_stream("pcm_s16le", rate=8000, layout="mono")
    frame = av.AudioFrame.from_ndarray(np.zeros((1, 800), np.int16), format="s16", layout="mono")
    frame.sample_rate = 8000
    frame.pts = 0
    for packet in stream.encode(frame):
        container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)
    container.close()
    with pytest.raises(UnsupportedFormat, match="no video stream"):
        open_media(path)


def _png_header_only(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1000)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def test_decompression_bomb_rejected_before_decoding(tmp_path):
    path = tmp_path / "bomb.png"
    path.write_bytes(_png_header_only(60000, 60000))
    with pytest.raises(MediaTooLarge) as err:
        open_media(path)
    _one_line(err.value)


def test_pixel_limit_is_configurable(tmp_path):
    path = write_still(tmp_path / "a.png", "PNG", texture(100, 100))
    with pytest.raises(MediaTooLarge, match="above the limit"):
        open_media(path, Limits(max_pixels=5000))


def test_unreadable_permissions(tmp_path, monkeypatch):
    path = write_still(tmp_path / "locked.png", "PNG")
    real_open = builtins.open

    def deny(file, *args, **kwargs):
        if str(file) == str(path):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", deny)
    with pytest.raises(UnreadableFile, match="permission"):
        open_media(path)


def test_non_ascii_path_with_spaces(tmp_path):
    folder = tmp_path / "Beweis Stücke — 証拠"
    folder.mkdir()
    path = write_still(folder / "photo été 01.jpg", "JPEG")
    with open_media(path) as media:
        assert media.frame(0).shape[2] == 3
        assert media.path.name == "photo été 01.jpg"
