"""Read a JPEG file's quantisation tables (read-only, header only) and which component uses which table."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

_JPEG_FORMATS = ("JPEG", "MPO")
_COMPONENT_NAMES = {1: ("Y",), 3: ("Y", "Cb", "Cr"), 4: ("C", "M", "Y", "K")}


@dataclasses.dataclass(frozen=True)
class JpegTables:
    """Quantisation tables (8×8, natural order) by table id, and (component name, table id) per component."""

    tables: dict[int, np.ndarray]
    components: tuple[tuple[str, int], ...]
    subsampling: tuple[tuple[int, int], ...] = ()  # (horizontal, vertical) sampling factor per component

    def table_for(self, component: int = 0) -> np.ndarray | None:
        """The table used by component ``component`` (0 = luminance), or the lowest-numbered table."""
        if component < len(self.components) and self.components[component][1] in self.tables:
            return self.tables[self.components[component][1]]
        return self.tables[min(self.tables)] if self.tables else None


class NotJpeg(ValueError):
    """The file is not a JPEG (or could not be read as an image at all)."""


def read_jpeg_tables(path: Path | str) -> JpegTables:
    """Quantisation tables of the JPEG at ``path``; raises ``NotJpeg`` with the reason for anything else."""
    try:
        with Image.open(path) as im:
            kind = im.format or "unknown"
            if kind not in _JPEG_FORMATS:
                raise NotJpeg(f"not a JPEG (the file is {kind})")
            raw = dict(getattr(im, "quantization", None) or {})
            layers = list(getattr(im, "layer", None) or [])
    except UnidentifiedImageError as exc:
        raise NotJpeg("not a JPEG (not an image format that can be read)") from exc
    except OSError as exc:
        raise NotJpeg(f"cannot read the file ({exc.strerror or exc})") from exc
    tables = {int(k): np.asarray(v, dtype=np.int32).reshape(8, 8) for k, v in raw.items() if len(v) == 64}
    if not tables:
        raise NotJpeg("not a JPEG with readable quantisation tables")
    names = _COMPONENT_NAMES.get(len(layers), tuple(f"#{i + 1}" for i in range(len(layers))))
    components = tuple((names[i], int(layer[3])) for i, layer in enumerate(layers))
    sampling = tuple((int(layer[1]), int(layer[2])) for layer in layers)
    return JpegTables(tables=tables, components=components, subsampling=sampling)
