"""``truelens detect``: text and JSON output on generated images, GIF tracks, one-line errors."""

from __future__ import annotations

import json

import pytest

from app.cli import run
from tests.face_factory import astronaut, moving_face_gif, tiny_face_model
from tests.media_factory import write_still


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    import torch

    torch.set_num_threads(1)
    return str(tiny_face_model(tmp_path_factory.mktemp("m")))


def test_detect_json_on_a_still(tmp_path, capsys):
    path = write_still(tmp_path / "a.png", "PNG", astronaut())
    assert run(["detect", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["kind"] == "still" and len(data["frames"][0]["faces"]) == 1
    face = data["frames"][0]["faces"][0]
    assert 0 <= face["fake_score"] <= 1 and face["robustness"]["label"] in {"stable", "uncertain", "unstable"}
    assert 0 <= data["aigen"]["score"] <= 1 and "limits" not in data["aigen"]["label"]


def test_detect_text_on_a_gif(tmp_path, capsys, model_dir):
    gif = moving_face_gif(tmp_path / "m.gif", frames=4)
    assert run(["detect", str(gif), "--model", model_dir, "--no-aigen", "--no-robustness"]) == 0
    out = capsys.readouterr().out
    assert "4 frame(s) analysed, 1 face track(s)" in out and "track 0: 4 frame(s)" in out


@pytest.mark.parametrize("args", [["missing.jpg"], ["--max-frames", "0", "x.png"]])
def test_bad_input_gives_one_line_and_non_zero_exit(tmp_path, capsys, args, model_dir):
    args = [str(tmp_path / a) if a.endswith((".jpg", ".png")) else a for a in args]
    code = run(["detect", *args, "--model", model_dir])
    err = capsys.readouterr().err.strip()
    assert code != 0 and err.startswith("truelens: error:") and "\n" not in err


def test_broken_model_folder_is_a_one_line_error(tmp_path, capsys):
    path = write_still(tmp_path / "a.png", "PNG", astronaut())
    assert run(["detect", str(path), "--model", str(tmp_path / "nope")]) == 1
    assert "manifest not found" in capsys.readouterr().err
