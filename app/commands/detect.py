"""``truelens detect FILE [--json]``: faces with boxes, fake scores and robustness flags, the
AI-generated score, and per-frame scores with face tracks for GIFs and videos."""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

from app.cli import EXIT_USAGE, CliError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("detect", help="detect faces, score them as real or manipulated, and score AI generation",
                       description="Find faces and score each as real or manipulated (with a TRIM robustness "
                                   "flag), plus a whole-image AI-generated score. GIFs and videos are scored per "
                                   "frame with face tracks.")
    p.add_argument("file", help="image, GIF or video")
    p.add_argument("--json", action="store_true", help="print the full report as JSON")
    p.add_argument("--max-frames", type=int, default=300, metavar="N",
                   help="analyse at most N evenly spaced frames of a GIF/video (default 300)")
    p.add_argument("--no-robustness", action="store_true", help="skip the TRIM robustness measures (faster)")
    p.add_argument("--no-aigen", action="store_true", help="skip the AI-generated score")
    p.add_argument("--threads", type=int, default=1, metavar="N",
                   help="torch threads for the classifier (default 1: faster than 2 on a busy 2-core machine)")
    p.add_argument("--model", metavar="DIR", help="face model folder with manifest.json (default: the shipped one)")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from engines.detect.face_model import FaceForgeryModel, shared_face_model
    from engines.detect.pipeline import detect_file
    from engines.media.errors import MediaError
    from engines.models.manifest import WeightsError

    if args.max_frames < 1 or args.threads < 1:
        raise CliError("--max-frames and --threads must be ≥ 1", EXIT_USAGE)
    import torch

    torch.set_num_threads(args.threads)
    path = Path(args.file)
    try:
        model = FaceForgeryModel(args.model) if args.model else shared_face_model()
        report = detect_file(path, max_frames=args.max_frames, robust=not args.no_robustness,
                             aigen=not args.no_aigen, model=model)
    except MediaError as exc:
        raise CliError(str(exc)) from None
    except WeightsError as exc:
        raise CliError(f"model: {exc}") from None
    except (ValueError, OSError) as exc:
        raise CliError(f"{path.name}: {exc}") from None
    if args.json:
        print(json.dumps(report.to_dict(), indent=2, default=_json_default))
    else:
        print("\n".join(summary_lines(report, path.name)))
    return 0


def _json_default(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _face_line(n: int, face) -> str:
    x0, y0, x1, y1 = (round(float(v)) for v in face.box)
    line = f"  face {n}: box {x0},{y0}–{x1},{y1}  fake score {face.fake_score:.3f} ({face.label})"
    if face.robustness is not None:
        r = face.robustness
        line += (f"  robustness: {r.label} (entropy {r.entropy:.2f} bit, prediction KL {r.prediction_kl:.4f}, "
                 f"feature KL {r.feature_kl:.4f})")
    return line


def summary_lines(report, name: str) -> list[str]:
    """Human-readable report: one line per face (stills) or per track and frame (GIF/video)."""
    lines = [f"{name}: {report.kind} {report.width}×{report.height}, detector {report.detector}, "
             f"model {report.model}, threshold {report.threshold:.2f}"]
    if report.kind == "still":
        lines.append(f"{len(report.faces)} face(s)")
        lines += [_face_line(i + 1, f) for i, f in enumerate(report.faces)]
    else:
        lines.append(f"{len(report.frames)} frame(s) analysed, {len(report.tracks)} face track(s)")
        for t in report.tracks:
            lines.append(f"  track {t.track_id}: {len(t.frames)} frame(s), mean fake score {t.mean_score:.3f} "
                         f"(median {t.median_score:.3f}, max {t.max_score:.3f}, {t.fake_fraction:.0%} of frames "
                         f"above threshold, {t.unstable_frames} unstable) → {t.label}")
        for fr in report.frames:
            scores = ", ".join(f"t{f.track_id}={f.fake_score:.2f}{'!' if f.robustness and f.robustness.flagged else ''}"
                               for f in fr.faces) or "no face"
            lines.append(f"  frame {fr.index} @ {fr.time_s:.2f}s: {scores}")
    if report.aigen is not None:
        a = report.aigen
        lines.append(f"AI-generated score {a.score:.3f} ({a.label}); cross-validated AUC {a.cv_auc:.2f}. "
                     f"Limits: {a.limits}")
    lines += [f"note: {n}" for n in report.notes]
    return lines
