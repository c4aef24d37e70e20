"""Rebuild ``docs/example-report.pdf`` and ``docs/example-report-page1.png`` from a synthesised scene.

    python packaging/make_example_report.py            # needs pdftoppm (poppler-utils) for the PNG

The case, its signing key and the evidence files live in a temporary folder that is removed
afterwards; only the two documentation files are written (atomically).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))  # example_scene (the folder is not a package: "packaging" is also a PyPI name)

NOTES = (
    ("harbour-fire.jpg", "ela", {"quality": 90}, "warning",
     "The smoke plume above the right-hand building shows a higher error level than the sky and roofs around "
     "it; texture alone may explain part of it, so compare with the noise analysis."),
    ("harbour-fire.jpg", "noise_inconsistency", {}, "check",
     "Noise in the plume departs from the rest of the sky; compare with the camera original."),
    ("camera-original.jpg", "ela", {"quality": 90}, "ok",
     "Reference: no localised anomaly in the camera original."),
)


def build(out_dir: Path, work: Path) -> tuple[Path, Path]:
    """Create the example case in ``work`` and write the PDF and its first page as PNG into ``out_dir``."""
    os.environ["TRUELENS_DATA_DIR"] = str(work / "data")  # temporary case folder and signing key
    from example_scene import write_scene

    from app.report_pdf import render_pdf
    from engines.evidence import add_bookmark, add_evidence, build_report, create_case, record_analysis
    from engines.evidence.atomic import atomic_write_bytes
    from engines.evidence.signing import fingerprint, load_or_create_key
    from engines.forensics import Subject, run_analysis
    from engines.media import open_media

    forged, original, _mask = write_scene(work / "evidence")
    with create_case("Harbour fire (example)", examiner="A. Examiner") as case:
        items = {item.name: item for item in add_evidence(case, [forged, original])}
        for name, engine, params, status, note in NOTES:
            item = items[name]
            with open_media(item.path) as media:
                frame = media.frame(0)
                subject = Subject(image=frame, path=media.path, frame_index=0, format=media.info.format)
            finding = run_analysis(engine, subject, params)
            record_analysis(case, item.id, finding)
            add_bookmark(case, item.id, finding, frame=frame, note=note, status=status)
        signer = fingerprint(load_or_create_key().public_key())
        report = build_report(case, signer_fingerprint=signer)
    pdf = out_dir / "example-report.pdf"
    atomic_write_bytes(pdf, render_pdf(report))
    png = out_dir / "example-report-page1.png"
    subprocess.run(["pdftoppm", "-r", "100", "-f", "1", "-l", "1", "-png", "-singlefile", str(pdf),
                    str(work / "page1")], check=True)
    atomic_write_bytes(png, (work / "page1.png").read_bytes())
    return pdf, png


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", type=Path, default=ROOT / "docs", help="folder for the PDF and PNG")
    args = parser.parse_args()
    if shutil.which("pdftoppm") is None:
        print("pdftoppm not found (install poppler-utils)", file=sys.stderr)
        return 1
    args.out_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="truelens-example-"))
    try:
        pdf, png = build(args.out_dir.resolve(), work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"wrote {pdf} and {png}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
