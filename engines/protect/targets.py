"""Target models the protection works against, behind one small interface.

A target sees the working face region (1, 3, H, W) in [0, 1] and the face's geometry in that region, and
returns a loss to *maximise*. ``goal`` is the loss at which the target counts as broken, so ``loss / goal``
is comparable across targets (the adaptive panel weights on it).

- role ``"interrupt"``: face-manipulation models whose output should become visibly broken (TSDF stage 1):
  the surrogate swap autoencoder and editor, and any TorchScript model the user points at.
- role ``"poison"``: face detection and landmark steps used to harvest training faces (TSDF stage 2):
  MTCNN's P-, R- and O-net confidences and O-net's landmarks (R-/O-net crop boxes jittered during the search,
  since MTCNN's earlier stage never hands over exactly the box we crop).
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np
import torch
import torch.nn.functional as F

from engines.protect.mtcnn import FaceBox, crop_resize, mtcnn_nets, normalise, pnet_face_logodds, square_box
from engines.protect.surrogates import ALIGN_MARGIN, Surrogate, aligned_crop, aligned_grid, shipped_surrogates

ROLES = ("interrupt", "poison")
BOX_JITTER = 0.06  # R-/O-net crop box jitter during the search (share of the box side)
OUTPUT_GOAL = 0.01  # output MSE (in [0, 1] units²) at which a manipulation counts as visibly broken: ≈ 20 dB


@runtime_checkable
class Target(Protocol):
    """A model to defeat: ``prepare`` once on the clean region, then ``loss`` (to maximise) on changed ones."""

    name: str
    role: str
    goal: float

    def prepare(self, clean: torch.Tensor, face: FaceBox) -> None: ...

    def loss(self, x: torch.Tensor) -> torch.Tensor: ...


class _Confidence:
    """A detector stage's face log-odds m, relative to the clean photo's m₀: loss = (m₀ − m) / max(m₀, 1).

    0 on the clean photo; 1 (the goal) when the stage is at even odds (p = 0.5, below MTCNN's thresholds of
    0.6 / 0.7), so the face is dropped there.
    """

    role, goal = "poison", 1.0
    name = ""

    def __init__(self) -> None:
        self.reference = 1.0

    def log_odds(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def prepare(self, clean: torch.Tensor, face: FaceBox) -> None:
        with torch.no_grad():
            self.reference = float(self.log_odds(clean))

    def loss(self, x: torch.Tensor) -> torch.Tensor:
        return (self.reference - self.log_odds(x)) / max(self.reference, 1.0)


class PNetConfidence(_Confidence):
    """MTCNN P-net: its best face log-odds over the pyramid levels where the face is 12–22 px."""

    def __init__(self, device: str = "cpu"):
        super().__init__()
        self.name = "mtcnn-pnet-confidence"
        self.net = mtcnn_nets(device, logits=True)[0]
        self.side = 1.0

    def prepare(self, clean: torch.Tensor, face: FaceBox) -> None:
        self.side = float(max(face.box[2] - face.box[0], face.box[3] - face.box[1]))
        super().prepare(clean, face)

    def log_odds(self, x: torch.Tensor) -> torch.Tensor:
        return pnet_face_logodds(self.net, x, self.side)


class _BoxStage(_Confidence):
    """R-/O-net targets: the squared face box, as MTCNN's later stages crop it, resampled to ``size``."""

    size = 24
    index = 1  # position of the face scores in the net's outputs

    def __init__(self, net: torch.nn.Module):
        super().__init__()
        self.net = net
        self.box = np.zeros(4, np.float32)
        self._rng = np.random.default_rng(0)

    def prepare(self, clean: torch.Tensor, face: FaceBox) -> None:
        self.box = square_box(face.box)
        self._rng = np.random.default_rng(0)
        super().prepare(clean, face)

    def _run(self, x: torch.Tensor, box: np.ndarray | None = None) -> tuple[torch.Tensor, ...]:
        return self.net(normalise(crop_resize(x, self._box() if box is None else box, self.size)))

    def _box(self) -> np.ndarray:
        """The crop box; while gradients are on (the search), shifted and scaled at random by up to
        ``BOX_JITTER`` of its side, because MTCNN's own earlier stage never hands over exactly this box."""
        if not torch.is_grad_enabled() or BOX_JITTER <= 0:
            return self.box
        side = float(self.box[2] - self.box[0])
        shift = self._rng.uniform(-BOX_JITTER, BOX_JITTER, 3)
        cx, cy = (self.box[0] + self.box[2]) / 2 + shift[0] * side, (self.box[1] + self.box[3]) / 2 + shift[1] * side
        half = side * (1 + shift[2]) / 2
        return np.array([cx - half, cy - half, cx + half, cy + half], np.float32)

    def log_odds(self, x: torch.Tensor) -> torch.Tensor:
        raw = self._run(x)[self.index]
        return raw[0, 1] - raw[0, 0]


class RNetConfidence(_BoxStage):
    """MTCNN R-net face log-odds on the face's 24-px crop."""

    size, index = 24, 1

    def __init__(self, device: str = "cpu"):
        super().__init__(mtcnn_nets(device, logits=True)[1])
        self.name = "mtcnn-rnet-confidence"


class ONetConfidence(_BoxStage):
    """MTCNN O-net face log-odds on the face's 48-px crop."""

    size, index = 48, 2

    def __init__(self, device: str = "cpu"):
        super().__init__(mtcnn_nets(device, logits=True)[2])
        self.name = "mtcnn-onet-confidence"


class ONetLandmarks(_BoxStage):
    """MTCNN O-net five landmarks: mean displacement from the clean ones (in image coordinates, so a jittered crop
    box is accounted for), in units of the face box side (goal 0.08 of the box ≈ a fifth of the eye distance:
    crops aligned on them are visibly off)."""

    size, goal = 48, 0.08

    def __init__(self, device: str = "cpu"):
        super().__init__(mtcnn_nets(device, logits=True)[2])
        self.name = "mtcnn-onet-landmarks"
        self.points = torch.zeros(1, 10)

    def _points(self, x: torch.Tensor, box: np.ndarray) -> torch.Tensor:
        """The five landmarks (1, 10: x then y) in pixels of ``x`` from O-net on ``box``."""
        rel = self._run(x, box)[1]
        side = float(box[2] - box[0])
        return torch.cat([box[0] + side * rel[:, :5], box[1] + side * rel[:, 5:]], 1)

    def prepare(self, clean: torch.Tensor, face: FaceBox) -> None:
        self.box = square_box(face.box)
        self._rng = np.random.default_rng(0)
        with torch.no_grad():
            self.points = self._points(clean, self.box).detach()

    def loss(self, x: torch.Tensor) -> torch.Tensor:
        d = (self._points(x, self._box()) - self.points) / float(self.box[2] - self.box[0])
        return torch.sqrt(d[:, :5] ** 2 + d[:, 5:] ** 2 + 1e-8).mean()


class ManipulationTarget:
    """A face-manipulation model on the aligned face crop: how far its output moves from the clean output.

    loss = MSE(output) + 0.01 × relative MSE of its features (when it has ``features``); goal 0.01 ≈ the
    manipulated face degraded to 20 dB PSNR against what the model would have produced from the clean photo.
    """

    role, goal = "interrupt", OUTPUT_GOAL

    def __init__(self, name: str, model: torch.nn.Module, crop_size: int, margin: float = ALIGN_MARGIN):
        self.name, self.model, self.crop_size, self.margin = name, model, crop_size, margin
        self.grid: torch.Tensor | None = None
        self.out0 = self.feat0 = torch.zeros(0)

    def _crop(self, x: torch.Tensor) -> torch.Tensor:
        assert self.grid is not None, "prepare() first"
        return aligned_crop(x, self.grid)

    def _outputs(self, crop: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        out = self.model(crop)
        if isinstance(out, (tuple, list)):
            out = out[0]
        feats = self.model.features(crop) if hasattr(self.model, "features") else None
        return out, feats

    def prepare(self, clean: torch.Tensor, face: FaceBox) -> None:
        self.grid = aligned_grid(face.landmarks5, self.crop_size, self.margin, tuple(clean.shape[-2:]), clean.device)
        with torch.no_grad():
            out, feats = self._outputs(self._crop(clean))
        self.out0 = out.detach()
        self.feat0 = feats.detach() if feats is not None else torch.zeros(0)

    def loss(self, x: torch.Tensor) -> torch.Tensor:
        out, feats = self._outputs(self._crop(x))
        value = F.mse_loss(out, self.out0)
        if feats is not None and self.feat0.numel():
            value = value + 0.01 * F.mse_loss(feats, self.feat0) / (self.feat0.pow(2).mean() + 1e-8)
        return value


def surrogate_target(surrogate: Surrogate) -> ManipulationTarget:
    """A shipped surrogate as an interruption target."""
    return ManipulationTarget(surrogate.name, surrogate.model, surrogate.crop_size, surrogate.margin)


def _exported_program(path: Path, device: str) -> tuple[torch.nn.Module, int | None]:
    """A ``torch.export`` program (.pt2) as a module, and the crop side it was exported for (None if dynamic)."""
    program = torch.export.load(str(path))
    size = None
    inputs = program.graph_signature.user_inputs
    for node in program.graph.nodes:
        if inputs and node.name == inputs[0] and hasattr(node.meta.get("val"), "shape"):
            side = node.meta["val"].shape[-1]
            size = side if isinstance(side, int) else None
    return program.module().to(device), size


def user_target(path: str | Path, crop_size: int = 128, margin: float = ALIGN_MARGIN,
                device: str = "cpu") -> ManipulationTarget:
    """A user's own face-manipulation model: a ``torch.export`` program (``.pt2``; the face-crop size is read
    from it) or a TorchScript file (other suffixes; ``crop_size``), mapping (N, 3, S, S) RGB in [0, 1] to an image
    (or a tuple whose first item is one). Raises ValueError with a one-line reason when it does not load or does
    not run on a face crop."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"target model not found: {path}")
    try:
        if path.suffix.lower() == ".pt2":
            model, size = _exported_program(path, device)
            crop_size = size or crop_size
        else:
            model = torch.jit.load(str(path), map_location=device).eval()  # an exported program keeps its mode
    except Exception as exc:  # noqa: BLE001 - anything torch raises means "not a usable model file"
        kind = "an exported (torch.export) model" if path.suffix.lower() == ".pt2" else "a TorchScript model"
        raise ValueError(f"{path.name} is not {kind}: {str(exc).splitlines()[0] if str(exc) else exc!r}") from None
    for p in model.parameters():
        p.requires_grad_(False)
    try:
        with torch.no_grad():
            out = model(torch.full((1, 3, crop_size, crop_size), 0.5, device=device))
        out = out[0] if isinstance(out, (tuple, list)) else out
        if not isinstance(out, torch.Tensor) or not out.is_floating_point():
            raise TypeError("its output is not a float tensor")
    except Exception as exc:  # noqa: BLE001
        raise ValueError(f"{path.name} does not run on a {crop_size}-px face crop: {str(exc).splitlines()[0]}") \
            from None
    return ManipulationTarget(f"user:{path.stem}", model, crop_size, margin)


def torchscript_target(path: str | Path, crop_size: int = 128, margin: float = ALIGN_MARGIN,
                       device: str = "cpu") -> ManipulationTarget:
    """A user's TorchScript face-manipulation model (see ``user_target``, which also reads .pt2 programs)."""
    return user_target(path, crop_size, margin, device)


def mtcnn_targets(device: str = "cpu") -> list[Target]:
    """The four MTCNN poisoning targets."""
    return [PNetConfidence(device), RNetConfidence(device), ONetConfidence(device), ONetLandmarks(device)]


def default_panel(device: str = "cpu", extra: tuple[str | Path, ...] = ()) -> list[Target]:
    """Shipped surrogates (interrupt), MTCNN (poison), then the user's own models (interrupt; ``user_target``)."""
    targets: list[Target] = [surrogate_target(s) for s in shipped_surrogates(device=device)]
    targets += mtcnn_targets(device)
    targets += [user_target(p, device=device) for p in extra]
    return targets
