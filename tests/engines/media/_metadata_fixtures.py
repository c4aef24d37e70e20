"""Builders for small test files with known metadata: a TIFF/EXIF writer, APPn segments, XMP, IPTC."""

from __future__ import annotations

import io
import struct
from collections.abc import Iterable
from fractions import Fraction

import numpy as np
from PIL import Image

# TIFF field types
ASCII, SHORT, LONG, RATIONAL, UNDEFINED = 2, 3, 4, 5, 7
_SIZES = {ASCII: 1, SHORT: 2, LONG: 4, RATIONAL: 8, UNDEFINED: 1}

EXIF_POINTER, GPS_POINTER = 0x8769, 0x8825


def _encode(value: object) -> tuple[int, int, bytes]:
    """(type, count, little-endian payload) for a Python value."""
    if isinstance(value, str):
        raw = value.encode("latin-1") + b"\x00"
        return ASCII, len(raw), raw
    if isinstance(value, bytes):
        return UNDEFINED, len(value), value
    if isinstance(value, int):
        return (SHORT, 1, struct.pack("<H", value)) if value < 65536 else (LONG, 1, struct.pack("<I", value))
    if isinstance(value, (float, Fraction)):
        value = (value,)
    if isinstance(value, tuple) and all(isinstance(v, (float, Fraction)) for v in value):
        parts = []
        for v in value:
            frac = Fraction(v).limit_denominator(1_000_000)
            parts.append(struct.pack("<II", frac.numerator, frac.denominator))
        return RATIONAL, len(value), b"".join(parts)
    raise TypeError(f"cannot encode {value!r}")


def _ifd_size(entries: dict[int, object]) -> int:
    size = 2 + 12 * len(entries) + 4
    for value in entries.values():
        _, _, raw = _encode(value)
        if len(raw) > 4:
            size += len(raw) + (len(raw) & 1)
    return size


def _ifd_bytes(entries: dict[int, object], start: int, next_ifd: int) -> bytes:
    head = struct.pack("<H", len(entries))
    data = b""
    data_start = start + 2 + 12 * len(entries) + 4
    for tag in sorted(entries):
        ftype, count, raw = _encode(entries[tag])
        if len(raw) <= 4:
            head += struct.pack("<HHI", tag, ftype, count) + raw.ljust(4, b"\x00")
        else:
            head += struct.pack("<HHII", tag, ftype, count, data_start + len(data))
            data += raw + (b"\x00" if len(raw) & 1 else b"")
    return head + struct.pack("<I", next_ifd) + data


def tiff_bytes(
    ifd0: dict[int, object],
    exif: dict[int, object] | None = None,
    gps: dict[int, object] | None = None,
    thumbnail: bytes | None = None,
) -> bytes:
    """A little-endian TIFF structure as stored in an EXIF APP1: IFD0 → Exif/GPS sub-IFDs, IFD1 → thumbnail."""
    ifd0 = dict(ifd0)
    if exif is not None:
        ifd0[EXIF_POINTER] = 0xFFFFFF  # LONG placeholder, fixed below
    if gps is not None:
        ifd0[GPS_POINTER] = 0xFFFFFF
    off0 = 8
    off_exif = off0 + _ifd_size(ifd0)
    off_gps = off_exif + (_ifd_size(exif) if exif is not None else 0)
    off_ifd1 = off_gps + (_ifd_size(gps) if gps is not None else 0)
    ifd1: dict[int, object] | None = None
    if thumbnail is not None:
        ifd1 = {0x0103: 6, 0x0201: 0xFFFFFF, 0x0202: 0xFFFFFF}
        off_thumb = off_ifd1 + _ifd_size(ifd1)
        ifd1 = {0x0103: 6, 0x0201: 0x1000000 | off_thumb, 0x0202: 0x1000000 | len(thumbnail)}
    if exif is not None:
        ifd0[EXIF_POINTER] = 0x1000000 | off_exif  # forces LONG encoding; masked off below
    if gps is not None:
        ifd0[GPS_POINTER] = 0x1000000 | off_gps
    out = b"II*\x00" + struct.pack("<I", off0)
    out += _unmask(_ifd_bytes(ifd0, off0, off_ifd1 if ifd1 else 0))
    if exif is not None:
        out += _ifd_bytes(exif, off_exif, 0)
    if gps is not None:
        out += _ifd_bytes(gps, off_gps, 0)
    if ifd1 is not None and thumbnail is not None:
        out += _unmask(_ifd_bytes(ifd1, off_ifd1, 0)) + thumbnail
    return out


def _unmask(ifd: bytes) -> bytes:
    """Clear the 0x01000000 marker bit used to force LONG offsets (the offsets themselves are small)."""
    count = struct.unpack("<H", ifd[:2])[0]
    buf = bytearray(ifd)
    for i in range(count):
        pos = 2 + 12 * i
        _tag, ftype = struct.unpack("<HH", buf[pos : pos + 4])
        if ftype == LONG:
            value = struct.unpack("<I", buf[pos + 8 : pos + 12])[0] & 0xFFFFFF
            buf[pos + 8 : pos + 12] = struct.pack("<I", value)
    return bytes(buf)


def gps_ifd(lat: float, lon: float) -> dict[int, object]:
    """GPS sub-IFD entries for a decimal latitude/longitude (degrees, minutes, seconds rationals)."""

    def dms(value: float) -> tuple[Fraction, Fraction, Fraction]:
        value = abs(value)
        deg = int(value)
        minutes = int((value - deg) * 60)
        seconds = Fraction(round(((value - deg) * 60 - minutes) * 60 * 1000), 1000)
        return Fraction(deg), Fraction(minutes), seconds

    return {
        0: b"\x02\x03\x00\x00",
        1: "N" if lat >= 0 else "S",
        2: dms(lat),
        3: "E" if lon >= 0 else "W",
        4: dms(lon),
    }


def app_segment(n: int, payload: bytes) -> bytes:
    """An APPn marker segment (FF En, big-endian length, payload)."""
    if len(payload) > 65533:
        raise ValueError("APP payload too long")
    return bytes([0xFF, 0xE0 + n]) + struct.pack(">H", len(payload) + 2) + payload


def exif_segment(tiff: bytes) -> bytes:
    return app_segment(1, b"Exif\x00\x00" + tiff)


def xmp_segment(xml: str) -> bytes:
    return app_segment(1, b"http://ns.adobe.com/xap/1.0/\x00" + xml.encode("utf-8"))


def icc_segment(profile: bytes) -> bytes:
    return app_segment(2, b"ICC_PROFILE\x00\x01\x01" + profile)


def iptc_segment(records: dict[tuple[int, int], bytes]) -> bytes:
    """APP13 Photoshop 3.0 block with an IPTC-IIM resource (0x0404)."""
    iim = b"".join(b"\x1c" + bytes([r, d]) + struct.pack(">H", len(v)) + v for (r, d), v in records.items())
    resource = b"8BIM" + struct.pack(">H", 0x0404) + b"\x00\x00" + struct.pack(">I", len(iim)) + iim
    if len(iim) & 1:
        resource += b"\x00"
    return app_segment(13, b"Photoshop 3.0\x00" + resource)


def insert_segments(jpeg: bytes, segments: Iterable[bytes]) -> bytes:
    """Insert marker segments right after SOI."""
    if not jpeg.startswith(b"\xff\xd8"):
        raise ValueError("not a JPEG")
    return jpeg[:2] + b"".join(segments) + jpeg[2:]


def smooth_image(height: int = 128, width: int = 160, seed: int = 0) -> np.ndarray:
    """A smooth, textured RGB uint8 test image (blurred noise plus gradients)."""
    rng = np.random.default_rng(seed)
    import cv2

    noise = rng.random((height // 8 + 1, width // 8 + 1, 3)).astype(np.float32)
    base = cv2.resize(noise, (width, height), interpolation=cv2.INTER_CUBIC)
    ramp = np.linspace(0, 1, width, dtype=np.float32)[None, :, None]
    img = 0.6 * base + 0.4 * ramp
    return np.clip(img * 255, 0, 255).astype(np.uint8)


def jpeg_bytes(image: np.ndarray, quality: int = 90, **save_args: object) -> bytes:
    """Encode an RGB array as JPEG with Pillow."""
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, "JPEG", quality=quality, **save_args)
    return buf.getvalue()


def png_bytes(image: np.ndarray, **save_args: object) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, "PNG", **save_args)
    return buf.getvalue()


def sample_xmp(creator_tool: str = "", history_agents: tuple[str, ...] = ()) -> str:
    """A small XMP packet with an optional CreatorTool and xmpMM:History software agents."""
    items = "".join(
        f'<rdf:li stEvt:action="saved" stEvt:softwareAgent="{agent}" stEvt:when="2024-01-02T03:04:05"/>'
        for agent in history_agents
    )
    tool = f' xmp:CreatorTool="{creator_tool}"' if creator_tool else ""
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" '
        'xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/" '
        'xmlns:stEvt="http://ns.adobe.com/xap/1.0/sType/ResourceEvent#" '
        f'xmlns:dc="http://purl.org/dc/elements/1.1/"{tool}>'
        '<dc:title><rdf:Alt><rdf:li xml:lang="x-default">Test title</rdf:li></rdf:Alt></dc:title>'
        f"<xmpMM:History><rdf:Seq>{items}</rdf:Seq></xmpMM:History>"
        '</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
    )


def camera_jpeg(
    image: np.ndarray | None = None,
    *,
    software: str | None = None,
    make: str = "Canon",
    model: str = "Canon EOS 5D",
    original: str | None = "2024:05:06 07:08:09",
    digitized: str | None = "2024:05:06 07:08:09",
    modified: str | None = None,
    gps: tuple[float, float] | None = None,
    thumbnail: np.ndarray | None = None,
    extra_segments: tuple[bytes, ...] = (),
    quality: int = 90,
    qtables: list[list[int]] | None = None,
) -> bytes:
    """A Pillow-encoded JPEG with a hand-built EXIF APP1 (make, model, dates, optional GPS and thumbnail).

    ``qtables`` replaces libjpeg's standard quantization tables (as camera firmware does); ``quality`` is
    then ignored and the tables are stored exactly as given.
    """
    image = smooth_image() if image is None else image
    ifd0: dict[int, object] = {0x010F: make, 0x0110: model, 0x0112: 1}
    if software is not None:
        ifd0[0x0131] = software
    if modified is not None:
        ifd0[0x0132] = modified
    exif: dict[int, object] = {0x9000: b"0232"}
    if original is not None:
        exif[0x9003] = original
    if digitized is not None:
        exif[0x9004] = digitized
    thumb = jpeg_bytes(thumbnail, quality=92) if thumbnail is not None else None
    tiff = tiff_bytes(ifd0, exif, gps_ifd(*gps) if gps else None, thumb)
    # Pillow scales custom tables by quality; 50 keeps them exactly as given.
    encoded = jpeg_bytes(image, quality) if qtables is None else jpeg_bytes(image, 50, qtables=qtables)
    return insert_segments(encoded, (exif_segment(tiff), *extra_segments))


TEST_MANIFEST = {
    "claim_generator_info": [{"name": "TrueLens tests", "version": "0.1"}],
    "title": "fixture.jpg",
    "assertions": [
        {
            "label": "c2pa.actions",
            "data": {
                "actions": [
                    {
                        "action": "c2pa.created",
                        "digitalSourceType": "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture",
                    }
                ]
            },
        }
    ],
}


def tamper_scan_byte(jpeg: bytes) -> bytes:
    """Flip one bit in the middle of the first scan's entropy-coded data without creating a marker."""
    from engines.media.jpeg_structure import walk_jpeg

    sos = next(s for s in walk_jpeg(jpeg).segments if s.name == "SOS")
    pos = sos.end + sos.scan_bytes // 2
    while jpeg[pos] in (0xFE, 0xFF) or jpeg[pos - 1] == 0xFF:
        pos += 1
    buf = bytearray(jpeg)
    buf[pos] ^= 0x01
    return bytes(buf)


def root_certificate(chain_pem: bytes) -> bytes:
    """The last certificate of a PEM chain (the root CA made by ``create_test_credentials``)."""
    marker = b"-----BEGIN CERTIFICATE-----"
    return marker + chain_pem.rsplit(marker, 1)[1]
