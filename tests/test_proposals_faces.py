"""动态调整 through the command line and the REST API: the issue's whole story (a town proposes adding a duty, two
departments give opinions, the admin approves and publishes "2027年第一次动态调整" on a date, `lvzhi resolve`
answers by the new list from that date on), status codes and Chinese messages, the public notice and its feed."""
from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient

from lvzhi.store import Store
from lvzhi.web import create_app

from helpers import lvzhi
from sample_lists import add_people, populated_store

PEOPLE = {"admin": ("admin", None, None), "town": ("town", "珞璜镇", None),
          "health": ("department", None, "区卫生健康委"), "market": ("department", None, "区市场监管局")}
ASK = "社区托育服务点日常巡查归谁管"


def test_the_issue_story_on_the_command_line(tmp_path):
    url = f"sqlite:///{tmp_path / 'lvzhi.db'}"
    populated_store(url).close()
    store = Store(url)
    add_people(store, PEOPLE, "lvzhi-test-pw")
    store.close()
    on = (date.today() + timedelta(days=10)).isoformat()
    made = lvzhi(url, "proposal", "add", "--as", "town", "--kind", "add", "--reason-kind", "town",
                 "--reason", "镇里实际承担托育服务点巡查", "--basis-document", "重庆市托育服务管理办法",
                 "--basis-number", "渝府令第1号", "--list", "cooperative", "--category", "卫生健康",
                 "--title", "社区托育服务点安全管理", "--department", "区卫生健康委", "--department", "区市场监管局",
                 "--department-duty", "区卫生健康委：负责托育服务点备案和业务指导。",
                 "--department-duty", "区市场监管局：负责托育服务点食品安全监督管理。",
                 "--town-duty", "负责辖区托育服务点的日常巡查，发现问题及时报告相关部门。", "--submit", "--format", "json")
    assert made.returncode == 0, made.stderr
    pid = str(json.loads(made.stdout)["id"])
    assert "会商中" in lvzhi(url, "proposal", "consult", pid).stdout
    assert lvzhi(url, "proposal", "opinion", pid, "--as", "health", "--agree", "--opinion", "同意").returncode == 0
    opinion = lvzhi(url, "proposal", "opinion", pid, "--as", "market", "--disagree", "--opinion", "食品安全由我局负责")
    assert "待审定" in opinion.stdout and "区市场监管局：不同意：食品安全由我局负责" in opinion.stdout
    refused = lvzhi(url, "proposal", "approve", pid)
    assert refused.returncode == 1 and "区市场监管局不同意该调整；如仍批准，须写明理由" in refused.stderr
    assert "已批准" in lvzhi(url, "proposal", "approve", pid, "--reason", "食品安全仍由部门负责，巡查由镇承担").stdout
    published = lvzhi(url, "proposal", "publish", pid, "--label", "2027年第一次动态调整", "--effective-date", on)
    assert published.returncode == 0 and f"{on} 起生效：C" in published.stdout
    code = json.loads(lvzhi(url, "proposal", "show", pid, "--format", "json").stdout)["published_code"]
    assert f"{code}（申请 {pid}）" in published.stdout
    assert "2027年第一次动态调整" in lvzhi(url, "versions").stdout
    today = json.loads(lvzhi(url, "resolve", ASK, "--format", "json").stdout)
    later = json.loads(lvzhi(url, "resolve", ASK, "--format", "json", "--as-of", on).stdout)
    assert code not in [i["code"] for i in today["items"]] and later["items"][0]["code"] == code
    notice = lvzhi(url, "proposal", "notice").stdout
    assert "乡镇申请" in notice and "2027年第一次动态调整" in notice and "渝府令第1号" in notice
    again = lvzhi(url, "proposal", "publish", pid, "--label", "x", "--effective-date", on)
    assert again.returncode == 1 and "只有已批准的调整申请可以发布" in again.stderr
    assert "格式不对" in lvzhi(url, "proposal", "publish", pid, "--label", "x", "--effective-date", "明天").stderr


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    store = populated_store(f"sqlite:///{tmp_path_factory.mktemp('proposals') / 'lvzhi.db'}")
    tokens = add_people(store, PEOPLE, "lvzhi-test-pw")
    with TestClient(create_app(store), raise_server_exceptions=False) as client:
        yield client, tokens


def call(api, who, method, url, **kwargs):
    client, tokens = api
    headers = {"authorization": f"Bearer {tokens[who]}"} if who else {}
    return client.request(method, url, headers=headers, **kwargs)


def test_api_steps_and_codes(api):
    body = {"kind": "change", "target_code": "C24", "reason_kind": "function", "reason": "职能调整",
            "item": {"town_duties": ["负责社区养老服务中心建设和运营监督。"]}}
    assert call(api, None, "POST", "/api/v1/proposals", json=body).status_code == 401
    made = call(api, "town", "POST", "/api/v1/proposals", json=body)
    assert made.status_code == 201, made.text
    pid = made.json()["id"]
    assert made.json()["before"]["town_duties"] != made.json()["after"]["town_duties"]
    bad = call(api, "town", "POST", "/api/v1/proposals", json={**body, "target_code": "C999"})
    assert bad.status_code == 422 and "没有编码为“C999”的事项" in bad.json()["error"]["message"]
    wrong = call(api, "admin", "POST", f"/api/v1/proposals/{pid}/consult", json={})
    assert wrong.status_code == 409 and "当前为“草稿”，不能组织会商" in wrong.json()["error"]["message"]
    assert call(api, "town", "POST", f"/api/v1/proposals/{pid}/submit", json={}).json()["state"] == "submitted"
    assert call(api, "town", "POST", f"/api/v1/proposals/{pid}/consult", json={}).status_code == 403
    consulting = call(api, "admin", "POST", f"/api/v1/proposals/{pid}/consult", json={}).json()
    assert consulting["state"] == "consulting"
    asked = [o["department"] for o in consulting["opinions"]]
    assert "区民政局" in asked
    assert call(api, "health", "GET", f"/api/v1/proposals/{pid}").status_code == 404
    decided = call(api, "admin", "POST", f"/api/v1/proposals/{pid}/decision", json={"approved": True})
    assert decided.status_code == 422 and "尚未提出会商意见" in decided.json()["error"]["message"]
    ok = call(api, "admin", "POST", f"/api/v1/proposals/{pid}/decision", json={"approved": True, "reason": "急需"})
    assert ok.json()["state_name"] == "已批准"
    past = call(api, "admin", "POST", "/api/v1/proposals/publish", json={
        "proposals": [pid], "label": "2026年第二次动态调整", "effective_date": "2020-01-01"})
    assert past.status_code == 422 and "不能早于今天" in past.json()["error"]["message"]
    done = call(api, "admin", "POST", "/api/v1/proposals/publish", json={
        "proposals": [pid], "label": "2026年第二次动态调整", "effective_date": date.today().isoformat()})
    assert done.status_code == 200 and done.json()["versions"][0]["proposals"] == [{"id": pid, "code": "C24"}]
    notice = call(api, None, "GET", "/api/v1/towns/珞璜镇/adjustments").json()
    assert notice["total"] == 1 and notice["adjustments"][0]["reason_kind_name"] == "部门职能调整"
    listing = call(api, "town", "GET", "/api/v1/proposals?state=published").json()
    assert [p["id"] for p in listing["proposals"]] == [pid]
    assert call(api, "town", "GET", "/api/v1/proposals?state=whatever").status_code == 422
