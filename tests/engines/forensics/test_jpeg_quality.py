"""JPEG quality estimate: known answers on files written by Pillow, custom tables, and non-JPEG input."""

import numpy as np
import pytest
from PIL import Image

from engines.forensics.jpeg_quality import match_quality
from engines.forensics.registry import Subject, get_analysis, run_analysis
from tests.engines.forensics._jpeg_forgeries import jpeg_bytes, natural_image

PHOTO = natural_image(size=(64, 64))


def _analyse(path):
    return run_analysis("jpeg_quality", Subject(image=PHOTO, path=path))


def test_registered_in_jpeg_group_as_table_needing_the_file():
    analysis = get_analysis("jpeg_quality")
    assert analysis.group == "JPEG" and analysis.output == "table" and analysis.needs_file


@pytest.mark.parametrize("quality", [5, 23, 50, 64, 75, 88, 90, 95, 99, 100])
def test_pillow_quality_is_estimated_exactly(tmp_path, quality):
    path = tmp_path / f"q{quality}.jpg"
    path.write_bytes(jpeg_bytes(PHOTO, quality))
    finding = _analyse(path)
    for table_id in ("0", "1"):
        estimate = finding.details["estimates"][table_id]
        assert abs(estimate["quality"] - quality) <= 1
        assert estimate["exact"]
    assert f"quality {quality}" in finding.summary
    assert finding.table[0][0] == "Table 0 (Y)"
    with Image.open(path) as im:
        assert finding.details["tables"]["0"] == np.asarray(im.quantization[0]).reshape(8, 8).tolist()


def test_greyscale_jpeg_has_one_table(tmp_path):
    path = tmp_path / "grey.jpg"
    Image.fromarray(PHOTO).convert("L").save(path, quality=70)
    finding = _analyse(path)
    assert list(finding.details["tables"]) == ["0"]
    assert finding.details["estimates"]["0"]["quality"] == 70
    assert ("Chroma subsampling", "single component (greyscale)") in finding.table


def test_custom_tables_are_not_called_standard(tmp_path):
    path = tmp_path / "custom.jpg"
    table = [2 + (i * 7) % 11 for i in range(64)]
    Image.fromarray(PHOTO).save(path, qtables=[table, table])
    finding = _analyse(path)
    assert not finding.details["estimates"]["0"]["exact"]
    assert finding.details["estimates"]["0"]["mean_deviation"] > 0.5
    assert "Custom" in finding.summary


def test_png_reads_as_not_a_jpeg(tmp_path):
    path = tmp_path / "x.png"
    Image.fromarray(PHOTO).save(path)
    finding = _analyse(path)
    assert "not a JPEG" in finding.summary and "PNG" in finding.summary
    assert finding.details == {"jpeg": False}


@pytest.mark.parametrize("content", [b"", b"hello", b"\xff\xd8\xff\xdb\x00"])
def test_broken_files_do_not_crash(tmp_path, content):
    path = tmp_path / "broken.jpg"
    path.write_bytes(content)
    assert "not a JPEG" in _analyse(path).summary


def test_missing_file_is_reported(tmp_path):
    assert "cannot read" in _analyse(tmp_path / "gone.jpg").summary


def test_tiny_and_flat_jpegs(tmp_path):
    for name, pixels in [("tiny", PHOTO[:8, :8]), ("flat", np.full((32, 32, 3), 128, np.uint8))]:
        path = tmp_path / f"{name}.jpg"
        path.write_bytes(jpeg_bytes(pixels, 42))
        assert _analyse(path).details["estimates"]["0"]["quality"] == 42


def test_needs_the_file():
    with pytest.raises(ValueError, match="needs the original file"):
        run_analysis("jpeg_quality", Subject(image=PHOTO))


def test_clamped_low_qualities_are_reported_as_a_range():
    all_max = np.full((8, 8), 255)
    match = match_quality(all_max, "chrominance")
    assert match.exact and match.label == "1–3"
