"""The portal's pages, rendered on the server in Chinese: ask, lists, items, search, departments, versions."""
from __future__ import annotations

from datetime import date
from typing import Annotated, Literal, Optional

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from ..errors import NotFound
from ..lists.catalog import Catalog
from ..lists.diff import FIELD_NAMES
from ..model import LIST_KINDS, LIST_SHORT_NAMES, LIST_TITLES
from ..resolve import VERDICT_WORDS
from ..resolve.resolver import MAX_TEXT_CHARS
from ..resolve.unlisted import in_words
from ..work.organisation import may_keep
from .auth import page_viewer, viewer
from .limits import charge
from .render import render

router = APIRouter(include_in_schema=False)

PER_PAGE = 20
TownName = Annotated[str, Path(max_length=64)]


def _catalog(request: Request) -> Catalog:
    return request.app.state.catalog


# -- 这件事归谁管？ ------------------------------------------------------------------------------

@router.get("/", response_class=HTMLResponse)
def home(request: Request, q: Annotated[str, Query(max_length=MAX_TEXT_CHARS)] = "",
         town: Annotated[Optional[str], Query(max_length=64)] = None,
         choice: Annotated[Optional[Literal["yes", "no"]], Query(description="对追问的回答")] = None,
         view: Annotated[Optional[Literal["official", "resident"]], Query()] = None):
    return _ask(request, q, town, choice, view)


@router.post("/", response_class=HTMLResponse)
def ask(request: Request, q: Annotated[str, Form(max_length=MAX_TEXT_CHARS)] = "",
        town: Annotated[Optional[str], Form(max_length=64)] = None):
    return _ask(request, q, town)


def _ask(request: Request, q: str, town: str | None, choice: str | None = None, view: str | None = None):
    """Residents see who handles it and how to reach them; a signed-in official (or ?view=official) sees
    the items, the town's part, the scores and the procedure."""
    lists = _catalog(request)
    town = town or lists.default_town()
    resolver = lists.resolver(town)
    if q.strip():
        charge(request, q)
    answer = resolver.resolve(q) if q.strip() else None
    asked = answer.question if answer is not None else None
    if asked is not None and choice is not None:  # the user answered the question: re-run with that choice
        answer = resolver.resolve(q, assume={asked.text: choice == "yes"})
    official = view == "official" or (view is None and viewer(request) is not None)
    guide = request.app.state.services.directory.for_town(town).guide(town, answer) if answer else None
    return render(request, "home.html", title="这件事归谁管？", q=q, town=town, towns=lists.towns(), asked=asked,
                  choice=choice, official=official, guide=guide,
                  unlisted_note=in_words(answer.unlisted_probability) if answer and answer.unlisted else "",
                  answer=answer, verdict_words=VERDICT_WORDS, max_chars=MAX_TEXT_CHARS,
                  unsure=lists.version(town).unsure if answer else (),
                  alternatives=[c for c in answer.candidates if not answer.item or c.item.code != answer.item.code]
                  if answer else [])


# -- towns, lists and items ------------------------------------------------------------------------

@router.get("/towns", response_class=HTMLResponse)
def towns(request: Request):
    lists = _catalog(request)
    rows = [(t, lists.counts(t.name)) for t in lists.towns()]
    return render(request, "towns.html", title="镇街", rows=rows)


@router.get("/t/{town}", response_class=HTMLResponse)
def town_page(request: Request, town: TownName):
    lists = _catalog(request)
    info = lists.town(town)
    dataset = lists.dataset(town)
    sections = [(kind, LIST_TITLES[kind], len(dataset.items_of(kind)), dataset.categories(kind)) for kind in LIST_KINDS]
    return render(request, "town.html", title=info.name, town=info, dataset=dataset, sections=sections)


@router.get("/t/{town}/lists/{kind}", response_class=HTMLResponse)
def list_page(request: Request, town: TownName, kind: str,
              category: Annotated[Optional[str], Query(max_length=64)] = None):
    lists = _catalog(request)
    if kind not in LIST_KINDS:
        return RedirectResponse(f"/t/{town}", status_code=303)
    dataset = lists.dataset(town)
    categories = dataset.categories(kind)
    groups = [(name, [i for i in dataset.items_of(kind) if i.category == name]) for name, _ in categories
              if not category or name == category]
    return render(request, "list.html", title=f"{LIST_TITLES[kind]} · {town}", town=town, kind=kind,
                  list_title=LIST_TITLES[kind], categories=categories, groups=groups, category=category,
                  version=lists.version(town))


@router.get("/t/{town}/versions", response_class=HTMLResponse)
def versions_page(request: Request, town: TownName):
    lists = _catalog(request)
    info = lists.town(town)
    rows = [(v, v.items, info.state(v)) for v in reversed(info.versions)]
    return render(request, "versions.html", title=f"版本 · {town}", town=info, rows=rows)


@router.get("/t/{town}/diff", response_class=HTMLResponse)
def diff_page(request: Request, town: TownName,
              old: Annotated[Optional[str], Query(alias="from", max_length=128)] = None,
              new: Annotated[Optional[str], Query(alias="to", max_length=128)] = None):
    lists = _catalog(request)
    info = lists.town(town)
    first, last = info.versions[0], info.versions[-1]
    old_version, new_version = lists.version(town, old or (info.versions[-2].id if len(info.versions) > 1 else first.id)), \
        lists.version(town, new or last.id)
    result = lists.diff(town, old_version.id, new_version.id)
    return render(request, "diff.html", title=f"版本比较 · {town}", town=info, diff=result,
                  old=old_version, new=new_version, field_names=FIELD_NAMES,
                  why=request.app.state.services.proposals.between(info, old_version.id, new_version.id))


@router.get("/t/{town}/{code}", response_class=HTMLResponse)
def item_page(request: Request, town: TownName, code: Annotated[str, Path(max_length=16)],
              version: Annotated[Optional[str], Query(max_length=128)] = None):
    lists = _catalog(request)
    shown = lists.version(town, version)
    try:
        item = lists.item(town, code, shown.id)
    except NotFound:
        if version:
            raise
        return _removed_item(request, lists, town, code)
    if code != item.code:
        return RedirectResponse(f"/t/{town}/{item.code}" + (f"?version={version}" if version else ""), status_code=301)
    services, name, current = request.app.state.services, lists.town(town).name, lists.version(town)
    user = page_viewer(request)
    keeper = user is not None and may_keep(user, name)
    return render(request, "item.html", title=f"{item.code} {item.title}", town=lists.town(town), item=item,
                  shown=shown, current=current, history=lists.history_states(town, item.code),
                  list_title=LIST_TITLES[item.list], today=date.today(),
                  adjustments=services.proposals.published_for_item(name, item.code),
                  assignment=services.organisation.of_item(user, name, item.code, shown.id), keeper=keeper,
                  ledger=services.ledger.of_item(user, name, item.code) if keeper else None)


def _removed_item(request: Request, lists: Catalog, town: str, code: str):
    """A fixed URL of an item the current version no longer has: say since when, and link its last version."""
    history = lists.history(town, code)  # NotFound when no version ever had it
    last = max((v for v, item in history if item is not None), key=lambda v: v.id)
    removed_in = min((v for v, item in history if item is None and v.id > last.id), key=lambda v: v.id, default=None)
    message = (f"{lists.town(town).name}的现行清单中已没有事项 {code.upper()}"
               + (f"：自版本“{removed_in.label}”（{removed_in.since_text}）起删除。" if removed_in else "。"))
    return render(request, "removed.html", status_code=404, title=f"{code.upper()} 已删除", heading="事项已删除",
                  message=message, town=town, last=last, code=code.upper())


# -- search and departments ------------------------------------------------------------------------

@router.get("/search", response_class=HTMLResponse)
def search_page(request: Request, q: Annotated[str, Query(max_length=200)] = "",
                kind: Annotated[Optional[str], Query(alias="list", max_length=16)] = None,
                category: Annotated[Optional[str], Query(max_length=64)] = None,
                department: Annotated[Optional[str], Query(max_length=128)] = None,
                town: Annotated[Optional[str], Query(max_length=64)] = None,
                page: Annotated[int, Query(ge=1, le=10_000)] = 1):
    lists = _catalog(request)
    if q.strip():
        charge(request, q)
    kind = kind if kind in LIST_KINDS else None
    name = lists.department_name(department) if department else None
    result = lists.search_engine().search(q, kind, category, name, town or None, PER_PAGE, (page - 1) * PER_PAGE) \
        if q.strip() else None
    filters = {"q": q, "list": kind, "category": category, "department": name, "town": town}
    return render(request, "search.html", title=f"检索：{q}" if q else "检索", q=q, result=result, filters=filters,
                  page=page, per_page=PER_PAGE, list_names=LIST_SHORT_NAMES, towns=lists.towns())


@router.get("/departments", response_class=HTMLResponse)
def departments_page(request: Request):
    rows = sorted(_catalog(request).departments(), key=lambda d: (-(d.cooperative + d.reclaimed), d.name))
    return render(request, "departments.html", title="部门", rows=rows)


@router.get("/departments/{name}", response_class=HTMLResponse)
def department_page(request: Request, name: Annotated[str, Path(max_length=128)]):
    view = _catalog(request).department(name)
    if view.name != name:
        return RedirectResponse(f"/departments/{view.name}", status_code=301)
    return render(request, "department.html", title=view.name, view=view)
