from app.cli import run


def test_selftest_passes(capsys):
    assert run(["selftest", "--gui"]) == 0
    out = capsys.readouterr().out
    assert "selftest: OK" in out and "video: video" in out and "main window ok" in out
