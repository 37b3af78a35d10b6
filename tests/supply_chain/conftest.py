"""Supply-chain fixtures: uploads go to a temporary folder for each test."""
import pytest


@pytest.fixture(autouse=True)
def upload_folder(app, tmp_path, monkeypatch):
    folder = tmp_path / "uploads"
    monkeypatch.setitem(app.config, "SUPPLY_CHAIN_UPLOAD_DIR", str(folder))
    return folder
