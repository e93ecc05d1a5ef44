"""事项准入 through the API, on SQLite and PostgreSQL: the five decisions on real items, the role matrix,
overrides, approvals, conflicts, the monitor, the audit trail, sessions with CSRF, throttling and bad input."""
from __future__ import annotations

import io
import threading

import pytest
from docx import Document
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import text

from lvzhi.clock import beijing_text
from lvzhi.work import accounts
from lvzhi.lists.bundled import BUNDLED_SOURCE, bundled_dataset
from lvzhi.work import reviews as reviews
from lvzhi.store import Store
from lvzhi.store.repository import save_dataset
from lvzhi.web import create_app

from conftest import fresh_database
from sample_lists import add_people, hostile_town

PASSWORD = "lvzhi-test-pw"
PEOPLE = {
    "admin": ("admin", None, None),
    "town": ("town", "珞璜镇", None),
    "other_town": ("town", "测试镇", None),
    "health": ("department", None, "区卫健委"),
    "emergency": ("department", None, "区应急管理局"),
    "dispatcher": ("dispatcher", None, None),
}
NURSERY = "请各镇对辖区内所有托育机构开展一次全面检查，月底前报送检查结果。"
INSURANCE = "将医保码签发任务完成情况纳入对各镇街的年度考核。"
BLOOD = "请镇里组织一次无偿献血活动，动员群众参加，并负责采血车辆调度和血液检测工作。"
SUBSISTENCE = "请镇里做好最低生活保障对象的审核和动态管理工作。"
UNLISTED = "请各镇于本周内完成辖区内所有外卖骑手的电动车头盔发放。"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def env(request, tmp_path_factory):
    with fresh_database(request.param, tmp_path_factory.mktemp("reviews")) as url:
        store = Store(url)
        with store.transaction() as session:
            save_dataset(session, bundled_dataset(), source_name=BUNDLED_SOURCE)
        with store.transaction() as session:
            save_dataset(session, hostile_town(), source_name="hostile.json")
        tokens = add_people(store, PEOPLE, PASSWORD)
        with TestClient(create_app(store), raise_server_exceptions=False) as client:
            yield client, tokens, store
        store.close()


def call(env, who: str | None, method: str, url: str, **kwargs):
    client, tokens, _ = env
    headers = {"authorization": f"Bearer {tokens[who]}"} if who else {}
    return client.request(method, url, headers=headers, **kwargs)


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.text
    return response.json()


def submit(env, who: str, task: str, **fields) -> dict:
    return ok(call(env, who, "POST", "/api/v1/reviews", json={"text": task, **fields}), 201)


def test_five_decision_kinds_on_real_items(env):
    nursery = submit(env, "health", NURSERY)
    assert nursery["proposal"] == "return" and [c["code"] for c in nursery["cited_items"]] == ["R8"]
    assert nursery["proposal_detail"]["answer"]["lead"] == "区卫生健康委"
    assert nursery["issuing_department"] == "区卫生健康委", "a department submits under its own printed name"
    insurance = submit(env, "admin", INSURANCE, issuing_department="区医保局", town="珞璜镇")
    assert insurance["proposal"] == "abolished" and insurance["cited_items"][0]["code"] == "R18"
    blood = submit(env, "health", BLOOD)
    assert blood["proposal"] == "cooperate" and blood["cited_items"][0]["code"] == "C39"
    c39 = bundled_dataset().by_code()["C39"]
    assert blood["proposal_detail"]["answer"]["item"]["town_duties"] == c39.town_duties and len(c39.town_duties) == 2
    assert any("采血车辆调度" in b for b in blood["proposal_detail"]["beyond"]), "work beyond the town's part is flagged"
    assert not any("动员群众参加" in b for b in blood["proposal_detail"]["beyond"])
    subsistence = submit(env, "town", SUBSISTENCE, issuing_department="区民政局")
    assert subsistence["proposal"] == "admit" and subsistence["cited_items"][0]["code"] == "B51"
    unlisted = submit(env, "town", UNLISTED, issuing_department="区交通运输委")
    assert unlisted["proposal"] == "unlisted" and unlisted["cited_items"] == []
    assert unlisted["list_version"] == "官方公布版"


def test_a_full_review_confirm_and_its_audit_trail(env):
    review = submit(env, "health", NURSERY, title="托育机构全面检查", deadline="2026-12-31")
    decided = ok(call(env, "town", "POST", f"/api/v1/reviews/{review['id']}/decision", json={"decision": "return"}))
    assert (decided["state"], decided["decision"], decided["overridden"]) == ("decided", "return", False)
    assert decided["decided_by"] == "town"
    trail = ok(call(env, "admin", "GET", "/api/v1/audit", params={"object_type": "review",
                                                                  "object_id": str(review["id"])}))["entries"]
    assert [e["action"] for e in trail] == ["review.decide", "review.submit"]
    decide, submitted = trail
    assert (submitted["actor"], submitted["actor_role"]) == ("health", "department")
    assert submitted["after"]["proposal"] == "return" and submitted["list_version"] == "官方公布版"
    assert decide["actor"] == "town" and decide["before"]["state"] == "pending"
    assert decide["after"] == {"state": "decided", "decision": "return", "overridden": False, "reason": None,
                               "cited_items": [{"code": "R8", "title": "对辖区内托育机构的监督管理", "list": "reclaimed"}]}
    opinion = call(env, "health", "GET", f"/api/v1/reviews/{review['id']}/opinion.docx")
    assert opinion.status_code == 200
    text_of = "\n".join(p.text for p in Document(io.BytesIO(opinion.content)).paragraphs)
    assert "托育机构全面检查" in text_of and "R8" in text_of and "审查决定：退回" in text_of and "区卫生健康委" in text_of


def test_the_opinion_and_the_monitor_export_give_beijing_time(env):
    """Pages show 北京时间; the printed opinion, its Word file and the monitor's sheet must not show UTC instead."""
    review = submit(env, "health", NURSERY, title="托育机构检查（时间）")
    decided = ok(call(env, "town", "POST", f"/api/v1/reviews/{review['id']}/decision", json={"decision": "return"}))
    submitted, at = beijing_text(decided["submitted_at"]), beijing_text(decided["decided_at"])
    assert submitted != decided["submitted_at"][:16].replace("T", " ")  # eight hours apart
    opinion = call(env, "health", "GET", f"/api/v1/reviews/{review['id']}/opinion.docx")
    text_of = "\n".join(p.text for p in Document(io.BytesIO(opinion.content)).paragraphs)
    assert f"提交时间：{submitted}" in text_of and f"审查人：town，{at}" in text_of
    page = call(env, "health", "GET", f"/reviews/{review['id']}/opinion").text
    assert f"提交时间：{submitted}" in page and at in page
    book = load_workbook(io.BytesIO(call(env, "admin", "GET", "/api/v1/monitor.xlsx").content))
    rows = [[c.value for c in row] for row in book["退回的任务"].iter_rows(min_row=2)]
    assert [submitted] == [r[4] for r in rows if r[0] == review["id"]]


def test_an_override_needs_a_reason_and_is_recorded(env):
    review = submit(env, "town", SUBSISTENCE, issuing_department="区民政局")
    refused = call(env, "town", "POST", f"/api/v1/reviews/{review['id']}/decision", json={"decision": "return"})
    assert refused.status_code == 422 and "理由" in refused.json()["error"]["message"]
    decided = ok(call(env, "town", "POST", f"/api/v1/reviews/{review['id']}/decision",
                      json={"decision": "cooperate", "reason": "区民政局牵头，镇只做初审"}))
    assert decided["overridden"] and decided["reason"] == "区民政局牵头，镇只做初审"
    assert decided["proposal"] == "admit", "the proposal stays on record beside the override"


def test_deciding_twice_is_a_conflict_naming_who_decided(env):
    review = submit(env, "health", NURSERY)
    ok(call(env, "admin", "POST", f"/api/v1/reviews/{review['id']}/decision", json={"decision": "return"}))
    again = call(env, "town", "POST", f"/api/v1/reviews/{review['id']}/decision", json={"decision": "return"})
    assert again.status_code == 409 and "已由admin" in again.json()["error"]["message"]


def test_two_reviewers_deciding_at_once_one_wins(env):
    _, _, store = env
    review = submit(env, "health", NURSERY)
    with store.transaction() as session:
        town_user = accounts.find_user(session, "town")
        admin_user = accounts.find_user(session, "admin")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def decide(user, decision):
        barrier.wait()
        try:
            store.run(lambda session: reviews.decide(session, user, review["id"], decision, "并发测试"))
            outcomes.append("won")
        except reviews.Conflict as exc:
            outcomes.append(str(exc))

    threads = [threading.Thread(target=decide, args=(town_user, "return")),
               threading.Thread(target=decide, args=(admin_user, "unlisted"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(o == "won" for o in outcomes) == [False, True], outcomes
    trail = ok(call(env, "admin", "GET", "/api/v1/audit", params={"action": "review.decide",
                                                                  "object_id": str(review["id"])}))
    assert trail["total"] == 1


def test_unlisted_work_waits_for_a_written_approval(env):
    review = submit(env, "town", UNLISTED, issuing_department="区交通运输委")
    waiting = ok(call(env, "town", "POST", f"/api/v1/reviews/{review['id']}/decision", json={"decision": "unlisted"}))
    assert waiting["state"] == "awaiting_approval"
    assert call(env, "town", "POST", f"/api/v1/reviews/{review['id']}/approval",
                json={"approved": True, "reason": "同意"}).status_code == 403
    assert call(env, "admin", "POST", f"/api/v1/reviews/{review['id']}/approval",
                json={"approved": True, "reason": ""}).status_code == 422
    approved = ok(call(env, "admin", "POST", f"/api/v1/reviews/{review['id']}/approval",
                       json={"approved": True, "reason": "区政府专题会议明确由镇临时承担"}))
    assert (approved["state"], approved["approval"], approved["approved_by"]) == ("decided", "approved", "admin")
    assert call(env, "admin", "POST", f"/api/v1/reviews/{review['id']}/approval",
                json={"approved": False, "reason": "再审"}).status_code == 409


# -- who may do what ---------------------------------------------------------------------------------

def test_role_matrix_for_submitting_and_reading(env):
    assert call(env, None, "POST", "/api/v1/reviews", json={"text": NURSERY}).status_code == 401
    assert call(env, "dispatcher", "POST", "/api/v1/reviews", json={"text": NURSERY,
                                                                    "issuing_department": "区卫生健康委"}).status_code == 403
    assert call(env, "town", "POST", "/api/v1/reviews", json={"text": NURSERY, "issuing_department": "区卫生健康委",
                                                              "town": "测试镇"}).status_code == 403
    mine = submit(env, "emergency", "请镇里负责辖区内危险化学品企业的安全生产执法检查")
    assert mine["town"] == "珞璜镇" and mine["issuing_department"] == "区应急管理局"
    assert call(env, None, "GET", "/api/v1/reviews").status_code == 401
    assert call(env, "dispatcher", "GET", "/api/v1/reviews").status_code == 403
    seen = {who: {r["id"] for r in ok(call(env, who, "GET", "/api/v1/reviews", params={"per_page": 200}))["reviews"]}
            for who in ("admin", "town", "other_town", "health", "emergency")}
    assert mine["id"] in seen["admin"] and mine["id"] in seen["town"] and mine["id"] in seen["emergency"]
    assert mine["id"] not in seen["health"] and mine["id"] not in seen["other_town"]
    assert seen["emergency"] <= seen["town"] <= seen["admin"]
    for who in ("health", "other_town", "dispatcher"):
        assert call(env, who, "GET", f"/api/v1/reviews/{mine['id']}").status_code in (403, 404)
        assert call(env, who, "GET", f"/api/v1/reviews/{mine['id']}/opinion.docx").status_code in (403, 404)
    assert call(env, "emergency", "GET", f"/api/v1/reviews/{mine['id']}").status_code == 200


def test_role_matrix_for_deciding_and_administration(env):
    review = submit(env, "health", NURSERY)
    url = f"/api/v1/reviews/{review['id']}/decision"
    assert call(env, None, "POST", url, json={"decision": "return"}).status_code == 401
    assert call(env, "health", "POST", url, json={"decision": "return"}).status_code == 403
    assert call(env, "dispatcher", "POST", url, json={"decision": "return"}).status_code == 403
    assert call(env, "other_town", "POST", url, json={"decision": "return"}).status_code == 404
    for path, method in (("/api/v1/audit", "GET"), ("/api/v1/users", "GET"), ("/api/v1/audit.csv", "GET")):
        assert call(env, None, method, path).status_code == 401
        for who in ("town", "health", "dispatcher"):
            assert call(env, who, method, path).status_code == 403, (who, path)
        assert call(env, "admin", method, path).status_code == 200
    new_user = {"username": "newbie", "password": "long-enough-pw", "role": "town", "town": "珞璜镇"}
    assert call(env, "town", "POST", "/api/v1/users", json=new_user).status_code == 403
    assert ok(call(env, "admin", "POST", "/api/v1/users", json=new_user), 201)["town"] == "珞璜镇"
    assert call(env, "dispatcher", "GET", "/api/v1/monitor").status_code == 403
    assert call(env, None, "GET", "/api/v1/monitor").status_code == 401
    assert ok(call(env, "admin", "GET", "/api/v1/me"))["role"] == "admin"
    assert call(env, None, "POST", "/api/v1/reviews/check", json={"text": NURSERY}).json()["kind"] == "return"


def test_a_disabled_account_loses_its_token_and_role_changes_are_audited(env):
    ok(call(env, "admin", "POST", "/api/v1/users", json={"username": "temp", "password": "temp-password",
                                                          "role": "department", "department": "区应急管理局"}), 201)
    token = ok(call(env, "admin", "POST", "/api/v1/users/temp/tokens", json={"name": "sync"}), 201)["token"]
    client = env[0]
    assert client.get("/api/v1/me", headers={"authorization": f"Bearer {token}"}).json()["department"] == "区应急管理局"
    ok(call(env, "admin", "POST", "/api/v1/users/temp/role", json={"role": "department", "department": "卫健委"}))
    assert client.get("/api/v1/me", headers={"authorization": f"Bearer {token}"}).json()["department"] == "区卫生健康委"
    ok(call(env, "admin", "POST", "/api/v1/users/temp/active", json={"active": False}))
    refused = client.get("/api/v1/me", headers={"authorization": f"Bearer {token}"})
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "bad_token"
    actions = [e["action"] for e in ok(call(env, "admin", "GET", "/api/v1/audit",
                                            params={"object_type": "user", "object_id": "temp"}))["entries"]]
    assert actions == ["user.disable", "user.role", "token.add", "user.add"]
    assert call(env, "admin", "POST", "/api/v1/users/admin/active", json={"active": False}).status_code == 403


def test_the_audit_log_cannot_be_changed(env):
    _, _, store = env
    for method in ("PUT", "PATCH", "DELETE"):
        assert call(env, "admin", method, "/api/v1/audit").status_code == 405
    with pytest.raises(Exception, match="审计日志只能追加"):
        with store.engine.begin() as connection:
            connection.execute(text("UPDATE audit_log SET actor = 'someone'"))
    with pytest.raises(Exception, match="审计日志只能追加"):
        with store.engine.begin() as connection:
            connection.execute(text("DELETE FROM audit_log"))
    export = call(env, "admin", "GET", "/api/v1/audit.xlsx")
    sheet = load_workbook(io.BytesIO(export.content))["审计日志"]
    assert sheet.max_row > 5 and sheet.cell(1, 5).value == "操作"


def test_monitor_counts_and_flags_repeated_pushes(env):
    first = submit(env, "health", NURSERY)
    second = submit(env, "health", "请各镇配合开展托育机构消防安全专项检查")
    for review in (first, second):
        ok(call(env, "town", "POST", f"/api/v1/reviews/{review['id']}/decision", json={"decision": "return"}))
    data = ok(call(env, "admin", "GET", "/api/v1/monitor"))
    row = next(r for r in data["rows"] if r["department"] == "区卫生健康委")
    assert row["submitted"] >= 2 and row["returned"] >= 2
    assert row["submitted"] == sum(row[k] for k in ("accepted", "limited", "returned", "abolished", "unlisted", "pending"))
    assert any(p["department"] == "区卫生健康委" and p["code"] == "R8" and p["times"] >= 2 for p in data["repeat_pushes"])
    assert all(r["repeated"] for r in data["returned"] if r["id"] in (first["id"], second["id"]))
    mine = ok(call(env, "emergency", "GET", "/api/v1/monitor"))
    assert {r["department"] for r in mine["rows"]} <= {"区应急管理局"}
    book = load_workbook(io.BytesIO(call(env, "admin", "GET", "/api/v1/monitor.xlsx").content))
    assert book.sheetnames == ["统计", "退回的任务", "可申请列入清单"]
    assert call(env, "admin", "GET", "/api/v1/monitor", params={"month": "2026/11"}).status_code == 422


# -- bad input ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("body, status, words", [
    ({"text": ""}, 422, "text"),
    ({"text": "   "}, 422, "不能为空"),
    ({"text": "检" * 10_001}, 422, "最多 10000"),
    ({"text": NURSERY, "issuing_department": "区不存在局"}, 404, "没有名为“区不存在局”的部门"),
    ({"text": NURSERY, "issuing_department": "区卫生健康委", "town": "无此镇"}, 404, "无此镇"),
    ({"text": NURSERY, "issuing_department": "区卫生健康委", "deadline": "明天"}, 422, "日期"),
    ({"text": NURSERY, "issuing_department": "区卫生健康委", "attachment_text": "附" * 50_001}, 422, "attachment_text"),
    ({"text": NURSERY, "issuing_department": ""}, 422, "交办部门"),
])
def test_bad_submissions_are_refused_in_chinese_and_nothing_is_written(env, body, status, words):
    before = ok(call(env, "admin", "GET", "/api/v1/reviews"))["total"]
    response = call(env, "admin", "POST", "/api/v1/reviews", json=body)
    assert response.status_code == status, response.text
    assert words in response.json()["error"]["message"]
    assert ok(call(env, "admin", "GET", "/api/v1/reviews"))["total"] == before


def test_bad_decisions(env):
    review = submit(env, "health", NURSERY)
    url = f"/api/v1/reviews/{review['id']}/decision"
    assert call(env, "town", "POST", url, json={"decision": "maybe"}).status_code == 422
    assert call(env, "town", "POST", url, json={"decision": "admit", "reason": "理" * 2001}).status_code == 422
    assert call(env, "town", "POST", "/api/v1/reviews/99999999/decision", json={"decision": "admit"}).status_code == 404
    assert call(env, "town", "POST", "/api/v1/reviews/0/decision", json={"decision": "admit"}).status_code == 422
    assert ok(call(env, "town", "GET", f"/api/v1/reviews/{review['id']}"))["state"] == "pending"


# -- browser sessions --------------------------------------------------------------------------------

def test_session_login_csrf_and_throttling(env):
    client = env[0]
    client.cookies.clear()
    wrong = client.post("/login", data={"username": "town", "password": "wrong-password"}, follow_redirects=False)
    assert wrong.status_code == 401 and "用户名或密码不对" in wrong.text
    signed = client.post("/login", data={"username": "town", "password": PASSWORD, "next": "/reviews"},
                         follow_redirects=False)
    assert signed.status_code == 303 and signed.headers["location"] == "/reviews"
    assert "httponly" in signed.headers["set-cookie"].lower() and "samesite=lax" in signed.headers["set-cookie"].lower()
    page = client.get("/reviews/new")
    csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    no_token = client.post("/api/v1/reviews", json={"text": NURSERY, "issuing_department": "区卫生健康委"})
    assert no_token.status_code == 403 and no_token.json()["error"]["code"] == "csrf_failed"
    with_token = client.post("/api/v1/reviews", json={"text": NURSERY, "issuing_department": "区卫生健康委"},
                             headers={"x-csrf-token": csrf})
    assert with_token.status_code == 201
    form = client.post("/reviews", data={"text": BLOOD, "issuing_department": "区卫生健康委", "csrf_token": csrf},
                       follow_redirects=False)
    assert form.status_code == 303 and form.headers["location"].startswith("/reviews/")
    assert client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    client.cookies.clear()
    assert client.get("/reviews", follow_redirects=False).headers["location"] == "/login?next=/reviews"
    assert client.post("/login", data={"username": "x", "password": "y", "next": "//evil.example"},
                       follow_redirects=False).status_code == 401
    for _ in range(accounts.MAX_FAILED_LOGINS):
        client.post("/login", data={"username": "dispatcher", "password": "nope-nope"})
    locked = client.post("/login", data={"username": "dispatcher", "password": PASSWORD}, follow_redirects=False)
    assert locked.status_code == 429 and "登录失败次数过多" in locked.text


NASTY = ["\x00", "'; DROP TABLE reviews; --", "<script>alert(1)</script>", "😀" * 30, "-1", "9" * 30, "", "　"]


@pytest.mark.parametrize("value", NASTY)
def test_no_input_to_the_review_api_makes_a_server_error(env, value):
    from urllib.parse import quote

    v = quote(value, safe="")
    for who in ("admin", "town", None):
        for method, url in (("GET", f"/api/v1/reviews/{v}"), ("GET", f"/api/v1/reviews?state={v}&page={v}"),
                            ("GET", f"/api/v1/monitor?month={v}"), ("GET", f"/api/v1/audit?action={v}&object_id={v}"),
                            ("GET", f"/reviews/{v}"), ("GET", f"/reviews?state={v}"), ("GET", f"/login?next={v}"),
                            ("GET", f"/api/v1/reviews/{v}/opinion.docx"), ("GET", f"/monitor?month={v}")):
            response = call(env, who, method, url)
            assert response.status_code < 500, (who, url, response.text[:200])
        for body in ({"text": value, "issuing_department": value, "town": value, "deadline": value},
                     {"text": value or "x", "issuing_department": "区卫生健康委", "title": value},
                     {"decision": value, "reason": value}, {"username": value, "password": value, "role": value}):
            for url in ("/api/v1/reviews", "/api/v1/reviews/1/decision", "/api/v1/reviews/1/approval", "/api/v1/users",
                        f"/api/v1/users/{v or 'x'}/role", "/api/v1/reviews/check"):
                response = call(env, who, "POST", url, json=body)
                assert response.status_code < 500, (who, url, body, response.text[:200])
    bad_token = env[0].get("/api/v1/me", headers={"authorization": "Bearer " + (v or "x") * 200})
    assert bad_token.status_code == 401


def test_the_reviewer_corrects_the_cited_item(env):
    review = submit(env, "health", NURSERY)
    bad = call(env, "town", "POST", f"/api/v1/reviews/{review['id']}/decision",
               json={"decision": review["proposal"], "cited_item": "Z999"})
    assert bad.status_code == 404 and "Z999" in bad.json()["error"]["message"]
    decided = ok(call(env, "town", "POST", f"/api/v1/reviews/{review['id']}/decision",
                      json={"decision": "return", "reason": "实为托育机构监督检查", "cited_item": "r8"}))
    assert [c["code"] for c in decided["cited_items"]] == ["R8"] and decided["decision"] == "return"


def test_a_return_must_cite_the_item_taken_back(env):
    """退回 without a 收回事项 would tell the department nothing: no item, no handler (the opinion cited B51 as 镇负责)."""
    review = submit(env, "town", SUBSISTENCE, issuing_department="区民政局")
    url = f"/api/v1/reviews/{review['id']}/decision"
    refused = call(env, "town", "POST", url, json={"decision": "return", "reason": "已由区民政局收回"})
    message = refused.json()["error"]["message"]
    assert refused.status_code == 422 and "须引用上级部门收回事项" in message and "B51 不是收回事项" in message
    assert call(env, "town", "POST", url, json={"decision": "abolished", "reason": "不再开展"}).status_code == 422
    assert ok(call(env, "town", "GET", f"/api/v1/reviews/{review['id']}"))["state"] == "pending"  # nothing written
    decided = ok(call(env, "town", "POST", url, json={"decision": "return", "reason": "已由区民政局收回",
                                                      "cited_item": "R8"}))
    assert decided["decision"] == "return" and [c["code"] for c in decided["cited_items"]] == ["R8"]


def test_reviews_search_filter_page_and_export(env):
    import io

    from openpyxl import load_workbook

    client, tokens, _ = env
    submit(env, "health", NURSERY, title="托育机构检查通知")
    listing = client.get("/reviews", params={"q": "托育", "state": ""}, headers={"authorization": f"Bearer {tokens['admin']}"})
    assert listing.status_code == 200 and "托育机构检查通知" in listing.text and "导出 Excel" in listing.text
    none = client.get("/reviews", params={"q": "不存在的任务名称"}, headers={"authorization": f"Bearer {tokens['admin']}"})
    assert "没有准入审查" in none.text
    assert client.get("/reviews", params={"since": "昨天"},
                      headers={"authorization": f"Bearer {tokens['admin']}"}).status_code == 422
    export = client.get("/reviews/export.xlsx", params={"q": "托育机构检查通知"},
                        headers={"authorization": f"Bearer {tokens['admin']}"})
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "编号" and {r[4] for r in rows[1:]} == {"托育机构检查通知"}
