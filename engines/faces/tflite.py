"""A thin, thread-safe wrapper around LiteRT (``ai-edge-litert``) for single-input float models."""

from __future__ import annotations

import threading

import numpy as np

from engines.faces.package_files import PackageFile, read_verified
from engines.models.manifest import WeightsError


class TfliteModel:
    """Loads verified bytes into a LiteRT interpreter; ``run(x)`` returns the outputs in declared order."""

    def __init__(self, item: PackageFile, threads: int = 1):
        try:
            from ai_edge_litert.interpreter import Interpreter
        except ImportError:
            raise WeightsError("the face models need ai-edge-litert (pip install ai-edge-litert==2.3.0)") from None
        self.item = item
        self._interp = Interpreter(model_content=read_verified(item), num_threads=threads)
        self._interp.allocate_tensors()
        inp = self._interp.get_input_details()[0]
        self.input_index = inp["index"]
        self.input_shape = tuple(int(v) for v in inp["shape"])
        self._outputs = [d["index"] for d in self._interp.get_output_details()]
        self._lock = threading.Lock()

    def run(self, x: np.ndarray) -> list[np.ndarray]:
        x = np.ascontiguousarray(x, dtype=np.float32).reshape(self.input_shape)
        with self._lock:
            self._interp.set_tensor(self.input_index, x)
            self._interp.invoke()
            return [np.array(self._interp.get_tensor(i)) for i in self._outputs]
