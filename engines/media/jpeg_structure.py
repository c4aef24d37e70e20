"""JPEG marker/segment walk: segment list, APPn identifiers, trailing bytes and embedded JPEG images.

Everything here reads bytes that came from an untrusted file: the walker never raises on bad data,
it stops at the first inconsistency and records a warning instead.
"""

from __future__ import annotations

import dataclasses

SOI = b"\xff\xd8"
_MAX_SEGMENTS = 10_000
_MAX_EMBEDDED = 64
_MAX_CANDIDATES = 4_096

_STANDALONE = {0x01, 0xD8, 0xD9} | set(range(0xD0, 0xD8))
_NAMES = {
    0x01: "TEM",
    0xC4: "DHT",
    0xC8: "JPG",
    0xCC: "DAC",
    0xD8: "SOI",
    0xD9: "EOI",
    0xDA: "SOS",
    0xDB: "DQT",
    0xDC: "DNL",
    0xDD: "DRI",
    0xDE: "DHP",
    0xDF: "EXP",
    0xFE: "COM",
}
SOF_MARKERS = frozenset(set(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC})


def marker_name(marker: int) -> str:
    """Conventional short name of a JPEG marker byte (0xC0 → "SOF0", 0xE1 → "APP1")."""
    if marker in _NAMES:
        return _NAMES[marker]
    if marker in SOF_MARKERS:
        return f"SOF{marker - 0xC0}"
    if 0xD0 <= marker <= 0xD7:
        return f"RST{marker - 0xD0}"
    if 0xE0 <= marker <= 0xEF:
        return f"APP{marker - 0xE0}"
    if 0xF0 <= marker <= 0xFD:
        return f"JPG{marker - 0xF0}"
    return f"0x{marker:02X}"


@dataclasses.dataclass(frozen=True)
class Segment:
    """One marker: ``offset`` of its 0xFF byte, ``length`` as stored (payload + 2, 0 for standalone markers).

    ``identifier`` is the APPn signature (e.g. "Exif", "ICC_PROFILE"); ``scan_bytes`` counts the
    entropy-coded data that follows an SOS.
    """

    offset: int
    marker: int
    name: str
    length: int = 0
    identifier: str = ""
    scan_bytes: int = 0

    @property
    def payload_start(self) -> int:
        return self.offset + 4 if self.length else self.offset + 2

    @property
    def end(self) -> int:
        """Offset just past the segment (not counting scan data)."""
        return self.offset + 2 + self.length


@dataclasses.dataclass(frozen=True)
class JpegStructure:
    """Result of walking one JPEG stream that starts at ``start`` in ``data``."""

    segments: tuple[Segment, ...]
    end: int | None  # offset just past EOI, None when no EOI was reached
    width: int | None = None
    height: int | None = None
    warnings: tuple[str, ...] = ()

    @property
    def has_image(self) -> bool:
        names = {s.name for s in self.segments}
        return "SOS" in names and any(s.marker in SOF_MARKERS for s in self.segments)

    def app_segments(self, identifier: str | None = None) -> list[Segment]:
        """APPn segments, optionally only those with this identifier."""
        return [
            s for s in self.segments if s.name.startswith("APP") and (identifier is None or s.identifier == identifier)
        ]


@dataclasses.dataclass(frozen=True)
class EmbeddedJpeg:
    """A complete JPEG (SOI…EOI with a frame and a scan) found inside the file after offset 0."""

    offset: int
    length: int
    width: int | None
    height: int | None
    location: str  # e.g. "APP1 (Exif)", "after EOI", "APP2 (MPF)"


def app_identifier(payload: bytes, marker: int = 0xE1) -> str:
    """Printable signature at the start of an APPn payload, up to the first NUL (or "" if none)."""
    if marker == 0xEB and payload.startswith(b"JP"):  # JUMBF boxes (C2PA manifests) in APP11
        return "JP (JUMBF)"
    head = payload[:80]
    nul = head.find(b"\x00")
    text = head[:nul] if nul >= 0 else head[:16]
    if payload.startswith(b"Photoshop 3.0"):
        return "Photoshop 3.0"
    if payload.startswith(b"Adobe") and nul < 0:
        return "Adobe"
    if not text or not all(32 <= b < 127 for b in text):
        return ""
    return text.decode("ascii")


def _find_next_marker(data: bytes, pos: int) -> int:
    """First offset ≥ pos of an 0xFF that starts a real marker inside entropy-coded data (-1 if none)."""
    n = len(data)
    while True:
        pos = data.find(b"\xff", pos)
        if pos < 0 or pos + 1 >= n:
            return -1
        nxt = data[pos + 1]
        if nxt == 0x00 or 0xD0 <= nxt <= 0xD7 or nxt == 0xFF:
            pos += 1
            continue
        return pos


def _frame_size(payload: bytes) -> tuple[int | None, int | None]:
    if len(payload) < 5:
        return None, None
    height = int.from_bytes(payload[1:3], "big")
    width = int.from_bytes(payload[3:5], "big")
    return width, height


def walk_jpeg(data: bytes, start: int = 0) -> JpegStructure:
    """Walk the markers of the JPEG stream beginning at ``start``; never raises on malformed data."""
    warnings: list[str] = []
    segments: list[Segment] = []
    if data[start : start + 2] != SOI:
        return JpegStructure((), None, warnings=("no JPEG start-of-image marker",))
    segments.append(Segment(start, 0xD8, "SOI"))
    pos = start + 2
    width = height = None
    n = len(data)
    while len(segments) < _MAX_SEGMENTS:
        if pos >= n:
            warnings.append(f"file ends at offset {n} before the end-of-image marker (truncated)")
            return JpegStructure(tuple(segments), None, width, height, tuple(warnings))
        if data[pos] != 0xFF:
            warnings.append(f"expected a marker at offset {pos}, found byte 0x{data[pos]:02X}")
            return JpegStructure(tuple(segments), None, width, height, tuple(warnings))
        while pos + 1 < n and data[pos + 1] == 0xFF:  # fill bytes
            pos += 1
        if pos + 1 >= n:
            warnings.append(f"file ends inside a marker at offset {pos} (truncated)")
            return JpegStructure(tuple(segments), None, width, height, tuple(warnings))
        marker = data[pos + 1]
        name = marker_name(marker)
        if marker == 0xD9:
            segments.append(Segment(pos, marker, name))
            return JpegStructure(tuple(segments), pos + 2, width, height, tuple(warnings))
        if marker in _STANDALONE:
            segments.append(Segment(pos, marker, name))
            pos += 2
            continue
        if pos + 4 > n:
            warnings.append(f"{name} at offset {pos} has no length field (truncated)")
            return JpegStructure(tuple(segments), None, width, height, tuple(warnings))
        length = int.from_bytes(data[pos + 2 : pos + 4], "big")
        if length < 2 or pos + 2 + length > n:
            warnings.append(f"{name} at offset {pos} declares length {length}, beyond the end of the file")
            segments.append(Segment(pos, marker, name, length))
            return JpegStructure(tuple(segments), None, width, height, tuple(warnings))
        payload = data[pos + 4 : pos + 2 + length]
        ident = app_identifier(payload, marker) if 0xE0 <= marker <= 0xEF else ""
        if marker in SOF_MARKERS and width is None:
            width, height = _frame_size(payload)
        end = pos + 2 + length
        if marker == 0xDA:
            nxt = _find_next_marker(data, end)
            if nxt < 0:
                segments.append(Segment(pos, marker, name, length, scan_bytes=n - end))
                warnings.append(f"scan data starting at offset {end} runs to the end of the file (no EOI)")
                return JpegStructure(tuple(segments), None, width, height, tuple(warnings))
            segments.append(Segment(pos, marker, name, length, scan_bytes=nxt - end))
            pos = nxt
            continue
        segments.append(Segment(pos, marker, name, length, ident))
        pos = end
    warnings.append(f"stopped after {_MAX_SEGMENTS} segments")
    return JpegStructure(tuple(segments), None, width, height, tuple(warnings))


def _location(offset: int, main: JpegStructure) -> str:
    for seg in main.segments:
        if seg.length and seg.offset < offset < seg.end:
            return f"{seg.name} ({seg.identifier})" if seg.identifier else seg.name
        if seg.scan_bytes and seg.end <= offset < seg.end + seg.scan_bytes:
            return "inside scan data"
    if main.end is not None and offset >= main.end:
        return "after EOI"
    return "unknown"


def find_embedded_jpegs(data: bytes, main: JpegStructure) -> list[EmbeddedJpeg]:
    """Complete JPEG images starting after offset 0 (EXIF thumbnails, MPF previews, appended images)."""
    found: list[EmbeddedJpeg] = []
    pos = 1
    tried = 0
    while len(found) < _MAX_EMBEDDED and tried < _MAX_CANDIDATES:
        pos = data.find(b"\xff\xd8\xff", pos)
        if pos < 0:
            break
        tried += 1
        sub = walk_jpeg(data, pos)
        if sub.end is not None and sub.has_image:
            found.append(EmbeddedJpeg(pos, sub.end - pos, sub.width, sub.height, _location(pos, main)))
            pos = sub.end
        else:
            pos += 3
    return found


def trailing_bytes(data: bytes, main: JpegStructure) -> int | None:
    """Bytes after the main image's EOI, or None when the stream has no EOI."""
    return None if main.end is None else len(data) - main.end
