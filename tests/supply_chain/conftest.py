"""Supply-chain fixtures: stored files go to a temporary folder (local storage) for each test."""
import pytest


@pytest.fixture(autouse=True)
def upload_folder(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "STORAGE_DIR", str(tmp_path / "uploads"))
    return tmp_path / "uploads" / "supply_chain"
