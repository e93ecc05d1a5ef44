"""以单明责、依单考核 through the services, on SQLite and PostgreSQL: offices, staff and assignments (template
round trip, bad rows, bulk by category, unassigned, carried to a new version), the ledger from reviews, tickets
and by hand, an assessment scheme of ~100 indicators checked with flags and citations, bad scheme files,
confirmations in the audit log, the role matrix and the statistics."""
from __future__ import annotations

import copy
import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

from lvzhi.errors import Conflict, Forbidden, InvalidInput, NotFound
from lvzhi.formats.organisation import RowErrors
from lvzhi.lists.bundled import bundled_dataset
from lvzhi.store.repository import save_dataset
from lvzhi.work.reviews import Submission
from lvzhi.work.tickets import NewTicket

from assessment_scheme import scheme_indicators, scheme_xlsx, sheet_bytes
from conftest import fresh_database
from sample_lists import organisation_services

TOWN = "珞璜镇"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def env(request, tmp_path_factory):
    with fresh_database(request.param, tmp_path_factory.mktemp("ledger")) as url, organisation_services(url) as made:
        yield made


def filled_template(services, user) -> bytes:
    """The downloaded template, filled in as a town would: offices and people, a lead office per basic item."""
    book = load_workbook(io.BytesIO(services.organisation.template(user, TOWN)))
    items, offices = book["事项分工"], book["科室与人员"]
    offices.append(["社会事务办公室", "张敏", "主任"])
    offices.append(["综合行政执法大队", "李强", "队长"])
    for row in items.iter_rows(min_row=2):
        code, category = row[0].value, row[2].value
        if code.startswith("B"):
            row[4].value = "社会事务办公室" if category in ("民生服务", "社会事业") else "党政办公室"
            row[5].value = "综合行政执法大队" if code == "B75" else None
            row[6].value = "张敏" if code == "B51" else None
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_template_import_assigns_and_lists_the_unassigned(env):
    services, users, store = env
    org = services.organisation
    imported = org.import_sheet(users["town"], TOWN, filled_template(services, users["town"]), "分工表.xlsx")
    basic = len(bundled_dataset().items_of("basic"))
    assert imported["assigned"] == basic
    assert "社会事务办公室" in imported["offices_added"] and "张敏" in imported["people_added"]
    board = org.board(users["town"], TOWN)
    b75 = next(i for i in board["items"] if i["code"] == "B75")
    assert b75["co"] == ["综合行政执法大队"]
    assert next(i for i in board["items"] if i["code"] == "B51")["person"] == "张敏"
    unassigned = org.unassigned(users["town"], TOWN)
    assert {i["code"][0] for i in unassigned} == {"C", "R"} and len(unassigned) == board["unassigned"]
    # bulk by category: every cooperative 安全生产 item not yet assigned
    category = bundled_dataset().categories("cooperative")[0][0]
    bulk = org.assign_category(users["town"], TOWN, "cooperative", category, "综合行政执法大队")
    assert bulk["codes"] and all(c.startswith("C") for c in bulk["codes"])
    again = org.assign_category(users["town"], TOWN, "cooperative", category, "党政办公室")
    assert again["codes"] == [] and again["skipped"] == len(bulk["codes"]), "only unassigned items by default"
    log = services.audit.page(users["admin"], action="org.import")
    assert log["total"] == 1 and log["entries"][0]["actor"] == "town"


def test_bad_assignment_sheets_name_rows_and_write_nothing(env):
    services, users, _ = env
    org = services.organisation
    before = org.board(users["town"], TOWN)["assigned"]
    bad = sheet_bytes([["编码", "事项名称", "牵头科室", "责任人"], ["B1", "", "党政办公室", ""],
                       ["B9999", "", "党政办公室", ""], ["X1", "", "党政办公室", ""], ["B2", "", "招商办", ""],
                       ["B3", "", "党政办公室", "王五"], ["B4", "", "", "张敏"]])
    with pytest.raises(RowErrors) as caught:
        org.import_sheet(users["town"], TOWN, bad, "坏表.xlsx")
    rows = caught.value.rows
    assert any("第 3 行" in r and "B9999" in r for r in rows)
    assert any("第 4 行" in r and "不是事项编码" in r for r in rows)
    assert any("第 5 行" in r and "招商办" in r for r in rows)
    assert any("第 6 行" in r and "王五" in r for r in rows)
    assert any("第 7 行" in r and "没有填牵头科室" in r for r in rows)
    assert "未导入任何内容" in str(caught.value)
    assert org.board(users["town"], TOWN)["assigned"] == before
    with pytest.raises(InvalidInput, match="不是有效的 xlsx"):
        org.import_sheet(users["town"], TOWN, b"not a workbook", "乱码.xlsx")
    with pytest.raises(InvalidInput, match="找不到事项分工的表头"):
        org.import_sheet(users["town"], TOWN, sheet_bytes([["甲", "乙"], ["1", "2"]]), "无表头.xlsx")


def test_roles_on_the_organisation(env):
    services, users, _ = env
    org = services.organisation
    for who in ("other", "health", "dispatcher"):
        with pytest.raises(Forbidden):
            org.assign(users[who], TOWN, "B1", "党政办公室")
        with pytest.raises(Forbidden):
            org.board(users[who], TOWN)
    assert org.assign(users["admin"], TOWN, "B1", "党政办公室")["lead"] == "党政办公室"
    with pytest.raises(InvalidInput, match="没有名为“不存在办”的科室"):
        org.assign(users["town"], TOWN, "B1", "不存在办")
    with pytest.raises(NotFound):
        org.assign(users["town"], TOWN, "B9999", "党政办公室")


def test_ledger_fills_from_reviews_tickets_and_by_hand(env):
    services, users, _ = env
    admitted = services.reviews.submit(users["town"], Submission(
        TOWN, "区民政局", "请镇里做好最低生活保障对象的审核和动态管理工作。", deadline=date.today() - timedelta(days=1)))
    services.reviews.decide(users["town"], admitted["id"], admitted["proposal"], None)
    returned = services.reviews.submit(users["health"], Submission(
        TOWN, "区卫健委", "请各镇对辖区内所有托育机构开展一次全面检查，月底前报送检查结果。"))
    services.reviews.decide(users["town"], returned["id"], returned["proposal"], None)
    ticket = services.tickets.create(users["dispatcher"], NewTicket("村里低保评审不公平，请镇里重新核查", TOWN))
    services.tickets.dispatch(users["dispatcher"], ticket["id"], TOWN, None)
    ledger = services.ledger
    entries = ledger.entries(users["town"], TOWN)
    sources = {(e["source"], e["source_id"]) for e in entries}
    assert ("review", admitted["id"]) in sources and ("review", returned["id"]) not in sources, "only admitted work"
    review_entry = next(e for e in entries if e["source"] == "review")
    assert review_entry["code"] == admitted["cited_items"][0]["code"] and review_entry["state"] == "overdue"
    ticket_entry = next(e for e in entries if e["source"] == "ticket")
    assert ticket_entry["code"] == services.tickets.one(users["admin"], ticket["id"])["item"]
    assert ticket_entry["state"] == "open" and ticket_entry["due_on"]
    assert len(ledger.entries(users["town"], TOWN)) == len(entries), "reading twice adds nothing"
    services.tickets.accept(users["town"], ticket["id"])
    services.tickets.finish(users["town"], ticket["id"], "已重新核查并公示")
    done = next(e for e in ledger.entries(users["town"], TOWN) if e["source"] == "ticket")
    assert done["done_on"] == date.today().isoformat() and done["state"] == "done"
    manual = ledger.add(users["town"], TOWN, "B51", date.today(), "组织全镇低保年审", "完成 312 户年审",
                        attachments=["年审名册.xlsx", "会议记录.docx"])
    mine = ledger.entries(users["town"], TOWN, code="B51")
    assert mine[0]["id"] == manual["id"] and mine[0]["attachments"] == ["年审名册.xlsx", "会议记录.docx"]
    assert mine[0]["office"] == "社会事务办公室", "the item's lead office from the assignment sheet"
    summary = ledger.summary(users["town"], TOWN)
    month = date.today().strftime("%Y-%m")
    assert sum(s["received"] for s in summary if s["month"] == month) == len(ledger.entries(users["town"], TOWN))
    assert sum(s["overdue"] for s in summary) >= 1
    book = load_workbook(io.BytesIO(ledger.workbook(users["town"], TOWN)))
    assert book.sheetnames[1] == "按科室和月份" and book.worksheets[0].max_row == len(ledger.entries(users["town"], TOWN)) + 1
    with pytest.raises(Forbidden):
        ledger.entries(users["health"], TOWN)
    with pytest.raises(InvalidInput, match="办理情况"):
        ledger.add(users["town"], TOWN, "B51", date.today(), "  ")
    finished = ledger.finish(users["town"], TOWN, review_entry["id"], date.today(), "已完成审核")
    assert finished["done_on"] == date.today().isoformat()
    assert services.audit.page(users["admin"], action="ledger.add")["total"] == 1


def test_assessment_scheme_checked_against_the_lists(env):
    services, users, _ = env
    rows = scheme_indicators()
    assert 95 <= len(rows) <= 105
    desk = services.indicators
    with pytest.raises(Forbidden):
        desk.import_scheme(users["town"], TOWN, 2026, scheme_xlsx(rows), "考核方案.xlsx")
    scheme = desk.import_scheme(users["admin"], TOWN, 2026, scheme_xlsx(rows), "考核方案.xlsx")
    assert scheme["indicators"] == len(rows)
    with pytest.raises(Conflict):
        desk.import_scheme(users["admin"], TOWN, 2026, scheme_xlsx(rows), "考核方案.xlsx")
    report = desk.report(users["admin"], scheme["id"])
    found = {i["text"]: i for i in report["indicators"]}
    right = sum(1 for r in rows if found[r.text]["code"] == r.expect_code and found[r.text]["flag"] == r.expect_flag)
    assert right >= 0.93 * len(rows), f"{right}/{len(rows)} indicators read as the lists say"
    r18 = found["医保码签发任务完成率"]
    assert r18["code"] == "R18" and r18["flag"] == "abolished" and "不再开展" in r18["flag_reason"]
    assert "R18" in r18["flag_reason"]
    for kind in ("reclaimed", "beyond", "unlisted"):
        flagged = [i for i in report["indicators"] if i["flag"] == kind]
        assert flagged, kind
        if kind != "unlisted":
            assert all(i["code"] in i["flag_reason"] for i in flagged), "the reason cites the item"
    reclaimed = next(i for i in report["indicators"] if i["flag"] == "reclaimed")
    assert "收回" in reclaimed["flag_reason"]
    assert any(d["department"] == "区医保局" and d["flags"]["abolished"] == 1 for d in report["departments"])
    # a person changes a wrong proposal: the flag follows and the change is audited
    wrong = next(i for i in report["indicators"] if i["text"] == "镇街开展全民阅读进家庭活动场次")
    changed = desk.confirm(users["town"], wrong["id"], "清单外")
    assert changed["code"] is None and changed["flag"] == "unlisted"
    confirmed = desk.confirm(users["town"], r18["id"])
    assert confirmed["flag"] == "abolished"
    assert services.audit.page(users["admin"], action="indicator.change")["total"] == 1
    assert services.audit.page(users["admin"], action="indicator.confirm")["total"] == 1
    # departments see their own indicators only, and cannot decide
    theirs = desk.report(users["insurance"], scheme["id"])
    assert {i["department"] for i in theirs["indicators"]} == {"区医保局"} and not theirs["may_decide"]
    with pytest.raises(Forbidden):
        desk.confirm(users["insurance"], r18["id"])
    with pytest.raises(NotFound):
        desk.report(users["other"], scheme["id"])
    book = load_workbook(io.BytesIO(desk.workbook(users["admin"], scheme["id"])))
    assert book.worksheets[0].max_row == len(rows) + 1 and book.sheetnames == ["考核指标核查", "按考核部门"]


def test_bad_scheme_files_name_rows_and_write_nothing(env):
    services, users, _ = env
    desk = services.indicators
    count = len(desk.schemes(users["admin"]))
    bad = sheet_bytes([["2026年考核"], ["序号", "考核内容", "考核单位", "分值", "说明"],
                       [1, "低保审核", "区民政局", "五分", ""], [2, "", "区民政局", 3, "只有说明"],
                       [3, "医保码签发", "", 2, ""], [4, "森林防火", "区林业局", -1, ""]])
    with pytest.raises(RowErrors) as caught:
        desk.import_scheme(users["admin"], TOWN, 2026, bad, "坏方案.xlsx")
    rows = caught.value.rows
    assert rows == ["第 3 行：分值“五分”不是数字", "第 4 行：缺少考核指标（内容）", "第 5 行：“医保码签发”缺少考核部门",
                    "第 6 行：分值 -1 不在 0–1000 之间"]
    with pytest.raises(InvalidInput, match="须有 考核指标/指标/考核内容、考核部门"):
        desk.import_scheme(users["admin"], TOWN, 2026, sheet_bytes([["名称", "部门"], ["a", "b"]]), "x.xlsx")
    with pytest.raises(InvalidInput, match="年度"):
        desk.import_scheme(users["admin"], TOWN, 26, bad, "坏方案.xlsx")
    assert len(desk.schemes(users["admin"])) == count


def test_assignments_carried_to_a_new_version(env):
    services, users, store = env
    org = services.organisation
    old = org.board(users["town"], TOWN)
    new = copy.deepcopy(bundled_dataset())
    new.version = "2027年调整版"
    b51 = next(i for i in new.items if i.code == "B51")
    b51.title += "（含临时救助）"
    new.items = [i for i in new.items if i.code != "B2"]
    with store.transaction() as session:
        save_dataset(session, new, source_name="2027.json", label="2027年调整版")
    fresh = org.board(users["town"], TOWN)
    assert fresh["assigned"] == 0 and fresh["carry_possible"]
    carried = org.carry_over(users["town"], TOWN)
    assert "B1" in carried["carried"] and "B51" not in carried["carried"]
    assert {"code": "B51", "title": b51.title, "why": "内容有变化"} in carried["to_review"]
    assert "B2" in carried["removed"]
    after = org.board(users["town"], TOWN)
    assert after["assigned"] == old["assigned"] - 2 and next(i for i in after["items"] if i["code"] == "B1")["carried"]
    assert services.audit.page(users["admin"], action="org.carry")["total"] == 1


def test_statistics(env):
    services, users, _ = env
    stats = services.statistics.town(users["town"], TOWN)
    assert stats["lists"]["基本履职"] > 100 and sum(stats["months"][m]["tickets"] for m in stats["months"]) >= 1
    assert stats["offices"] and stats["flagged"]["区医保局"]["abolished"] == 1
    with pytest.raises(Forbidden):
        services.statistics.town(users["health"], TOWN)
    district = services.statistics.town(users["admin"], district=bundled_dataset().town.district)
    assert district["towns"] == [TOWN]
