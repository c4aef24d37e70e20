"""Settings: recent files and the compute-device preference (flag/env wins, else the stored setting)."""

from app.settings import Settings, apply_device_setting


def test_recent_files_are_most_recent_first_and_bounded():
    s = Settings()
    for i in range(15):
        s.add_recent_file(f"/x/{i}.jpg")
    s.add_recent_file("/x/3.jpg")
    files = Settings().recent_files()
    assert files[0] == "/x/3.jpg" and len(files) == 10 and files.count("/x/3.jpg") == 1


def test_device_setting_precedence(monkeypatch):
    monkeypatch.delenv("TRUELENS_DEVICE", raising=False)
    s = Settings()
    assert apply_device_setting(s) == "auto"
    apply_device_setting(s, "cpu")
    monkeypatch.delenv("TRUELENS_DEVICE", raising=False)
    assert apply_device_setting(Settings()) == "cpu"
    import os

    assert os.environ["TRUELENS_DEVICE"] == "cpu"
    monkeypatch.setenv("TRUELENS_DEVICE", "cuda")  # flag / environment wins
    assert apply_device_setting(Settings()) == "cuda"
