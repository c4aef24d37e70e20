"""Background work of the Protect pane: protect the shown photo in memory, then save it as a new file."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from engines.runtime.jobs import JobContext

DIFF_GAIN = 16  # the difference view multiplies the change so a few grey levels become visible


@dataclasses.dataclass(frozen=True)
class ProtectPreview:
    """A protected copy of the shown photo, held in memory until it is saved."""

    original: np.ndarray
    result: object  # engines.protect.service.ProtectedImage
    difference: np.ndarray  # uint8 levels: |change| × DIFF_GAIN
    swap_sheet: np.ndarray | None  # what the swap surrogate makes of each face, before and after

    @property
    def protected(self) -> np.ndarray:
        return self.result.image

    def rows(self) -> list[tuple[str, str]]:
        r = self.result
        return [("Faces protected", str(len(r.faces))),
                ("PSNR / SSIM", f"{r.psnr:.2f} dB / {r.ssim:.4f}"),
                ("Largest change", f"{int(np.abs(self.protected.astype(int) - self.original).max())} grey levels"),
                ("Strength", f"{r.strength:.2f}"),
                ("Steps per face", str(r.steps)),
                ("Targets", ", ".join(t.name for t in r.targets)),
                ("Time", f"{r.seconds:.1f} s on {r.device}")]


def protect_frame(ctx: JobContext, image: np.ndarray, strength: float, steps: int | None = None,
                  extra_targets: tuple[str, ...] = ()) -> ProtectPreview:
    """Engine job: protect ``image`` (RGB uint8) and prepare the comparison views (``steps``: per face;
    ``extra_targets``: the user's own model files, added to the panel)."""
    from engines.protect.preview import swap_preview
    from engines.protect.service import DEFAULT_STEPS, protect_image

    result = protect_image(image, strength, ctx=ctx, steps=steps or DEFAULT_STEPS, extra_targets=extra_targets)
    change = np.abs(result.image.astype(np.int16) - image.astype(np.int16)).max(axis=2)
    difference = np.clip(change * DIFF_GAIN, 0, 255).astype(np.uint8)
    ctx.progress(0.99, "previewing a face swap")
    sheet = swap_preview(image, result.image, result.faces, result.device) if result.faces else None
    return ProtectPreview(image, result, difference, sheet)


def save_protection(ctx: JobContext, preview: ProtectPreview, src: Path | None, dst: Path, owner: str | None,
                    key: str | None, c2pa: bool) -> object:
    """Engine job: write the protected copy (new file, atomic) and measure its report."""
    from engines.protect.service import save_protected

    return save_protected(preview.result, preview.original, src, dst, owner, key, c2pa, ctx=ctx)


def report_html(report: object) -> str:
    """The protection report as short HTML: what was tested, what it did, what it cannot do."""
    from html import escape

    data = report.as_dict()
    found = data["mtcnn_faces_found"]
    parts = [f"<p><b>Saved</b> {escape(str(data['output']))} — {data['faces']} face(s), PSNR {data['psnr_db']} dB, "
             f"SSIM {data['ssim']}.</p>",
             f"<p>MTCNN finds {found.get('before', 0)} face(s) in the original, {found.get('after', 0)} in the "
             f"protected copy and {found.get('after_jpeg75', 0)} after JPEG 75.</p>",
             "<table cellspacing='0' cellpadding='2'><tr><th align='left'>target</th><th>face</th>"
             "<th>before</th><th>after</th><th>after JPEG 75</th><th>broken</th></tr>"]
    for e in data["effects"]:
        parts.append(f"<tr><td>{escape(e['target'])} ({e['role']})</td><td align='center'>{e['face'] + 1}</td>"
                     f"<td align='right'>{e['before']:.3f}</td><td align='right'>{e['after']:.3f}</td>"
                     f"<td align='right'>{e['after_jpeg75']:.3f}</td>"
                     f"<td align='center'>{'yes' if e['broken'] else 'no'}</td></tr>")
    parts.append("</table>")
    if data["watermark"]:
        parts.append(f"<p>Ownership mark {escape(str(data['watermark'].get('watermark_id', '')))}"
                     f"{' with Content Credentials' if data['content_credentials'] else ''}.</p>")
    parts += [f"<p><i>{escape(n)}</i></p>" for n in data["notes"]]
    parts.append("<p><b>Limits</b></p><ul>" + "".join(f"<li>{escape(t)}</li>" for t in data["limits"]) + "</ul>")
    return "".join(parts)
