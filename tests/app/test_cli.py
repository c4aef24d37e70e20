"""The analyze CLI: maps and JSON written, bad input gives a one-line error and a non-zero exit."""

from __future__ import annotations

import json

import pytest

from app.cli import run
from tests.media_factory import texture, write_animation, write_still, write_video


def test_analyze_writes_maps_and_json(tmp_path, capsys):
    src = write_still(tmp_path / "p.jpg", "JPEG", texture(120, 160))
    out = tmp_path / "out"
    code = run(["analyze", str(src), "--tool", "ela", "--param", "ela.quality=80", "--out", str(out), "--json"])
    assert code == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed[0]["tool"] == "ela" and printed[0]["params"]["quality"] == 80
    assert (out / "ela_map.png").stat().st_size > 0
    stored = json.loads((out / "findings.json").read_text())
    assert stored["sha256"] and stored["findings"][0]["engine"] == "ela"


def test_analyze_frame_of_gif_and_video(tmp_path, capsys):
    gif = write_animation(tmp_path / "a.gif", "GIF", 5)
    assert run(["analyze", str(gif), "--frame", "3", "--json"]) == 0
    vid = write_video(tmp_path / "v.mp4", n=10)
    assert run(["analyze", str(vid), "--frame", "7", "--json"]) == 0
    assert run(["analyze", str(vid), "--frame", "99"]) == 2
    assert "out of range" in capsys.readouterr().err


def test_report_is_written(tmp_path):
    src = write_still(tmp_path / "p.jpg", "JPEG")
    assert run(["analyze", str(src), "--out", str(tmp_path / "o"), "--report"]) == 0
    html = (tmp_path / "o" / "report.html").read_text()
    assert "SHA-256" in html and "data:image/png;base64" in html


@pytest.mark.parametrize(
    ("content", "fragment"),
    [(b"", "empty"), (b"hello world, not an image", "not an image"), (b"\xff\xd8\xff\xe0" + b"\x00" * 40, "")],
)
def test_bad_files_give_one_line_error(tmp_path, capsys, content, fragment):
    path = tmp_path / "bad.jpg"
    path.write_bytes(content)
    assert run(["analyze", str(path)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("truelens: error:") and "\n" not in err and fragment in err


def test_unknown_tool_and_bad_param(tmp_path, capsys):
    src = write_still(tmp_path / "p.png", "PNG")
    assert run(["analyze", str(src), "--tool", "nope"]) == 2
    assert "unknown analysis" in capsys.readouterr().err
    assert run(["analyze", str(src), "--param", "ela.quality=5"]) == 2
    assert "below the minimum" in capsys.readouterr().err
    assert run(["analyze", str(src), "--param", "garbage"]) == 2


def test_list_tools(capsys):
    assert run(["analyze", "--list"]) == 0
    assert "ela" in capsys.readouterr().out


def test_missing_file(tmp_path, capsys):
    assert run(["analyze", str(tmp_path / "missing.jpg")]) == 1
    assert "not found" in capsys.readouterr().err


def test_headless_fallback_without_display(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.chdir(tmp_path)
    assert run(["--sample"]) == 0 or run(["gui", "--sample"]) == 0
    out = capsys.readouterr().out
    assert "no display" in out and (tmp_path / "truelens-output" / "report.html").exists()


def test_spaced_form_of_hyphenated_commands(capsys):
    from app.cli import _normalise

    commands = {"train", "train-faces", "eval", "eval-faces", "gui"}
    assert _normalise(["train", "faces", "--minutes", "1"], commands) == ["train-faces", "--minutes", "1"]
    assert _normalise(["eval", "faces"], commands) == ["eval-faces"]
    assert _normalise(["train", "localize"], commands) == ["train", "localize"]
    assert _normalise(["--device", "cpu", "eval", "faces"], commands) == ["--device", "cpu", "eval-faces"]
    with pytest.raises(SystemExit):
        run(["train", "faces", "--help"])
    assert "self-blended" in capsys.readouterr().out
