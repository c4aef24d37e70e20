"""File hashes analysis: exact digests of a known byte string, perceptual hashes of the frame."""

from __future__ import annotations

import json

import numpy as np
import pytest

from engines.forensics.registry import Subject, get_analysis, run_analysis
from engines.media.perceptual_hash import perceptual_hashes
from tests.engines.media._metadata_fixtures import smooth_image


def test_known_digests(tmp_path):
    path = tmp_path / "abc.bin"
    path.write_bytes(b"abc")
    image = smooth_image(32, 32)
    finding = run_analysis("file_hashes", Subject(image=image, path=path))
    rows = dict(finding.table)
    assert rows["MD5"] == "900150983cd24fb0d6963f7d28e17f72"
    assert rows["SHA-1"] == "a9993e364706816aba3e25717850c26c9cd0d89d"
    assert rows["SHA-256"] == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert rows["pHash (DCT)"] == perceptual_hashes(image)["phash"]
    assert rows["File size"] == "3 bytes"
    assert finding.score is None
    json.dumps(finding.to_json())


def test_registration_and_needs_file():
    analysis = get_analysis("file_hashes")
    assert (analysis.group, analysis.output, analysis.needs_file) == ("File", "table", True)
    with pytest.raises(ValueError, match="needs the original file"):
        run_analysis("file_hashes", Subject(image=np.zeros((8, 8, 3), np.uint8)))
