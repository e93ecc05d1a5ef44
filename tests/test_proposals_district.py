"""动态调整 for every town of a district at once, on SQLite and PostgreSQL: who may propose one, one consultation
and decision, publishing one version per town equal to that town's old version plus the change (the item found
by content or title where codes differ), a town lacking the item reported and left out; editing drafts and
returned proposals; 清单外 tasks approved again and again as candidates for an add-proposal; the proposals a
diff names."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from lvzhi.errors import Conflict, Forbidden, InvalidInput, NotFound
from lvzhi.lists.bundled import BUNDLED_SOURCE, bundled_dataset
from lvzhi.lists.catalog import Catalog
from lvzhi.lists.diff import comparable
from lvzhi.store import Store
from lvzhi.store.repository import save_dataset
from lvzhi.store.schema import AuditRow, UserRow
from lvzhi.work.accounts import User
from lvzhi.work.proposals import TOWN_ONLY, Draft
from lvzhi.work.reviews import Submission
from lvzhi.work.services import Services

from conftest import fresh_database
from sample_lists import add_people, baisha_lists, hostile_town, shimen_lists

PEOPLE = {
    "admin": ("admin", None, None),
    "town": ("town", "珞璜镇", None),
    "baisha": ("town", "白沙镇", None),
    "other_town": ("town", "测试镇", None),
    "civil": ("department", None, "区民政局"),
    "market": ("department", None, "区市场监管局"),
    "health": ("department", None, "区卫生健康委"),
    "dispatcher": ("dispatcher", None, None),
}
PENSION = "负责社区养老服务中心建设和日常运营监督。"
NURSERY = {"list": "cooperative", "category": "卫生健康", "title": "社区托育服务点安全管理",
           "departments": ["区卫生健康委"],
           "department_duties": [{"departments": ["区卫生健康委"], "duties": ["负责托育服务点备案和业务指导。"]}],
           "town_duties": ["负责辖区托育服务点的日常巡查。"]}


@pytest.fixture(params=["sqlite", "postgresql"])
def env(request, tmp_path):
    with fresh_database(request.param, tmp_path) as url:
        store = Store(url)
        for dataset, source in ((bundled_dataset(), BUNDLED_SOURCE), (baisha_lists(), "baisha.json"),
                                (shimen_lists(), "shimen.json"), (hostile_town(), "hostile.json")):
            with store.transaction() as session:
                save_dataset(session, dataset, source_name=source)
        add_people(store, PEOPLE, "lvzhi-test-pw")
        with store.transaction() as session:
            users = {r.username: User(r.id, r.username, r.display_name, r.role, r.town, r.department, True)
                     for r in session.scalars(select(UserRow))}
        yield Services.over(Catalog(store, refresh_seconds=0)), users, store
        store.close()


def approve(desk, admin, proposal: dict) -> dict:
    desk.submit(admin, proposal["id"])
    desk.consult(admin, proposal["id"])
    return desk.decide(admin, proposal["id"], True, "经区委、区政府审定")


def audit(store, proposal_id: int) -> list[AuditRow]:
    with store.transaction() as session:
        rows = list(session.scalars(select(AuditRow).where(AuditRow.object_type == "proposal",
                                                           AuditRow.object_id == str(proposal_id)).order_by(AuditRow.id)))
        session.expunge_all()
        return rows


def test_district_change_gives_each_town_its_old_version_plus_the_change(env):
    services, users, store = env
    desk, lists, admin = services.proposals, services.lists, users["admin"]
    old = {t: lists.dataset(t) for t in ("珞璜镇", "白沙镇", "石门镇", "测试镇")}
    proposal = desk.create(admin, Draft("", "change", "law", "《养老机构管理办法》修订", target_code="C24",
                                        item={"town_duties": [PENSION]}, basis_document="养老机构管理办法",
                                        basis_number="民政部令第66号", district="江津区"))
    assert proposal["district"] == "江津区" and proposal["scope"] == "江津区全部镇街" and proposal["town"] == "珞璜镇"
    preview = {t["town"]: t for t in desk.coverage(admin, proposal["id"])}
    assert list(preview) == ["珞璜镇", "白沙镇", "石门镇"]
    assert preview["珞璜镇"]["target_code"] == "C24" and preview["白沙镇"]["target_code"] == "C23"
    assert preview["石门镇"]["problem"] == "石门镇的配合履职清单中没有“养老服务机构监管”这一事项"
    desk.submit(admin, proposal["id"])
    consulting = desk.consult(admin, proposal["id"])
    assert [o["department"] for o in consulting["opinions"]] == ["区民政局", "区市场监管局"]  # asked once, not per town
    desk.opinion(users["civil"], proposal["id"], True, "同意")
    desk.opinion(users["market"], proposal["id"], True, "同意")
    desk.decide(admin, proposal["id"], True, "")

    published = desk.publish(admin, [proposal["id"]], "2027年第一次动态调整", date.today())
    assert [(v["town"], v["proposals"]) for v in published["versions"]] == [
        ("珞璜镇", [{"id": proposal["id"], "code": "C24"}]), ("白沙镇", [{"id": proposal["id"], "code": "C23"}])]
    assert published["left_out"] == [{"proposal": proposal["id"], "town": "石门镇",
                                      "problem": "石门镇的配合履职清单中没有“养老服务机构监管”这一事项"}]
    for town, code in (("珞璜镇", "C24"), ("白沙镇", "C23")):
        new = lists.dataset(town)
        assert new.version == "2027年第一次动态调整"
        diff = lists.diff(town, old[town].version, new.version)
        assert not diff.added and not diff.removed and [c.code for c in diff.changed] == [code]
        assert [f.field for f in diff.changed[0].fields] == ["town_duties"]
        expected = comparable(old[town].by_code()[code]) | {"town_duties": [PENSION]}
        assert comparable(new.by_code()[code]) == expected  # the town's own item, only the change applied
        assert all(new.by_code()[i.code] == i for i in old[town].items if i.code != code)
    assert lists.dataset("石门镇").version == old["石门镇"].version  # left out: no new version
    assert lists.dataset("测试镇").version == old["测试镇"].version  # another district: untouched

    shown = desk.one(admin, proposal["id"])
    assert shown["state"] == "published" and shown["published_code"] is None
    assert [(p["town"], p["code"], p["problem"] is None) for p in shown["publications"]] == [
        ("珞璜镇", "C24", True), ("白沙镇", "C23", True), ("石门镇", None, False)]
    notice = desk.published("白沙镇")
    assert [(p["id"], p["code"], p["town"]) for p in notice] == [(proposal["id"], "C23", "白沙镇")]
    assert notice[0]["before"]["town_duties"] == baisha_lists().by_code()["C23"].town_duties
    assert notice[0]["effective_date"] == date.today().isoformat()
    assert desk.published("白沙镇", "C23")[0]["id"] == proposal["id"] and desk.published("石门镇") == []
    why = desk.between(lists.town("白沙镇"), lists.version("白沙镇", old["白沙镇"].version).id,
                       lists.version("白沙镇").id)
    assert why["C23"]["id"] == proposal["id"]
    rows = audit(store, proposal["id"])
    assert [r.action for r in rows] == ["proposal.create", "proposal.submit", "proposal.consult", "proposal.opinion",
                                        "proposal.opinion", "proposal.approve", "proposal.publish"]
    assert rows[-1].after["towns"] == [{"town": "珞璜镇", "version_id": shown["publications"][0]["version_id"],
                                        "code": "C24"},
                                       {"town": "白沙镇", "version_id": shown["publications"][1]["version_id"],
                                        "code": "C23"}]
    assert rows[-1].after["left_out"] == [{"town": "石门镇", "problem": published["left_out"][0]["problem"]}]


def test_district_add_remove_and_move(env):
    services, users, _ = env
    desk, lists, admin = services.proposals, services.lists, users["admin"]
    old = {t: lists.dataset(t) for t in ("珞璜镇", "白沙镇", "石门镇")}
    add = approve(desk, admin, desk.create(admin, Draft("", "add", "function", "新增托育", item=NURSERY,
                                                         district="江津区")))
    remove = approve(desk, admin, desk.create(admin, Draft("珞璜镇", "remove", "function", "节能工作由部门承担",
                                                            target_code="B129", district="江津区")))
    move = approve(desk, admin, desk.create(admin, Draft("珞璜镇", "move", "function", "区公安局收回", target_code="B128",
                                                          district="江津区", item={"list": "reclaimed", "handlers": [
                                                              {"departments": ["区公安局"], "methods": ["由区公安局直接接收和调度。"]}]})))
    published = desk.publish(admin, [add["id"], remove["id"], move["id"]], "2027年第一次动态调整", date.today())
    codes = {v["town"]: {p["id"]: p["code"] for p in v["proposals"]} for v in published["versions"]}
    assert codes["珞璜镇"] == {add["id"]: "C111", remove["id"]: "B129", move["id"]: "R164"}
    assert codes["白沙镇"] == {add["id"]: "C110", remove["id"]: "B129", move["id"]: "R164"}  # one cooperative item fewer
    assert codes["石门镇"] == {add["id"]: "C110", move["id"]: "R164"}
    assert published["left_out"] == [{"proposal": remove["id"], "town": "石门镇",
                                      "problem": "石门镇的基本履职清单中没有“开展公共机构节能工作。”这一事项"}]
    for town in ("珞璜镇", "白沙镇", "石门镇"):
        new = lists.dataset(town)
        diff = lists.diff(town, old[town].version, new.version)
        added = {i.code: comparable(i) for i in diff.added}
        assert added[codes[town][add["id"]]] == NURSERY
        assert added[codes[town][move["id"]]]["title"] == "负责“非警务警情”的接收、调度。"
        assert {i.code for i in diff.removed} == {"B128"} | ({"B129"} if town != "石门镇" else set())
        assert not diff.changed


def test_who_may_propose_for_a_district(env):
    services, users, _ = env
    desk = services.proposals
    change = Draft("珞璜镇", "change", "function", "职能调整", target_code="C24", item={"town_duties": [PENSION]},
                   district="江津区")
    with pytest.raises(Forbidden, match=TOWN_ONLY):
        desk.create(users["town"], change)
    with pytest.raises(Forbidden):
        desk.create(users["dispatcher"], change)
    with pytest.raises(Forbidden, match="部门只能就本部门牵头或承接的事项提出"):
        desk.create(users["health"], change)
    made = desk.create(users["civil"], change)  # 区民政局 leads C24 in every town of the district
    assert made["district"] == "江津区" and made["proposer"] == "department:区民政局"
    with pytest.raises(NotFound):  # the draft is the proposer's until submitted
        desk.one(users["baisha"], made["id"])
    assert made["id"] in {p["id"] for p in desk.listing(users["admin"], town="白沙镇")}
    assert made["id"] not in {p["id"] for p in desk.listing(users["admin"], town="测试镇")}
    desk.submit(users["civil"], made["id"])
    with pytest.raises(NotFound):  # a town of another district does not see it
        desk.one(users["other_town"], made["id"])
    assert desk.one(users["baisha"], made["id"])["scope"] == "江津区全部镇街"  # every town of the district does
    assert made["id"] in {p["id"] for p in desk.listing(users["baisha"])}
    with pytest.raises(Forbidden):
        desk.submit(users["baisha"], made["id"])
    with pytest.raises(InvalidInput, match="没有属于“东区”的镇街"):
        desk.create(users["admin"], Draft("", "add", "other", "x", item=NURSERY, district="东区"))
    with pytest.raises(InvalidInput, match="测试镇不属于江津区"):
        desk.create(users["admin"], Draft("测试镇", "add", "other", "x", item=NURSERY, district="江津区"))
    with pytest.raises(InvalidInput, match="珞璜镇的清单（.*）中没有编码为“C999”的事项"):
        desk.create(users["admin"], Draft("", "remove", "other", "x", target_code="C999", district="江津区"))


def test_district_conflicts_and_nowhere_to_go(env):
    services, users, _ = env
    desk, admin = services.proposals, users["admin"]
    district = approve(desk, admin, desk.create(admin, Draft("", "change", "law", "修订", target_code="C24",
                                                              item={"town_duties": [PENSION]}, district="江津区")))
    baisha = approve(desk, admin, desk.create(admin, Draft("白沙镇", "remove", "town", "白沙镇不再承担",
                                                            target_code="C23")))
    with pytest.raises(Conflict, match=f"调整申请 {district['id']} 和 {baisha['id']} 都涉及白沙镇的C23"):
        desk.publish(admin, [district["id"], baisha["id"]], "2027年第一次动态调整", date.today())
    assert desk.one(admin, district["id"])["state"] == "approved"
    # 石门镇 lacks the item and no other town of 测试区 exists: nowhere to publish
    nowhere = approve(desk, admin, desk.create(admin, Draft("测试镇", "add", "other", "新增", district="测试区",
                                                             item={"list": "basic", "category": "综合政务",
                                                                   "title": HOSTILE_TITLE_COPY})))
    with pytest.raises(Conflict, match=f"调整申请 {nowhere['id']} 在测试区全部镇街中没有一个镇街可以适用"):
        desk.publish(admin, [nowhere["id"]], "2027年第一次动态调整", date.today())


HOSTILE_TITLE_COPY = hostile_town().items[0].title


def test_editing_drafts_and_returned_proposals(env):
    services, users, store = env
    desk = services.proposals
    town, admin = users["town"], users["admin"]
    draft = desk.create(town, Draft("珞璜镇", "add", "town", "镇里承担", item=NURSERY))
    edited = desk.edit(town, draft["id"], Draft("珞璜镇", "add", "town", "镇里实际承担托育服务点巡查",
                                                item={**NURSERY, "title": "托育服务点安全巡查"}))
    assert edited["state"] == "draft" and edited["after"]["title"] == "托育服务点安全巡查"
    patched = desk.patch(town, draft["id"], {"basis_document": "重庆市托育服务管理办法", "item": {"category": "民生服务"}})
    assert patched["basis_document"] == "重庆市托育服务管理办法" and patched["after"]["category"] == "民生服务"
    assert patched["after"]["title"] == "托育服务点安全巡查"
    with pytest.raises(InvalidInput, match="不能修改的字段：state"):
        desk.patch(town, draft["id"], {"state": "approved"})
    with pytest.raises(NotFound):
        desk.edit(users["baisha"], draft["id"], Draft("白沙镇", "add", "town", "x", item=NURSERY))
    with pytest.raises(Forbidden, match="无权修改该调整申请"):
        desk.edit(users["health"], draft["id"], Draft("珞璜镇", "add", "town", "x", item=NURSERY))
    with pytest.raises(Forbidden, match=TOWN_ONLY):
        desk.edit(town, draft["id"], Draft("珞璜镇", "add", "town", "x", item=NURSERY, district="江津区"))
    desk.submit(town, draft["id"])
    with pytest.raises(Conflict, match="当前为“已提交”，只有“草稿”或“已退回”的申请可以修改"):
        desk.edit(town, draft["id"], Draft("珞璜镇", "add", "town", "再改", item=NURSERY))
    with pytest.raises(Conflict, match="当前为“已提交”，只有“草稿”或“已退回”的申请可以修改"):
        desk.for_edit(town, draft["id"])
    desk.consult(admin, draft["id"])
    desk.opinion(users["health"], draft["id"], False, "备案已由我委负责，巡查内容不清")
    desk.decide(admin, draft["id"], False, "请写明巡查的频次和内容")
    assert desk.for_edit(town, draft["id"])["state"] == "returned"
    reopened = desk.edit(town, draft["id"], Draft("珞璜镇", "add", "town", "镇里实际承担托育服务点巡查",
                                                  item={**NURSERY, "town_duties": ["每季度巡查一次辖区托育服务点。"]}))
    assert reopened["state"] == "draft" and reopened["opinions"] == [] and reopened["decided_at"] is None
    assert reopened["rounds"][0]["decision"]["reason"] == "请写明巡查的频次和内容"
    assert reopened["rounds"][0]["opinions"][0]["opinion"] == "备案已由我委负责，巡查内容不清"
    again = desk.submit(town, draft["id"])
    assert again["state"] == "submitted"
    consulting = desk.consult(admin, draft["id"])  # asked afresh in the new round
    assert [(o["department"], o["given_at"]) for o in consulting["opinions"]] == [("区卫生健康委", None)]
    desk.decide(admin, draft["id"], False, "仍需补充")
    resubmitted = desk.submit(town, draft["id"])  # a returned proposal may go again without edits
    assert resubmitted["state"] == "submitted" and len(resubmitted["rounds"]) == 2
    rows = audit(store, draft["id"])
    assert [r.action for r in rows] == ["proposal.create", "proposal.edit", "proposal.edit", "proposal.submit",
                                        "proposal.consult", "proposal.opinion", "proposal.return", "proposal.edit",
                                        "proposal.submit", "proposal.consult", "proposal.return", "proposal.submit"]
    reopen = rows[7]
    assert reopen.before["state"] == "returned" and reopen.after["state"] == "draft"
    assert reopen.after["after"]["town_duties"] == ["每季度巡查一次辖区托育服务点。"]
    assert rows[-1].before == {"state": "returned"}


def _approved_unlisted(services, users, town: str, department: str, text: str, title: str) -> int:
    review = services.reviews.submit(users["admin"], Submission(town, department, text, title=title))
    services.reviews.decide(users["admin"], review["id"], "unlisted",
                            None if review["proposal"] == "unlisted" else "清单外")
    services.reviews.approve(users["admin"], review["id"], True, "安全需要，由镇承接")
    return review["id"]


def test_monitor_lists_repeatedly_approved_unlisted_tasks(env):
    services, users, store = env
    helmets = "请各镇于本周内完成辖区内所有外卖骑手的电动车头盔发放。"
    first = _approved_unlisted(services, users, "珞璜镇", "区卫生健康委", helmets, "外卖骑手头盔发放")
    second = _approved_unlisted(services, users, "珞璜镇", "区卫生健康委",
                                "请各镇于本月底前完成辖区内全部外卖骑手的电动车头盔发放工作。", "外卖骑手头盔发放工作")
    third = _approved_unlisted(services, users, "白沙镇", "区卫生健康委", helmets, "外卖骑手头盔发放")
    _approved_unlisted(services, users, "珞璜镇", "区卫生健康委", "请组织辖区居民参加广场舞比赛。", "广场舞比赛")
    _approved_unlisted(services, users, "珞璜镇", "区民政局", helmets, "外卖骑手头盔发放")  # another department once
    _approved_unlisted(services, users, "测试镇", "区卫生健康委", helmets, "外卖骑手头盔发放")  # another district once

    data = services.reviews.monitor(users["admin"])
    assert [(c["department"], c["review_ids"], c["towns"], c["district"], c["times"]) for c in data["candidates"]] == [
        ("区卫生健康委", [first, second, third], ["珞璜镇", "白沙镇"], "江津区", 3)]
    assert data["candidates"][0]["title"] == "外卖骑手头盔发放" and data["candidates"][0]["proposal"] is None
    town_view = services.reviews.monitor(users["town"])["candidates"]
    assert [(c["review_ids"], c["district"]) for c in town_view] == [([first, second], None)]

    with pytest.raises(NotFound):  # a town sees only its own reviews
        services.proposals.from_reviews(users["town"], [first, third])
    with pytest.raises(InvalidInput, match="交办部门不同"):
        services.proposals.from_reviews(users["admin"], [first, data_other(services, users)])
    made = services.proposals.from_reviews(users["admin"], [first, second, third])
    assert made["district"] == "江津区" and made["kind"] == "add" and made["reason_kind_name"] == "清单外事项准入"
    assert made["review_ids"] == [first, second, third] and made["after"]["departments"] == ["区卫生健康委"]
    assert made["after"]["title"] == "外卖骑手头盔发放" and made["after"]["town_duties"] == [helmets]
    assert f"准入审查 {first}、{second}、{third}（珞璜镇、白沙镇）批准由镇承接" in made["reason"]
    assert services.reviews.monitor(users["admin"])["candidates"][0]["proposal"] == made["id"]
    with pytest.raises(Conflict, match=f"准入审查 {second} 已据此提出调整申请 {made['id']}"):
        services.proposals.from_reviews(users["town"], [second])
    assert [r.action for r in audit(store, made["id"])] == ["proposal.create"]
    civil_review = data_other(services, users)
    with pytest.raises(NotFound):  # a department only from the tasks it issued
        services.proposals.from_reviews(users["health"], [civil_review])
    by_civil = services.proposals.from_reviews(users["civil"], [civil_review])
    assert by_civil["proposer"] == "department:区民政局" and by_civil["after"]["departments"] == ["区民政局"]


def data_other(services, users) -> int:
    """An approved 清单外 review of another department (区民政局) in 珞璜镇."""
    return next(r["id"] for r in services.reviews.listing(users["admin"], per_page=100)["reviews"]
                if r["issuing_department"] == "区民政局")


def test_district_proposal_pages_and_publishing_form(tmp_path):
    from fastapi.testclient import TestClient

    from lvzhi.web import create_app

    store = Store(f"sqlite:///{tmp_path / 'lvzhi.db'}")
    for dataset in (bundled_dataset(), baisha_lists(), shimen_lists()):
        with store.transaction() as session:
            save_dataset(session, dataset, source_name=dataset.town.name)
    tokens = add_people(store, {k: PEOPLE[k] for k in ("admin", "baisha", "civil")}, "lvzhi-test-pw")
    with TestClient(create_app(store), raise_server_exceptions=False) as client:
        def call(who, method, url, **kwargs):
            return client.request(method, url, headers={"authorization": f"Bearer {tokens[who]}"}, **kwargs)

        form = call("civil", "GET", "/proposals/new?kind=change&code=C24")
        assert 'value="江津区"' in form.text and "江津区全部镇街（全区调整）" in form.text
        made = call("civil", "POST", "/proposals", data={
            "scope": "江津区", "town": "珞璜镇", "kind": "change", "target_code": "C24", "list": "cooperative",
            "title": "养老服务机构监管", "town_duties": PENSION, "reason_kind": "law", "reason": "法规修订",
            "action": "submit"}, follow_redirects=False)
        assert made.status_code == 303, made.text
        page_url = made.headers["location"]
        page = call("baisha", "GET", page_url).text  # a town of the district follows it
        assert "江津区全部镇街" in page and "适用的镇街" in page and "C23 养老服务机构监管" in page
        assert "石门镇的配合履职清单中没有“养老服务机构监管”这一事项" in page
        pid = int(page_url.rsplit("/", 1)[1])
        call("admin", "POST", f"/api/v1/proposals/{pid}/consult", json={})
        call("admin", "POST", f"/api/v1/proposals/{pid}/decision", json={"approved": True, "reason": "经审定"})
        listing = call("admin", "GET", "/proposals").text
        assert f"{pid} · 江津区全部镇街 · 修改事项" in listing
        published = call("admin", "POST", "/proposals/publish", data={
            "proposals": [pid], "label": "2027年第一次动态调整", "effective_date": date.today().isoformat()},
            follow_redirects=False)
        assert published.status_code == 303 and published.headers["location"] == f"/proposals/{pid}#towns"
        after = call("admin", "GET", f"/proposals/{pid}").text
        assert "各镇街的发布情况" in after and 'href="/t/白沙镇/C23"' in after and "不适用" in after
        notice = client.get("/t/白沙镇/adjustments").text
        assert "C23" in notice and "法规修订" in notice
        item = client.get("/t/白沙镇/C23").text
        assert 'class="adjustments"' in item and "修改事项。理由：法律法规立改废释，法规修订" in item
        diff = client.get("/t/白沙镇/diff").text
        assert f'href="/proposals/{pid}"' in diff
    store.close()


def test_migration_keeps_what_was_published(database_url):
    """A database at the previous revision with a published proposal: upgrading copies it to the publications."""
    from sqlalchemy import text

    from helpers import at_revision
    from lvzhi.store.schema import PublicationRow

    with at_revision(database_url, "0008") as connection:
        connection.execute(text("INSERT INTO towns (id, name, district, city) VALUES (1, '珞璜镇', '江津区', '重庆市')"))
        for vid in (1, 2):
            connection.execute(text("INSERT INTO list_versions (id, town_id, label, source_name, sha256, imported_at) "
                                    "VALUES (:id, 1, :label, 'x', :sha, CURRENT_TIMESTAMP)"),
                               {"id": vid, "label": f"v{vid}", "sha": str(vid) * 64})
        connection.execute(text(
            "INSERT INTO proposals (id, town, kind, target_code, base_version_id, before, after, reason_kind, reason, "
            "basis_document, basis_number, basis_article, state, created_by_name, proposer, created_at, "
            "published_version_id, published_code) VALUES (7, '珞璜镇', 'remove', 'B129', 1, :before, NULL, 'other', "
            "'删', '', '', '', 'published', 'admin', 'admin', CURRENT_TIMESTAMP, 2, 'B129')"),
            {"before": '{"list": "basic", "category": "综合政务", "title": "开展公共机构节能工作。"}'})
    store = Store(database_url)  # upgrades to the newest revision
    with store.transaction() as session:
        rows = [(p.proposal_id, p.town, p.version_id, p.code, p.target_code, p.before["title"], p.problem)
                for p in session.scalars(select(PublicationRow))]
    assert rows == [(7, "珞璜镇", 2, "B129", "B129", "开展公共机构节能工作。", None)]
    store.close()
