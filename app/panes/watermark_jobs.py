"""Background jobs of the Watermark pane: a live preview of the mark on the current frame, saving a marked
copy as a new file, and verifying the open file (with its per-face report). The open evidence file is only
ever read."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from engines.watermark import EmbedResult, VerifyResult, embed, embed_file, make_payload, verify_file
from engines.watermark.metrics import psnr, ssim_luma

DIFF_GAIN = 20  # the difference view shows |after − before| × this (a grey level of 13 saturates)
PREVIEW_OWNER = "preview"
PREVIEW_KEY = "preview"


@dataclasses.dataclass(frozen=True)
class Preview:
    """The marked frame, its fidelity and the amplified difference (uint8 levels 0..255)."""

    marked: np.ndarray
    psnr: float
    ssim: float
    difference: np.ndarray
    max_change: int  # largest per-pixel change in grey levels
    strength: float


def difference_levels(before: np.ndarray, after: np.ndarray, gain: int = DIFF_GAIN) -> np.ndarray:
    """Largest per-channel |after − before| × ``gain`` as uint8 levels (H, W)."""
    diff = np.abs(after.astype(np.int16) - before.astype(np.int16)).max(axis=2)
    return np.clip(diff * gain, 0, 255).astype(np.uint8)


def preview_mark(ctx, frame: np.ndarray, owner: str, key: str, strength: float) -> Preview:
    """Mark ``frame`` in memory (nothing is written) and measure PSNR/SSIM against it."""
    ctx.progress(0.1, "marking a preview")
    payload = make_payload(owner.strip() or PREVIEW_OWNER)
    marked = embed(frame, payload, key or PREVIEW_KEY, strength)
    ctx.progress(0.7, "measuring")
    diff = np.abs(marked.astype(np.int16) - frame.astype(np.int16))
    return Preview(marked, psnr(frame, marked), ssim_luma(frame, marked), difference_levels(frame, marked),
                   int(diff.max()), strength)


def save_marked(ctx, src: Path, dst: Path, owner: str, key: str, strength: float, c2pa: bool,
                faces: bool = False) -> EmbedResult:
    """Write a marked copy of ``src`` to the NEW file ``dst`` (``embed_file`` refuses ``src`` itself);
    ``faces``: every face also gets its own face mark (stills)."""
    ctx.progress(0.1, f"marking {src.name}")
    if Path(dst).resolve() == Path(src).resolve():
        raise ValueError("the output must be a new file, not the open evidence file")
    return embed_file(src, dst, owner, key, strength=strength, c2pa=c2pa, faces=faces)


@dataclasses.dataclass(frozen=True)
class Verification:
    """A verification and, when a mark was found, its tamper map drawn over the first frame (RGB uint8);
    ``faces_rgb``: the face boxes drawn over that (or over the first frame), when faces were found."""

    result: VerifyResult
    tamper_rgb: np.ndarray | None
    faces_rgb: np.ndarray | None = None

    @property
    def picture(self) -> np.ndarray | None:
        """What the pane lays over the canvas: boxes (over the tamper map when there is one) or the map."""
        return self.faces_rgb if self.faces_rgb is not None else self.tamper_rgb


def verify(ctx, path: Path, key: str) -> Verification:
    """Look for the ownership mark under ``key`` in ``path`` (with a tamper map and Content Credentials)."""
    from engines.watermark.face_report import draw_boxes
    from engines.watermark.tamper import overlay

    ctx.progress(0.1, f"looking for a watermark in {path.name}")
    result = verify_file(path, key)
    picture = faces = None
    if result.tamper is not None and result.tamper_frame is not None:
        picture = overlay(result.tamper_frame, result.tamper)
    if result.faces and result.tamper_frame is not None:
        faces = draw_boxes(picture if picture is not None else result.tamper_frame, list(result.faces))
    return Verification(result, picture, faces)


FACE_COLUMNS = ("Face", "Owner", "Altered", "Where")


def face_rows(result: VerifyResult) -> list[tuple[str, str, str, str]]:
    """One (face #, owner, altered, where) row per face of the first frame, numbered from the left."""
    rows = []
    for face in result.faces or ():
        if face.marked:
            owner = face.owner or f"ID {face.owner_id} (not registered here)"
        else:
            owner = "no face mark (this key)"
        altered = {True: "yes", False: "no", None: "cannot tell"}[face.altered]
        rows.append((str(face.index), owner, altered, ", ".join(face.where) if face.altered else ""))
    return rows


def verify_rows(result: VerifyResult) -> list[tuple[str, str]]:
    """Plain (label, value) rows describing a verification."""
    d, p = result.detection, result.detection.payload
    rows: list[tuple[str, str]] = []
    if result.found and p is not None:
        rows += [
            ("Result", "watermark found"),
            ("Owner", result.owner or "(not registered on this computer)"),
            ("Owner ID", p.owner_hex),
            ("Marked at", f"{p.timestamp:%Y-%m-%d %H:%M} UTC"),
            ("Watermark ID", p.watermark_id),
            ("Confidence", f"{confidence_words(d.pilot_z, d.bit_agreement)}: bit agreement {d.bit_agreement:.3f} "
                           f"({d.corrected_bits} corrected), pilot z {d.pilot_z:.1f}"),
            ("Geometry", f"scale {d.scale:.3f}, rotation {d.angle_deg:.1f}°"),
        ]
        if result.tamper is not None:
            unknown = float(result.tamper.unknown.mean())
            rows.append(("Tamper map", f"{100 * result.tamper.flagged_share:.1f} % flagged as changed after "
                                       f"marking, {100 * unknown:.1f} % too weak to judge (first frame)"))
    else:
        rows += [("Result", "no watermark for this key"),
                 ("Pilot z", f"{d.pilot_z:.1f} (a mark under this key would stand well above 4.5)")]
    rows.append(("Frames checked", str(result.frames_checked)))
    creds = result.credentials
    if creds is not None:
        rows.append(("Content Credentials", creds.summary))
        if creds.signer:
            rows.append(("Signed by", creds.signer))
        if creds.watermark is not None:
            verdict = {True: "matches the pixels", False: "does NOT match the pixels",
                       None: "not confirmed (no mark read under this key)"}[result.credentials_match]
            rows.append(("Credentials' watermark", f"{creds.watermark.get('watermark_id')}: {verdict}"))
    return rows


def confidence_words(pilot_z: float, bit_agreement: float) -> str:
    """A plain-language confidence for a verified mark (the MAC already rules out a wrong key)."""
    if pilot_z >= 8 and bit_agreement >= 0.95:
        return "high"
    if pilot_z >= 5 and bit_agreement >= 0.8:
        return "good"
    return "verified, but weak (heavily processed copy)"
