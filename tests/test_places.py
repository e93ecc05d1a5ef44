"""A town's places as data the list office edits (portal, API, CLI), on SQLite and PostgreSQL: seeded from the
bundled places.yaml, changed with an audit entry in the same transaction, used at once by the resolver and the
dispatcher of this worker and, within the poll, of another; roles; bad input refused in Chinese with nothing
changed."""
from __future__ import annotations

from urllib.parse import quote

import pytest
import yaml
from fastapi.testclient import TestClient

from lvzhi.lists.bundled import BUNDLED_SOURCE, bundled_dataset, data_path
from lvzhi.lists.catalog import Catalog
from lvzhi.store import Store
from lvzhi.store.repository import save_dataset
from lvzhi.web import create_app
from lvzhi.work.accounts import command_line_user
from lvzhi.work.audit import entries
from lvzhi.work.services import Services

from conftest import fresh_database
from helpers import lvzhi
from sample_lists import add_people, copied_towns

TOWN = "珞璜镇"
T = quote(TOWN)
BUILT_UP = "城市建成区"
PASSWORD = "lvzhi-test-pw"
PEOPLE = {"office": ("admin", None, None), "town": ("town", TOWN, None), "health": ("department", None, "区卫健委"),
          "dispatcher": ("dispatcher", None, None)}
STREET = "滨江大道"  # a street name as a town would add it (tests only: no real street is claimed)
REQUEST = f"{STREET}两边的生活垃圾乱堆乱放没人管"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def env(request, tmp_path_factory):
    with fresh_database(request.param, tmp_path_factory.mktemp("places")) as url:
        store = Store(url)
        with store.transaction() as session:
            save_dataset(session, bundled_dataset(), source_name=BUNDLED_SOURCE)
        tokens = add_people(store, PEOPLE, PASSWORD)
        with TestClient(create_app(store), raise_server_exceptions=False) as client:
            yield client, tokens, store, url
        store.close()


def auth(tokens, who: str) -> dict:
    return {"Authorization": f"Bearer {tokens[who]}"}


def places(client) -> dict:
    response = client.get(f"/api/v1/towns/{T}/places")
    assert response.status_code == 200, response.text
    return {p["name"]: p for p in response.json()["places"]}


def resolved(client, text: str = REQUEST) -> dict:
    response = client.post("/api/v1/resolve", json={"text": text})
    assert response.status_code == 200, response.text
    return response.json()


def audit_rows(store, action: str) -> list:
    with store.transaction() as session:
        return entries(session, action=action)[1]


def put(client, tokens, who: str, name: str, body: dict):
    return client.put(f"/api/v1/towns/{T}/places/{quote(name)}", json=body, headers=auth(tokens, who))


def error_of(response, status: int) -> str:
    assert response.status_code == status, response.text
    message = response.json()["error"]["message"]
    assert not message.isascii(), "errors are Chinese"
    return message


def test_the_bundled_places_are_seeded_and_anyone_may_read_them(env):
    client, *_ = env
    shown = places(client)
    bundled = yaml.safe_load(data_path("towns/luohuang/places.yaml").read_text(encoding="utf-8"))["places"]
    assert set(shown) == set(bundled)
    for name, words in bundled.items():
        assert shown[name]["says"] == words["says"] and shown[name]["not"] == words.get("not", [])
        assert shown[name]["kept_in"] == "数据库" and shown[name]["revision"] == 1
    assert shown[BUILT_UP]["items"] == ["R126"] and "城市建成区" in shown[BUILT_UP]["questions"][0]
    assert shown["乡道村道"]["items"][0] == "R130" and len(shown["乡道村道"]["items"]) == 10


def test_an_admin_adds_a_street_in_the_portal_and_the_answer_changes_at_once(env):
    client, tokens, store, url = env
    before = resolved(client)
    assert before["item"]["code"] == "B110" and "question" in before, "a street it does not know: asked back"
    other_worker = Catalog(Store(url), refresh_seconds=0)
    assert other_worker.resolver(TOWN).resolve(REQUEST).item.code == "B110"
    client.cookies.clear()
    signed = client.post("/login", data={"username": "office", "password": PASSWORD}, follow_redirects=False)
    assert signed.status_code == 303
    page = client.get(f"/admin/places/{T}")
    assert page.status_code == 200 and "城市建成区" in page.text and "R126" in page.text
    csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    current = places(client)[BUILT_UP]
    saved = client.post(f"/admin/places/{T}/{quote(BUILT_UP)}", follow_redirects=False, data={
        "csrf_token": csrf, "says": "\n".join([*current["says"], STREET]), "not_words": "\n".join(current["not"])})
    assert saved.status_code == 303 and saved.headers["location"].startswith("/admin/places/")
    assert STREET in client.get(saved.headers["location"]).text

    after = resolved(client)
    assert (after["verdict"], after["item"]["code"], after["lead"]) == ("reclaimed", "R126", "区城市管理局")
    assert f"因为地点在“{STREET}”（城市建成区）" in after["explanation"]
    home = client.get("/", params={"q": REQUEST, "view": "official"})
    assert "R126" in home.text and f"因为地点在“{STREET}”" in home.text
    suggestion = client.post("/api/v1/dispatch/suggest", json={"texts": [REQUEST]}).json()
    assert suggestion["suggestions"][0]["assignee"] == "区城市管理局"
    assert other_worker.resolver(TOWN).resolve(REQUEST).item.code == "R126", "another worker sees it on its next poll"

    rows = audit_rows(store, "places.set")
    assert rows and rows[0].actor == "office" and rows[0].object_id == f"{TOWN}/{BUILT_UP}"
    assert STREET not in rows[0].before["says"] and rows[0].after["says"][-1] == STREET
    assert places(client)[BUILT_UP]["revision"] == 2 and places(client)[BUILT_UP]["updated_by"] == "office"
    client.cookies.clear()

    # the same through the API: the street taken out again, and the answer goes back
    removed = put(client, tokens, "office", BUILT_UP, {"says": current["says"]})
    assert removed.status_code == 200 and removed.json()["revision"] == 3
    assert resolved(client)["item"]["code"] == "B110"
    assert other_worker.resolver(TOWN).resolve(REQUEST).item.code == "B110"
    other_worker.store.close()


@pytest.mark.parametrize("who, status", [("town", 403), ("health", 403), ("dispatcher", 403), (None, 401)])
def test_only_the_list_office_changes_places(env, who, status):
    client, tokens, store, _ = env
    client.cookies.clear()
    headers = auth(tokens, who) if who else {}
    response = client.put(f"/api/v1/towns/{T}/places/{quote(BUILT_UP)}", json={"says": ["城区"]}, headers=headers)
    error_of(response, status)
    if who:
        assert "管理员" in response.json()["error"]["message"]
        assert client.get(f"/admin/places/{T}", headers=headers).status_code == 403
    assert places(client)[BUILT_UP]["says"][0] == "城区" and len(places(client)[BUILT_UP]["says"]) > 1


@pytest.mark.parametrize("body, status, says", [
    ({"says": ["城区", "   "]}, 422, "第 2 个词为空"),
    ({"says": ["城区", "老街\x07"]}, 422, "第 2 个词“老街□”含控制字符"),
    ({"says": ["城区\u200b"]}, 422, "不可见字符"),
    ({"says": [f"街道{n}号" for n in range(301)]}, 422, "最多 300 个"),
    ({"says": ["城区"] * 6000}, 422, "条目过多"),
    ({"says": ["街"]}, 422, "过短"),
    ({"says": ["长" * 31]}, 422, "过长"),
    ({"says": ["城区"], "not": ["城区"]}, 422, "不能既属于又不属于"),
    ({"says": "城区"}, 422, "says"),
    ({"says": ["城区"], "color": "red"}, 422, "不认识的字段"),
])
def test_bad_words_are_refused_in_chinese_and_change_nothing(env, body, status, says):
    client, tokens, store, _ = env
    before, logged = places(client)[BUILT_UP], len(audit_rows(store, "places.set"))
    message = error_of(put(client, tokens, "office", BUILT_UP, body), status)
    assert says in message, message
    if "不认识" not in says and "条目过多" not in says and says != "says":
        assert BUILT_UP in message, "the error names the place"
    assert places(client)[BUILT_UP] == before and len(audit_rows(store, "places.set")) == logged


def test_an_unknown_place_or_town_is_404(env):
    client, tokens, *_ = env
    assert "已有：城市建成区" in error_of(put(client, tokens, "office", "火星基地", {"says": ["火星"]}), 404)
    error_of(client.get(f"/api/v1/towns/{quote('没有镇')}/places"), 404)


def test_a_bad_form_keeps_what_was_typed(env):
    client, *_ = env
    client.cookies.clear()
    client.post("/login", data={"username": "office", "password": PASSWORD})
    csrf = client.get(f"/admin/places/{T}").text.split('name="csrf_token" value="')[1].split('"')[0]
    typed = "城区\n街\n我们自己的新街"
    page = client.post(f"/admin/places/{T}/{quote(BUILT_UP)}", data={"csrf_token": csrf, "says": typed, "not_words": ""})
    assert page.status_code == 422 and "第 2 个词“街”过短" in page.text and "我们自己的新街" in page.text
    assert client.post(f"/admin/places/{T}/{quote(BUILT_UP)}", data={"says": "城区"}).status_code == 403, "CSRF"
    client.cookies.clear()


def test_the_command_line_shows_sets_and_imports(tmp_path):
    database = str(tmp_path / "lvzhi.db")
    shown = lvzhi(database, "places", "show")
    assert shown.returncode == 0 and "城市建成区" in shown.stdout and "R126" in shown.stdout
    added = lvzhi(database, "places", "set", BUILT_UP, "--add", STREET, "--add-not", "幸福村")
    assert added.returncode == 0, added.stderr
    assert "R126" in lvzhi(database, "resolve", REQUEST, "--format", "json").stdout
    removed = lvzhi(database, "places", "set", BUILT_UP, "--remove", STREET)
    assert removed.returncode == 0 and '"B110"' in lvzhi(database, "resolve", REQUEST, "--format", "json").stdout
    missing = lvzhi(database, "places", "set", BUILT_UP, "--remove", "没有这个词")
    assert missing.returncode != 0 and "没有要删除的词" in missing.stderr
    control = lvzhi(database, "places", "set", BUILT_UP, "--add", "坏\x1b词")
    assert control.returncode != 0 and "控制字符" in control.stderr

    good = tmp_path / "places.yaml"
    good.write_text(yaml.safe_dump({"places": {BUILT_UP: {"says": ["城区", STREET], "not": ["村道"]},
                                               "乡道村道": {"says": ["村道", "机耕道"], "not": ["国道"]}}},
                                   allow_unicode=True), encoding="utf-8")
    imported = lvzhi(database, "places", "import", str(good))
    assert imported.returncode == 0 and "2 个地点" in imported.stdout
    import json
    data = {p["name"]: p for p in json.loads(lvzhi(database, "places", "show", "--format", "json").stdout)["places"]}
    assert data[BUILT_UP]["says"] == ["城区", STREET] and data["乡道村道"]["not"] == ["国道"]
    assert data["园区及平台公司"]["revision"] == 1, "a place the file leaves out keeps its words"

    broken = tmp_path / "broken.yaml"
    broken.write_text("places:\n  城市建成区:\n    says: [城区\n", encoding="utf-8")
    failed = lvzhi(database, "places", "import", str(broken))
    assert failed.returncode != 0 and "不是有效的 YAML" in failed.stderr and "行" in failed.stderr
    half = tmp_path / "half.yaml"
    half.write_text(yaml.safe_dump({"places": {BUILT_UP: {"says": ["城区"]}, "乡道村道": {"says": ["村"]}}},
                                   allow_unicode=True), encoding="utf-8")
    refused = lvzhi(database, "places", "import", str(half))
    assert refused.returncode != 0 and "乡道村道" in refused.stderr
    after = {p["name"]: p for p in json.loads(lvzhi(database, "places", "show", "--format", "json").stdout)["places"]}
    assert after[BUILT_UP]["says"] == ["城区", STREET], "one transaction: nothing of a refused file is kept"


def test_towns_with_identical_lists_share_the_index_but_keep_their_own_places(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'lvzhi.db'}")
    first, second = copied_towns(store, 2)
    lists = Catalog(store, refresh_seconds=0)
    desk = Services.over(lists).places
    shown = {p["name"]: p for p in desk.show(first)["places"]}
    assert shown[BUILT_UP]["kept_in"] == "随软件提供的 places.yaml" and shown[BUILT_UP]["items"] == ["R126"]
    desk.set(command_line_user(), first, BUILT_UP, add=[STREET])
    assert lists.resolver(first).resolve(REQUEST).item.code == "R126"
    assert lists.resolver(second).resolve(REQUEST).item.code == "B110", "another town's places are its own"
    assert lists.resolver(first).index is lists.resolver(second).index, "the index is still shared"
    assert {p["name"]: p for p in desk.show(first)["places"]}[BUILT_UP]["kept_in"] == "数据库"
    store.close()
