"""The REST API under /api/v1: towns, versions, items, departments, search, resolve, diff, downloads.

Every route here is listed in docs/api.md; a test fails when one is not.
"""
from __future__ import annotations

from collections import Counter
from typing import Annotated, Literal, Optional
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import ConfigDict, Field, model_validator

from ..lists.catalog import Catalog, VersionInfo
from ..work.proposals import with_reasons
from ..work.services import Services
from ..lists.diff import FIELD_NAMES
from ..formats.lists import to_bytes
from ..model import LIST_KINDS, LIST_TITLES, Dataset, Item
from ..resolve import VERDICT_WORDS
from ..resolve.resolver import MAX_TEXT_CHARS
from .errors import ApiError
from .limits import charge
from .openapi import FILE_TYPES, JsonBool, JsonInt, StrictBody, downloads, limited

router = APIRouter(prefix="/api/v1", tags=["api"])

TownName = Annotated[str, Path(max_length=64, description="镇街名称，如 珞璜镇")]
ItemCode = Annotated[str, Path(max_length=16, description="事项编码：B（基本）、C（配合）、R（收回）加序号，如 C74")]
VersionRef = Annotated[Optional[str], Query(max_length=128, description="版本编号或名称；缺省为现行版本")]
ListKind = Literal["basic", "cooperative", "reclaimed"]
MAX_BATCH = 1000
EXPORT_TYPES = FILE_TYPES


def catalog(request: Request) -> Catalog:
    return request.app.state.catalog


def services(request: Request) -> Services:
    return request.app.state.services


CatalogDep = Annotated[Catalog, Depends(catalog)]
ServicesDep = Annotated[Services, Depends(services)]


def item_json(town: str, item: Item) -> dict:
    return {**item.to_dict(), "town": town, "list_title": LIST_TITLES[item.list],
            "lead_departments": item.lead_departments, "url": f"/t/{town}/{item.code}"}


def _version_json(version: VersionInfo, items: int | None = None) -> dict:
    data = version.to_dict()
    if items is not None:
        data["items"] = items
    return data


def _categories(dataset: Dataset) -> dict[str, list[dict]]:
    return {kind: [{"name": name, "count": n} for name, n in dataset.categories(kind)] for kind in LIST_KINDS}


# -- towns and versions ----------------------------------------------------------------------------

@router.get("/towns", summary="镇街列表")
def list_towns(lists: CatalogDep) -> dict:
    """每个镇街的名称、所属区县、现行版本和三张清单的事项数。"""
    return {"towns": [{"name": t.name, "district": t.district, "city": t.city,
                       "current_version": _version_json(t.current), "counts": lists.counts(t.name),
                       "url": f"/t/{t.name}"} for t in lists.towns()]}


@router.get("/towns/{town}", summary="一个镇街")
def get_town(town: TownName, lists: CatalogDep) -> dict:
    """镇街信息、全部版本，以及现行版本三张清单的类别和事项数。"""
    info = lists.town(town)
    dataset = lists.dataset(town)
    return {"name": info.name, "district": info.district, "city": info.city,
            "current_version": _version_json(info.current), "counts": lists.counts(town),
            "categories": _categories(dataset), "versions": [_version_json(v) for v in info.versions]}


@router.get("/towns/{town}/versions", summary="版本列表")
def list_versions(town: TownName, lists: CatalogDep) -> dict:
    """全部清单版本，旧的在前；已发布的版本不可修改。state：现行、待生效（生效日期未到）或已被取代。"""
    info = lists.town(town)
    return {"town": info.name, "versions": [{**_version_json(v, v.items), "state": info.state(v)}
                                            for v in info.versions]}


# -- items -----------------------------------------------------------------------------------------

@router.get("/towns/{town}/items", summary="事项列表（可筛选、分面、分页）")
def list_items(
    town: TownName, lists: CatalogDep,
    list_kind: Annotated[Optional[ListKind], Query(alias="list", description="basic、cooperative 或 reclaimed")] = None,
    category: Annotated[Optional[str], Query(max_length=64, description="类别，如 民生服务")] = None,
    department: Annotated[Optional[str], Query(max_length=128, description="部门（简称、全称或别称）")] = None,
    version: VersionRef = None,
    page: Annotated[int, Query(ge=1, le=100_000, description="页码，从 1 开始")] = 1,
    per_page: Annotated[int, Query(ge=1, le=500, description="每页条数")] = 50,
) -> dict:
    """按清单、类别、部门筛选；facets 给出筛选后各清单、类别、部门的事项数。"""
    dataset = lists.dataset(town, version)
    name = _department_name(lists, department)
    selected = [i for i in dataset.items if (not list_kind or i.list == list_kind)
                and (not category or i.category == category) and (not name or name in i.named_departments())]
    start = (page - 1) * per_page
    return {"town": dataset.town.name, "version": _version_json(lists.version(town, version)),
            "total": len(selected), "page": page, "per_page": per_page,
            "items": [item_json(dataset.town.name, i) for i in selected[start:start + per_page]],
            "facets": _facets(selected)}


def _department_name(lists: Catalog, query: str | None) -> str | None:
    return lists.department_name(query) if query else None


def _facets(items: list[Item]) -> dict[str, dict[str, int]]:
    kinds = Counter(i.list for i in items)
    return {"list": {k: kinds[k] for k in LIST_KINDS if kinds[k]},
            "category": dict(Counter(i.category for i in items).most_common()),
            "department": dict(Counter(d for i in items for d in i.named_departments()).most_common())}


@router.get("/towns/{town}/items/{code}", summary="事项详情")
def get_item(town: TownName, code: ItemCode, lists: CatalogDep, version: VersionRef = None) -> dict:
    """一个事项的全部字段，以及它在各版本中的状态（unchanged 未变、changed 有改动、added 新增、absent 不存在）。"""
    item = lists.item(town, code, version)
    return {"town": town, "version": _version_json(lists.version(town, version)), "item": item_json(town, item),
            "history": _history_states(lists, town, item.code)}


def _history_states(lists: Catalog, town: str, code: str) -> list[dict]:
    return [{"version": _version_json(v), "state": state} for v, state in lists.history_states(town, code)]


@router.get("/towns/{town}/items/{code}/history", summary="事项在各版本中的内容")
def get_item_history(town: TownName, code: ItemCode, lists: CatalogDep) -> dict:
    """每个版本中该事项的完整内容（该版本没有时为 null）。"""
    return {"town": town, "code": code.upper(),
            "history": [{"version": _version_json(v), "item": item_json(town, i) if i else None}
                        for v, i in lists.history(town, code)]}


@router.get("/towns/{town}/diff", summary="两个版本的差异")
def diff_versions(
    town: TownName, lists: CatalogDep, work: ServicesDep,
    old: Annotated[str, Query(alias="from", max_length=128, description="旧版本的编号或名称")],
    new: Annotated[str, Query(alias="to", max_length=128, description="新版本的编号或名称")],
) -> dict:
    """新增、删除的事项和逐字段的改动；字段名附中文名称。由动态调整发布的改动在 `proposal` 中注明其调整申请
    （编号、理由、依据），其他为 null。"""
    diff = lists.diff(town, old, new)
    why = work.proposals.between(lists.town(town), lists.version(town, old).id, lists.version(town, new).id)
    return {**with_reasons(diff.to_dict(), why), "field_names": FIELD_NAMES}


@router.get("/towns/{town}/export.{fmt}", summary="下载清单（JSON、CSV、xlsx）", **downloads("json", "csv", "xlsx"))
def export_lists(town: TownName, fmt: Literal["json", "csv", "xlsx"], lists: CatalogDep,
                 version: VersionRef = None) -> Response:
    """下载一个镇街某版本的三张清单；文件格式与 `lvzhi export` 相同。"""
    dataset = lists.dataset(town, version)
    filename = quote(f"{dataset.town.name}-履职清单-{dataset.version}.{fmt}")
    return Response(to_bytes(dataset, fmt), media_type=EXPORT_TYPES[fmt],
                    headers={"content-disposition": f"attachment; filename*=UTF-8''{filename}"})


# -- departments and search ------------------------------------------------------------------------

@router.get("/departments", summary="部门列表")
def list_departments(lists: CatalogDep) -> dict:
    """清单中出现的每个部门：牵头的配合事项数、承接的收回事项数、涉及镇街数。"""
    return {"departments": [{**d.to_dict(), "url": f"/departments/{d.name}"} for d in lists.departments()]}


@router.get("/departments/{name}", summary="部门视图")
def get_department(name: Annotated[str, Path(max_length=128, description="部门名称、全称或别称")],
                   lists: CatalogDep) -> dict:
    """该部门在各镇街牵头的配合事项（含镇配合职责）和承接的收回事项（含工作方式）。"""
    return lists.department(name).to_dict()


@router.get("/search", summary="检索", **limited())
def search(
    lists: CatalogDep, request: Request,
    q: Annotated[str, Query(min_length=1, max_length=200, description="关键词")],
    list_kind: Annotated[Optional[ListKind], Query(alias="list")] = None,
    category: Annotated[Optional[str], Query(max_length=64)] = None,
    department: Annotated[Optional[str], Query(max_length=128)] = None,
    town: Annotated[Optional[str], Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 20,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> dict:
    """在所有镇街现行清单的名称、职责、工作方式和部门中检索；facets 为分面计数，words 为命中的词。"""
    if not q.strip():
        raise ApiError(422, "invalid_input", "查询参数 q：不能为空")
    charge(request, q)
    name = _department_name(lists, department)
    if town:
        lists.town(town)
    result = lists.search_engine().search(q, list_kind, category, name, town, limit, offset)
    data = result.to_dict()
    for hit, entry in zip(result.hits, data["items"]):
        entry["url"] = f"/t/{hit.town}/{hit.item.code}"
    return {**data, "limit": limit, "offset": offset}


# -- resolve ---------------------------------------------------------------------------------------

class ResolveItem(StrictBody):
    id: Optional[str] = Field(None, max_length=128, description="调用方自己的编号，原样返回")
    text: str = Field(..., description=f"诉求、通知或工单的文字（最多 {MAX_TEXT_CHARS} 字）")


class ResolveRequest(StrictBody):
    """一条（text）或一批（requests）。"""

    model_config = ConfigDict(extra="forbid", json_schema_extra={
        # exactly one of the two, as one_or_many checks
        "oneOf": [{"required": ["text"], "properties": {"text": {"type": "string"}}},
                  {"required": ["requests"], "properties": {"requests": {"type": "array"}}}],
        "examples": [{"text": "小区楼下那家托育机构消防通道堆满杂物，谁来查？"},
                     {"requests": [{"id": "1", "text": "请镇里组织一次无偿献血活动"},
                                   {"id": "2", "text": "我想申请低保"}], "top": 3}]})
    text: Optional[str] = Field(None, min_length=1, max_length=MAX_TEXT_CHARS, description="一条诉求的文字")
    id: Optional[str] = Field(None, max_length=128)
    requests: Optional[list[ResolveItem]] = Field(None, min_length=1, max_length=MAX_BATCH,
                                                  description=f"一批诉求（最多 {MAX_BATCH} 条）")
    town: Optional[str] = Field(None, max_length=64, description="镇街名称；缺省为默认镇街")
    top: JsonInt = Field(3, ge=1, le=20, description="列出的候选事项数")
    assume: Optional[dict[Annotated[str, Field(max_length=200)], JsonBool]] = Field(
        None, max_length=5, description="对追问（上次回答的 question.question）的回答，如 {\"地点是否在城市建成区（场镇街道、小区）内？\": true}")

    @model_validator(mode="after")
    def one_or_many(self):
        if (self.text is None) == (self.requests is None):
            raise ValueError("请给出 text（一条）或 requests（一批），二者选一")
        return self


@router.post("/resolve", summary="这件事归谁管？", **limited())
async def resolve(body: ResolveRequest, lists: CatalogDep, work: ServicesDep, request: Request) -> dict:
    """判定一条或一批诉求属于哪张清单的哪个事项、谁牵头、镇做什么；清单外的给出通常办理单位。

    一批时，无法判断的单条在其 `error` 中说明原因，其余照常判定。
    当答案取决于诉求没有说明的一点（如是否在城市建成区内）时，回答带 `question`：问题本身和选“是”“否”各自的判定；
    把回答放进 `assume` 再请求一次即按该回答判定。

    `for_residents` 是给群众看的回答：`summary` 说明找谁办，`contacts` 为办理单位及其在单位名录中的电话、地址、
    办公时间（名录中没有的为空），`hotline` 为兜底的 12345 热线。
    """
    texts = [r.text for r in body.requests] if body.requests is not None else [body.text]
    await run_in_threadpool(charge, request, *texts, batch=len(texts) if body.requests is not None else None)
    town = body.town or lists.default_town()
    resolver = lists.resolver(town)
    directory = work.directory.for_town(town)
    if body.requests is not None:
        # a batch can take a second: resolve it off the event loop so that other requests keep flowing
        answers = await run_in_threadpool(resolver.resolve_many, [(r.id, r.text) for r in body.requests], body.top)
        return {"town": town, "version": _version_json(lists.version(town)),
                "answers": [_answer_json(town, a, directory) for a in answers]}
    answer = resolver.resolve(body.text, body.id, top=body.top, assume=body.assume)
    if answer.error:
        raise ApiError(422, "invalid_input", f"请求体 text：{answer.error}")
    return {"town": town, "version": _version_json(lists.version(town)), **_answer_json(town, answer, directory)}


def _answer_json(town: str, answer, directory) -> dict:
    data = answer.to_dict()
    data["item"] = item_json(town, answer.item) if answer.item else None
    if answer.error:
        return data
    data["for_residents"] = directory.guide(town, answer)
    return data


@router.get("/verdicts", summary="判定类别")
def verdicts() -> dict:
    """resolve 返回的 verdict 取值及其中文含义。"""
    return {"verdicts": VERDICT_WORDS}
