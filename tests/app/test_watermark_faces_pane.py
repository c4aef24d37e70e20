"""Watermark pane: saving with face marks, then Verify shows the per-face table and boxes the faces."""

from __future__ import annotations

import numpy as np
from PIL import Image

from tests.app.pane_window import open_file, window  # noqa: F401 - fixture
from tests.engines.watermark._faces import two_faces


def test_face_marks_saved_and_reported_per_face(window, qtbot, tmp_path):  # noqa: F811
    evidence = tmp_path / "group.png"
    Image.fromarray(two_faces()).save(evidence)
    open_file(window, qtbot, evidence)
    pane = window.watermark_pane
    window.panes.setCurrentWidget(pane)
    pane.owner.setText("Alice")
    pane.embed_key.setText("pw")
    pane.face_marks.setChecked(True)
    out = tmp_path / "marked.png"
    with qtbot.waitSignal(pane.saved, timeout=30000) as sig:
        assert pane.save_to(out)
    assert sig.args[0].faces == 2 and "2 face(s) marked" in pane.save_status.text()
    with qtbot.waitSignal(window.document.opened, timeout=10000):
        pane.open_saved.click()
    qtbot.waitUntil(lambda: window.document.media.path == out, timeout=5000)
    window.tasks.wait_all(10000)
    pane.verify_key.setText("pw")
    with qtbot.waitSignal(pane.verified, timeout=30000):
        pane.verify_button.click()
    assert pane.faces_table.isVisible()
    assert pane.faces_table.rows() == [("1", "Alice", "no", ""), ("2", "Alice", "no", "")]
    assert "2 face(s), 0 altered" in pane.verdict.text()
    drawn = window.canvas.rendered_heat_rgba()  # boxes in green over the picture
    assert drawn is not None
    green = (drawn[..., 1].astype(int) - drawn[..., [0, 2]].astype(int).max(axis=2)) > 80
    box = pane.verify_result.faces[0].box
    assert green[round(box[1]) - 2:round(box[1]) + 3, round(box[0]):round(box[2])].mean() > 0.5
    assert green[:60, :60].mean() == 0 and np.any(green[:, 512:])
    pane.verify_key.setText("other")
    with qtbot.waitSignal(pane.verified, timeout=30000):
        pane.verify_button.click()
    assert [row[1:3] for row in pane.faces_table.rows()] == [("no face mark (this key)", "cannot tell")] * 2
