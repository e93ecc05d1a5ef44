"""`lvzhi serve` as a user starts it, and a server noticing a version imported by another process."""
from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from urllib.parse import quote

from fastapi.testclient import TestClient

from lvzhi.lists.bundled import BUNDLED_SOURCE, bundled_dataset
from lvzhi.lists.catalog import Catalog
from lvzhi.store import Store
from lvzhi.store.repository import save_dataset
from lvzhi.web import create_app

from sample_lists import amended_lists
from webserver import free_port


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.read().decode("utf-8")


def test_lvzhi_serve_creates_the_database_with_the_bundled_lists_and_serves(tmp_path):
    database = tmp_path / "fresh" / "lvzhi.db"
    database.parent.mkdir()
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "lvzhi", "serve", "--database", str(database), "--port", str(port)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _ = _get(base + "/healthz")
                break
            except OSError:
                assert server.poll() is None, server.stderr.read().decode()
                assert time.monotonic() < deadline, "lvzhi serve did not answer within 60 s"
                time.sleep(0.2)
        status, home = _get(base + "/")
        assert status == 200 and "这件事归谁管" in home
        towns = json.loads(_get(base + "/api/v1/towns")[1])["towns"]
        assert [(t["name"], t["counts"]) for t in towns] == [("珞璜镇", {"basic": 129, "cooperative": 110, "reclaimed": 163})]
        assert _get(base + "/t/" + quote("珞璜镇") + "/C74")[0] == 200
        assert database.exists()
    finally:
        server.terminate()
        output = server.communicate(timeout=20)[0].decode()
    assert f"http://127.0.0.1:{port}/" in output


def test_a_running_server_picks_up_a_new_version(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'lvzhi.db'}")
    with store.transaction() as session:
        save_dataset(session, bundled_dataset(), source_name=BUNDLED_SOURCE)
    app = create_app(store)
    app.state.catalog = Catalog(store, refresh_seconds=0)
    client = TestClient(app)
    before = client.post("/api/v1/resolve", json={"text": "请镇里组织一次无偿献血活动"}).json()
    assert before["version"]["label"] == "官方公布版" and len(before["town_part"]) == 2
    other = Store(f"sqlite:///{tmp_path / 'lvzhi.db'}")  # another process importing
    with other.transaction() as session:
        save_dataset(session, amended_lists(), source_name="amended.json", label="2026年调整版")
    after = client.post("/api/v1/resolve", json={"text": "请镇里组织一次无偿献血活动"}).json()
    assert after["version"]["label"] == "2026年调整版" and after["town_part"][-1] == "负责组织献血志愿者。"
    assert client.get("/api/v1/towns/%E7%8F%9E%E7%92%9C%E9%95%87/items/C110").status_code == 404
    assert "B130" in client.get("/t/%E7%8F%9E%E7%92%9C%E9%95%87/lists/basic").text


def test_a_running_server_serves_a_town_imported_after_it_started(tmp_path):
    """Nothing is loaded for a town until it is asked about: a town another process imports while the server
    runs is listed, its items are served and requests are resolved in its name."""
    import copy

    database = f"sqlite:///{tmp_path / 'lvzhi.db'}"
    store = Store(database)
    app = create_app(store)
    app.state.catalog.written()  # the next read goes to the database, not the 1-second window
    client = TestClient(app)
    assert [t["name"] for t in client.get("/api/v1/towns").json()["towns"]] == ["珞璜镇"]
    town = copy.deepcopy(bundled_dataset())
    town.town.name = "新到镇"
    other = Store(database)  # `lvzhi import` in another process
    with other.transaction() as session:
        save_dataset(session, town, source_name="new.json")
    other.close()
    app.state.catalog.written()
    assert "新到镇" in [t["name"] for t in client.get("/api/v1/towns").json()["towns"]]
    assert client.get("/t/" + quote("新到镇") + "/C74").status_code == 200
    answer = client.post("/api/v1/resolve", json={"text": "申请低保需要什么材料", "town": "新到镇"}).json()
    assert answer["verdict"] == "basic" and answer["lead"] == "新到镇"
