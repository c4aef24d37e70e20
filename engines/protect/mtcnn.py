"""MTCNN (facenet-pytorch 2.6.0): sha256-verified P/R/O-nets, the ordinary (non-differentiable) detector, and
differentiable pieces the protection optimises against.

The package's three weight files are read and checked against pinned digests before torch deserialises them;
the package never downloads anything for MTCNN. facenet-pytorch is installed with ``--no-deps``; its
``__init__`` imports ``requests`` (present in the environment) although MTCNN never uses the network.
"""

from __future__ import annotations

import dataclasses
import io
import threading

import numpy as np
import torch
import torch.nn.functional as F

from engines.faces.package_files import PackageFile, read_verified

_HINT = "pip install --no-deps facenet-pytorch==2.6.0"
_LICENCE = "MIT (facenet-pytorch); weights converted from the MTCNN authors' release"
PNET_FILE = PackageFile("facenet_pytorch", "data/pnet.pt",
                        "a2a71925e0b9996a42f63e47efc1ca19043e69558b5c523b978d611dfae49c8f", _HINT, _LICENCE)
RNET_FILE = PackageFile("facenet_pytorch", "data/rnet.pt",
                        "bbb937de72efc9ef83b186c49f5f558467a1d7e3453a8ece0d71a886633f6a86", _HINT, _LICENCE)
ONET_FILE = PackageFile("facenet_pytorch", "data/onet.pt",
                        "165bfbe42940416ccfb977545cf0e976d5bf321f67083ae2aaaa5c764280118d", _HINT, _LICENCE)
THRESHOLDS = (0.6, 0.7, 0.7)
MIN_FACE = 20
FACTOR = 0.709

_LOCK = threading.Lock()
_NETS: dict[tuple[str, bool], tuple[torch.nn.Module, torch.nn.Module, torch.nn.Module]] = {}


@dataclasses.dataclass(frozen=True)
class FaceBox:
    """One MTCNN detection in pixels: box (x0, y0, x1, y1), score, five landmarks (eyes, nose, mouth corners)."""

    box: np.ndarray
    score: float
    landmarks5: np.ndarray


def mtcnn_nets(device: str = "cpu", logits: bool = False) -> tuple[torch.nn.Module, torch.nn.Module, torch.nn.Module]:
    """The verified P-, R- and O-nets in eval mode, frozen, on ``device`` (cached).

    ``logits``: copies whose face/background outputs are the raw scores before the softmax (their difference
    is the log-odds of a face; its gradient does not vanish when the net is sure).
    """
    from facenet_pytorch.models.mtcnn import ONet, PNet, RNet

    with _LOCK:
        if (device, logits) not in _NETS:
            nets = []
            for cls, item, soft in ((PNet, PNET_FILE, "softmax4_1"), (RNet, RNET_FILE, "softmax5_1"),
                                    (ONet, ONET_FILE, "softmax6_1")):
                net = cls(pretrained=False)
                state = torch.load(io.BytesIO(read_verified(item)), map_location="cpu", weights_only=True)
                net.load_state_dict(state)
                if logits:
                    setattr(net, soft, torch.nn.Identity())
                net.eval().requires_grad_(False)
                nets.append(net.to(device))
            _NETS[(device, logits)] = (nets[0], nets[1], nets[2])
        return _NETS[(device, logits)]


def detect_faces(image: np.ndarray, device: str = "cpu", max_side: int = 1024) -> list[FaceBox]:
    """MTCNN detections in an RGB uint8 image (downscaled so the long side is ≤ ``max_side``), largest first."""
    import cv2
    from facenet_pytorch.models.utils.detect_face import detect_face

    h, w = image.shape[:2]
    scale = min(1.0, max_side / max(h, w))
    small = image if scale == 1.0 else cv2.resize(image, (round(w * scale), round(h * scale)),
                                                  interpolation=cv2.INTER_AREA)
    pnet, rnet, onet = mtcnn_nets(device)
    with torch.no_grad():
        boxes, points = detect_face(np.ascontiguousarray(small), MIN_FACE, pnet, rnet, onet, list(THRESHOLDS),
                                    FACTOR, device)
    faces = [FaceBox((np.asarray(b[:4], np.float32) / scale), float(b[4]), np.asarray(p, np.float32) / scale)
             for b, p in zip(boxes[0], points[0], strict=True)]
    return sorted(faces, key=lambda f: -float((f.box[2] - f.box[0]) * (f.box[3] - f.box[1])))


def normalise(x: torch.Tensor) -> torch.Tensor:
    """[0, 1] RGB → MTCNN's input scaling ((v − 127.5) / 128 on 0–255 values)."""
    return (x * 255.0 - 127.5) * 0.0078125


def square_box(box: np.ndarray) -> np.ndarray:
    """The square of side max(w, h) centred on ``box`` (MTCNN's ``rerec``)."""
    x0, y0, x1, y1 = (float(v) for v in box[:4])
    side = max(x1 - x0, y1 - y0)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return np.array([cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2], np.float32)


def crop_resize(x: torch.Tensor, box: np.ndarray, size: int) -> torch.Tensor:
    """Differentiable crop of ``box`` (pixels) from ``x`` (1, 3, H, W), area-resampled to ``size``×``size``.

    Sampled bilinearly at an integer multiple of ``size`` and average-pooled, so shrinking a large face does
    not alias (close to the area interpolation MTCNN uses). Outside the image is filled by the border.
    """
    h, w = x.shape[-2:]
    side = max(float(box[2] - box[0]), float(box[3] - box[1]), 1.0)
    k = int(min(4, max(1, round(side / size))))
    n = size * k
    t = (torch.arange(n, device=x.device, dtype=x.dtype) + 0.5) / n
    xs = float(box[0]) + t * float(box[2] - box[0])
    ys = float(box[1]) + t * float(box[3] - box[1])
    gx = (2 * xs) / w - 1
    gy = (2 * ys) / h - 1
    grid = torch.stack(torch.meshgrid(gy, gx, indexing="ij")[::-1], -1)[None]
    out = F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)
    return F.avg_pool2d(out, k) if k > 1 else out


def pnet_face_logodds(pnet: torch.nn.Module, x: torch.Tensor, face_side: float, sizes: tuple[int, ...] = (12, 16, 22),
                      top_k: int = 3) -> torch.Tensor:
    """Mean over pyramid levels (face shrunk to ``sizes`` px) of the top-k P-net face log-odds (``pnet`` from
    ``mtcnn_nets(logits=True)``)."""
    h, w = x.shape[-2:]
    scores = []
    for size in sizes:
        scale = size / max(face_side, 1.0)
        shape = (max(12, int(h * scale + 1)), max(12, int(w * scale + 1)))
        small = F.interpolate(x, size=shape, mode="bilinear", antialias=True, align_corners=False)
        raw = pnet(normalise(small))[1]
        odds = (raw[:, 1] - raw[:, 0]).flatten()
        scores.append(torch.topk(odds, min(top_k, odds.numel())).values.mean())
    return torch.stack(scores).mean()
