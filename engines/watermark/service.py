"""File-level embedding and verification of the ownership mark (stills, GIF animations, videos)."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import os
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from engines.atomic import atomic_write_bytes
from engines.watermark import credentials, owners
from engines.watermark.detector import Detection, detect_frames
from engines.watermark.face_report import FaceVerdict
from engines.watermark.media_io import Frames, encode, output_kind, read_frames
from engines.watermark.metrics import psnr, ssim_luma
from engines.watermark.ownership import VERSION, embed
from engines.watermark.payload import Payload, make_payload, owner_id
from engines.watermark.tamper import TamperMap, tamper_map

CODEC = "truelens-ownership"
MAX_VERIFY_FRAMES = 12


@dataclasses.dataclass(frozen=True)
class EmbedResult:
    output: Path
    payload: Payload
    frames: int
    psnr: float  # of the mark itself (before the output format's own compression), mean over frames
    ssim: float  # luma SSIM, mean over frames
    seconds: float
    signed: bool
    faces: int | None = None  # faces given their own face mark (None: face marks not asked for)

    def as_dict(self) -> dict[str, Any]:
        out = {"output": str(self.output), "watermark_id": self.payload.watermark_id,
               "owner_id": self.payload.owner_hex, "timestamp": self.payload.timestamp.isoformat(),
               "frames": self.frames, "psnr_db": round(self.psnr, 2), "ssim": round(self.ssim, 4),
               "seconds": round(self.seconds, 3), "content_credentials": self.signed}
        if self.faces is not None:
            out["faces_marked"] = self.faces
        return out


@dataclasses.dataclass(frozen=True)
class VerifyResult:
    path: Path
    detection: Detection
    frames_checked: int
    owner: str | None
    credentials: credentials.CredentialsSummary | None
    tamper: TamperMap | None = None
    tamper_frame: np.ndarray | None = dataclasses.field(default=None, repr=False)
    faces: tuple[FaceVerdict, ...] | None = None  # per-face report of the first frame (None: not checked)

    @property
    def found(self) -> bool:
        return self.detection.found

    @property
    def credentials_match(self) -> bool | None:
        """Whether the signed watermark assertion names the watermark ID read from the pixels.

        None when there is no assertion or no mark was read under this key (nothing to compare).
        """
        payload = self.detection.payload
        if self.credentials is None or self.credentials.watermark is None or payload is None:
            return None
        return self.credentials.watermark.get("watermark_id") == payload.watermark_id

    def as_dict(self) -> dict[str, Any]:
        d, p = self.detection, self.detection.payload
        out: dict[str, Any] = {
            "file": str(self.path), "found": d.found,
            "watermark_id": p.watermark_id if p else None, "owner_id": p.owner_hex if p else None,
            "owner": self.owner, "timestamp": p.timestamp.isoformat() if p else None,
            "pilot_z": round(d.pilot_z, 2), "bit_agreement": round(d.bit_agreement, 4) if p else None,
            "corrected_bits": d.corrected_bits if p else None, "scale": round(d.scale, 4),
            "rotation_deg": round(d.angle_deg, 2), "frames_checked": self.frames_checked,
            "faces_marked": p.faces if p else None,
        }
        if self.tamper is not None:
            out["tamper"] = {"flagged_share": round(self.tamper.flagged_share, 4),
                             "unknown_share": round(float(self.tamper.unknown.mean()), 4),
                             "judged_by": self.tamper.source}
        if self.credentials is not None:
            out["credentials"] = self.credentials.as_dict()
            out["credentials_match"] = self.credentials_match
        if self.faces is not None:
            out["faces"] = [face.as_dict() for face in self.faces]
        return out


def _check_output(src: Path, dst: Path, overwrite: bool) -> None:
    if dst.is_dir():
        raise ValueError(f"{dst} is a folder; give a file name")
    output_kind(dst)
    if dst.resolve() == src.resolve() or (dst.exists() and src.exists() and os.path.samefile(src, dst)):
        raise ValueError("the output must be a new file, not the input")
    if dst.exists() and not overwrite:
        raise ValueError(f"{dst} already exists (choose a new name)")
    if not dst.parent.is_dir():
        raise ValueError(f"the output folder {dst.parent} does not exist")


def embed_file(src: str | Path, dst: str | Path, owner: str, key: str | bytes, *, strength: float = 1.0,
               c2pa: bool = False, overwrite: bool = False, when: datetime.datetime | None = None,
               fragile: bool = False, faces: bool = False, face_owners: Sequence[str] | None = None) -> EmbedResult:
    """Mark every frame of ``src`` with (owner, time) under ``key`` and write ``dst`` atomically.

    The output format follows ``dst``'s suffix. With ``c2pa`` the output is signed with this installation's
    Content Credentials key, with an assertion carrying the watermark ID. ``fragile`` adds the semi-fragile
    layer (sharper tamper maps in busy regions, slightly weaker ownership mark). ``faces`` (stills only) also
    gives every detected face its own face mark carrying its landmarks and an owner: ``face_owners`` from
    the left (missing ones: ``owner``). Raises ValueError, MediaError or C2paSigningError with a one-line reason.
    """
    src, dst = Path(src), Path(dst)
    _check_output(src, dst, overwrite)
    payload = make_payload(owner, when)
    if (faces or face_owners) and output_kind(dst) != "still":
        raise ValueError("face marks are for still pictures (choose a still-image output)")
    started = time.perf_counter()
    media = read_frames(src)
    frames = media.frames[:1] if output_kind(dst) == "still" else media.frames
    marked_faces = None
    if faces or face_owners:  # the ownership mark then also records how many faces were marked
        from engines.watermark.face_picture import mark_picture

        ids = [owner_id(name) for name in face_owners or []]
        first, payload, found = mark_picture(frames[0], payload, key, ids, strength=strength, fragile=fragile)
        marked, marked_faces = [first], len(found)
    else:
        marked = [embed(frame, payload, key, strength, fragile) for frame in frames]
    data = encode(Frames(marked, media.kind, media.durations, media.fps), dst)
    if c2pa:
        _write_signed(data, dst, payload)
    else:
        atomic_write_bytes(dst, data)
    seconds = time.perf_counter() - started
    owners.remember(owner)
    quality = [(psnr(a, b), ssim_luma(a, b)) for a, b in zip(frames, marked, strict=True)]
    for name in face_owners or []:
        owners.remember(name)
    return EmbedResult(dst, payload, len(marked), float(np.mean([q[0] for q in quality])),
                       float(np.mean([q[1] for q in quality])), seconds, c2pa, marked_faces)


def watermark_assertion(payload: Payload) -> dict[str, Any]:
    """What the Content Credentials assertion says about the mark."""
    return {"codec": CODEC, "version": VERSION, "watermark_id": payload.watermark_id,
            "owner_id": payload.owner_hex, "timestamp": payload.timestamp.isoformat()}


def _write_signed(data: bytes, dst: Path, payload: Payload) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{dst.stem}.", suffix=dst.suffix, dir=dst.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        credentials.sign(tmp, dst, dst.name, watermark_assertion(payload))
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def verify_file(path: str | Path, key: str | bytes, *, max_frames: int = MAX_VERIFY_FRAMES,
                check_credentials: bool = True, tamper: bool = True, faces: bool = True) -> VerifyResult:
    """Look for the ownership mark under ``key`` (frames of animations and videos are combined), map where a
    found mark is missing (first frame; ``tamper``), read the file's Content Credentials and, for stills
    (``faces``), report every face: its face mark's owner, whether and where it was altered.
    Raises MediaError for unreadable input."""
    path = Path(path)
    media = read_frames(path, max_frames=max_frames)
    detection = detect_frames(media.frames, key)
    owner = owners.lookup(detection.payload.owner_hex) if detection.payload else None
    creds = credentials.read(path) if check_credentials else None
    changed = tamper_map(media.frames[0], key, detection) if tamper and detection.found else None
    face_report = None
    if faces and media.kind == "still":
        from engines.watermark.face_picture import judge_faces_of

        face_report = tuple(judge_faces_of(media.frames[0], key, detection, changed))
    return VerifyResult(path, detection, len(media.frames), owner, creds, changed, media.frames[0], face_report)
