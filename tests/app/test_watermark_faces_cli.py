"""``truelens watermark embed --faces`` / ``verify``: the per-face report (which face, whose, altered where)."""

from __future__ import annotations

import datetime
import json

import numpy as np
import pytest
from PIL import Image

from app.cli import run
from engines.faces import still_detector
from engines.watermark import attacks, service
from engines.watermark.attacks import pull
from engines.watermark.payload import make_payload
from tests.engines.watermark._faces import two_faces


@pytest.fixture()
def group(tmp_path):
    path = tmp_path / "group.png"
    Image.fromarray(two_faces()).save(path)
    return path


def test_two_owners_round_trip_and_an_edited_face(group, tmp_path, capsys, monkeypatch):
    # the mark's bits depend on its timestamp; one fixed minute makes the edited face's outcome reproducible
    fixed = datetime.datetime(2026, 11, 26, 12, 0, tzinfo=datetime.UTC)
    monkeypatch.setattr(service, "make_payload", lambda owner, when=None: make_payload(owner, when or fixed))
    out = tmp_path / "marked.png"
    assert run(["watermark", "embed", str(group), str(out), "--owner", "Studio", "--face-owner", "Alice",
                "--key", "pw", "--json"]) == 0
    made = json.loads(capsys.readouterr().out)
    assert made["faces_marked"] == 2 and made["psnr_db"] >= 40 and made["timestamp"] == fixed.isoformat()
    assert run(["watermark", "verify", str(out), "--key", "pw", "--json"]) == 0
    faces = json.loads(capsys.readouterr().out)["faces"]
    assert [(f["face"], f["owner"], f["altered"]) for f in faces] == [(1, "Alice", False), (2, "Studio", False)]
    # lower the second face's mouth after marking and save as JPEG 90
    rgb = np.asarray(Image.open(out).convert("RGB"))
    face = still_detector().detect(rgb)[1]
    eye = float(np.hypot(*(face.landmarks5[1] - face.landmarks5[0])))
    edited = tmp_path / "edited.jpg"
    Image.fromarray(attacks.jpeg(90)(pull(rgb, face.landmarks_dense[14], (0.0, 0.2 * eye), 0.25 * eye))).save(
        edited, quality=95)
    assert run(["watermark", "verify", str(edited), "--key", "pw"]) == 0
    text = capsys.readouterr().out
    assert "faces: 2" in text
    lines = [line for line in text.splitlines() if line.strip().startswith("face ")]
    assert "owner Alice" in lines[0] and "not altered" in lines[0]
    assert "owner Studio" in lines[1] and "ALTERED in" in lines[1] and "mouth" in lines[1]


def test_wrong_key_names_no_face_owner(group, tmp_path, capsys):
    out = tmp_path / "marked.jpg"
    assert run(["watermark", "embed", str(group), str(out), "--owner", "Alice", "--faces", "--key", "pw"]) == 0
    assert "2 faces marked" in capsys.readouterr().out
    assert run(["watermark", "verify", str(out), "--key", "other", "--json"]) == 3
    faces = json.loads(capsys.readouterr().out)["faces"]
    assert len(faces) == 2 and all(f["owner_id"] is None and f["altered"] is None for f in faces)


@pytest.mark.parametrize(
    ("extra", "suffix", "fragment"),
    [(["--face-owner", " "], ".png", "--face-owner"), (["--faces"], ".gif", "still")],
)
def test_face_options_refused(group, tmp_path, capsys, extra, suffix, fragment):
    out = tmp_path / f"out{suffix}"
    code = run(["watermark", "embed", str(group), str(out), "--owner", "A", "--key", "k", *extra])
    err = capsys.readouterr().err.strip()
    assert code not in (0, 3) and fragment in err and len(err.splitlines()) == 1
    assert not out.exists()
