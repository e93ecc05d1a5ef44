"""诉求派单 through the API on SQLite and PostgreSQL: routing real cases by the lists, disputes accepted and
rejected, the role matrix, personal data, Open311, statistics, and no server error for any input."""
from __future__ import annotations

from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from lvzhi.lists.bundled import BUNDLED_SOURCE, bundled_dataset
from lvzhi.store import Store
from lvzhi.store.repository import save_dataset
from lvzhi.web import create_app

from conftest import fresh_database
from sample_lists import add_people

PEOPLE = {"dispatcher": ("dispatcher", None, None), "admin": ("admin", None, None),
          "town": ("town", "珞璜镇", None), "company": ("department", None, "珞城实业公司"),
          "culture": ("department", None, "区文化旅游委"), "urban": ("department", None, "区城市管理局"), "health": ("department", None, "区卫生健康委")}
ROAD = "园区里珞城实业公司修的路坑坑洼洼，一直没人管"
KTV = "我们小区附近的KTV晚上接待未成年人进去唱歌"
SUBSISTENCE = "我家生活困难，想申请低保，去哪里办"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def env(request, tmp_path_factory):
    with fresh_database(request.param, tmp_path_factory.mktemp("dispatch")) as url:
        store = Store(url)
        with store.transaction() as session:
            save_dataset(session, bundled_dataset(), source_name=BUNDLED_SOURCE)
        tokens = add_people(store, PEOPLE, "dispatch-pw-1")
        with TestClient(create_app(store), raise_server_exceptions=False) as client:
            yield client, tokens
        store.close()


def call(env, who, method, url, **kwargs):
    client, tokens = env
    return client.request(method, url, headers={"authorization": f"Bearer {tokens[who]}"} if who else {}, **kwargs)


def ok(response, status=200):
    assert response.status_code == status, response.text
    return response.json()


def new_ticket(env, text, **fields):
    return ok(call(env, "dispatcher", "POST", "/api/v1/tickets", json={"text": text, **fields}), 201)


@pytest.mark.parametrize("text, assignee, kind, verdict, item", [
    (ROAD, "珞城实业公司（原珞璜建司）", "department", "reclaimed", "R163"),
    (KTV, "区文化旅游委", "department", "reclaimed", "R140"),
    (SUBSISTENCE, "珞璜镇", "town", "basic", "B51"),
    ("请镇里组织一次无偿献血活动", "珞璜镇", "town", "cooperative", "C39"),
    ("我想办理结婚登记，去哪里办", "", "", "unlisted", ""),
])
def test_routing_real_cases_by_the_lists(env, text, assignee, kind, verdict, item):
    ticket = new_ticket(env, text)
    suggestion = ticket["suggestion"]
    assert (suggestion["assignee"], suggestion["assignee_kind"], suggestion["verdict"], suggestion["item"]) == \
        (assignee, kind, verdict, item)
    assert ticket["state"] == "pending" and 0.0 <= suggestion["confidence"] <= 1.0
    if verdict == "cooperative":
        assert suggestion["lead"] == "区卫生健康委", "the town handles it with the lead department named"
    if verdict == "unlisted":
        assert suggestion["confidence"] == 0.0 and suggestion["needs_person"]
    else:
        assert suggestion["confidence"] >= 0.85 and not suggestion["needs_person"], "a clear case is sure"


def test_a_vague_ticket_is_marked_for_a_person(env):
    suggestion = new_ticket(env, "我要投诉")["suggestion"]
    assert suggestion["assignee"] and suggestion["confidence"] < 0.7 and suggestion["needs_person"]


def test_dispatch_follows_the_suggestion_and_a_deviation_needs_a_reason(env):
    ticket = new_ticket(env, ROAD)
    refused = call(env, "dispatcher", "POST", f"/api/v1/tickets/{ticket['id']}/dispatch", json={"assignee": "珞璜镇"})
    assert refused.status_code == 422 and "派单说明" in refused.json()["error"]["message"]
    sent = ok(call(env, "dispatcher", "POST", f"/api/v1/tickets/{ticket['id']}/dispatch", json={}))
    assert (sent["state"], sent["assignee"], sent["followed_suggestion"]) == ("assigned", "珞城实业公司（原珞璜建司）", True)
    again = call(env, "dispatcher", "POST", f"/api/v1/tickets/{ticket['id']}/dispatch", json={})
    assert again.status_code == 409
    unlisted = new_ticket(env, "我想办理结婚登记，去哪里办")
    assert "请指定承办单位" in call(env, "dispatcher", "POST", f"/api/v1/tickets/{unlisted['id']}/dispatch",
                                   json={}).json()["error"]["message"]
    assert "既不是" in call(env, "dispatcher", "POST", f"/api/v1/tickets/{unlisted['id']}/dispatch",
                            json={"assignee": "区不存在局", "note": "试"}).json()["error"]["message"]
    for placeholder in ("区级相关部门", "区教委等"):
        refused = call(env, "dispatcher", "POST", f"/api/v1/tickets/{unlisted['id']}/dispatch",
                       json={"assignee": placeholder, "note": "试"})
        assert refused.status_code == 422 and "不是具体单位" in refused.json()["error"]["message"]
    offered = [d["name"] for d in ok(call(env, None, "GET", "/api/v1/departments"))["departments"]]
    assert "区应急管理局" in offered and "区教委" in offered
    assert "区级相关部门" not in offered and "区教委等" not in offered, "placeholders are not offered as departments"
    sent = ok(call(env, "dispatcher", "POST", f"/api/v1/tickets/{unlisted['id']}/dispatch",
                   json={"assignee": "区民政局", "note": "婚姻登记由区民政局办理"}))
    assert sent["assignee_kind"] == "department" and not sent["followed_suggestion"]


def test_a_dispute_citing_the_right_item_is_accepted_and_re_dispatched(env):
    ticket = new_ticket(env, ROAD)
    ok(call(env, "dispatcher", "POST", f"/api/v1/tickets/{ticket['id']}/dispatch",
            json={"assignee": "珞璜镇", "note": "属地先行处置"}))
    assert call(env, "company", "POST", f"/api/v1/tickets/{ticket['id']}/disputes",
                json={"reason": "不是我们的", "cited_item": "B1"}).status_code in (403, 404)
    disputed = ok(call(env, "town", "POST", f"/api/v1/tickets/{ticket['id']}/disputes",
                       json={"reason": "园区道路由珞城实业公司管护", "cited_item": "r163"}))
    assessment = disputed["disputes"][0]["assessment"]
    assert disputed["state"] == "disputed" and assessment["supports"] and assessment["cited"] == "R163"
    assert assessment["suggested_assignee"] == "珞城实业公司（原珞璜建司）"
    assert call(env, "town", "POST", f"/api/v1/tickets/{ticket['id']}/disputes/decision",
                json={"accepted": True, "reason": "同意"}).status_code == 403
    moved = ok(call(env, "dispatcher", "POST", f"/api/v1/tickets/{ticket['id']}/disputes/decision",
                    json={"accepted": True, "reason": "按 R163 改派"}))
    assert (moved["state"], moved["assignee"]) == ("assigned", "珞城实业公司（原珞璜建司）")
    assert moved["disputes"][0]["state"] == "accepted" and moved["disputes"][0]["new_assignee"] == moved["assignee"]
    assert moved["dispatch_note"] == "退单改派：按 R163 改派", "not the town's 属地先行处置 shown to the company"
    assert call(env, "town", "GET", f"/api/v1/tickets/{ticket['id']}").status_code == 404, "no longer the town's"
    ok(call(env, "company", "POST", f"/api/v1/tickets/{ticket['id']}/accept", json={}))
    assert call(env, "company", "POST", f"/api/v1/tickets/{ticket['id']}/resolve", json={}).status_code == 422
    done = ok(call(env, "company", "POST", f"/api/v1/tickets/{ticket['id']}/resolve", json={"note": "已修复路面"}))
    assert done["state"] == "resolved"
    trail = ok(call(env, "admin", "GET", "/api/v1/audit", params={"object_type": "ticket",
                                                                  "object_id": str(ticket["id"])}))["entries"]
    assert [e["action"] for e in reversed(trail)] == ["ticket.create", "ticket.dispatch", "ticket.dispute",
                                                      "ticket.reassign", "ticket.accept", "ticket.resolve"]


def test_a_department_disputing_taken_back_work_is_not_backed(env):
    ticket = new_ticket(env, "珞璜镇中心街有人占道摆摊，堵住了人行道")
    assert ticket["suggestion"]["assignee"] == "区城市管理局"
    ok(call(env, "dispatcher", "POST", f"/api/v1/tickets/{ticket['id']}/dispatch", json={}))
    disputed = ok(call(env, "urban", "POST", f"/api/v1/tickets/{ticket['id']}/disputes",
                       json={"reason": "属市政设施养护，应由镇办理", "cited_item": "B108", "proposed_assignee": "珞璜镇"}))
    assessment = disputed["disputes"][0]["assessment"]
    assert not assessment["supports"] and assessment["basis"] == "R128" and assessment["suggested_assignee"] == ""
    assert "R128" in assessment["advice"] and "支持改派" not in assessment["advice"]


def test_a_dispute_citing_the_wrong_item_is_assessed_and_rejected(env):
    ticket = new_ticket(env, SUBSISTENCE)
    ok(call(env, "dispatcher", "POST", f"/api/v1/tickets/{ticket['id']}/dispatch", json={}))
    disputed = ok(call(env, "town", "POST", f"/api/v1/tickets/{ticket['id']}/disputes",
                       json={"reason": "应由园区办理", "cited_item": "R163", "proposed_assignee": "江津综保区管委会"}))
    assessment = disputed["disputes"][0]["assessment"]
    assert not assessment["supports"] and "不符" in assessment["advice"]
    own = ok(call(env, "dispatcher", "POST", f"/api/v1/tickets/{ticket['id']}/disputes/decision",
                  json={"accepted": False, "reason": "低保审核属镇基本职责 B51"}))
    assert (own["state"], own["assignee"], own["disputes"][0]["state"]) == ("assigned", "珞璜镇", "rejected")
    again = call(env, "dispatcher", "POST", f"/api/v1/tickets/{ticket['id']}/disputes/decision",
                 json={"accepted": False, "reason": "再驳回"})
    assert again.status_code == 409
    same_item = ok(call(env, "town", "POST", f"/api/v1/tickets/{ticket['id']}/disputes",
                        json={"reason": "再申请", "cited_item": "B51"}))
    assert "不支持退单" in same_item["disputes"][-1]["assessment"]["advice"]
    unknown = call(env, "dispatcher", "POST", f"/api/v1/tickets/{ticket['id']}/disputes/decision",
                   json={"accepted": True, "reason": "改派", "new_assignee": "珞璜镇"})
    assert unknown.status_code == 422 and "相同" in unknown.json()["error"]["message"]


def test_role_matrix_and_personal_data(env):
    ticket = new_ticket(env, KTV, contact_name="李四", contact_phone="13800000000")
    for who in (None,):
        assert call(env, who, "POST", "/api/v1/tickets", json={"text": KTV}).status_code == 401
        assert call(env, who, "GET", "/api/v1/tickets").status_code == 401
    for who in ("town", "culture"):
        assert call(env, who, "POST", "/api/v1/tickets", json={"text": KTV}).status_code == 403
        assert call(env, who, "POST", f"/api/v1/tickets/{ticket['id']}/dispatch", json={}).status_code == 403
    assert call(env, "culture", "GET", f"/api/v1/tickets/{ticket['id']}").status_code == 404, "not yet dispatched"
    ok(call(env, "dispatcher", "POST", f"/api/v1/tickets/{ticket['id']}/dispatch", json={}))
    mine = ok(call(env, "culture", "GET", f"/api/v1/tickets/{ticket['id']}"))
    assert mine["contact_phone"] == "13800000000", "the assignee must call the resident back"
    assert call(env, "health", "GET", f"/api/v1/tickets/{ticket['id']}").status_code == 404
    assert call(env, "town", "POST", f"/api/v1/tickets/{ticket['id']}/accept", json={}).status_code == 404
    listed = ok(call(env, "culture", "GET", "/api/v1/tickets"))["tickets"]
    assert {t["assignee"] for t in listed} == {"区文化旅游委"}
    public = ok(call(env, "dispatcher", "GET", "/open311/v2/requests.json", params={"service_request_id": ticket["id"]}))
    assert public[0]["agency_responsible"] == "区文化旅游委" and "13800000000" not in str(public)
    assert call(env, "town", "POST", f"/api/v1/tickets/{ticket['id']}/close", json={"note": "x"}).status_code == 403
    closed = ok(call(env, "dispatcher", "POST", f"/api/v1/tickets/{ticket['id']}/close", json={"note": "重复工单"}))
    assert closed["state"] == "closed"


def test_open311_services_and_requests(env):
    services = ok(call(env, None, "GET", "/open311/v2/services.json"))
    assert len(services) == 402 and {"service_code": "R163"}.items() <= next(
        s for s in services if s["service_code"] == "R163").items()
    assert ok(call(env, None, "GET", "/open311/v2/services/C74.json"))["service_code"] == "C74"
    assert call(env, None, "GET", "/open311/v2/services/X1.json").status_code == 404
    assert call(env, None, "POST", "/open311/v2/requests.json", data={"description": KTV}).status_code == 401
    created = ok(call(env, "dispatcher", "POST", "/open311/v2/requests.json",
                      data={"description": ROAD, "address_string": "珞璜工业园", "phone": "13900000000",
                            "external_id": "12345-0001"}), 201)
    assert created[0]["service_notice"].startswith("建议派给珞城实业公司")
    one = ok(call(env, "dispatcher", "GET", f"/open311/v2/requests/{created[0]['service_request_id']}.json"))[0]
    assert (one["status"], one["service_code"], one["address"]) == ("open", "R163", "珞璜工业园")
    assert call(env, "dispatcher", "POST", "/open311/v2/requests.json", data={}).status_code == 422
    assert ok(call(env, None, "GET", "/open311/v2/discovery.json"))["endpoints"][0]["url"] == "/open311/v2"


def test_suggest_without_recording_and_statistics(env):
    routed = ok(call(env, None, "POST", "/api/v1/dispatch/suggest", json={"texts": [ROAD, KTV, SUBSISTENCE, ROAD]}))
    assert [s["assignee"] for s in routed["suggestions"]] == ["珞城实业公司（原珞璜建司）", "区文化旅游委", "珞璜镇",
                                                              "珞城实业公司（原珞璜建司）"]
    assert call(env, None, "POST", "/api/v1/dispatch/suggest", json={"texts": []}).status_code == 422
    data = ok(call(env, "dispatcher", "GET", "/api/v1/dispatch/stats"))
    assert data["total"] >= 5 and data["disputes"]["accepted"] >= 1 and data["disputes"]["rejected"] >= 1
    assert sum(data["by_verdict"].values()) == data["total"]
    assert data["minutes_to_dispatch"]["median"] is not None
    assert call(env, "town", "GET", "/api/v1/dispatch/stats").status_code == 200
    page = call(env, "dispatcher", "GET", "/dispatch/stats")
    assert page.status_code == 200 and "<svg" in page.text and "按承办单位" in page.text


@pytest.mark.parametrize("body, words", [
    ({"text": ""}, "text"), ({"text": "  "}, "不能为空"), ({"text": "低" * 10_001}, "最多 10000"),
    ({"text": KTV, "channel": "微博"}, "channel"), ({"text": KTV, "town": "无此镇"}, "无此镇"),
    ({"text": KTV, "contact_phone": "1" * 33}, "contact_phone"), ({"text": KTV, "received_at": "昨天"}, "received_at"),
])
def test_bad_tickets_are_refused_in_chinese(env, body, words):
    response = call(env, "dispatcher", "POST", "/api/v1/tickets", json=body)
    assert response.status_code in (404, 422) and words in response.json()["error"]["message"]


@pytest.mark.parametrize("value", ["'; DROP TABLE tickets; --", "<script>x</script>", "😀" * 40, "-1", "9" * 30, "　"])
def test_no_input_to_the_dispatch_api_makes_a_server_error(env, value):
    v = quote(value, safe="")
    for who in ("dispatcher", "town", None):
        for url in (f"/api/v1/tickets/{v}", f"/api/v1/tickets?state={v}&page={v}", f"/tickets/{v}", f"/dispatch?state={v}",
                    f"/open311/v2/requests/{v}.json", f"/open311/v2/requests.json?service_request_id={v}&status={v}",
                    f"/open311/v2/services/{v}.json", f"/open311/v2/services.json?jurisdiction_id={v}"):
            assert call(env, who, "GET", url).status_code < 500, (who, url)
        for url, body in (("/api/v1/tickets/1/dispatch", {"assignee": value, "note": value}),
                          ("/api/v1/tickets/1/disputes", {"reason": value, "cited_item": value[:8], "proposed_assignee": value}),
                          ("/api/v1/tickets/1/disputes/decision", {"accepted": True, "reason": value, "new_assignee": value}),
                          ("/api/v1/tickets", {"text": value, "town": value, "location": value}),
                          ("/api/v1/dispatch/suggest", {"texts": [value]})):
            assert call(env, who, "POST", url, json=body).status_code < 500, (who, url)
        assert call(env, who, "POST", "/open311/v2/requests.json",
                    data={"description": value, "jurisdiction_id": value}).status_code < 500


def test_importing_a_days_export_into_the_queue(env):
    import io

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["工单编号", "受理时间", "诉求内容", "渠道", "联系电话"])
    sheet.append(["D-001", "2026-11-29 08:01", ROAD, "12345", "13800000001"])
    sheet.append(["D-002", "2026/11/29 08:05", SUBSISTENCE, "民呼我为", None])
    sheet.append(["D-003", "昨天", KTV, "12345", None])
    sheet.append(["D-004", "2026-11-29 08:09", KTV, "微博", None])
    sheet.append([None, None, None, None, None])
    buffer = io.BytesIO()
    book.save(buffer)
    upload = {"file": ("今日工单.xlsx", buffer.getvalue(),
                       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")}
    assert call(env, "town", "POST", "/api/v1/tickets/import", files=upload).status_code == 403
    report = ok(call(env, "dispatcher", "POST", "/api/v1/tickets/import", files=upload), 201)
    assert len(report["created"]) == 2 and report["skipped_empty"] == 1
    assert [p.split("：")[0] for p in report["problems"]] == ["第 4 行", "第 5 行"]
    assert "受理时间“昨天”" in report["problems"][0] and "渠道“微博”" in report["problems"][1]
    first = ok(call(env, "dispatcher", "GET", f"/api/v1/tickets/{report['created'][0]}"))
    # the file's 受理时间 names no zone: it is Beijing time, stored as UTC, shown again as Beijing time
    assert (first["external_id"], first["suggestion"]["item"], first["received_at"]) == ("D-001", "R163",
                                                                                         "2026-11-29T00:01:00")
    assert first["urgency"] == "一般" and first["due_at"] == "2026-12-04T00:01:00"  # 5 working days from a Sunday
    page = call(env, "dispatcher", "GET", f"/tickets/{first['id']}").text
    assert "受理 2026-11-29 08:01（北京时间）" in page
    again = ok(call(env, "dispatcher", "POST", "/api/v1/tickets/import", files=upload), 201)
    assert again["created"] == [] and again["already_imported"] == ["D-001", "D-002"]
    bad = call(env, "dispatcher", "POST", "/api/v1/tickets/import",
               files={"file": ("tickets.csv", "编号,备注\n1,x\n".encode("gbk"), "text/csv")})
    assert bad.status_code == 422 and "缺少必需的列 text" in bad.json()["error"]["message"]
    assert "tickets.csv" in bad.json()["error"]["message"]
    wrong_type = call(env, "dispatcher", "POST", "/api/v1/tickets/import", files={"file": ("a.pdf", b"%PDF", "x")})
    assert wrong_type.status_code == 422 and ".csv 和 .xlsx" in wrong_type.json()["error"]["message"]
    with_nul = call(env, "dispatcher", "POST", "/api/v1/tickets/import",
                    files={"file": ("nul.csv", "id,text\nN1,低保\x00\nN2,我想申请低保\n".encode(), "text/csv")})
    assert ok(with_nul, 201)["problems"] == ["第 2 行：含有空字符（NUL），请删去后重试"]


def test_the_channel_as_hotline_exports_write_it(env):
    """Exports write “12345热线”“12345政务服务便民热线”“民呼我为平台”: a whole day's file must not fail on that."""
    day = ("工单编号,诉求内容,来源渠道\n"
           f"CH-1,{ROAD},12345热线\nCH-2,{KTV},12345政务服务便民热线\nCH-3,{SUBSISTENCE},民呼我为平台\n"
           f"CH-4,{SUBSISTENCE},便民服务大厅\nCH-5,{KTV},微博\n").encode("gbk")
    report = ok(call(env, "dispatcher", "POST", "/api/v1/tickets/import",
                     files={"file": ("渠道.csv", day, "text/csv")}), 201)
    assert len(report["created"]) == 4 and len(report["problems"]) == 1
    assert "第 6 行：渠道“微博”不认识" in report["problems"][0]
    channels = [ok(call(env, "dispatcher", "GET", f"/api/v1/tickets/{n}"))["channel"] for n in report["created"]]
    assert channels == ["12345", "12345", "民呼我为", "窗口"]


def test_an_uploaded_file_repeating_an_id_says_so(env):
    day = (f"工单编号,诉求内容\nE-001,{ROAD}\nE-002,{KTV}\nE-001,{ROAD}\nE-002,{SUBSISTENCE}\n").encode("gbk")
    report = ok(call(env, "dispatcher", "POST", "/api/v1/tickets/import",
                     files={"file": ("重复.csv", day, "text/csv")}), 201)
    assert len(report["created"]) == 1 and report["already_imported"] == []
    assert report["repeated"] == ["工单编号 E-001 在第 2、4 行重复出现，诉求内容相同，只导入一次（第 2 行）"]
    assert len(report["problems"]) == 1 and "工单编号 E-002 在第 3、5 行重复出现，诉求内容不同" in report["problems"][0]
    assert "一条也未导入" in report["problems"][0]


def test_time_left_reads_with_spaces_between_its_parts():
    from lvzhi.dispatch.deadlines import time_left_text

    assert time_left_text(-(24 * 60 + 2 * 60)) == "超时 1 天 2 小时"
    assert time_left_text(80) == "剩余 1 小时 20 分" and time_left_text(0) == "剩余 不到 1 分"


def test_the_audit_page_names_roles_and_objects_in_chinese(env):
    ticket = new_ticket(env, ROAD)
    ok(call(env, "dispatcher", "POST", f"/api/v1/tickets/{ticket['id']}/dispatch",
            json={"assignee": "珞璜镇", "note": "属地先行处置"}))
    ok(call(env, "town", "POST", f"/api/v1/tickets/{ticket['id']}/disputes",
            json={"reason": "园区道路由珞城实业公司管护", "cited_item": "R163"}))
    page = call(env, "admin", "GET", "/audit", params={"object_type": "ticket", "object_id": str(ticket["id"])}).text
    rows = page.split("<tbody")[1]
    assert f'<a href="/tickets/{ticket["id"]}">工单 {ticket["id"]}</a>' in rows
    assert "派单员" in rows and "镇街工作人员" in rows and "引用事项：R163" in rows
    for raw in ('"muted">dispatcher<', '"muted">town<', f"ticket {ticket['id']}", "cited："):
        assert raw not in rows, raw
