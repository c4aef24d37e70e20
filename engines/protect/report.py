"""What a protection run measured, and how to say it without promising more.

``measure_effects`` scores every panel target on each face of the *written* pixels before protection, after
it, and after a real JPEG 75 re-encode (compared with the original after the same re-encode); MTCNN's full
detector is run on the original, the protected photo and its JPEG 75 version. ``ProtectionReport.as_dict``
is what the CLI prints and the GUI shows.
"""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image

from engines.protect.mtcnn import FaceBox, detect_faces
from engines.protect.region import FaceRegion
from engines.protect.targets import Target

LIMITS = (
    "Tested only against the models listed here (surrogates trained by TrueLens and MTCNN); real face-swap and "
    "editing tools are other models, and the effect on them is smaller and not guaranteed "
    "(see docs/BENCHMARKS.md, held-out models).",
    "Measured on models it was not optimised against (8 held-out photos, default strength): other face-swap "
    "models' output changed by about 40 dB PSNR (not visible), a landmark-warp face swap by 27 dB, and the "
    "detectors YuNet and BlazeFace still found every face. Strength 2 does more (34 dB and 24.6 dB) but is "
    "visible; neither breaks those models' output outright.",
    "Purification removes it: denoising, diffusion-based 'cleaning', or strong blur and upscaling.",
    "Robust mimicry: an attacker who fine-tunes on protected photos, or adds noise before training, "
    "can learn around it.",
    "Strong re-compression (JPEG below about 70) or shrinking below half size weakens it; "
    "the numbers after JPEG 75 show how much is left.",
    "It changes pixels slightly; it is not a watermark of ownership (use --owner/--key for that) and it does "
    "not stop anyone from copying the photo.",
)


@dataclasses.dataclass(frozen=True)
class TargetEffect:
    """One target on one face: loss before protection, after, and after JPEG 75 (goal = broken)."""

    name: str
    role: str
    face: int
    goal: float
    before: float
    after: float
    after_jpeg75: float

    @property
    def broken(self) -> bool:
        return self.after >= self.goal

    @property
    def broken_after_jpeg75(self) -> bool:
        return self.after_jpeg75 >= self.goal

    def as_dict(self) -> dict[str, Any]:
        return {"target": self.name, "role": self.role, "face": self.face, "goal": self.goal,
                "before": round(self.before, 4), "after": round(self.after, 4),
                "after_jpeg75": round(self.after_jpeg75, 4), "broken": self.broken,
                "broken_after_jpeg75": self.broken_after_jpeg75}


@dataclasses.dataclass(frozen=True)
class ProtectionReport:
    """Everything the protection of one photo did and measured."""

    input: Path | None
    output: Path | None
    strength: float
    budget: dict[str, float]
    faces: int
    effects: tuple[TargetEffect, ...]
    detections: dict[str, int]
    psnr: float
    ssim: float
    seconds: float
    device: str
    steps: int
    scaled_down: bool
    watermark: dict[str, Any] | None = None
    content_credentials: bool = False
    notes: tuple[str, ...] = ()
    limits: tuple[str, ...] = LIMITS

    def as_dict(self) -> dict[str, Any]:
        return {
            "input": str(self.input) if self.input else None, "output": str(self.output) if self.output else None,
            "strength": self.strength, "budget": self.budget, "faces": self.faces,
            "targets": sorted({e.name for e in self.effects}),
            "effects": [e.as_dict() for e in self.effects], "mtcnn_faces_found": self.detections,
            "psnr_db": round(self.psnr, 2), "ssim": round(self.ssim, 4), "seconds": round(self.seconds, 2),
            "device": self.device, "steps_per_face": self.steps, "scaled_down_to_budget": self.scaled_down,
            "watermark": self.watermark, "content_credentials": self.content_credentials,
            "notes": list(self.notes), "limits": list(self.limits),
        }

    def summary_lines(self) -> list[str]:
        """A short human-readable account (what was tested, what it did, what it cannot do)."""
        lines = [f"{self.faces} face(s) protected; PSNR {self.psnr:.2f} dB, SSIM {self.ssim:.4f}, "
                 f"{self.seconds:.1f} s on {self.device}"]
        d = self.detections
        lines.append(f"MTCNN finds {d.get('before', 0)} face(s) before, {d.get('after', 0)} after, "
                     f"{d.get('after_jpeg75', 0)} after JPEG 75")
        for e in self.effects:
            lines.append(f"  face {e.face} {e.name} ({e.role}): {e.before:.3f} → {e.after:.3f} "
                         f"(JPEG 75: {e.after_jpeg75:.3f}; broken at {e.goal:g}: "
                         f"{'yes' if e.broken else 'no'}/{'yes' if e.broken_after_jpeg75 else 'no'})")
        lines += [f"note: {n}" for n in self.notes]
        lines += [f"limit: {t}" for t in self.limits]
        return lines


def jpeg_round_trip(image: np.ndarray, quality: int) -> np.ndarray:
    """Real (Pillow, 4:2:0) JPEG encode and decode of an RGB uint8 image."""
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, "JPEG", quality=quality)
    buf.seek(0)
    return np.array(Image.open(buf).convert("RGB"))


def measure_effects(original: np.ndarray, protected: np.ndarray, regions: list[FaceRegion], targets: list[Target],
                    device: str = "cpu") -> tuple[list[TargetEffect], dict[str, int]]:
    """Score every target on every face region: the original (before), the protected photo (after, both against
    the original), and the protected photo after a real JPEG 75 re-encode against the original after the same
    re-encode (so the JPEG's own change is not counted as protection)."""
    recoded = jpeg_round_trip(protected, 75)
    recoded_clean = jpeg_round_trip(original, 75)
    effects = []
    with torch.no_grad():
        for k, region in enumerate(regions):
            clean = region.work_tensor(original, device)
            protected_view = region.work_tensor(protected, device)
            clean_jpeg, protected_jpeg = (region.work_tensor(img, device) for img in (recoded_clean, recoded))
            for target in targets:
                target.prepare(clean, region.face_work)
                before, after = float(target.loss(clean)), float(target.loss(protected_view))
                target.prepare(clean_jpeg, region.face_work)
                recoded_loss = float(target.loss(protected_jpeg))
                effects.append(TargetEffect(target.name, target.role, k, target.goal, before, after, recoded_loss))
    counts = {name: len(detect_faces(img, device)) for name, img in
              (("before", original), ("after", protected), ("after_jpeg75", recoded))}
    return effects, counts


def face_list(faces: list[FaceBox]) -> list[dict[str, Any]]:
    """Detected faces as plain data."""
    return [{"box": [round(float(v), 1) for v in f.box], "score": round(f.score, 3)} for f in faces]
