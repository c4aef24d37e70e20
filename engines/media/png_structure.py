"""PNG chunk list with CRC checks and trailing bytes after IEND; never raises on malformed data."""

from __future__ import annotations

import dataclasses
import zlib

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_MAX_CHUNKS = 100_000


@dataclasses.dataclass(frozen=True)
class Chunk:
    """One chunk: ``offset`` of its length field, declared data ``length``, four-letter ``type``."""

    offset: int
    type: str
    length: int
    crc_ok: bool


@dataclasses.dataclass(frozen=True)
class PngStructure:
    chunks: tuple[Chunk, ...]
    end: int | None  # offset just past IEND's CRC, None when IEND was not reached
    warnings: tuple[str, ...] = ()


def walk_png(data: bytes) -> PngStructure:
    """List the chunks of a PNG file held in ``data``."""
    if not data.startswith(PNG_SIGNATURE):
        return PngStructure((), None, ("no PNG signature",))
    chunks: list[Chunk] = []
    warnings: list[str] = []
    pos = len(PNG_SIGNATURE)
    n = len(data)
    while len(chunks) < _MAX_CHUNKS:
        if pos + 8 > n:
            warnings.append(f"file ends at offset {n} before the IEND chunk (truncated)")
            return PngStructure(tuple(chunks), None, tuple(warnings))
        length = int.from_bytes(data[pos : pos + 4], "big")
        raw_type = data[pos + 4 : pos + 8]
        ctype = raw_type.decode("latin-1")
        if not raw_type.isalpha():
            warnings.append(f"invalid chunk type {raw_type!r} at offset {pos}")
            return PngStructure(tuple(chunks), None, tuple(warnings))
        if pos + 12 + length > n:
            warnings.append(f"{ctype} chunk at offset {pos} declares {length} bytes, beyond the end of the file")
            chunks.append(Chunk(pos, ctype, length, False))
            return PngStructure(tuple(chunks), None, tuple(warnings))
        body = data[pos + 4 : pos + 8 + length]
        stored = int.from_bytes(data[pos + 8 + length : pos + 12 + length], "big")
        crc_ok = (zlib.crc32(body) & 0xFFFFFFFF) == stored
        if not crc_ok:
            warnings.append(f"{ctype} chunk at offset {pos} has a bad CRC")
        chunks.append(Chunk(pos, ctype, length, crc_ok))
        pos += 12 + length
        if ctype == "IEND":
            return PngStructure(tuple(chunks), pos, tuple(warnings))
    warnings.append(f"stopped after {_MAX_CHUNKS} chunks")
    return PngStructure(tuple(chunks), None, tuple(warnings))
