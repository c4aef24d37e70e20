"""``truelens protect``: writes a new file with a JSON report, refuses bad input with one-line errors."""

from __future__ import annotations

import hashlib
import json

import pytest
from PIL import Image

from app.cli import run
from tests.engines.protect.protect_factory import portrait


@pytest.fixture()
def photo(tmp_path):
    path = tmp_path / "me.png"
    Image.fromarray(portrait()).save(path)
    return path


def test_protect_writes_a_new_file_and_reports_json(photo, tmp_path, capsys):
    before = hashlib.sha256(photo.read_bytes()).hexdigest()
    out = tmp_path / "me-protected.jpg"
    assert run(["protect", str(photo), str(out), "--steps", "3", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert out.is_file() and hashlib.sha256(photo.read_bytes()).hexdigest() == before
    assert data["output"] == str(out) and data["faces"] == 1 and data["psnr_db"] >= 35
    assert data["watermark"] is None and data["content_credentials"] is False
    assert len(data["effects"]) == data["faces"] * len(data["targets"])
    assert any("Purification" in line for line in data["limits"])


def test_protect_against_the_users_exported_model(photo, tmp_path, capsys):
    from tests.engines.protect.protect_factory import exported_file

    out = tmp_path / "p.png"
    model = exported_file(tmp_path, size=64)
    assert run(["protect", str(photo), str(out), "--steps", "2", "--target", str(model), "--json", "--quiet"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert "user:editor" in data["targets"]
    assert any(e["target"] == "user:editor" for e in data["effects"])


def test_protect_prints_progress_and_a_summary(photo, tmp_path, capsys):
    out = tmp_path / "p.png"
    assert run(["protect", str(photo), str(out), "--steps", "2", "--owner", "Ann", "--key", "k"]) == 0
    captured = capsys.readouterr()
    assert "wrote" in captured.out and "PSNR" in captured.out and "limit:" in captured.out
    assert "%]" in captured.err and "finding faces" in captured.err


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["{src}", "{src}"], "new file"),
        (["{missing}", "{out}"], "not found"),
        (["{bad}", "{out}"], ""),
        (["{src}", "{out}", "--strength", "0"], "strength"),
        (["{src}", "{out}", "--owner", "A"], "--owner and --key"),
        (["{src}", "{out}", "--c2pa"], "--c2pa"),
        (["{src}", "{tmp}/o.xyz"], "cannot write"),
        (["{src}", "{out}", "--target", "{bad}"], "TorchScript"),
    ],
)
def test_bad_input_gives_one_line_error(photo, tmp_path, capsys, args, fragment):
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 30)
    names = {"src": photo, "out": tmp_path / "out.png", "missing": tmp_path / "nope.png", "bad": bad,
             "tmp": tmp_path}
    code = run(["protect", *[a.format(**{k: str(v) for k, v in names.items()}) for a in args], "--steps", "1",
                "--quiet"])
    err = capsys.readouterr().err.strip()
    assert code != 0
    assert len(err.splitlines()) == 1 and err.startswith("truelens: error:") and fragment in err
    assert not (tmp_path / "out.png").exists()


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        ([], "--out"),
        (["--out", "{tmp}", "--only", "nope"], "unknown model"),
        (["--out", "{tmp}", "--minutes", "0"], "--minutes"),
        (["--data", "{tmp}/none", "--out", "{tmp}"], "no CelebA-HQ faces"),
        (["--data", "{tmp}/none", "--write-pack", "{tmp}/pack"], "no CelebA-HQ faces"),
    ],
)
def test_train_surrogates_refuses_bad_requests_in_one_line(tmp_path, capsys, args, fragment):
    code = run(["train-surrogates", *[a.format(tmp=str(tmp_path)) for a in args]])
    err = capsys.readouterr().err.strip()
    assert code != 0 and len(err.splitlines()) == 1 and fragment in err
    assert not (tmp_path / "pack").exists()
