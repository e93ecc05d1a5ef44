"""以单明责、依单考核 in a real browser: the town imports its assignment sheet and sees its ledger fill from a
review and a ticket, records work by hand; the admin imports a district scheme and reads the flagged report, the
printable opinion and the charts on a phone."""
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
    page.get_by_label("事项编码").last.fill("B51")
    page.get_by_label("办理情况").fill("组织全镇低保年审")
    page.get_by_label("附件名称（用顿号分隔）").fill("年审名册.xlsx、会议记录.docx")
    page.get_by_role("button", name="登记").click()
    page.wait_for_url(re.compile(r"/ledger/"))
    assert "组织全镇低保年审" in page.locator("#entries").inner_text()
    assert "年审名册.xlsx、会议记录.docx" in page.locator("#entries").inner_text()
    page.get_by_label("事项编码").last.fill("B9999")
    page.get_by_label("办理情况").fill("无此事项")
    page.get_by_role("button", name="登记").click()
    assert "没有编码为“B9999”的事项" in page.locator("p.error").inner_text()
    context.close()


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
    context.close()
    context, page = sign_in(browser, url, "boss", width=375)
    page.goto(f"/stats?town={TOWN}")
    assert page.locator("svg.chart").count() >= 5
    assert page.evaluate("document.documentElement.scrollWidth") <= 400, "the charts fit a phone"
    assert "区医保局" in page.locator("table.data", has_text="考核部门").inner_text()
    context.close()
