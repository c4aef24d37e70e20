"""Real faces for training and evaluation: detected once, cached, split by identity.

Each ``FaceRecord`` holds a square region around one face, rescaled so the face box is about
``FACE_PX`` wide, with its five and 468 landmarks in that region's pixels. Identities: CelebA-HQ files
are one identity each; the press photos are named after the person. Evaluation identities
(``EVAL_CELEBA_EVERY``) never enter training.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import cv2
import numpy as np

from engines.atomic import atomic_write_bytes

FACE_PX = 180  # face box width in the stored region
REGION_SCALE = 2.2  # region side / face box side
EVAL_CELEBA_EVERY = 4  # every 4th CelebA-HQ identity (sorted) is held out for evaluation
_IMAGE_EXT = {".jpg", ".jpeg", ".png"}


@dataclasses.dataclass
class FaceRecord:
    """One real face: RGB region, its landmarks (region pixels), identity and source file."""

    image: np.ndarray
    landmarks5: np.ndarray
    mesh: np.ndarray
    identity: str
    source: str


def identity_of(path: Path) -> str:
    """Identity key of a face image file (person name, or the CelebA-HQ file id)."""
    stem = path.stem.lower()
    if "celeba" in path.parts[-2]:
        return "celeba:" + stem.split("_")[-1]
    stem = re.sub(r"(-?\d+p?|_test\d*|\d+)$", "", stem)
    stem = stem.replace("-", "_")
    if path.parent.name in {"alex_lacamoire", "biden", "kit_harington", "obama", "rose_leslie"}:
        return path.parent.name
    return stem.split("_and_")[0] if "_and_" in stem else stem


def face_files(data_root: str | Path) -> list[Path]:
    """All real face images under ``<data>/faces`` (sorted)."""
    root = Path(data_root) / "faces"
    if not root.is_dir():
        raise FileNotFoundError(f"no faces folder under {data_root} (expected faces/celeba-hq etc.)")
    files = [p for p in root.rglob("*") if p.suffix.lower() in _IMAGE_EXT and "mask_" not in p.name]
    return sorted(files)


def is_eval_identity(identity: str, celeba_ids: list[str]) -> bool:
    """Held-out identities: every ``EVAL_CELEBA_EVERY``-th CelebA-HQ identity in sorted order."""
    return identity in celeba_ids and sorted(celeba_ids).index(identity) % EVAL_CELEBA_EVERY == 0


def read_rgb(path: Path) -> np.ndarray:
    data = np.fromfile(str(path), dtype=np.uint8)
    img = cv2.imdecode(data, cv2.IMREAD_COLOR)
    if img is None:
        raise ValueError(f"cannot decode {path}")
    return np.ascontiguousarray(img[:, :, ::-1])


def extract_records(image: np.ndarray, faces: list, identity: str, source: str) -> list[FaceRecord]:
    """Cut a normalised square region around each detected face (with dense landmarks)."""
    out = []
    for face in faces:
        if face.landmarks_dense is None or face.width < 40:
            continue
        cx, cy = face.centre
        side = max(face.width, face.height)
        k = FACE_PX / side
        size = round(FACE_PX * REGION_SCALE)
        m = np.array([[k, 0, size / 2 - k * cx], [0, k, size / 2 - k * cy]])
        region = cv2.warpAffine(image, m, (size, size), flags=cv2.INTER_AREA if k < 1 else cv2.INTER_CUBIC,
                                borderMode=cv2.BORDER_REFLECT)
        five = (face.landmarks5 @ m[:, :2].T + m[:, 2]).astype(np.float32)
        mesh = (face.landmarks_dense @ m[:, :2].T + m[:, 2]).astype(np.float32)
        out.append(FaceRecord(region, five, mesh, identity, source))
    return out


def load_pool(data_root: str | Path, cache_dir: str | Path, log=print) -> list[FaceRecord]:
    """Every real face under ``<data>/faces``, detected once and cached in ``cache_dir/face_pool.npz``."""
    cache = Path(cache_dir) / "face_pool.npz"
    if cache.is_file():
        return _read_cache(cache)
    from engines.faces import default_detector

    detector = default_detector(tiles=3)
    records: list[FaceRecord] = []
    for path in face_files(data_root):
        try:
            image = read_rgb(path)
        except ValueError:
            continue
        recs = extract_records(image, detector.detect(image), identity_of(path), str(path))
        records += recs
        log(f"pool: {path.name}: {len(recs)} face(s)")
    _write_cache(cache, records)
    return records


def _write_cache(path: Path, records: list[FaceRecord]) -> None:
    import io

    arrays: dict[str, np.ndarray] = {}
    meta = []
    for i, r in enumerate(records):
        arrays[f"img{i}"], arrays[f"five{i}"], arrays[f"mesh{i}"] = r.image, r.landmarks5, r.mesh
        meta.append({"identity": r.identity, "source": r.source})
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, buf.getvalue())


def _read_cache(path: Path) -> list[FaceRecord]:
    with np.load(path, allow_pickle=False) as z:
        meta = json.loads(bytes(z["meta"]).decode())
        return [FaceRecord(z[f"img{i}"], z[f"five{i}"], z[f"mesh{i}"], m["identity"], m["source"])
                for i, m in enumerate(meta)]


def split_pool(records: list[FaceRecord]) -> tuple[list[FaceRecord], list[FaceRecord]]:
    """(train, eval) by identity: held-out CelebA-HQ identities go to eval only."""
    celeba = sorted({r.identity for r in records if r.identity.startswith("celeba:")})
    train = [r for r in records if not is_eval_identity(r.identity, celeba)]
    held = [r for r in records if is_eval_identity(r.identity, celeba)]
    return train, held
