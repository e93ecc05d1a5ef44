"""动态调整 through the command line and the REST API: the issue's whole story (a town proposes adding a duty, two
departments give opinions, the admin approves and publishes "2027年第一次动态调整" on a date, `lvzhi resolve`
answers by the new list from that date on), status codes and Chinese messages, the public notice and its feed."""
from __future__ import annotations

import io
import json
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from lvzhi.store import Store
from lvzhi.web import create_app

from helpers import lvzhi
from sample_lists import add_people, populated_store

PEOPLE = {"admin": ("admin", None, None), "town": ("town", "珞璜镇", None),
          "health": ("department", None, "区卫生健康委"), "market": ("department", None, "区市场监管局")}
ASK = "社区托育服务点日常巡查归谁管"


def people_database(tmp_path) -> str:
    """A SQLite file with the sample lists and the test accounts (PEOPLE)."""
    url = f"sqlite:///{tmp_path / 'lvzhi.db'}"
    populated_store(url).close()
    store = Store(url)
    add_people(store, PEOPLE, "lvzhi-test-pw")
    store.close()
    return url


def test_the_issue_story_on_the_command_line(tmp_path):
    url = people_database(tmp_path)
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
    diff = lvzhi(url, "diff", "2026年调整版", "2027年第一次动态调整")
    assert diff.returncode == 0, diff.stderr
    assert (f"调整申请 {pid}（新增事项）：乡镇申请，镇里实际承担托育服务点巡查；依据：重庆市托育服务管理办法 渝府令第1号"
            in diff.stdout)
    diff_json = json.loads(lvzhi(url, "diff", "2026年调整版", "2027年第一次动态调整", "--format", "json").stdout)
    assert [(i["code"], i["proposal"]["id"], i["proposal"]["reason_kind_name"]) for i in diff_json["added"]] == [
        (code, int(pid), "乡镇申请")]
    older = json.loads(lvzhi(url, "diff", "1", "2027年第一次动态调整", "--format", "json").stdout)
    assert {i["code"]: i["proposal"] for i in older["added"]}["B130"] is None  # imported, not proposed
    notice = lvzhi(url, "proposal", "notice").stdout
    assert "乡镇申请" in notice and "2027年第一次动态调整" in notice and "渝府令第1号" in notice
    again = lvzhi(url, "proposal", "publish", pid, "--label", "x", "--effective-date", on)
    assert again.returncode == 1 and "只有已批准的调整申请可以发布" in again.stderr
    assert "格式不对" in lvzhi(url, "proposal", "publish", pid, "--label", "x", "--effective-date", "明天").stderr


def test_district_proposal_on_the_command_line(tmp_path):
    url = people_database(tmp_path)
    refused = lvzhi(url, "proposal", "add", "--as", "town", "--district", "江津区", "--kind", "remove", "--code", "B129",
                    "--reason-kind", "function", "--reason", "节能工作由部门承担")
    assert refused.returncode != 0 and "镇街只能为本镇提出调整申请" in refused.stderr
    made = lvzhi(url, "proposal", "add", "--district", "江津区", "--kind", "remove", "--code", "B129",
                 "--reason-kind", "function", "--reason", "节能工作由部门承担", "--submit", "--format", "json")
    assert made.returncode == 0, made.stderr
    proposal = json.loads(made.stdout)
    assert proposal["district"] == "江津区" and proposal["scope"] == "江津区全部镇街"
    shown = lvzhi(url, "proposal", "show", str(proposal["id"])).stdout
    assert "江津区全部镇街（事项以珞璜镇为准）" in shown and "珞璜镇：B129 开展公共机构节能工作。" in shown
    assert "江津区全部镇街" in lvzhi(url, "proposal", "list").stdout


def test_edit_a_draft_and_a_returned_proposal_on_the_command_line(tmp_path):
    url = people_database(tmp_path)
    made = lvzhi(url, "proposal", "add", "--as", "town", "--kind", "change", "--code", "B129", "--reason-kind", "town",
                 "--reason", "初稿", "--title", "开展公共机构节能工作（初稿）", "--format", "json")
    assert made.returncode == 0, made.stderr
    pid = str(json.loads(made.stdout)["id"])
    assert "没有要修改的内容" in lvzhi(url, "proposal", "edit", pid, "--as", "town").stderr
    edited = lvzhi(url, "proposal", "edit", pid, "--as", "town", "--reason", "镇里已不承担节能考核",
                   "--title", "开展公共机构节能宣传", "--basis-number", "江津府办发〔2026〕1号", "--format", "json")
    assert edited.returncode == 0, edited.stderr
    shown = json.loads(edited.stdout)
    assert (shown["reason"], shown["after"]["title"], shown["basis_number"], shown["state"]) == (
        "镇里已不承担节能考核", "开展公共机构节能宣传", "江津府办发〔2026〕1号", "draft")
    assert shown["reason_kind"] == "town"  # fields not given stay as they were
    assert "已提交" in lvzhi(url, "proposal", "edit", pid, "--as", "town", "--submit").stdout
    refused = lvzhi(url, "proposal", "edit", pid, "--as", "town", "--reason", "再改")
    assert refused.returncode != 0 and "只有“草稿”或“已退回”的申请可以修改" in refused.stderr
    assert lvzhi(url, "proposal", "return", pid, "--reason", "依据不足").returncode == 0
    again = lvzhi(url, "proposal", "edit", pid, "--as", "town", "--basis-document", "江津区节能工作方案", "--submit")
    assert again.returncode == 0 and "已提交" in again.stdout
    audit = lvzhi(url, "audit", "--format", "json").stdout
    assert audit.count("proposal.edit") == 2


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
    stranger = {**body, "item": {"departments": ["区外星局"]}}
    unknown = call(api, "town", "POST", "/api/v1/proposals", json=stranger)
    assert unknown.status_code == 404 and "没有名为“区外星局”的部门" in unknown.json()["error"]["message"]
    form = call(api, "town", "POST", "/proposals", data={  # the form comes back with the reason, as typed
        "kind": "change", "target_code": "C24", "reason_kind": "function", "reason": "职能调整", "departments": "区外星局"})
    assert form.status_code == 422 and "没有名为“区外星局”的部门" in form.text and "区外星局</textarea>" in form.text
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


def test_api_diff_names_the_proposal(api):
    published = call(api, None, "GET", "/api/v1/towns/珞璜镇/adjustments").json()["adjustments"][0]
    diff = call(api, None, "GET", "/api/v1/towns/珞璜镇/diff", params={"from": "2026年调整版",
                                                                    "to": published["published_version"]}).json()
    assert [(c["code"], c["proposal"]["id"]) for c in diff["changed"]] == [("C24", published["id"])]
    assert diff["changed"][0]["proposal"]["url"] == f"/proposals/{published['id']}"


def test_api_edit_states_and_rights(api):
    body = {"kind": "remove", "target_code": "B129", "reason_kind": "function", "reason": "职能调整"}
    pid = call(api, "town", "POST", "/api/v1/proposals", json=body).json()["id"]
    patched = call(api, "town", "PATCH", f"/api/v1/proposals/{pid}", json={"reason": "节能工作由区机关事务局承担"})
    assert patched.status_code == 200 and patched.json()["reason"] == "节能工作由区机关事务局承担"
    assert patched.json()["kind"] == "remove" and patched.json()["target_code"] == "B129"
    assert call(api, "health", "PATCH", f"/api/v1/proposals/{pid}", json={"reason": "x"}).status_code == 404
    bad = call(api, "town", "PATCH", f"/api/v1/proposals/{pid}", json={"target_code": "B999"})
    assert bad.status_code == 422 and "没有编码为“B999”的事项" in bad.json()["error"]["message"]
    assert call(api, "town", "PATCH", f"/api/v1/proposals/{pid}", json={"state": "approved"}).status_code == 422
    for null in ({"reason": None}, {"kind": None}, {"item": None}):  # left out stays as it is; null is no value
        refused = call(api, "town", "PATCH", f"/api/v1/proposals/{pid}", json=null)
        assert refused.status_code == 422 and refused.json()["error"]["details"], refused.text
    kind = call(api, "town", "PATCH", f"/api/v1/proposals/{pid}", json={"kind": None}).json()["error"]["message"]
    assert kind == "请求体 kind：取值只能是 add、change、remove、move", kind
    replaced = call(api, "town", "PUT", f"/api/v1/proposals/{pid}", json={**body, "target_code": "B128"})
    assert replaced.status_code == 200 and replaced.json()["before"]["title"] == "负责“非警务警情”的接收、调度。"
    call(api, "town", "POST", f"/api/v1/proposals/{pid}/submit", json={})
    late = call(api, "town", "PATCH", f"/api/v1/proposals/{pid}", json={"reason": "再改"})
    assert late.status_code == 409
    assert late.json()["error"]["message"] == f"调整申请 {pid} 当前为“已提交”，只有“草稿”或“已退回”的申请可以修改"
    page = call(api, "town", "GET", f"/proposals/{pid}/edit")
    assert page.status_code == 409 and "只有“草稿”或“已退回”的申请可以修改" in page.text
    call(api, "admin", "POST", f"/api/v1/proposals/{pid}/decision", json={"approved": False, "reason": "请补充依据"})
    form = call(api, "town", "GET", f"/proposals/{pid}/edit")
    assert form.status_code == 200 and "请补充依据" in form.text and 'value="B128"' in form.text
    form_fields = {"kind": "remove", "target_code": "B128", "reason_kind": "function", "reason": "职能调整",
                   "basis_document": "江津区机构改革方案"}
    refused = call(api, "town", "POST", f"/proposals/{pid}/edit", data={**form_fields, "reason": " "})
    assert refused.status_code == 422 and "请填写调整理由" in refused.text and "修改调整申请" in refused.text
    saved = call(api, "town", "POST", f"/proposals/{pid}/edit", data=form_fields, follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"] == f"/proposals/{pid}"
    again = call(api, "town", "GET", f"/api/v1/proposals/{pid}")
    assert again.json()["state"] == "draft" and again.json()["rounds"][0]["decision"]["reason"] == "请补充依据"
    assert again.json()["basis_document"] == "江津区机构改革方案"
    page = call(api, "town", "GET", f"/proposals/{pid}").text
    assert "第 1 轮（已退回）" in page and "请补充依据" in page and "修改申请" in page
    sent = call(api, "town", "POST", f"/proposals/{pid}/edit", data={**form_fields, "action": "submit"})
    assert sent.status_code == 200 and call(api, "town", "GET", f"/api/v1/proposals/{pid}").json()["state"] == "submitted"
    district = call(api, "admin", "POST", "/api/v1/proposals", json={**body, "district": "江津区"})
    assert district.status_code == 201 and district.json()["scope"] == "江津区全部镇街"
    towns = call(api, "admin", "GET", f"/api/v1/proposals/{district.json()['id']}/towns").json()
    assert towns["left_out"] == 0 and [(t["town"], t["target_code"]) for t in towns["towns"]] == [("珞璜镇", "B129")]
    town_try = call(api, "town", "POST", "/api/v1/proposals", json={**body, "district": "江津区"})
    assert town_try.status_code == 403 and "镇街只能为本镇提出调整申请" in town_try.json()["error"]["message"]


def _approved_unlisted(api, text: str) -> int:
    review = call(api, "admin", "POST", "/api/v1/reviews", json={
        "town": "珞璜镇", "issuing_department": "区卫生健康委", "text": text, "title": "外卖骑手头盔发放"}).json()
    call(api, "admin", "POST", f"/api/v1/reviews/{review['id']}/decision", json={"decision": "unlisted", "reason": "清单外"})
    call(api, "admin", "POST", f"/api/v1/reviews/{review['id']}/approval", json={"approved": True, "reason": "由镇承接"})
    return review["id"]


def test_monitor_candidates_become_a_proposal_in_one_step(api):
    ids = [_approved_unlisted(api, "请各镇完成辖区内所有外卖骑手的电动车头盔发放。"),
           _approved_unlisted(api, "请各镇于月底前完成辖区内外卖骑手电动车头盔发放。")]
    monitor = call(api, "town", "GET", "/api/v1/monitor").json()
    assert [(c["review_ids"], c["times"], c["proposal"]) for c in monitor["candidates"]] == [(ids, 2, None)]
    page = call(api, "town", "GET", "/monitor").text
    assert "反复经批准承接的清单外任务" in page and "申请列入清单" in page
    book = load_workbook(io.BytesIO(call(api, "admin", "GET", "/api/v1/monitor.xlsx").content))
    rows = list(book["可申请列入清单"].iter_rows(values_only=True))
    assert rows[0][:4] == ("交办部门", "任务", "经批准承接次数", "镇街")
    assert rows[1][:5] == ("区卫生健康委", "外卖骑手头盔发放", 2, "珞璜镇", "、".join(str(i) for i in ids))
    button = call(api, "town", "POST", "/proposals/from-review", data={"review_id": ids}, follow_redirects=False)
    assert button.status_code == 303, button.text  # the monitor page's button: one step to the draft
    made = call(api, "town", "GET", "/api/v1" + button.headers["location"])
    assert made.json()["review_ids"] == ids and made.json()["reason_kind"] == "admission"
    assert made.json()["after"]["departments"] == ["区卫生健康委"] and made.json()["district"] is None
    assert made.json()["state"] == "draft" and made.json()["after"]["title"] == "外卖骑手头盔发放"
    again = call(api, "town", "POST", "/api/v1/proposals/from-review", json={"review_ids": [ids[1]]})
    assert again.status_code == 409 and f"已据此提出调整申请 {made.json()['id']}" in again.json()["error"]["message"]
    assert call(api, "town", "POST", "/api/v1/proposals/from-review", json={}).status_code == 422
    monitor = call(api, "town", "GET", "/api/v1/monitor").json()
    assert monitor["candidates"][0]["proposal"] == made.json()["id"]
