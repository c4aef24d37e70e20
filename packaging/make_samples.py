"""Regenerate the bundled sample media in resources/samples/ (run by developers, not by the app).

Sources are scikit-image's bundled public-domain / CC0 images (astronaut: NASA, public domain;
coffee and chelsea: CC0), so the samples can ship. The photo is a deliberate splice with a
known mask, so the sample shows what TrueLens finds.
"""

from __future__ import annotations

import io
from pathlib import Path

import av
import numpy as np
from PIL import Image
from skimage import data

OUT = Path(__file__).resolve().parent.parent / "resources" / "samples"


def _jpeg(arr: np.ndarray, quality: int) -> np.ndarray:
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, "JPEG", quality=quality)
    return np.array(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))


def make_photo() -> None:
    base = _jpeg(data.astronaut(), 60)  # the "camera" original, compressed once at q60
    cup = data.coffee()[90:290, 190:390]  # donor region never JPEG-compressed: another history
    forged = base.copy()
    mask = np.zeros(base.shape[:2], bool)
    y, x = 300, 290
    yy, xx = np.mgrid[0:200, 0:200]
    disc = (yy - 100) ** 2 + (xx - 100) ** 2 < 85**2
    forged[y : y + 200, x : x + 200][disc] = cup[disc]
    mask[y : y + 200, x : x + 200] = disc
    Image.fromarray(forged).save(OUT / "sample_photo.jpg", "JPEG", quality=95)
    Image.fromarray((mask * 255).astype(np.uint8)).save(OUT / "sample_photo_gt.png")


def make_gif() -> None:
    cat = data.chelsea()
    frames = []
    for i in range(16):
        crop = cat[20 + i * 4 : 20 + i * 4 + 240, 40 + i * 8 : 40 + i * 8 + 320]
        frames.append(Image.fromarray(np.ascontiguousarray(crop)).quantize(128))
    frames[0].save(OUT / "sample_animation.gif", save_all=True, append_images=frames[1:],
                   duration=[80] * 15 + [400], loop=0)


def make_video() -> None:
    coffee = data.coffee()
    container = av.open(str(OUT / "sample_video.mp4"), "w")
    stream = container.add_stream("libx264", rate=25)
    stream.width, stream.height, stream.pix_fmt = 320, 240, "yuv420p"
    stream.options = {"crf": "28"}
    for i in range(50):
        crop = np.ascontiguousarray(coffee[40 + i : 280 + i, 60 + 3 * i : 380 + 3 * i])
        for packet in stream.encode(av.VideoFrame.from_ndarray(crop, format="rgb24")):
            container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)
    container.close()


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    make_photo()
    make_gif()
    make_video()
    for f in sorted(OUT.iterdir()):
        print(f.name, f.stat().st_size)
