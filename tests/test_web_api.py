"""The REST API under /api/v1, run in-process against SQLite and PostgreSQL, checked against the lists."""
from __future__ import annotations

import csv
import io
import json
from collections import Counter
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from lvzhi.lists.bundled import bundled_dataset
from lvzhi.web import create_app

from conftest import fresh_database
from sample_lists import amended_lists, populated_store

TOWN = "珞璜镇"
T = quote(TOWN)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def client(request, tmp_path_factory):
    with fresh_database(request.param, tmp_path_factory.mktemp("api")) as url:
        store = populated_store(url)
        with TestClient(create_app(store), raise_server_exceptions=False) as test_client:
            yield test_client
        store.close()


def _ok(response) -> dict:
    assert response.status_code == 200, response.text
    return response.json()


def _error(response, status: int, code: str | None = None) -> str:
    assert response.status_code == status, response.text
    body = response.json()["error"]
    if code:
        assert body["code"] == code
    assert not body["message"].isascii(), "error messages are Chinese"
    return body["message"]


# -- towns, versions, items ------------------------------------------------------------------------

def test_towns_list_counts_of_the_current_version(client):
    towns = {t["name"]: t for t in _ok(client.get("/api/v1/towns"))["towns"]}
    assert set(towns) == {TOWN, "测试镇"}
    current = amended_lists()
    assert towns[TOWN]["counts"] == {k: len(current.items_of(k)) for k in ("basic", "cooperative", "reclaimed")}
    assert towns[TOWN]["current_version"]["label"] == "2026年调整版"
    assert towns[TOWN]["district"] == "江津区"


def test_town_detail_has_categories_matching_the_document_and_both_versions(client):
    town = _ok(client.get(f"/api/v1/towns/{T}"))
    for kind, categories in town["categories"].items():
        assert sum(c["count"] for c in categories) == town["counts"][kind]
    assert [c["name"] for c in town["categories"]["cooperative"]] == [
        name for name, _ in amended_lists().categories("cooperative")]
    assert [v["label"] for v in town["versions"]] == ["官方公布版", "2026年调整版"]
    versions = _ok(client.get(f"/api/v1/towns/{T}/versions"))["versions"]
    assert [v["items"] for v in versions] == [402, 402]


def test_items_filter_facet_and_page(client):
    expected = [i for i in amended_lists().items if i.list == "cooperative" and i.category == "民生服务"]
    page = _ok(client.get(f"/api/v1/towns/{T}/items", params={"list": "cooperative", "category": "民生服务",
                                                                "per_page": 10, "page": 2}))
    assert page["total"] == len(expected)
    assert [i["code"] for i in page["items"]] == [i.code for i in expected[10:20]]
    assert page["facets"]["list"] == {"cooperative": len(expected)}
    first = page["items"][0]
    assert first["town_duties"] == expected[10].town_duties and first["url"] == f"/t/{TOWN}/{expected[10].code}"


def test_items_by_department_alias(client):
    dataset = amended_lists()
    expected = [i.code for i in dataset.items if "区卫生健康委" in i.named_departments()]
    page = _ok(client.get(f"/api/v1/towns/{T}/items", params={"department": "卫健委", "per_page": 500}))
    assert [i["code"] for i in page["items"]] == expected


def test_item_detail_every_field_and_history(client):
    body = _ok(client.get(f"/api/v1/towns/{T}/items/c39"))
    c39 = amended_lists().by_code()["C39"]
    assert body["item"]["town_duties"] == c39.town_duties
    assert body["item"]["department_duties"][0]["duties"] == c39.department_duties[0].duties
    assert body["item"]["lead_departments"] == ["区卫生健康委"]
    assert [h["state"] for h in body["history"]] == ["added", "changed"]
    old = _ok(client.get(f"/api/v1/towns/{T}/items/C39", params={"version": "官方公布版"}))
    assert old["item"]["town_duties"] == bundled_dataset().by_code()["C39"].town_duties
    removed = _ok(client.get(f"/api/v1/towns/{T}/items/C110/history"))["history"]
    assert removed[0]["item"]["title"] == "档案执法检查" and removed[1]["item"] is None
    r163 = _ok(client.get(f"/api/v1/towns/{T}/items/R163"))["item"]
    assert r163["lead_departments"] == ["江津综保区管委会", "珞城实业公司（原珞璜建司）"]


def test_unknown_town_item_version_are_404_with_chinese_messages(client):
    assert "X999" in _error(client.get(f"/api/v1/towns/{T}/items/X999"), 404, "not_found")
    assert "不存在镇" in _error(client.get(f"/api/v1/towns/{quote('不存在镇')}"), 404, "not_found")
    _error(client.get(f"/api/v1/towns/{T}/items/C39", params={"version": "99"}), 404, "not_found")
    _error(client.get(f"/api/v1/towns/{T}/items/C110"), 404, "not_found")
    _error(client.get("/api/v1/no-such-thing"), 404, "not_found")
    _error(client.get(f"/api/v1/departments/{quote('区不存在局')}"), 404, "unknown_department")


def test_diff_between_versions(client):
    diff = _ok(client.get(f"/api/v1/towns/{T}/diff", params={"from": "1", "to": "2026年调整版"}))
    assert [i["code"] for i in diff["added"]] == ["B130"]
    assert [i["code"] for i in diff["removed"]] == ["C110"]
    assert [(c["code"], [f["field"] for f in c["fields"]]) for c in diff["changed"]] == [("C39", ["town_duties"])]
    assert diff["field_names"]["town_duties"] == "镇配合职责"


def test_downloads_in_three_formats(client):
    as_json = client.get(f"/api/v1/towns/{T}/export.json")
    assert as_json.status_code == 200 and "attachment" in as_json.headers["content-disposition"]
    assert len(as_json.json()["items"]) == 402
    as_csv = client.get(f"/api/v1/towns/{T}/export.csv", params={"version": "1"})
    rows = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert len(rows) == 1 + 402 and "C110" in {r[0] for r in rows}
    as_xlsx = client.get(f"/api/v1/towns/{T}/export.xlsx")
    book = load_workbook(io.BytesIO(as_xlsx.content))
    assert book.sheetnames == ["说明", "基本履职事项清单", "配合履职事项清单", "上级部门收回事项清单"]
    assert book["配合履职事项清单"].max_row == 1 + 109
    _error(client.get(f"/api/v1/towns/{T}/export.pdf"), 422, "invalid_input")


# -- departments and search ------------------------------------------------------------------------

def test_departments_counts_match_the_lists(client):
    departments = {d["name"]: d for d in _ok(client.get("/api/v1/departments"))["departments"]}
    current = amended_lists()
    cooperative = Counter(n for i in current.items_of("cooperative") for n in i.named_departments())
    reclaimed = Counter(n for i in current.items_of("reclaimed") for n in i.named_departments())
    for name in ("区卫生健康委", "区应急管理局", "珞城实业公司（原珞璜建司）"):
        assert (departments[name]["cooperative"], departments[name]["reclaimed"]) == (cooperative[name], reclaimed[name])
    view = _ok(client.get(f"/api/v1/departments/{quote('区卫健委')}"))
    assert view["department"] == "区卫生健康委"
    assert {e["code"] for e in view["reclaimed"]} >= {"R8"}
    assert view["totals"] == {"cooperative": cooperative["区卫生健康委"], "reclaimed": reclaimed["区卫生健康委"]}


def test_search_with_facets_filters_and_paging(client):
    result = _ok(client.get("/api/v1/search", params={"q": "低保"}))
    assert result["items"][0]["code"] == "B51" and result["items"][0]["url"] == f"/t/{TOWN}/B51"
    fire = _ok(client.get("/api/v1/search", params={"q": "消防", "list": "reclaimed", "limit": 2}))
    assert all(i["list"] == "reclaimed" for i in fire["items"]) and len(fire["items"]) <= 2
    assert fire["facets"]["list"]["reclaimed"] == fire["total"]
    assert sum(fire["facets"]["list"].values()) > fire["total"], "the list facet still counts the other lists"
    second = _ok(client.get("/api/v1/search", params={"q": "消防", "list": "reclaimed", "limit": 2, "offset": 2}))
    assert not {i["code"] for i in second["items"]} & {i["code"] for i in fire["items"]}
    _error(client.get("/api/v1/search", params={"q": ""}), 422, "invalid_input")
    assert "list" in _error(client.get("/api/v1/search", params={"q": "低保", "list": "other"}), 422)
    _error(client.get("/api/v1/search", params={"q": "低保", "town": "无此镇"}), 404)


# -- resolve ---------------------------------------------------------------------------------------

def test_resolve_one_request(client):
    answer = _ok(client.post("/api/v1/resolve", json={"text": "小区楼下那家托育机构消防通道堆满杂物，谁来查？"}))
    assert (answer["verdict"], answer["lead"], answer["item"]["code"]) == ("reclaimed", "区卫生健康委", "R8")
    assert answer["handler_methods"] == amended_lists().by_code()["R8"].handlers[0].methods
    blood = _ok(client.post("/api/v1/resolve", json={"text": "请镇里组织一次无偿献血活动", "top": 5, "id": "a1"}))
    assert (blood["verdict"], blood["item"]["code"], blood["id"]) == ("cooperative", "C39", "a1")
    assert blood["town_part"] == amended_lists().by_code()["C39"].town_duties, "answers use the current version"
    assert len(blood["items"]) == 5
    marriage = _ok(client.post("/api/v1/resolve", json={"text": "我想办理结婚登记，去哪里办？"}))
    assert marriage["verdict"] == "unlisted" and marriage["item"] is None
    assert marriage["unlisted_probability"] >= 0.5 > answer["unlisted_probability"] >= 0.0


def test_resolve_a_batch_keeps_going_past_bad_rows(client):
    body = _ok(client.post("/api/v1/resolve", json={"requests": [
        {"id": "1", "text": "我想申请低保"}, {"id": "2", "text": "   "}, {"id": "3", "text": "对完成医保码签发任务指标进行考核"}]}))
    answers = {a["id"]: a for a in body["answers"]}
    assert answers["1"]["item"]["code"] == "B51" and answers["1"]["verdict"] == "basic"
    assert answers["2"]["error"] == "诉求内容为空"
    assert answers["2"]["verdict"] is None and "verdict_text" not in answers["2"], "an error has no verdict"
    assert (answers["3"]["verdict"], answers["3"]["item"]["code"]) == ("abolished", "R18")


@pytest.mark.parametrize("payload, where", [
    ({}, "二者选一"),
    ({"text": "低保", "requests": [{"text": "低保"}]}, "二者选一"),
    ({"text": ""}, "text"),
    ({"text": "低" * 10_001}, "最多 10000"),
    ({"text": "低保", "top": 0}, "top"),
    ({"text": 5}, "应为文字"),
    ({"requests": []}, "requests"),
    ({"requests": [{"id": "1"}]}, "requests[0].text"),
    ({"text": "低保", "color": "red"}, "不认识的字段"),
    ({"text": "！！！"}, "标点"),
])
def test_resolve_bad_bodies_are_422_naming_the_field(client, payload, where):
    assert where in _error(client.post("/api/v1/resolve", json=payload), 422, "invalid_input")


def test_resolve_rejects_broken_json_and_unknown_town(client):
    json_type = {"content-type": "application/json"}
    assert "JSON" in _error(client.post("/api/v1/resolve", content='{"text": "低保'.encode(), headers=json_type), 422)
    not_utf8 = client.post("/api/v1/resolve", content='{"text": "低保"}'.encode("gbk"), headers=json_type)
    assert "UTF-8" in _error(not_utf8, 400, "bad_request")
    _error(client.post("/api/v1/resolve", json={"text": "低保", "town": "无此镇"}), 404, "not_found")
    batch = {"requests": [{"text": "低保"}] * 1001}
    assert "1000" in _error(client.post("/api/v1/resolve", json=batch), 422)


def test_verdict_words(client):
    assert _ok(client.get("/api/v1/verdicts"))["verdicts"]["unlisted"].startswith("清单外")


def test_openapi_describes_the_api(client):
    spec = _ok(client.get("/api/v1/openapi.json"))
    assert {"/api/v1/resolve", "/api/v1/towns/{town}/items", "/api/v1/search"} <= set(spec["paths"])
    assert client.get("/docs").status_code == 200
    assert json.dumps(spec, ensure_ascii=False).count("镇街") > 3
