"""Every route × every role, generated from the app's route table: each route has one rule in RULES saying which
roles it lets through. A role let through must not be refused (401, 403, sent to the login page); any other role
must not get through (2xx, a redirect other than to the login page, or 409). A route without a rule fails the test, so a new route cannot ship without deciding who may use it.

Roles: anonymous, admin, the town's staff (珞璜镇), another town's staff (测试镇), a department (区卫生健康委, which
submitted the review and is consulted), another department (区文化旅游委), and a 12345 dispatcher. Each request
carries a body that passes validation, so what answers is the permission check, not the parser. The same rules
drive the CSRF check: every write, sent by a role it lets through but from a browser session without the session's
CSRF token, is refused.
"""
from __future__ import annotations

import io
import re
from urllib.parse import quote

import pytest
import yaml
from fastapi.testclient import TestClient

from lvzhi.lists.bundled import data_path
from lvzhi.web import create_app
from lvzhi.web.auth import SESSION_COOKIE
from lvzhi.web.routing import every_route

from assessment_scheme import scheme_indicators, scheme_xlsx
from sample_lists import add_people, populated_store

ROLES = ("anonymous", "admin", "town", "other_town", "department", "other_department", "dispatcher")
PEOPLE = {"admin": ("admin", None, None), "town": ("town", "珞璜镇", None), "other_town": ("town", "测试镇", None),
          "department": ("department", None, "区卫生健康委"), "other_department": ("department", None, "区文化旅游委"),
          "dispatcher": ("dispatcher", None, None), "spare": ("dispatcher", None, None)}
TOWN = "珞璜镇"
# a place the rules name, with the words the bundled places.yaml gives it (a write sets them as they are)
PLACE = "城市建成区"
BUILT_UP = tuple(yaml.safe_load(data_path("towns/luohuang/places.yaml").read_text(encoding="utf-8"))["places"][PLACE]["says"])
# path parameters that differ from the shared ones by route ({name} is a department elsewhere)
PATH_IDS = {"/api/v1/towns/{town}/places/{name}": {"name": PLACE}, "/admin/places/{town}/{name}": {"name": PLACE}}

ALL = set(ROLES)
SIGNED = ALL - {"anonymous"}
ADMIN = {"admin"}
DISPATCH = {"admin", "dispatcher"}
OWN_TOWN = {"admin", "town"}                       # the town's own staff and the admin
REVIEW_SIDE = {"admin", "town", "department"}      # the review: its town, the submitting department, the admin
TICKET_SIDE = {"admin", "dispatcher", "town"}      # the ticket: dispatchers, the assignee (珞璜镇), the admin
PROPOSAL_SIDE = {"admin", "town", "department"}    # the proposal: its town, the department concerned, the admin
ASSESSED = {"admin", "town", "other_department"}  # a scheme: its town and the departments it names (区文化旅游委)
OWN_SCOPE = {"admin", "town", "other_town", "department", "other_department"}  # answered within the asker's scope
ASSIGNEE = {"town"}                                # only the unit the ticket is assigned to (珞璜镇)

# (method, path) → the roles let through. Pages and API alike.
RULES: dict[tuple[str, str], set[str]] = {
    # the lists, search, resolve, the directory of bodies, which office carries an item: public
    **{("GET", p): ALL for p in (
        "/api/v1/towns", "/api/v1/towns/{town}", "/api/v1/towns/{town}/versions", "/api/v1/towns/{town}/items",
        "/api/v1/towns/{town}/items/{code}", "/api/v1/towns/{town}/items/{code}/history", "/api/v1/towns/{town}/diff",
        "/api/v1/towns/{town}/export.{fmt}", "/api/v1/departments", "/api/v1/departments/{name}", "/api/v1/search",
        "/api/v1/verdicts", "/api/v1/decisions", "/api/v1/towns/{town}/adjustments", "/open311/v2/services.json",
        "/open311/v2/services/{service_code}.json", "/open311/v2/discovery.json", "/api/v1/openapi.json", "/healthz",
        "/", "/towns", "/t/{town}", "/t/{town}/lists/{kind}", "/t/{town}/versions", "/t/{town}/diff", "/t/{town}/{code}",
        "/search", "/departments", "/departments/{name}", "/login", "/t/{town}/adjustments", "/t/{town}/adjustments.atom",
        "/docs", "/docs/oauth2-redirect", "/redoc", "/api/v1/towns/{town}/items/{code}/assignment",
        "/api/v1/directory", "/api/v1/directory/export", "/api/v1/directory/{name}", "/directory",
        "/api/v1/towns/{town}/places")},
    **{("POST", p): ALL for p in ("/api/v1/resolve", "/api/v1/reviews/check", "/api/v1/dispatch/suggest", "/",
                                  "/login", "/logout")},
    # who am I, own account
    ("GET", "/api/v1/me"): SIGNED, ("GET", "/account"): SIGNED, ("POST", "/account/password"): SIGNED,
    # reviews
    ("POST", "/api/v1/reviews"): {"admin", "town", "department", "other_department"},  # for 珞璜镇: not 测试镇's staff
    ("GET", "/api/v1/reviews"): {"admin", "town", "other_town", "department", "other_department"},
    ("GET", "/api/v1/reviews/{review_id}"): REVIEW_SIDE,
    ("GET", "/api/v1/reviews/{review_id}/opinion.docx"): REVIEW_SIDE,
    ("POST", "/api/v1/reviews/{review_id}/decision"): OWN_TOWN,
    ("POST", "/api/v1/reviews/{review_id}/approval"): ADMIN,
    ("GET", "/reviews"): {"admin", "town", "other_town", "department", "other_department"},
    ("GET", "/reviews/export.xlsx"): {"admin", "town", "other_town", "department", "other_department"},
    ("GET", "/reviews/new"): {"admin", "town", "other_town", "department", "other_department"},
    ("POST", "/reviews"): {"admin", "town", "other_town", "department", "other_department"},
    ("GET", "/reviews/{review_id}"): REVIEW_SIDE, ("GET", "/reviews/{review_id}/opinion"): REVIEW_SIDE,
    ("POST", "/reviews/{review_id}/decision"): OWN_TOWN, ("POST", "/reviews/{review_id}/approval"): ADMIN,
    ("GET", "/api/v1/monitor"): OWN_SCOPE, ("GET", "/api/v1/monitor.xlsx"): OWN_SCOPE, ("GET", "/monitor"): OWN_SCOPE,
    # audit, accounts, keeping the directory of bodies: the admin
    **{(m, p): ADMIN for m, p in (
        ("GET", "/api/v1/audit"), ("GET", "/api/v1/audit/verify"), ("GET", "/api/v1/audit.{fmt}"), ("GET", "/audit"),
        ("GET", "/api/v1/users"), ("POST", "/api/v1/users"), ("POST", "/api/v1/users/{username}/role"),
        ("POST", "/api/v1/users/{username}/active"), ("POST", "/api/v1/users/{username}/tokens"),
        ("GET", "/api/v1/tokens"), ("POST", "/api/v1/tokens/{token_id}/revoke"), ("GET", "/admin/users"),
        ("POST", "/admin/users"), ("POST", "/admin/users/{username}/active"), ("POST", "/admin/users/{username}/unlock"),
        ("POST", "/admin/tokens/{token_id}/revoke"), ("GET", "/admin/import"), ("POST", "/admin/import/preview"),
        ("POST", "/admin/import/publish"), ("PUT", "/api/v1/directory/{name}"), ("DELETE", "/api/v1/directory/{name}"),
        ("POST", "/api/v1/directory/import"), ("GET", "/admin/directory"), ("GET", "/admin/directory/edit"),
        ("POST", "/admin/directory/edit"), ("POST", "/admin/directory/import"),
        ("GET", "/admin/places"), ("GET", "/admin/places/{town}"), ("PUT", "/api/v1/towns/{town}/places/{name}"),
        ("POST", "/admin/places/{town}/{name}"), ("POST", "/admin/places/{town}/import"))},
    # tickets
    ("POST", "/api/v1/tickets"): DISPATCH, ("POST", "/api/v1/tickets/import"): DISPATCH,
    ("POST", "/open311/v2/requests.json"): DISPATCH,
    ("GET", "/api/v1/tickets"): SIGNED, ("GET", "/open311/v2/requests.json"): SIGNED,
    ("GET", "/api/v1/tickets/{ticket_id}"): TICKET_SIDE, ("GET", "/open311/v2/requests/{request_id}.json"): TICKET_SIDE,
    ("POST", "/api/v1/tickets/{ticket_id}/dispatch"): DISPATCH,
    ("POST", "/api/v1/tickets/{ticket_id}/accept"): ASSIGNEE,
    ("POST", "/api/v1/tickets/{ticket_id}/resolve"): ASSIGNEE,
    ("POST", "/api/v1/tickets/{ticket_id}/close"): DISPATCH,
    ("POST", "/api/v1/tickets/{ticket_id}/disputes"): ASSIGNEE,
    ("POST", "/api/v1/tickets/{ticket_id}/disputes/decision"): DISPATCH,
    ("GET", "/api/v1/dispatch/stats"): SIGNED,  # counted over the tickets the asker may see
    ("GET", "/dispatch"): DISPATCH, ("GET", "/tickets/export.xlsx"): SIGNED, ("POST", "/tickets/import"): DISPATCH,
    ("GET", "/inbox"): OWN_SCOPE - {"admin"}, ("GET", "/tickets/new"): DISPATCH, ("POST", "/tickets"): DISPATCH,
    ("GET", "/tickets/{ticket_id}"): TICKET_SIDE, ("POST", "/tickets/{ticket_id}/dispatch"): DISPATCH,
    ("POST", "/tickets/{ticket_id}/accept"): ASSIGNEE, ("POST", "/tickets/{ticket_id}/resolve"): ASSIGNEE,
    ("POST", "/tickets/{ticket_id}/close"): DISPATCH, ("POST", "/tickets/{ticket_id}/disputes"): ASSIGNEE,
    ("POST", "/tickets/{ticket_id}/disputes/decision"): DISPATCH, ("GET", "/dispatch/stats"): SIGNED,
    # proposals
    ("GET", "/api/v1/proposals"): OWN_SCOPE, ("GET", "/proposals"): OWN_SCOPE,
    ("POST", "/api/v1/proposals"): {"admin", "town", "department"},
    ("GET", "/proposals/new"): OWN_SCOPE,  # the form: not for dispatchers, who may not propose
    ("POST", "/proposals"): {"admin", "town", "department"},
    # from an approved 清单外 review: its town, the department that issued the task (issue 17), the admin
    ("POST", "/api/v1/proposals/from-review"): REVIEW_SIDE, ("POST", "/proposals/from-review"): REVIEW_SIDE,
    ("POST", "/api/v1/proposals/publish"): ADMIN, ("POST", "/proposals/publish"): ADMIN,
    ("GET", "/api/v1/proposals/{proposal_id}"): PROPOSAL_SIDE, ("GET", "/proposals/{proposal_id}"): PROPOSAL_SIDE,
    ("PUT", "/api/v1/proposals/{proposal_id}"): {"admin", "town"},
    ("PATCH", "/api/v1/proposals/{proposal_id}"): {"admin", "town"},
    ("GET", "/proposals/{proposal_id}/edit"): {"admin", "town"}, ("POST", "/proposals/{proposal_id}/edit"): {"admin", "town"},
    ("GET", "/api/v1/proposals/{proposal_id}/towns"): PROPOSAL_SIDE,
    ("POST", "/api/v1/proposals/{proposal_id}/submit"): {"admin", "town"},
    ("POST", "/proposals/{proposal_id}/submit"): {"admin", "town"},
    ("POST", "/api/v1/proposals/{proposal_id}/consult"): ADMIN, ("POST", "/proposals/{proposal_id}/consult"): ADMIN,
    ("POST", "/api/v1/proposals/{proposal_id}/opinion"): {"department"},
    ("POST", "/proposals/{proposal_id}/opinion"): {"department"},
    ("POST", "/api/v1/proposals/{proposal_id}/decision"): ADMIN, ("POST", "/proposals/{proposal_id}/decision"): ADMIN,
    # organisation, ledger: the town's own staff and the admin (departments read the ledger of items they lead)
    **{(m, p): OWN_TOWN for m, p in (
        ("PATCH", "/api/v1/towns/{town}/offices/{office_id}"), ("DELETE", "/api/v1/towns/{town}/offices/{office_id}"),
        ("PATCH", "/api/v1/towns/{town}/staff/{staff_id}"), ("DELETE", "/api/v1/towns/{town}/staff/{staff_id}"),
        ("GET", "/org/{town}/offices"), ("POST", "/org/{town}/offices/{office_id}/rename"),
        ("POST", "/org/{town}/offices/{office_id}/remove"), ("POST", "/org/{town}/staff/{staff_id}/edit"),
        ("POST", "/org/{town}/staff/{staff_id}/remove"), ("POST", "/api/v1/towns/{town}/ledger/{entry_id}/finish"),
        ("POST", "/ledger/{town}/{entry_id}/finish"),
        ("GET", "/api/v1/towns/{town}/organisation"), ("POST", "/api/v1/towns/{town}/offices"),
        ("POST", "/api/v1/towns/{town}/staff"), ("POST", "/api/v1/towns/{town}/assignments"),
        ("POST", "/api/v1/towns/{town}/assignments/category"), ("GET", "/api/v1/towns/{town}/assignments.xlsx"),
        ("POST", "/api/v1/towns/{town}/assignments/import"), ("POST", "/api/v1/towns/{town}/assignments/carry"),
        ("POST", "/api/v1/towns/{town}/ledger"), ("GET", "/org/{town}"), ("POST", "/org/{town}/offices"),
        ("POST", "/org/{town}/staff"), ("POST", "/org/{town}/assign"), ("POST", "/org/{town}/bulk"),
        ("POST", "/org/{town}/import"), ("POST", "/org/{town}/carry"), ("POST", "/ledger/{town}"))},
    **{("GET", p): OWN_TOWN for p in (
        "/api/v1/towns/{town}/ledger", "/api/v1/towns/{town}/ledger.xlsx", "/ledger/{town}", "/ledger/{town}/print")},
    # assessment schemes
    ("GET", "/api/v1/schemes"): SIGNED, ("GET", "/indicators"): SIGNED,
    ("POST", "/api/v1/schemes"): ADMIN, ("POST", "/indicators"): ADMIN,
    ("GET", "/api/v1/schemes/{scheme_id}"): ASSESSED, ("GET", "/api/v1/schemes/{scheme_id}/report.xlsx"): ASSESSED,
    ("GET", "/api/v1/schemes/{scheme_id}/opinion.docx"): ASSESSED,
    ("GET", "/indicators/{scheme_id}"): ASSESSED, ("GET", "/indicators/{scheme_id}/opinion"): ASSESSED,
    ("POST", "/api/v1/indicators/{indicator_id}/confirm"): OWN_TOWN, ("POST", "/indicators/{scheme_id}/confirm"): OWN_TOWN,
    ("GET", "/api/v1/statistics"): OWN_TOWN,  # of 珞璜镇 (the default town): its staff and the admin
    ("GET", "/stats"): {"admin", "town", "other_town"},  # each town's staff see their own town's
}


def _route_table(app) -> list[tuple[str, str]]:
    """(method, path) of every route the app serves (static files aside)."""
    served = set()
    for route in every_route(app.routes):
        for method in (getattr(route, "methods", None) or set()) - {"HEAD"}:
            served.add((method, getattr(route, "path_format", route.path)))
    return sorted(served)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    store = populated_store(f"sqlite:///{tmp_path_factory.mktemp('roles') / 'lvzhi.db'}")
    tokens = add_people(store, PEOPLE, "role-matrix-pw-1")
    app = create_app(store, warm=False)
    with TestClient(app, raise_server_exceptions=False, follow_redirects=False) as client:
        sessions: dict[str, str] = {}

        def as_(who, method, url, browser=False, **kw):
            """As `who` with an API token, or (browser=True) with a session cookie from the login form and
            no CSRF token."""
            client.cookies.clear()  # a sign-in answered with a session cookie must not carry over to the next role
            if browser:
                if who not in sessions:
                    done = client.post("/login", data={"username": who, "password": "role-matrix-pw-1"},
                                       headers={"origin": str(client.base_url)})
                    assert done.status_code == 303, done.text
                    sessions[who] = client.cookies[SESSION_COOKIE]
                    client.cookies.clear()
                headers = {"cookie": f"{SESSION_COOKIE}={sessions[who]}"}
            else:
                headers = {"authorization": f"Bearer {tokens[who]}"} if who != "anonymous" else {}
            return client.request(method, url, headers=headers, **kw)

        review = as_("department", "POST", "/api/v1/reviews", json={
            "text": "请镇里组织一次无偿献血活动", "town": TOWN, "title": "献血"}).json()["id"]
        ticket = as_("dispatcher", "POST", "/api/v1/tickets", json={"text": "我家生活困难，想申请低保，去哪里办"}).json()["id"]
        as_("dispatcher", "POST", f"/api/v1/tickets/{ticket}/dispatch", json={})
        proposal = as_("town", "POST", "/api/v1/proposals", json={
            "town": TOWN, "kind": "change", "target_code": "C39", "reason_kind": "town", "reason": "职责表述调整",
            "item": {"town_duties": ["协助区卫生健康委组织无偿献血宣传和动员"]}}).json()["id"]
        scheme = as_("admin", "POST", "/api/v1/schemes", data={"town": TOWN, "year": "2026"}, files={
            "file": ("方案.xlsx", scheme_xlsx(scheme_indicators()),
                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")}).json()
        assert "id" in scheme, scheme
        scheme = scheme["id"]
        indicator = as_("admin", "GET", f"/api/v1/schemes/{scheme}").json()["indicators"][0]["id"]
        token_ids = [t["id"] for t in as_("admin", "GET", "/api/v1/tokens", params={"username": "spare"}).json()["tokens"]]
        # an office with a person responsible for an item: removing either is refused (409) unless handed over
        office = as_("town", "POST", f"/api/v1/towns/{TOWN}/offices", json={"name": "社会事务办"}).json()["id"]
        staff = as_("town", "POST", f"/api/v1/towns/{TOWN}/staff", json={"office": "社会事务办", "name": "李四"}).json()["id"]
        assert as_("town", "POST", f"/api/v1/towns/{TOWN}/assignments",
                   json={"code": "B1", "lead": "社会事务办", "person": "李四"}).status_code == 200
        entry = as_("town", "POST", f"/api/v1/towns/{TOWN}/ledger", json={
            "code": "C39", "received_on": "2026-01-05", "work": "组织献血"}).json()["id"]
        ids = {"town": TOWN, "code": "C39", "kind": "cooperative", "fmt": "csv", "name": "区卫生健康委",
               "service_code": "C39", "review_id": review, "ticket_id": ticket, "request_id": ticket,
               "proposal_id": proposal, "scheme_id": scheme, "indicator_id": indicator, "token_id": token_ids[0],
               "username": "spare", "office_id": office, "staff_id": staff, "entry_id": entry}
        yield app, as_, ids
    store.close()


def _body(method: str, path: str) -> dict:
    """A request that passes validation for (method, path)."""
    xlsx = ("x.xlsx", b"not really", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    directory = ("名录.csv", "单位,备注\n区卫生健康委,权限矩阵\n".encode(), "text/csv")
    bodies = {
        "/api/v1/resolve": {"json": {"text": "请镇里组织一次无偿献血活动"}},
        "/api/v1/reviews/check": {"json": {"text": "请镇里组织一次无偿献血活动"}},
        "/api/v1/dispatch/suggest": {"json": {"texts": ["我想申请低保"]}},
        "/api/v1/reviews": {"json": {"text": "请镇里组织一次无偿献血活动", "town": TOWN, "issuing_department": "区卫生健康委"}},
        "/api/v1/reviews/{review_id}/decision": {"json": {"decision": "cooperate"}},
        "/api/v1/reviews/{review_id}/approval": {"json": {"approved": True, "reason": "同意"}},
        "/api/v1/users": {"json": {"username": "new-person", "password": "a-long-passphrase-9", "role": "dispatcher"}},
        "/api/v1/users/{username}/role": {"json": {"role": "dispatcher"}},
        "/api/v1/users/{username}/active": {"json": {"active": True}},
        "/api/v1/users/{username}/tokens": {"json": {"name": "矩阵"}},
        "/api/v1/tokens/{token_id}/revoke": {"json": {}},
        "/api/v1/proposals": {"json": {"town": TOWN, "kind": "change", "target_code": "C39", "reason_kind": "town",
                                       "reason": "职责表述调整", "item": {"title": "无偿献血"}}},
        "/api/v1/proposals/{proposal_id}": {"json": {"town": TOWN, "kind": "change", "target_code": "C39",
                                                     "reason_kind": "town", "reason": "职责表述调整", "item": {}}},
        "/api/v1/proposals/from-review": {"json": {"review_id": 1}}, "/proposals/from-review": {"data": {"review_id": "1"}},
        "/api/v1/proposals/publish": {"json": {"proposals": [1], "label": "矩阵", "effective_date": "2099-01-01"}},
        "/api/v1/proposals/{proposal_id}/opinion": {"json": {"agree": True, "opinion": "同意"}},
        "/api/v1/proposals/{proposal_id}/decision": {"json": {"approved": False, "reason": "退回"}},
        "/api/v1/tickets": {"json": {"text": "我想申请低保"}},
        "/api/v1/tickets/import": {"files": {"file": ("t.csv", "工单编号,诉求内容\n1,我想申请低保\n".encode(), "text/csv")}},
        "/api/v1/tickets/{ticket_id}/dispatch": {"json": {}},
        "/api/v1/tickets/{ticket_id}/resolve": {"json": {"note": "已办"}},
        "/api/v1/tickets/{ticket_id}/close": {"json": {"note": "重复"}},
        "/api/v1/tickets/{ticket_id}/disputes": {"json": {"reason": "不归本单位"}},
        "/api/v1/tickets/{ticket_id}/disputes/decision": {"json": {"accepted": False, "reason": "驳回"}},
        "/open311/v2/requests.json": {"data": {"description": "我想申请低保"}},
        "/api/v1/towns/{town}/offices": {"json": {"name": "党政办"}},
        "/api/v1/towns/{town}/staff": {"json": {"office": "党政办", "name": "张三"}},
        "/api/v1/towns/{town}/assignments": {"json": {"code": "C39", "lead": "党政办"}},
        "/api/v1/towns/{town}/assignments/category": {"json": {"kind": "basic", "category": "党的建设", "lead": "党政办"}},
        "/api/v1/towns/{town}/assignments/import": {"files": {"file": xlsx}},
        "/api/v1/towns/{town}/ledger": {"json": {"code": "C39", "received_on": "2026-01-05", "work": "组织献血"}},
        "/api/v1/schemes": {"data": {"town": TOWN, "year": "2026"}, "files": {"file": xlsx}},
        "/api/v1/indicators/{indicator_id}/confirm": {"json": {}},
        "/api/v1/towns/{town}/offices/{office_id}": {"json": {"name": "社会事务办"}},
        "/api/v1/towns/{town}/staff/{staff_id}": {"json": {"post": "干事"}},
        "/api/v1/towns/{town}/ledger/{entry_id}/finish": {"json": {"done_on": "2026-01-06", "result": "已组织"}},
        "/ledger/{town}/{entry_id}/finish": {"data": {"done_on": "2026-01-06", "result": "已组织"}},
        "/org/{town}/offices/{office_id}/rename": {"data": {"name": "社会事务办"}},
        "/org/{town}/staff/{staff_id}/edit": {"data": {"name": "李四", "office": "社会事务办", "post": "干事"}},
        "/proposals/{proposal_id}/edit": {"data": {"town": TOWN, "kind": "change", "target_code": "C39",
                                                   "reason_kind": "town", "reason": "职责表述调整",
                                                   "town_duties": "协助区卫生健康委组织无偿献血宣传和动员"}},
        "/api/v1/directory/{name}": {"json": {"note": "权限矩阵"}},
        "/api/v1/directory/import": {"files": {"file": directory}}, "/admin/directory/import": {"files": {"file": directory}},
        "/admin/directory/edit": {"data": {"name": "区卫生健康委", "note": "权限矩阵"}},
        "/api/v1/towns/{town}/places/{name}": {"json": {"says": list(BUILT_UP)}},
        "/admin/places/{town}/{name}": {"data": {"says": "\n".join(BUILT_UP)}},
        "/admin/places/{town}/import": {"files": {"file": ("places.yaml", yaml.safe_dump(
            {"places": {PLACE: {"says": list(BUILT_UP)}}}, allow_unicode=True).encode(), "application/x-yaml")}},
        "/org/{town}/import": {"files": {"file": xlsx}}, "/indicators": {"files": {"file": xlsx}},
        "/tickets/import": {"files": {"file": ("t.csv", b"x", "text/csv")}},
        "/login": {"data": {"username": "spare", "password": "role-matrix-pw-1"}},
    }
    if method in ("POST", "PUT", "PATCH"):
        return bodies.get(path, {"json": {}} if path.startswith(("/api/", "/open311/")) else {"data": {}})
    return {"params": {"q": "献血"} if path.endswith("search") else
            {"from": "1", "to": "2"} if path.endswith("diff") else {}}


def _outcome(response) -> str:
    """refused: 401, 403 or sent to the login page; done: it went through (2xx, 3xx, or 409: past the check,
    the state had moved on); neither: 404 (an object hidden or absent), 422 (a rule of the form), which say
    nothing about the rights."""
    status, location = response.status_code, response.headers.get("location", "")
    if status in (401, 403) or (status in (302, 303) and location.startswith("/login")):
        return "refused"
    return "done" if status < 400 or status == 409 else "neither"


def test_every_route_has_a_rule(world):
    app, _, _ = world
    missing = [route for route in _route_table(app) if route not in RULES]
    stale = [rule for rule in RULES if rule not in set(_route_table(app))]
    assert not missing, f"没有权限规则的路由（请在 RULES 中声明谁可以用）：{missing}"
    assert not stale, f"规则对应的路由已不存在：{stale}"


def _cases():
    return [(method, path) for method, path in RULES]


@pytest.mark.parametrize("method, path", _cases(), ids=lambda v: v)
def test_each_role_gets_what_the_rule_says(world, method, path):
    app, as_, ids = world
    given = {**ids, **PATH_IDS.get(path, {})}
    url = re.sub(r"\{(\w+)\}", lambda m: quote(str(given[m.group(1)])), path)
    wrong = []
    for role in ROLES:
        response = as_(role, method, url, **_body(method, path))
        assert response.status_code < 500, f"{role} {method} {url}: {response.status_code} {response.text[:300]}"
        if response.status_code == 422 and path.startswith(("/api/", "/open311/")):
            assert "details" not in response.json()["error"], f"the test's body for {path} is invalid: {response.text}"
        outcome, allowed = _outcome(response), role in RULES[(method, path)]
        if (allowed and outcome == "refused") or (not allowed and outcome == "done"):
            wrong.append(f"{role}: {response.status_code} {response.text[:160]!r}")
    assert not wrong, f"{method} {path}（允许：{sorted(RULES[(method, path)])}）\n" + "\n".join(wrong)


def test_item_assignment_names_the_person_only_to_its_town(world):
    """Which office carries an item is public; who in the office is responsible only the town and the admin see."""
    _, as_, _ = world
    for role in ROLES:
        assignment = as_(role, "GET", f"/api/v1/towns/{TOWN}/items/B1/assignment").json()
        keeper = role in OWN_TOWN
        assert assignment["assignment"]["lead"] == "社会事务办", role
        assert (assignment["assignment"].get("person") == "李四") is keeper, (role, assignment)
        assert (assignment["ledger"] is not None) is keeper, (role, assignment)
        assert ("李四" in as_(role, "GET", f"/t/{TOWN}/B1").text) is keeper, role


def _writes():
    """Every write a role may make (public ones aside: judging a text, signing in and out change nothing kept)."""
    return [(method, path) for (method, path), roles in RULES.items()
            if method in ("POST", "PUT", "PATCH", "DELETE") and roles != ALL]


@pytest.mark.parametrize("method, path", _writes(), ids=lambda v: v)
def test_a_browser_session_writes_only_with_its_csrf_token(world, method, path):
    """Signed in through the login form (a session cookie), a role the route lets through still gets nowhere
    without the session's CSRF token: 403 csrf_failed, never a change (2xx, 3xx) or a state check (409)."""
    app, as_, ids = world
    url = re.sub(r"\{(\w+)\}", lambda m: quote(str(ids[m.group(1)])), path)
    allowed = RULES[(method, path)]
    who = "admin" if "admin" in allowed else sorted(allowed)[0]
    response = as_(who, method, url, browser=True, **_body(method, path))
    assert response.status_code == 403, f"{who} {method} {url}: {response.status_code} {response.text[:300]}"
    if path.startswith(("/api/", "/open311/")):
        assert response.json()["error"]["code"] == "csrf_failed", response.text
    else:
        assert "CSRF" in response.text, response.text[:300]
