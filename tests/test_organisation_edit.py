"""Keeping the town's organisation and ledger, on SQLite and PostgreSQL: offices renamed and removed (refused with
the items and people named, or handed to another office with items, staff and open ledger entries), staff edited
and removed, removed rows kept for the history, ledger entries finished by hand, the item page's assignment (the
person's name only for the town), and the 考核指标核查意见 as one Opinion for the page and the .docx.
Every change is checked for its audit row and every refusal for its Chinese message."""
from __future__ import annotations

import copy
import io
from datetime import date, timedelta

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Cm

from lvzhi.errors import Conflict, Forbidden, InvalidInput, NotFound
from lvzhi.formats.documents import BODY_FONT, TITLE_FONT
from lvzhi.lists.bundled import bundled_dataset
from lvzhi.store.repository import save_dataset
from lvzhi.work.organisation import NOBODY
from lvzhi.work.reviews import Submission
from lvzhi.work.tickets import NewTicket

from assessment_scheme import scheme_indicators, scheme_xlsx
from conftest import fresh_database
from sample_lists import organisation_services

TOWN = "珞璜镇"
OUTSIDERS = ("other", "health", "insurance", "dispatcher")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def env(request, tmp_path_factory):
    with fresh_database(request.param, tmp_path_factory.mktemp("org-edit")) as url, organisation_services(url) as made:
        services, users, _ = made
        org = services.organisation
        for office in ("党政办公室", "社会事务办公室", "综合行政执法大队", "经济发展办公室"):
            org.add_office(users["town"], TOWN, office)
        org.add_staff(users["town"], TOWN, "社会事务办公室", "张敏", "主任")
        org.add_staff(users["town"], TOWN, "社会事务办公室", "王芳", "科员")
        org.add_staff(users["town"], TOWN, "党政办公室", "李强", "主任")
        yield made


def ids(services, user):
    offices = services.organisation.offices(user, TOWN)
    return ({o["name"]: o["id"] for o in offices},
            {s["name"]: s["id"] for o in offices for s in o["staff"]})


def last_audit(services, users, action):
    page = services.audit.page(users["admin"], action=action)
    return page["total"], page["entries"][0] if page["entries"] else None


def test_rename_an_office(env):
    services, users, _ = env
    org = services.organisation
    offices, _ = ids(services, users["town"])
    org.assign(users["town"], TOWN, "B30", "经济发展办公室")
    for who in OUTSIDERS:
        with pytest.raises(Forbidden):
            org.rename_office(users[who], TOWN, offices["经济发展办公室"], "经济服务办公室")
    with pytest.raises(Conflict, match="已有科室“党政办公室”"):
        org.rename_office(users["town"], TOWN, offices["经济发展办公室"], "党政办公室")
    with pytest.raises(InvalidInput, match="请填写科室名称"):
        org.rename_office(users["town"], TOWN, offices["经济发展办公室"], "  ")
    with pytest.raises(InvalidInput, match="最多 64 字"):
        org.rename_office(users["town"], TOWN, offices["经济发展办公室"], "办" * 65)
    with pytest.raises(NotFound, match="没有编号为 999999 的科室"):
        org.rename_office(users["town"], TOWN, 999999, "新名")
    with pytest.raises(NotFound):  # another town's keeper cannot reach 珞璜镇's office through their own town
        org.rename_office(users["other"], "测试镇", offices["经济发展办公室"], "新名")
    done = org.rename_office(users["admin"], TOWN, offices["经济发展办公室"], "经济服务办公室")
    assert done == {"id": offices["经济发展办公室"], "name": "经济服务办公室", "changed": True}
    board = org.board(users["town"], TOWN)
    assert next(i for i in board["items"] if i["code"] == "B30")["lead"] == "经济服务办公室", "assignments follow"
    total, entry = last_audit(services, users, "org.office_rename")
    assert total == 1 and entry["before"] == {"name": "经济发展办公室"} and entry["after"]["name"] == "经济服务办公室"
    assert entry["actor"] == "admin" and entry["action_name"] == "科室改名"
    assert org.rename_office(users["town"], TOWN, offices["经济发展办公室"], "经济服务办公室")["changed"] is False
    assert last_audit(services, users, "org.office_rename")[0] == 1, "no change, no audit row"


def test_removing_an_office_that_carries_items_is_refused_with_them_named(env):
    services, users, _ = env
    org = services.organisation
    offices, _ = ids(services, users["town"])
    org.assign(users["town"], TOWN, "B51", "社会事务办公室", ["党政办公室"], "张敏")
    org.assign(users["town"], TOWN, "B52", "社会事务办公室")
    org.assign(users["town"], TOWN, "B1", "党政办公室", ["社会事务办公室"])
    titles = bundled_dataset().by_code()
    with pytest.raises(Conflict) as refused:
        org.remove_office(users["town"], TOWN, offices["社会事务办公室"])
    message = str(refused.value)
    assert "科室“社会事务办公室”牵头 2 个事项" in message and f"B51 {titles['B51'].title[:20]}" in message
    assert "配合 1 个事项" in message and "B1 " in message and "有人员 张敏、王芳" in message
    assert "指定接手的科室" in message
    for who in OUTSIDERS:
        with pytest.raises(Forbidden):
            org.remove_office(users[who], TOWN, offices["社会事务办公室"], "党政办公室")
    with pytest.raises(InvalidInput, match="没有名为“招商办”的科室"):
        org.remove_office(users["town"], TOWN, offices["社会事务办公室"], "招商办")
    with pytest.raises(InvalidInput, match="移交给它自己"):
        org.remove_office(users["town"], TOWN, offices["社会事务办公室"], "社会事务办公室")
    assert {o["name"] for o in org.offices(users["town"], TOWN)} >= {"社会事务办公室"}, "nothing changed"
    assert last_audit(services, users, "org.office_remove")[0] == 0


def test_removing_an_office_hands_its_items_staff_and_open_entries_over(env):
    services, users, _ = env
    org, ledger = services.organisation, services.ledger
    offices, _ = ids(services, users["town"])
    open_entry = ledger.add(users["town"], TOWN, "B52", date.today() - timedelta(days=3), "走访低保户")
    done_entry = ledger.add(users["town"], TOWN, "B52", date.today() - timedelta(days=3), "已办的", "好",
                            date.today() - timedelta(days=1))
    result = org.remove_office(users["town"], TOWN, offices["社会事务办公室"], "党政办公室")
    assert result["outcome"] == "deactivated", "the ledger names it: kept for the history"
    assert result["moved_to"] == "党政办公室" and set(result["lead_moved"]) == {"B51", "B52"}
    assert result["co_moved"] == ["B1"] and set(result["staff_moved"]) == {"张敏", "王芳"}
    assert result["open_entries_moved"] == 1
    board = {i["code"]: i for i in org.board(users["town"], TOWN)["items"]}
    assert board["B51"]["lead"] == "党政办公室" and board["B51"]["co"] == [] and board["B51"]["person"] == "张敏"
    assert board["B1"]["lead"] == "党政办公室" and board["B1"]["co"] == [], "the lead is not its own co-office"
    offices_now = {o["name"]: o for o in org.offices(users["town"], TOWN)}
    assert "社会事务办公室" not in offices_now
    assert {s["name"] for s in offices_now["党政办公室"]["staff"]} == {"李强", "张敏", "王芳"}
    entries = {e["id"]: e for e in ledger.entries(users["town"], TOWN, code="B52")}
    assert entries[open_entry["id"]]["office"] == "党政办公室"
    assert entries[done_entry["id"]]["office"] == "社会事务办公室", "finished work keeps the office that did it"
    total, entry = last_audit(services, users, "org.office_remove")
    assert total == 1 and entry["after"]["moved_to"] == "党政办公室" and entry["after"]["outcome"] == "deactivated"
    assert "停用（历史记录中保留）" in entry["changes_text"]
    with pytest.raises(InvalidInput, match="没有名为“社会事务办公室”的科室"):
        org.assign(users["town"], TOWN, "B53", "社会事务办公室")
    with pytest.raises(Conflict, match="已撤销的科室"):
        org.rename_office(users["town"], TOWN, offices["党政办公室"], "社会事务办公室")
    with pytest.raises(NotFound, match="或已撤销"):
        org.remove_office(users["town"], TOWN, offices["社会事务办公室"], "党政办公室")
    # adding the name again brings the office (and its history) back
    back = org.add_office(users["town"], TOWN, "社会事务办公室")
    assert back["id"] == offices["社会事务办公室"]
    # an office nothing names is deleted outright
    spare = org.add_office(users["town"], TOWN, "临时专班")
    assert org.remove_office(users["town"], TOWN, spare["id"])["outcome"] == "deleted"
    assert "临时专班" not in {o["name"] for o in org.offices(users["admin"], TOWN)}


def test_edit_and_remove_staff(env):
    services, users, _ = env
    org = services.organisation
    _, people = ids(services, users["town"])
    for who in OUTSIDERS:
        with pytest.raises(Forbidden):
            org.edit_staff(users[who], TOWN, people["王芳"], post="副主任")
        with pytest.raises(Forbidden):
            org.remove_staff(users[who], TOWN, people["王芳"], NOBODY)
    moved = org.edit_staff(users["town"], TOWN, people["王芳"], office="社会事务办公室", post="副主任")
    assert moved["office"] == "社会事务办公室" and moved["post"] == "副主任" and moved["changed"]
    total, entry = last_audit(services, users, "org.staff_edit")
    assert entry["before"] == {"name": "王芳", "office": "党政办公室", "post": "科员"}
    assert entry["after"]["office"] == "社会事务办公室"
    with pytest.raises(Conflict, match="已有人员“张敏”"):
        org.edit_staff(users["town"], TOWN, people["王芳"], name="张敏")
    with pytest.raises(InvalidInput, match="没有名为“招商办”的科室"):
        org.edit_staff(users["town"], TOWN, people["王芳"], office="招商办")
    assert org.edit_staff(users["town"], TOWN, people["王芳"], post="副主任")["changed"] is False
    assert last_audit(services, users, "org.staff_edit")[0] == total
    org.assign(users["town"], TOWN, "B53", "党政办公室", person="张敏")
    with pytest.raises(Conflict) as refused:
        org.remove_staff(users["town"], TOWN, people["张敏"])
    assert "张敏是 2 个事项的责任人" in str(refused.value) and "B51" in str(refused.value) and "B53" in str(refused.value)
    with pytest.raises(InvalidInput, match="没有人员“赵六”"):
        org.remove_staff(users["town"], TOWN, people["张敏"], "赵六")
    with pytest.raises(InvalidInput, match="接替自己"):
        org.remove_staff(users["town"], TOWN, people["张敏"], "张敏")
    gone = org.remove_staff(users["town"], TOWN, people["张敏"], "王芳")
    assert gone["outcome"] == "deleted" and gone["replaced_by"] == "王芳" and set(gone["items"]) == {"B51", "B53"}
    board = {i["code"]: i for i in org.board(users["town"], TOWN)["items"]}
    assert board["B51"]["person"] == "王芳" and board["B53"]["person"] == "王芳"
    assert last_audit(services, users, "org.staff_remove")[1]["after"]["replaced_by"] == "王芳"
    with pytest.raises(InvalidInput, match="没有人员“张敏”"):
        org.assign(users["town"], TOWN, "B54", "党政办公室", person="张敏")
    cleared = org.remove_staff(users["admin"], TOWN, people["王芳"], NOBODY)
    assert cleared["replaced_by"] is None
    board = {i["code"]: i for i in org.board(users["town"], TOWN)["items"]}
    assert board["B51"]["person"] is None and board["B51"]["lead"] == "党政办公室"


def test_removed_office_is_not_carried_into_a_new_version(env):
    services, users, store = env
    org = services.organisation
    org.add_staff(users["town"], TOWN, "综合行政执法大队", "陈刚")
    org.assign(users["town"], TOWN, "B75", "综合行政执法大队", ["党政办公室"], "陈刚")
    org.assign(users["town"], TOWN, "B76", "党政办公室", ["综合行政执法大队"])
    new = copy.deepcopy(bundled_dataset())
    new.version = "2027年调整版"
    new.items = [i for i in new.items if i.code != "B3"]  # a version with other content
    with store.transaction() as session:
        save_dataset(session, new, source_name="2027.json", label="2027年调整版")
    offices, people = ids(services, users["town"])
    org.remove_staff(users["town"], TOWN, people["陈刚"])  # the new version has no assignments yet
    assert last_audit(services, users, "org.staff_remove")[1]["after"]["outcome"] == "deactivated"
    removed = org.remove_office(users["town"], TOWN, offices["综合行政执法大队"])
    assert removed["outcome"] == "deactivated" and removed["lead_moved"] == []
    carried = org.carry_over(users["town"], TOWN)
    why = {r["code"]: r["why"] for r in carried["to_review"]}
    assert why["B75"] == "原牵头科室“综合行政执法大队”已撤销"
    assert "B76" in carried["carried"]
    board = {i["code"]: i for i in org.board(users["town"], TOWN)["items"]}
    assert board["B76"]["co"] == [], "a removed co-office is not carried"
    assert board["B75"]["lead"] is None


def test_finishing_ledger_entries(env):
    services, users, _ = env
    ledger = services.ledger
    review = services.reviews.submit(users["town"], Submission(
        TOWN, "区民政局", "请镇里做好最低生活保障对象的审核和动态管理工作。", deadline=date.today() - timedelta(days=2)))
    services.reviews.decide(users["town"], review["id"], review["proposal"], None)
    ticket = services.tickets.create(users["dispatcher"], NewTicket("村里低保评审不公平，请镇里重新核查", TOWN))
    services.tickets.dispatch(users["dispatcher"], ticket["id"], TOWN, None)
    entries = ledger.entries(users["town"], TOWN)
    from_review = next(e for e in entries if e["source"] == "review")
    from_ticket = next(e for e in entries if e["source"] == "ticket")
    assert from_review["state"] == "overdue" and from_review["state_name"] == "逾期未完成"
    assert {e["id"] for e in ledger.entries(users["town"], TOWN, state="overdue")} >= {from_review["id"]}
    with pytest.raises(InvalidInput, match="不认识的状态"):
        ledger.entries(users["town"], TOWN, state="whatever")
    for who in OUTSIDERS:
        with pytest.raises(Forbidden):
            ledger.finish(users[who], TOWN, from_review["id"], date.today(), "已办")
    with pytest.raises(InvalidInput, match="办理结果不能为空"):
        ledger.finish(users["town"], TOWN, from_review["id"], date.today(), "  ")
    with pytest.raises(InvalidInput, match="不能晚于今天"):
        ledger.finish(users["town"], TOWN, from_review["id"], date.today() + timedelta(days=1), "已办")
    with pytest.raises(InvalidInput, match="不能早于收到日期"):
        ledger.finish(users["town"], TOWN, from_review["id"], date.today() - timedelta(days=400), "已办")
    with pytest.raises(NotFound, match="没有编号为 999999 的记录"):
        ledger.finish(users["town"], TOWN, 999999, date.today(), "已办")
    for who in ("other", "admin"):  # naming another town does not reach 珞璜镇's entry
        with pytest.raises(NotFound, match="测试镇的台账中没有编号为"):
            ledger.finish(users[who], "测试镇", from_review["id"], date.today(), "已办")
    late = ledger.finish(users["town"], TOWN, from_review["id"], date.today(), "完成 312 户年审",
                         ["年审名册.xlsx", "年审名册.xlsx"])
    assert late["late"] and late["state"] == "late"
    again = next(e for e in ledger.entries(users["town"], TOWN) if e["id"] == from_review["id"])
    assert again["state_name"] == "逾期完成" and again["attachments"] == ["年审名册.xlsx"]
    with pytest.raises(Conflict, match="已于 .* 完成，不能再次办结"):
        ledger.finish(users["town"], TOWN, from_review["id"], date.today(), "再办一次")
    total, entry = last_audit(services, users, "ledger.finish")
    assert entry["before"]["done_on"] is None and entry["after"]["result"] == "完成 312 户年审"
    assert entry["object_id"] == str(from_review["id"]) and entry["actor"] == "town"
    on_time = ledger.finish(users["admin"], TOWN, from_ticket["id"], date.today(), "已重新核查并公示")
    assert not on_time["late"] and on_time["state"] == "done"
    assert last_audit(services, users, "ledger.finish")[0] == total + 1
    month = date.today().strftime("%Y-%m")
    summary = ledger.summary(users["town"], TOWN, month)
    assert sum(s["overdue"] for s in summary) >= 1, "finished late still counts as 逾期"
    # a hand entry: the date, what was done, its result and attachments; finished later
    manual = ledger.add(users["town"], TOWN, "B51", date.today() - timedelta(days=5), "入户核查 12 户",
                        due_on=date.today() + timedelta(days=5), attachments=["核查表.docx"])
    with pytest.raises(InvalidInput, match="期限不能早于收到日期"):
        ledger.add(users["town"], TOWN, "B51", date.today(), "x", due_on=date.today() - timedelta(days=1))
    with pytest.raises(InvalidInput, match="完成日期不能晚于今天"):
        ledger.add(users["town"], TOWN, "B51", date.today(), "x", done_on=date.today() + timedelta(days=1))
    done = ledger.finish(users["town"], TOWN, manual["id"], date.today(), "12 户均符合条件", ["核查结论.pdf"])
    assert not done["late"]
    mine = next(e for e in ledger.entries(users["town"], TOWN, code="B51") if e["id"] == manual["id"])
    assert mine["attachments"] == ["核查表.docx", "核查结论.pdf"] and mine["state"] == "done"
    # a finished ticket entry is not reopened by the ticket's own close
    services.tickets.accept(users["town"], ticket["id"])
    services.tickets.finish(users["town"], ticket["id"], "已办结")
    kept = next(e for e in ledger.entries(users["town"], TOWN) if e["id"] == from_ticket["id"])
    assert kept["result"] == "已重新核查并公示"


def test_the_item_page_assignment_keeps_names_to_the_town(env):
    services, users, _ = env
    org, lists = services.organisation, services.lists
    org.add_staff(users["town"], TOWN, "党政办公室", "周洁", "科员")
    org.assign(users["town"], TOWN, "B2", "党政办公室", ["社会事务办公室"], "周洁")
    version = lists.version(TOWN)
    public = org.of_item(None, TOWN, "B2", version.id)
    assert public["lead"] == "党政办公室" and public["co"] == ["社会事务办公室"] and public["person"] is None
    for who in OUTSIDERS:
        assert org.of_item(users[who], TOWN, "B2", version.id)["person"] is None
    for who in ("town", "admin"):
        mine = org.of_item(users[who], TOWN, "B2", version.id)
        assert mine["person"] == "周洁" and mine["post"] == "科员"
    assert org.of_item(users["town"], TOWN, "B9", version.id) is None
    services.ledger.add(users["town"], TOWN, "B2", date.today(), "整理档案")
    counts = services.ledger.of_item(users["town"], TOWN, "B2")
    assert counts["total"] >= 1 and counts["open"] >= 1 and counts["url"] == f"/ledger/{TOWN}?code=B2"
    with pytest.raises(Forbidden):
        services.ledger.of_item(users["health"], TOWN, "B2")


def test_the_scheme_opinion_is_one_document_for_page_and_word(env):
    services, users, _ = env
    rows = scheme_indicators()
    picked = [r for r in rows if r.expect_code == "R18"] + [r for r in rows if r.expect_flag == "reclaimed"][:3] \
        + [r for r in rows if r.expect_flag == "unlisted"][:2] + [r for r in rows if r.expect_flag is None][:4]
    scheme = services.indicators.import_scheme(users["admin"], TOWN, 2026, scheme_xlsx(picked), "方案.xlsx")
    opinion = services.indicators.opinion(users["admin"], scheme["id"])
    text = "\n".join([opinion.title, opinion.reference] + [s.heading + "\n" + "\n".join(s.lines)
                                                            for s in opinion.sections])
    assert opinion.title == "关于2026年度考核指标的核查意见" and opinion.issuer == TOWN
    assert opinion.sections[0].heading == "一、核查依据和范围" and f"共 {len(picked)} 条" in text
    assert "考核已取消事项（1 条）" in text and "R18" in text and "不再开展" in text
    assert "区医保局：“医保码签发任务完成率”（5 分，方案第 " in text and "清单外考核" in text
    assert opinion.sections[-1].heading.endswith("意见和建议")
    theirs = services.indicators.opinion(users["insurance"], scheme["id"])
    assert all("区医保局" in line for s in theirs.sections[1:-1] for line in s.lines[1:])
    one = services.indicators.opinion(users["admin"], scheme["id"], "区医保局")
    assert one.title.endswith("（区医保局）") and "共 1 条" in one.sections[0].lines[0]
    with pytest.raises(NotFound, match="没有“区教委”设置的指标"):
        services.indicators.opinion(users["admin"], scheme["id"], "区教委")
    with pytest.raises(NotFound):
        services.indicators.opinion(users["other"], scheme["id"])
    document = Document(io.BytesIO(opinion.docx()))
    section = document.sections[0]
    assert abs(section.page_width - Cm(21)) < Cm(0.05) and abs(section.page_height - Cm(29.7)) < Cm(0.05)
    paragraphs = [p.text for p in document.paragraphs if p.text]
    assert paragraphs[0] == opinion.title and paragraphs[1] == opinion.reference
    for heading in (s.heading for s in opinion.sections):
        assert heading in paragraphs
    assert paragraphs[-2] == f"{TOWN}（盖章）" and paragraphs[-1] == opinion.date
    title = document.paragraphs[0].runs[0]._element.rPr.rFonts.get(qn("w:eastAsia"))
    body = next(p for p in document.paragraphs if p.text.startswith("依据"))
    assert title == TITLE_FONT and body.runs[0]._element.rPr.rFonts.get(qn("w:eastAsia")) == BODY_FONT
