"""Video decoded with PyAV, with random access by frame index."""

from __future__ import annotations

import bisect
from pathlib import Path

import av
import numpy as np

from engines.media.errors import CorruptMedia, MediaTooLarge, UnsupportedFormat
from engines.media.limits import Limits

_FORWARD_DECODE_LIMIT = 48  # frames: beyond this a seek is cheaper than decoding on
_INDEX_SCAN_MAX_BYTES = 1 << 30


class VideoSource:
    """Frame-accurate random access to the first video stream of a container."""

    def __init__(self, path: Path, limits: Limits):
        try:
            self._container = av.open(str(path), mode="r")
        except av.error.InvalidDataError as exc:
            raise CorruptMedia("video container is damaged or not a video") from exc
        except (av.error.FFmpegError, OSError, ValueError) as exc:
            raise UnsupportedFormat(f"cannot open video: {exc}") from exc
        try:
            self._init_stream(path, limits)
        except Exception:
            self.close()
            raise

    def _init_stream(self, path: Path, limits: Limits) -> None:
        if not self._container.streams.video:
            raise UnsupportedFormat("the file has no video stream")
        stream = self._container.streams.video[0]
        stream.thread_type = "AUTO"
        self._stream = stream
        ctx = stream.codec_context
        if ctx is None or not ctx.name:
            raise UnsupportedFormat("video codec is not supported")
        self.codec = ctx.name
        self.width, self.height = int(ctx.width), int(ctx.height)
        if self.width <= 0 or self.height <= 0:
            raise CorruptMedia("video stream reports no frame size")
        if self.width * self.height > limits.max_pixels:
            raise MediaTooLarge(f"video frame {self.width} × {self.height} is above the pixel limit")
        rate = stream.average_rate or stream.guessed_rate
        self.fps = float(rate) if rate else 25.0
        self._time_base = float(stream.time_base) if stream.time_base else 1.0 / self.fps
        self._pts = self._scan_pts(path)
        if not self._pts:
            raise CorruptMedia("video stream contains no decodable frames")
        if len(self._pts) > limits.max_frames:
            raise MediaTooLarge(f"{len(self._pts)} frames is above the limit of {limits.max_frames}")
        self.frame_count = len(self._pts)
        self.durations = self._durations()
        self.duration = float(sum(self.durations))
        self._decoder = None
        self._last_index = -1
        self._pending = None
        self._first = self._decode_at(0)

    def _scan_pts(self, path: Path) -> list[int]:
        """Presentation timestamps of every frame, from packets (no decoding)."""
        if path.stat().st_size > _INDEX_SCAN_MAX_BYTES:
            count = int(self._stream.frames or 0)
            if count <= 0 and self._container.duration:
                count = int(self._container.duration / 1e6 * self.fps)
            step = 1.0 / (self.fps * self._time_base)
            return [round(i * step) for i in range(count)]
        pts: list[int] = []
        try:
            for packet in self._container.demux(self._stream):
                if packet.pts is not None and packet.size > 0:
                    pts.append(int(packet.pts))
        except av.error.FFmpegError as exc:
            if not pts:
                raise CorruptMedia(f"video stream is damaged: {exc}") from exc
        pts.sort()
        self._container.seek(0, stream=self._stream)
        return pts

    def _durations(self) -> tuple[float, ...]:
        default = 1.0 / self.fps
        out = []
        for a, b in zip(self._pts, self._pts[1:], strict=False):
            d = (b - a) * self._time_base
            out.append(d if d > 0 else default)
        out.append(default)
        return tuple(out)

    def _seek_to(self, index: int) -> None:
        self._container.seek(self._pts[index], stream=self._stream, backward=True, any_frame=False)
        self._decoder = self._container.decode(self._stream)
        self._pending = None
        self._last_index = -1

    def _next_frame(self):
        if self._pending is not None:
            frame, self._pending = self._pending, None
            return frame
        return next(self._decoder)

    def _decode_at(self, index: int) -> np.ndarray:
        target = self._pts[index]
        forward_ok = (
            self._decoder is not None and 0 <= self._last_index < index <= self._last_index + _FORWARD_DECODE_LIMIT
        )
        if not forward_ok:
            self._seek_to(index)
        try:
            while True:
                try:
                    frame = self._next_frame()
                except StopIteration:
                    raise CorruptMedia(f"video ended before frame {index}") from None
                if frame.pts is None:
                    continue
                if frame.pts >= target:
                    pos = bisect.bisect_left(self._pts, frame.pts)
                    self._last_index = min(pos, len(self._pts) - 1)
                    if frame.pts > target and self._last_index > index:
                        self._pending = frame
                        self._last_index = index
                    return frame.to_ndarray(format="rgb24")
        except av.error.FFmpegError as exc:
            self._decoder = None
            raise CorruptMedia(f"video frame {index} cannot be decoded: {exc}") from exc

    def read(self, index: int) -> np.ndarray:
        if index == 0 and self._first is not None and self._last_index != 0:
            return self._first
        return self._decode_at(index)

    def close(self) -> None:
        try:
            self._container.close()
        except Exception:  # noqa: BLE001 - closing a broken container must not raise
            pass
