"""Paths of the bundled sample media."""

from __future__ import annotations

from pathlib import Path

from resources import resource_path

SAMPLES = {
    "photo": "sample_photo.jpg",
    "photo_mask": "sample_photo_gt.png",
    "gif": "sample_animation.gif",
    "video": "sample_video.mp4",
}


def sample_path(name: str) -> Path:
    """Path of a bundled sample by short name (photo, photo_mask, gif, video)."""
    return resource_path("samples", SAMPLES[name])
