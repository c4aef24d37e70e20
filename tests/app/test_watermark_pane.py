"""Watermark pane in the real main window: live preview with PSNR, before/after and difference views, saving a
NEW marked copy, verifying it (owner, tamper map), a wrong key, and refusing to write the evidence file."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from tests.app.pane_window import open_file, window  # noqa: F401 - fixture
from tests.face_factory import astronaut

OWNER, KEY = "Alice Example", "correct horse battery"


@pytest.fixture
def evidence(tmp_path):
    path = tmp_path / "evidence.png"
    Image.fromarray(astronaut()).save(path)
    return path


def _fill_embed(pane, strength=1.0):
    pane.owner.setText(OWNER)
    pane.embed_key.setText(KEY)
    pane.strength.setValue(strength)


def _save(win, qtbot, path):
    with qtbot.waitSignal(win.watermark_pane.saved, timeout=20000) as sig:
        assert win.watermark_pane.save_to(path)
    return sig.args[0]


def _verify(win, qtbot, key):
    pane = win.watermark_pane
    pane.verify_key.setText(key)
    with qtbot.waitSignal(pane.verified, timeout=20000) as sig:
        pane.verify_button.click()
    return sig.args[0]


def test_preview_views_save_open_and_verify(window, qtbot, evidence, tmp_path):  # noqa: F811
    before = evidence.read_bytes()
    open_file(window, qtbot, evidence)
    pane = window.watermark_pane
    window.panes.setCurrentWidget(pane)
    with qtbot.waitSignal(pane.preview_ready, timeout=20000) as sig:
        _fill_embed(pane, 1.0)
    weak = sig.args[0]
    assert weak.psnr > 38 and weak.ssim > 0.95 and "PSNR" in pane.fidelity.text()
    with qtbot.waitSignal(pane.preview_ready, timeout=20000) as sig:
        pane.strength.setValue(2.5)
    assert sig.args[0].psnr < weak.psnr - 3  # a stronger mark is measurably less invisible

    pane.view_mode.setCurrentIndex(1)  # before | after
    assert window.canvas.is_twin() and np.array_equal(window.canvas.twin_item.image, pane.preview.marked)
    assert np.array_equal(window.canvas.image(), astronaut())  # the left view is the untouched frame
    pane.view_mode.setCurrentIndex(2)  # amplified difference, in colour, beside the untouched frame
    diff = pane.compare_image()
    assert diff.shape == (512, 512, 3) and not window.canvas.has_heatmap()
    changed = np.abs(pane.preview.marked.astype(int) - astronaut().astype(int)).max(axis=2) > 0
    assert diff[changed].mean() > diff[~changed].mean() + 20  # bright where the mark changed pixels
    pane.view_mode.setCurrentIndex(0)
    assert not window.canvas.is_twin() and not window.canvas.has_heatmap()

    pane.strength.setValue(1.0)
    out = tmp_path / "marked.png"
    result = _save(window, qtbot, out)
    assert out.is_file() and result.output == out and result.psnr > 38
    assert evidence.read_bytes() == before  # the evidence file is never written
    assert "Saved" in pane.save_status.text() and pane.open_saved.isVisible()

    with qtbot.waitSignal(window.document.opened, timeout=10000):
        pane.open_saved.click()
    qtbot.waitUntil(lambda: window.document.media.path == out, timeout=5000)
    window.tasks.wait_all(10000)
    found = _verify(window, qtbot, KEY)
    assert found.found and found.owner == OWNER
    assert OWNER in pane.verdict.text()
    assert "1 face(s), 0 altered, 1 cannot tell" in pane.verdict.text()  # the face carries no face mark
    rows = dict(pane.verify_table.rows())
    assert rows["Owner"] == OWNER and rows["Result"] == "watermark found" and "Confidence" in rows
    assert window.canvas.has_heatmap()  # the tamper map (nothing flagged on an untouched copy)
    assert found.tamper.flagged_share < 0.05  # the engine flags ~0–1.5 % of an untouched copy (payload-dependent)
    pane.show_tamper.setChecked(False)
    assert not window.canvas.has_heatmap()

    missing = _verify(window, qtbot, "not the key")
    assert not missing.found and "No watermark" in pane.verdict.text()
    assert OWNER not in " ".join(v for _, v in pane.verify_table.rows())


def test_tamper_map_marks_a_pasted_region(window, qtbot, evidence, tmp_path):  # noqa: F811
    open_file(window, qtbot, evidence)
    pane = window.watermark_pane
    window.panes.setCurrentWidget(pane)
    _fill_embed(pane)
    marked_path = tmp_path / "marked.png"
    _save(window, qtbot, marked_path)
    edited = np.array(Image.open(marked_path))
    edited[300:460, 300:460] = astronaut()[300:460, 300:460][::-1]  # unmarked pixels pasted after marking
    edited_path = tmp_path / "edited.png"
    Image.fromarray(edited).save(edited_path)
    open_file(window, qtbot, edited_path)
    result = _verify(window, qtbot, KEY)
    assert result.found and result.owner == OWNER
    drawn = window.canvas.rendered_heat_rgba()  # the tamper picture: flagged regions tinted red
    assert drawn is not None and drawn.shape == (512, 512, 4)
    red = (drawn[..., 0].astype(int) - drawn[..., 1:3].astype(int).max(axis=2)) > 60
    truth = result.tamper.flagged
    assert np.array_equal(red & truth, truth)  # every flagged pixel is drawn red
    assert truth[300:460, 300:460].mean() > 0.2 and truth[:250, :250].mean() < 0.01


def test_saving_refuses_the_evidence_file_and_missing_inputs(window, qtbot, evidence):  # noqa: F811
    before = evidence.read_bytes()
    open_file(window, qtbot, evidence)
    pane = window.watermark_pane
    window.panes.setCurrentWidget(pane)
    assert not pane.save_to(evidence.with_name("copy.png"))  # no owner / key yet
    assert "owner and a key" in pane.save_status.text()
    _fill_embed(pane)
    assert not pane.save_to(evidence)
    assert "never written" in pane.save_status.text()
    existing = evidence.with_name("taken.png")
    existing.write_bytes(b"keep me")
    assert pane.save_to(existing)
    qtbot.waitUntil(lambda: "Not saved" in pane.save_status.text(), timeout=20000)
    assert existing.read_bytes() == b"keep me" and evidence.read_bytes() == before


def test_default_output_is_a_new_file(tmp_path):
    from app.panes.watermark_pane import default_output

    src = tmp_path / "clip.jpg"
    src.write_bytes(b"x")
    first = default_output(src, "still")
    assert first.name == "clip_watermarked.jpg"
    first.write_bytes(b"y")
    assert default_output(src, "still").name == "clip_watermarked_2.jpg"
    assert default_output(tmp_path / "a.heic", "still").suffix == ".png"
    assert default_output(tmp_path / "a.mov", "video").suffix == ".mp4"
    assert default_output(tmp_path / "a.webp", "animated").suffix == ".gif"
