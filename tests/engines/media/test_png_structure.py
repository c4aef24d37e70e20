"""PNG chunk walk: known chunk list, CRC checks, trailing bytes, truncation."""

from __future__ import annotations

from engines.media.png_structure import walk_png
from tests.engines.media._metadata_fixtures import png_bytes, smooth_image


def test_pillow_png_chunks_and_no_trailing():
    data = png_bytes(smooth_image(16, 16))
    png = walk_png(data)
    types = [c.type for c in png.chunks]
    assert types[0] == "IHDR" and types[-1] == "IEND" and "IDAT" in types
    assert png.chunks[0].offset == 8 and png.chunks[0].length == 13
    assert all(c.crc_ok for c in png.chunks)
    assert png.end == len(data)


def test_trailing_bytes_and_bad_crc():
    data = bytearray(png_bytes(smooth_image(16, 16)))
    data[20] ^= 0xFF  # inside IHDR data
    png = walk_png(bytes(data) + b"tail")
    assert not png.chunks[0].crc_ok
    assert len(data) + 4 - png.end == 4
    assert any("bad CRC" in w for w in png.warnings)


def test_truncated_png_never_raises():
    data = png_bytes(smooth_image(16, 16))
    for cut in range(0, len(data) - 1, 5):
        png = walk_png(data[:cut])
        assert png.end is None and png.warnings
