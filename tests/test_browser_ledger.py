"""以单明责、依单考核 in a real browser: the town imports its assignment sheet and sees its ledger fill from a
review and a ticket, records work by hand and finishes entries, renames and removes an office, and sees the item
page show its office, person and ledger; the admin imports a district scheme and reads the flagged report, the
printable opinion (with its Word download) and the charts on a phone."""
from __future__ import annotations

import io
import os
import re

import pytest
from openpyxl import load_workbook

from lvzhi.lists.catalog import Catalog
from lvzhi.store import Store
from lvzhi.work import accounts
from lvzhi.work.reviews import Submission
from lvzhi.work.services import Services
from lvzhi.work.tickets import NewTicket

from assessment_scheme import scheme_indicators, scheme_xlsx
from webserver import CHROMIUM, database_with_people, running_server, signed_in_page

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM),
                                reason=f"未安装 chromium（{CHROMIUM}）：浏览器测试已跳过；.ci/run 会安装它")
PASSWORD = "browser-test-pw"
TOWN = "珞璜镇"


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser-ledger")
    database = folder / "lvzhi.db"
    database_with_people(database, [("lhz", "town", TOWN, None, "珞璜镇李主任"), ("boss", "admin", None, None, "编办"),
                                    ("pd", "dispatcher", None, None, "派单员")], PASSWORD)
    store = Store(str(database))
    work = Services.over(Catalog(store, refresh_seconds=0))
    with store.transaction() as session:
        town, dispatcher = accounts.find_user(session, "lhz"), accounts.find_user(session, "pd")
    review = work.reviews.submit(town, Submission(TOWN, "区民政局", "请镇里做好最低生活保障对象的审核和动态管理工作。",
                                                  title="低保动态管理"))
    work.reviews.decide(town, review["id"], review["proposal"], None)
    ticket = work.tickets.create(dispatcher, NewTicket("村里低保评审不公平，请镇里重新核查", TOWN))
    work.tickets.dispatch(dispatcher, ticket["id"], TOWN, None)
    book = load_workbook(io.BytesIO(work.organisation.template(town, TOWN)))
    book["科室与人员"].append(["社会事务办公室", "张敏", "主任"])
    for row in book["事项分工"].iter_rows(min_row=2):
        if row[0].value.startswith("B"):
            row[4].value = "社会事务办公室"
    book.save(folder / "分工表.xlsx")
    (folder / "考核方案.xlsx").write_bytes(scheme_xlsx(scheme_indicators()))
    store.close()
    with running_server(database) as url:
        yield url, folder


def sign_in(browser, base_url, username, width=1280):
    return signed_in_page(browser, base_url, username, PASSWORD, width=width)


def test_town_imports_assignments_and_keeps_its_ledger(browser, base_url):
    url, folder = base_url
    context, page = sign_in(browser, url, "lhz")
    page.get_by_role("link", name="分工台账").click()
    page.wait_for_url(re.compile(r"/org/"))
    page.locator("summary", has_text="导入分工表").click()
    page.get_by_label("填好的分工表（.xlsx）").set_input_files(str(folder / "分工表.xlsx"))
    page.get_by_role("button", name="导入", exact=True).click()
    page.wait_for_url(re.compile(r"done="))
    assert "已导入" in page.locator("p.notice").inner_text()
    page.get_by_role("link", name=re.compile("未分工")).first.click()
    assert page.locator("table.data tbody tr").first.locator("th").inner_text().startswith(("C", "R"))
    page.get_by_role("link", name="履职台账").click()
    entries = page.locator("#entries").inner_text()
    assert "事项准入" in entries and "12345 工单" in entries and "社会事务办公室" in entries
    form = page.locator("section", has=page.get_by_role("heading", name="登记一条台账"))
    form.get_by_label("事项编码").fill("B51")
    form.get_by_label("办理情况").fill("组织全镇低保年审")
    form.get_by_label("附件名称（用顿号分隔）").fill("年审名册.xlsx、会议记录.docx")
    form.get_by_role("button", name="登记").click()
    page.wait_for_url(re.compile(r"/ledger/"))
    assert "已登记台账" in page.locator("p.notice").inner_text()
    assert "组织全镇低保年审" in page.locator("#entries").inner_text()
    assert "年审名册.xlsx、会议记录.docx" in page.locator("#entries").inner_text()
    form.get_by_label("事项编码").fill("B9999")
    form.get_by_label("办理情况").fill("无此事项")
    form.get_by_role("button", name="登记").click()
    assert "没有编码为“B9999”的事项" in page.locator("p.error").inner_text()
    assert form.get_by_label("办理情况").input_value() == "无此事项", "the form keeps what was typed"
    # finish the entry the admitted review made: it shows as open, then as done with its result
    page.goto(f"/ledger/{TOWN}")
    row = page.locator("#entries tbody tr", has_text="低保动态管理")
    assert "办理中" in row.inner_text()
    row.locator("summary", has_text="办结").click()
    row.get_by_label("办理结果").fill("已完成全镇低保对象审核 312 户")
    row.get_by_label("附件名称（用顿号分隔）").fill("审核台账.xlsx")
    row.get_by_role("button", name="确认办结").click()
    page.wait_for_url(re.compile(r"done="))
    assert "已办结" in page.locator("p.notice").inner_text()
    row = page.locator("#entries tbody tr", has_text="低保动态管理")
    assert "已完成全镇低保对象审核 312 户" in row.inner_text() and "审核台账.xlsx" in row.inner_text()
    assert "已完成" in row.inner_text() and row.locator("summary", has_text="办结").count() == 0
    # the hand entry is finished too; a result left empty is refused by the form itself
    row = page.locator("#entries tbody tr", has_text="组织全镇低保年审")
    row.locator("summary", has_text="办结").click()
    row.get_by_label("办理结果").fill("完成年审")
    row.get_by_role("button", name="确认办结").click()
    page.wait_for_url(re.compile(r"done="))
    assert "完成年审" in page.locator("#entries tbody tr", has_text="组织全镇低保年审").inner_text()
    page.get_by_role("link", name=re.compile(r"^已完成 \d+ 条$")).click()
    assert page.locator("#entries tbody tr").count() >= 2
    context.close()


def test_town_edits_its_offices_and_the_item_page_shows_them(browser, base_url):
    url, _ = base_url
    context, page = sign_in(browser, url, "lhz")
    page.goto(f"/org/{TOWN}")
    page.get_by_role("link", name=re.compile("管理科室与人员")).click()
    page.wait_for_url(re.compile(r"/offices$"))
    office = page.get_by_role("region", name=re.compile("^社会事务办公室 牵头"))
    office.get_by_label("新名称").fill("社会事务办")
    office.get_by_role("button", name="改名").click()
    page.wait_for_url(re.compile(r"done="))
    assert "科室已改名为 社会事务办" in page.locator("p.notice").inner_text()
    office = page.get_by_role("region", name=re.compile("^社会事务办 牵头"))
    office.get_by_role("button", name="撤销科室").click()
    error = page.locator("p.error").inner_text()
    assert "科室“社会事务办”牵头" in error and "B1 " in error and "有人员 张敏" in error
    office = page.get_by_role("region", name=re.compile("^社会事务办 牵头"))
    office.get_by_label("事项和人员交给").select_option("党政办公室")
    office.get_by_role("button", name="撤销科室").click()
    page.wait_for_url(re.compile(r"done="))
    notice = page.locator("p.notice").inner_text()
    assert "已撤销科室 社会事务办" in notice and "交给 党政办公室" in notice
    staff = page.get_by_role("region", name=re.compile("^党政办公室 牵头")).get_by_role("row", name=re.compile("^张敏"))
    staff.get_by_label("职务").fill("副主任")
    staff.get_by_role("button", name="保存").click()
    page.wait_for_url(re.compile(r"done="))
    assert "已保存 张敏（党政办公室）" in page.locator("p.notice").inner_text()
    # the item page: the office for everyone, the person and the ledger for the town
    page.goto(f"/org/{TOWN}?code=B51")
    page.get_by_label("责任人").fill("张敏")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(re.compile(r"done="))
    page.goto(f"/t/{TOWN}/B51")
    assert page.locator("#lead-office").inner_text() == "党政办公室"
    assert "张敏（副主任）" in page.locator("#person").inner_text()
    page.locator("#ledger-link").click()
    page.wait_for_url(re.compile(r"/ledger/.*code=B51"))
    assert "组织全镇低保年审" in page.locator("#entries").inner_text()
    context.close()
    public = browser.new_context(base_url=url, locale="zh-CN")
    anonymous = public.new_page()
    anonymous.goto(f"/t/{TOWN}/B51")
    assert anonymous.locator("#lead-office").inner_text() == "党政办公室"
    assert anonymous.locator("#person").count() == 0 and "张敏" not in anonymous.inner_text("main")
    public.close()


def test_admin_imports_a_scheme_and_reads_the_flags(browser, base_url):
    url, folder = base_url
    context, page = sign_in(browser, url, "boss")
    page.goto("/indicators")
    page.get_by_label("考核方案（.xlsx", exact=False).set_input_files(str(folder / "考核方案.xlsx"))
    page.get_by_label("年度").fill("2026")
    page.get_by_role("button", name="导入并核查").click()
    page.wait_for_url(re.compile(r"/indicators/\d+$"))
    r18 = page.locator("#indicators tr", has_text="医保码签发任务完成率")
    assert "R18" in r18.inner_text() and "考核已取消事项" in r18.inner_text() and "不再开展" in r18.inner_text()
    assert page.locator("#indicators tr.flagged").count() >= 30
    departments = page.locator("#departments").inner_text()
    assert "区医保局" in departments
    wrong = page.locator("#indicators tr", has_text="全民阅读进家庭")
    wrong.get_by_label("改为").fill("清单外")
    wrong.get_by_role("button", name="改变").click()
    page.wait_for_load_state()
    assert "清单外考核" in page.locator("#indicators tr", has_text="全民阅读进家庭").inner_text()
    page.get_by_role("link", name="打印核查意见").click()
    opinion = page.inner_text("main")
    assert "考核已取消事项（1 条）" in opinion and "R18" in opinion and "清单外考核" in opinion
    with page.expect_download() as download:
        page.get_by_role("link", name="下载 Word").click()
    assert download.value.suggested_filename.endswith(".docx")
    from docx import Document
    words = "\n".join(p.text for p in Document(download.value.path()).paragraphs)
    assert "考核已取消事项（1 条）" in words and "R18" in words
    context.close()
    context, page = sign_in(browser, url, "boss", width=375)
    page.goto(f"/stats?town={TOWN}")
    assert page.locator("svg.chart").count() >= 5
    assert page.evaluate("document.documentElement.scrollWidth") <= 400, "the charts fit a phone"
    assert "区医保局" in page.locator("table.data", has_text="考核部门").inner_text()
    context.close()
