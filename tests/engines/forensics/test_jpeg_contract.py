"""Every JPEG-group analysis reports progress, honours cancel and returns a well-formed finding."""

import time

import numpy as np
import pytest

from engines.forensics._sweep import sweep_map
from engines.forensics.registry import Subject, get_analysis, run_analysis
from engines.runtime.jobs import Cancelled, JobContext
from tests.engines.forensics._jpeg_forgeries import jpeg_bytes

JPEG_GROUP = ("jpeg_quality", "ela_sweep", "jpeg_ghost", "double_jpeg", "block_grid")


@pytest.fixture(scope="module")
def subject(tmp_path_factory):
    image = np.random.default_rng(0).integers(0, 256, (72, 80, 3), dtype=np.uint8)
    path = tmp_path_factory.mktemp("jpeg") / "noise.jpg"
    path.write_bytes(jpeg_bytes(image, 85))
    return Subject(image=image, path=path, format="jpeg")


@pytest.mark.parametrize("analysis_id", JPEG_GROUP)
def test_registered_in_the_jpeg_group(analysis_id):
    analysis = get_analysis(analysis_id)
    assert analysis.group == "JPEG"
    assert analysis.output == ("table" if analysis_id == "jpeg_quality" else "map")


@pytest.mark.parametrize("analysis_id", JPEG_GROUP)
def test_progress_cancel_and_shape(analysis_id, subject):
    seen: list[float] = []
    finding = run_analysis(analysis_id, subject, context=JobContext(lambda f, _m: seen.append(f)))
    assert finding.engine == analysis_id and finding.summary
    assert seen and all(0.0 <= f <= 1.0 for f in seen)
    if finding.heatmap is not None:
        assert finding.heatmap.shape == subject.image.shape[:2] and finding.heatmap.dtype == np.float32
        assert np.all((finding.heatmap >= 0) & (finding.heatmap <= 1))
    assert finding.to_json()["engine"] == analysis_id  # details are plain-JSON convertible
    cancelled = JobContext()
    cancelled.cancel()
    with pytest.raises(Cancelled):
        run_analysis(analysis_id, subject, context=cancelled)
    tiny = Subject(image=subject.image[:8, :8], path=subject.path)
    with pytest.raises(Cancelled):
        run_analysis(analysis_id, tiny, context=cancelled)


def test_sweep_map_keeps_order_reports_progress_and_stops_on_cancel():
    seen: list[float] = []
    assert sweep_map(lambda q: q * 2, [1, 2, 3], JobContext(lambda f, _m: seen.append(f)), (0.2, 0.8)) == [2, 4, 6]
    assert seen == pytest.approx([0.4, 0.6, 0.8])
    started: list[int] = []
    ctx = JobContext(lambda f, _m: ctx.cancel())  # cancel as soon as the first result is reported

    def slow(q: int) -> int:
        started.append(q)
        time.sleep(0.02)
        return q

    with pytest.raises(Cancelled):
        sweep_map(slow, list(range(20)), ctx)
    assert len(started) < 20
