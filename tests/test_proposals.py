"""动态调整 through the desk, on SQLite and PostgreSQL: the role matrix, every state transition and the wrong ones,
consultation, the admin's decision, publishing a version that is the old one plus exactly the changes, future
effective dates, conflicts, 清单外 reviews becoming proposals, and the audit rows of each step."""
from __future__ import annotations

from datetime import date, timedelta

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
from lvzhi.work.proposals import Draft
from lvzhi.work.services import Services

from conftest import fresh_database
from sample_lists import add_people, hostile_town

PEOPLE = {
    "admin": ("admin", None, None),
    "town": ("town", "珞璜镇", None),
    "other_town": ("town", "测试镇", None),
    "health": ("department", None, "区卫生健康委"),
    "market": ("department", None, "区市场监管局"),
    "civil": ("department", None, "区民政局"),
    "dispatcher": ("dispatcher", None, None),
}
NURSERY = {"list": "cooperative", "category": "卫生健康", "title": "社区托育服务点安全管理",
           "departments": ["区卫生健康委", "区市场监管局"],
           "department_duties": [{"departments": ["区卫生健康委"], "duties": ["负责托育服务点备案和业务指导。"]},
                                 {"departments": ["区市场监管局"], "duties": ["负责托育服务点食品安全监督管理。"]}],
           "town_duties": ["负责辖区托育服务点的日常巡查，发现问题及时报告相关部门。"]}


@pytest.fixture(params=["sqlite", "postgresql"])
def env(request, tmp_path):
    with fresh_database(request.param, tmp_path) as url:
        store = Store(url)
        with store.transaction() as session:
            save_dataset(session, bundled_dataset(), source_name=BUNDLED_SOURCE)
            save_dataset(session, hostile_town(), source_name="hostile.json")
        add_people(store, PEOPLE, "lvzhi-test-pw")
        with store.transaction() as session:
            users = {r.username: User(r.id, r.username, r.display_name, r.role, r.town, r.department, True)
                     for r in session.scalars(select(UserRow))}
        catalog = Catalog(store, refresh_seconds=0)
        yield Services.over(catalog), users, store
        store.close()


def add_nursery(desk, users, who="town", **changes) -> dict:
    draft = Draft(town="珞璜镇", kind="add", reason_kind="town", reason="镇里实际承担托育服务点巡查，申请列入清单",
                  item={**NURSERY, **changes}, basis_document="重庆市托育服务管理办法", basis_number="渝府令第1号",
                  basis_article="第十条")
    return desk.create(users[who], draft)


def to_deciding(desk, users, proposal: dict) -> dict:
    desk.submit(users["town"], proposal["id"])
    desk.consult(users["admin"], proposal["id"])
    desk.opinion(users["health"], proposal["id"], True, "同意，托育服务点巡查由镇承担。")
    return desk.opinion(users["market"], proposal["id"], False, "食品安全检查宜由我局直接开展，不同意列入镇职责。")


def actions(store, proposal_id: int) -> list[str]:
    with store.transaction() as session:
        return [r.action for r in session.scalars(select(AuditRow).where(
            AuditRow.object_type == "proposal", AuditRow.object_id == str(proposal_id)).order_by(AuditRow.id))]


def test_propose_consult_approve_publish(env):
    services, users, store = env
    desk = services.proposals
    proposal = add_nursery(desk, users)
    assert proposal["state"] == "draft" and proposal["state_name"] == "草稿" and proposal["before"] is None
    assert desk.submit(users["town"], proposal["id"])["state_name"] == "已提交"
    consulting = desk.consult(users["admin"], proposal["id"])
    assert consulting["state_name"] == "会商中"
    assert [o["department"] for o in consulting["opinions"]] == ["区卫生健康委", "区市场监管局"]
    after_one = desk.opinion(users["health"], proposal["id"], True, "同意。")
    assert after_one["state"] == "consulting"
    deciding = desk.opinion(users["market"], proposal["id"], False, "不同意列入镇职责。")
    assert deciding["state_name"] == "待审定"
    assert [o["agree"] for o in deciding["opinions"]] == [True, False]
    with pytest.raises(InvalidInput, match="区市场监管局不同意该调整；如仍批准，须写明理由"):
        desk.decide(users["admin"], proposal["id"], True, "")
    approved = desk.decide(users["admin"], proposal["id"], True, "托育服务点巡查确由镇承担，食品安全仍由部门负责")
    assert approved["state_name"] == "已批准" and approved["decided_by"] == "admin"

    old = services.lists.dataset("珞璜镇")
    result = desk.publish(users["admin"], [proposal["id"]], "2027年第一次动态调整", date.today())
    assert result["versions"][0]["proposals"] == [{"id": proposal["id"], "code": "C111"}] and result["left_out"] == []
    new = services.lists.dataset("珞璜镇")
    assert new.version == "2027年第一次动态调整"
    diff = services.lists.diff("珞璜镇", old.version, new.version)
    assert [i.code for i in diff.added] == ["C111"] and not diff.removed and not diff.changed
    assert comparable(diff.added[0]) == {**NURSERY}
    published = desk.one(users["town"], proposal["id"])
    assert published["state_name"] == "已发布" and published["published_code"] == "C111"
    assert published["effective_date"] == date.today().isoformat()
    notice = desk.published("珞璜镇")
    assert [p["id"] for p in notice] == [proposal["id"]] and notice[0]["reason_kind_name"] == "乡镇申请"
    assert [p["id"] for p in desk.published("珞璜镇", "C111")] == [proposal["id"]]
    answer = services.lists.resolver("珞璜镇").resolve("社区托育服务点日常巡查归谁管", top=1)
    assert answer.item is not None and answer.item.code == "C111"
    assert actions(store, proposal["id"]) == ["proposal.create", "proposal.submit", "proposal.consult",
                                              "proposal.opinion", "proposal.opinion", "proposal.approve",
                                              "proposal.publish"]
    with pytest.raises(Conflict, match="当前为“已发布”"):
        desk.decide(users["admin"], proposal["id"], False, "撤回")


def test_version_is_old_plus_exactly_the_changes(env):
    services, users, _ = env
    desk = services.proposals
    admin = users["admin"]
    old = services.lists.dataset("珞璜镇")
    change = desk.create(admin, Draft("珞璜镇", "change", "law", "法规修订", target_code="C24",
                                      item={"town_duties": ["负责社区养老服务中心建设和日常运营监督。"]}))
    remove = desk.create(admin, Draft("珞璜镇", "remove", "function", "部门职能调整", target_code="B129"))
    move = desk.create(admin, Draft("珞璜镇", "move", "function", "区民政局收回", target_code="B128", item={
        "list": "reclaimed", "handlers": [{"departments": ["区民政局"], "methods": ["由区民政局直接办理。"]}]}))
    for p in (change, remove, move):
        desk.submit(admin, p["id"])
        desk.consult(admin, p["id"])
        desk.decide(admin, p["id"], True, "经审定")  # silent departments: the reason covers them
    desk.publish(admin, [change["id"], remove["id"], move["id"]], "2026年第二次动态调整", date.today())
    new = services.lists.dataset("珞璜镇")
    diff = services.lists.diff("珞璜镇", old.version, new.version)
    assert [i.code for i in diff.added] == ["R164"] and {i.code for i in diff.removed} == {"B128", "B129"}
    assert [c.code for c in diff.changed] == ["C24"] and [f.field for f in diff.changed[0].fields] == ["town_duties"]
    assert new.by_code()["R164"].title == old.by_code()["B128"].title
    untouched = [i for i in old.items if i.code not in {"C24", "B128", "B129"}]
    assert all(new.by_code()[i.code] == i for i in untouched)
    assert len(new.items) == len(old.items) - 1


def test_future_date_waits_and_resolver_follows(env):
    services, users, _ = env
    desk = services.proposals
    proposal = add_nursery(desk, users)
    to_deciding(desk, users, proposal)
    desk.decide(users["admin"], proposal["id"], True, "部门意见已研究")
    later = date.today() + timedelta(days=30)
    desk.publish(users["admin"], [proposal["id"]], "2027年第一次动态调整", later)
    town = services.lists.town("珞璜镇")
    assert [v.label for v in town.upcoming()] == ["2027年第一次动态调整"]
    with pytest.raises(NotFound):
        services.lists.item("珞璜镇", "C111")
    assert services.lists.item("珞璜镇", "C111", on=later).title == NURSERY["title"]
    before = services.lists.resolver("珞璜镇").resolve("社区托育服务点日常巡查归谁管", top=1)
    after = services.lists.resolver("珞璜镇", on=later).resolve("社区托育服务点日常巡查归谁管", top=1)
    assert (before.item is None or before.item.code != "C111") and after.item.code == "C111"
    with pytest.raises(InvalidInput, match="不能早于今天"):
        desk.publish(users["admin"], [proposal["id"]], "x", date.today() - timedelta(days=1))


def test_conflicts_refused_before_publishing(env):
    services, users, _ = env
    desk = services.proposals
    admin = users["admin"]
    ids = []
    for duty in ("负责养老服务站建设。", "负责养老互助点建设。"):
        p = desk.create(admin, Draft("珞璜镇", "change", "other", "调整", target_code="C24", item={"town_duties": [duty]}))
        desk.submit(admin, p["id"])
        desk.consult(admin, p["id"])
        desk.decide(admin, p["id"], True, "经审定")
        ids.append(p["id"])
    versions = len(services.lists.town("珞璜镇").versions)
    with pytest.raises(Conflict, match=f"调整申请 {ids[0]} 和 {ids[1]} 都涉及珞璜镇的C24"):
        desk.publish(admin, ids, "2026年第二次动态调整", date.today())
    assert len(services.lists.town("珞璜镇").versions) == versions
    assert desk.one(admin, ids[0])["state"] == "approved"
    draft = desk.create(admin, Draft("珞璜镇", "remove", "other", "删", target_code="B1"))
    with pytest.raises(Conflict, match="只有已批准的调整申请可以发布"):
        desk.publish(admin, [ids[0], draft["id"]], "2026年第二次动态调整", date.today())
    desk.publish(admin, [ids[0]], "2026年第二次动态调整", date.today())
    with pytest.raises(Conflict, match="已与调整申请 .* 提出时不同"):
        desk.publish(admin, [ids[1]], "2026年第三次动态调整", date.today())


def test_role_matrix(env):
    services, users, _ = env
    desk = services.proposals
    with pytest.raises(Forbidden, match="您只能为珞璜镇提出调整申请"):
        desk.create(users["town"], Draft("测试镇", "remove", "other", "删", target_code="B1"))
    with pytest.raises(Forbidden):
        desk.create(users["dispatcher"], Draft("珞璜镇", "remove", "other", "删", target_code="B1"))
    with pytest.raises(Forbidden, match="部门只能就本部门牵头或承接的事项提出"):
        desk.create(users["health"], Draft("珞璜镇", "remove", "other", "删", target_code="C24"))
    civil = desk.create(users["civil"], Draft("珞璜镇", "change", "function", "职能调整", target_code="C24",
                                              item={"town_duties": ["负责养老服务站建设。"]}))
    assert civil["state"] == "draft"
    assert desk.create(users["health"], Draft("珞璜镇", "add", "function", "新增", item=NURSERY))["state"] == "draft"
    proposal = add_nursery(desk, users)
    with pytest.raises(NotFound):
        desk.one(users["other_town"], proposal["id"])
    with pytest.raises(Forbidden):
        desk.submit(users["market"], proposal["id"])  # may see it (named), may not submit the town's proposal
    desk.submit(users["town"], proposal["id"])
    with pytest.raises(Forbidden, match="无权组织会商"):
        desk.consult(users["town"], proposal["id"])
    desk.consult(users["admin"], proposal["id"])
    with pytest.raises(NotFound):  # not named by the change: neither asked nor shown
        desk.opinion(users["civil"], proposal["id"], True, "同意")
    with pytest.raises(Forbidden):
        desk.opinion(users["town"], proposal["id"], True, "同意")
    with pytest.raises(Forbidden, match="无权审定调整申请"):
        desk.decide(users["town"], proposal["id"], True, "同意")
    with pytest.raises(Forbidden, match="无权发布动态调整"):
        desk.publish(users["town"], [proposal["id"]], "x", date.today())
    town_list = desk.listing(users["town"])
    assert {p["town"] for p in town_list} == {"珞璜镇"} and proposal["id"] in {p["id"] for p in town_list}
    assert proposal["id"] not in {p["id"] for p in desk.listing(users["other_town"])}


def test_wrong_transitions_and_bad_input(env):
    services, users, _ = env
    desk = services.proposals
    proposal = add_nursery(desk, users)
    pid = proposal["id"]
    with pytest.raises(Conflict, match="当前为“草稿”，不能组织会商"):
        desk.consult(users["admin"], pid)
    with pytest.raises(Conflict, match="当前为“草稿”，不能批准"):
        desk.decide(users["admin"], pid, True, "理由")
    desk.submit(users["town"], pid)
    with pytest.raises(Conflict, match="当前为“已提交”，不能提交"):
        desk.submit(users["town"], pid)
    with pytest.raises(Conflict, match="当前为“已提交”，只有“草稿”或“已退回”的申请可以修改"):
        desk.edit(users["town"], pid, Draft("珞璜镇", "add", "town", "改", item=NURSERY))
    with pytest.raises(Conflict, match="当前为“已提交”，不能批准"):
        desk.decide(users["admin"], pid, True, "理由")
    with pytest.raises(InvalidInput, match="退回调整申请须写明理由"):
        desk.decide(users["admin"], pid, False, "")
    desk.consult(users["admin"], pid)
    desk.opinion(users["health"], pid, True, "同意")
    with pytest.raises(Conflict, match="不能重复提出"):
        desk.opinion(users["health"], pid, False, "改主意")
    with pytest.raises(InvalidInput, match="区市场监管局尚未提出会商意见"):
        desk.decide(users["admin"], pid, True, "")
    with pytest.raises(InvalidInput, match="请填写会商意见"):
        desk.opinion(users["market"], pid, True, "  ")
    returned = desk.decide(users["admin"], pid, False, "依据不足")
    assert returned["state_name"] == "已退回" and returned["decision_reason"] == "依据不足"
    with pytest.raises(Conflict, match="不在会商中"):
        desk.opinion(users["market"], pid, True, "同意")
    with pytest.raises(Conflict, match="以下申请不是：.*（已退回）"):
        desk.publish(users["admin"], [pid], "x", date.today())
    town = users["town"]
    bad = [
        (Draft("珞璜镇", "rename", "town", "x", item=NURSERY), "不认识的调整类型"),
        (Draft("珞璜镇", "add", "whim", "x", item=NURSERY), "不认识的调整理由"),
        (Draft("珞璜镇", "add", "town", " ", item=NURSERY), "请填写调整理由"),
        (Draft("珞璜镇", "add", "town", "x", item={**NURSERY, "list": "other"}), "所属清单应为"),
        (Draft("珞璜镇", "add", "town", "x", item={**NURSERY, "town_duties": []}), "请填写镇配合职责"),
        (Draft("珞璜镇", "add", "town", "x", item={**NURSERY, "colour": "红"}), "不认识的字段：colour"),
        (Draft("珞璜镇", "change", "town", "x", target_code="C999", item={}), "没有编码为“C999”的事项"),
        (Draft("珞璜镇", "change", "town", "x", target_code="B1", item={"list": "reclaimed"}), "不能改变所属清单"),
        (Draft("珞璜镇", "change", "town", "x", target_code="B1", item={}), "与现行内容相同"),
        (Draft("珞璜镇", "move", "town", "x", target_code="B1", item={}), "须写明新的清单"),
        (Draft("珞璜镇", "move", "town", "x", target_code="B1", item={"list": "reclaimed"}), "收回事项须写明承接部门"),
    ]
    for draft, message in bad:
        with pytest.raises(InvalidInput, match=message):
            desk.create(town, draft)
    with pytest.raises(NotFound, match="没有名为“区外星局”的部门"):  # an unknown department: 404 since issue 20
        desk.create(town, Draft("珞璜镇", "add", "town", "x", item={**NURSERY, "departments": ["区外星局"]}))


def test_from_an_approved_unlisted_review(env):
    services, users, store = env
    from lvzhi.work.reviews import Submission

    review = services.reviews.submit(users["health"], Submission(
        "珞璜镇", "区卫生健康委", "请各镇于本周内完成辖区内所有外卖骑手的电动车头盔发放。", title="外卖骑手头盔发放"))
    with pytest.raises(Conflict, match="不是经批准承接的清单外事项"):
        services.proposals.from_review(users["town"], review["id"])
    services.reviews.decide(users["town"], review["id"], "unlisted", "清单外" if review["proposal"] != "unlisted" else None)
    services.reviews.approve(users["admin"], review["id"], True, "安全生产需要，由镇承接")
    draft = services.proposals.from_review(users["town"], review["id"])
    assert draft["state"] == "draft" and draft["reason_kind_name"] == "清单外事项准入" and draft["review_id"] == review["id"]
    assert draft["after"]["departments"] == ["区卫生健康委"] and draft["after"]["title"] == "外卖骑手头盔发放"
    assert "外卖骑手的电动车头盔发放" in draft["after"]["town_duties"][0]
    with pytest.raises(Conflict, match="已据此提出调整申请"):
        services.proposals.from_review(users["admin"], review["id"])
    with pytest.raises(InvalidInput, match="请填写类别"):
        services.proposals.submit(users["town"], draft["id"])
    filled = dict(draft["after"], category="卫生健康", department_duties=[
        {"departments": ["区卫生健康委"], "duties": ["负责头盔发放的组织和指导。"]}])
    services.proposals.edit(users["town"], draft["id"], Draft("珞璜镇", "add", "admission", draft["reason"], item=filled))
    assert services.proposals.submit(users["town"], draft["id"])["state"] == "submitted"
    assert actions(store, draft["id"]) == ["proposal.create", "proposal.edit", "proposal.submit"]
