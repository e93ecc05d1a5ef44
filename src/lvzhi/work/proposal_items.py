"""The item a 调整申请 is about: its fields as the lists print them (checked), where it sits in a town's lists
(by its code in the proposer's town; in the other towns of a district by its content or title, since codes may
differ), and a town's lists with a set of changes applied."""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.orm import Session

from ..errors import InvalidInput
from ..lists.diff import comparable
from ..model import LIST_KINDS, LIST_PREFIX, LIST_SHORT_NAMES, Dataset, Item
from ..search.normalize import normalize
from ..store.reading import item_from_values
from .accounts import canonical_department

FIELDS = ("list", "category", "title", "departments", "department_duties", "town_duties", "handlers", "abolished",
          "note")
MAX_TEXT = 2_000
MAX_TITLE = 200


def text_field(value, what: str, limit: int = MAX_TEXT, required: bool = True) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidInput(f"{what}应为文字")
    value = value.strip()
    if required and not value:
        raise InvalidInput(f"请填写{what}")
    if len(value) > limit:
        raise InvalidInput(f"{what}过长（{len(value)} 字），最多 {limit} 字")
    return value


def _texts(value, what: str, required: bool) -> list[str]:
    if isinstance(value, str):
        value = [line for line in value.splitlines()]
    if not isinstance(value, list):
        raise InvalidInput(f"{what}应为文字列表")
    texts = [text_field(v, what) for v in value if not (isinstance(v, str) and not v.strip())]
    if required and not texts:
        raise InvalidInput(f"请填写{what}")
    return texts


def _groups(session: Session, value, names_key: str, texts_key: str, what: str, texts_what: str) -> list[dict]:
    if not isinstance(value, list):
        raise InvalidInput(f"{what}应为列表")
    groups = []
    for n, group in enumerate(value, 1):
        if not isinstance(group, dict):
            raise InvalidInput(f"{what}第 {n} 组应为对象（{names_key}、{texts_key}）")
        names = [canonical_department(session, d) for d in _texts(group.get(names_key, []), f"{what}第 {n} 组的部门", True)]
        groups.append({names_key: names, texts_key: _texts(group.get(texts_key, []), f"{what}第 {n} 组的{texts_what}", True)})
    return groups


def clean_item(session: Session, data: dict, complete: bool = True) -> dict:
    """The item's fields as the lists print them (no code or number), checked; department names canonical.
    `complete=False` lets a draft leave required parts empty (a draft made from a review, to be filled in)."""
    if not isinstance(data, dict):
        raise InvalidInput("事项内容应为对象")
    strangers = [key for key in data if key not in FIELDS and key not in ("code", "number")]
    if strangers:
        raise InvalidInput(f"事项内容中不认识的字段：{'、'.join(strangers)}；可用：{'、'.join(FIELDS)}")
    kind = data.get("list")
    if kind not in LIST_KINDS:
        raise InvalidInput("所属清单应为 basic（基本履职）、cooperative（配合履职）或 reclaimed（上级部门收回）")
    item = {"list": kind, "category": text_field(data.get("category"), "类别", 64, complete),
            "title": text_field(data.get("title"), "事项名称", MAX_TITLE, complete)}
    if kind == "cooperative":
        item["departments"] = [canonical_department(session, d)
                               for d in _texts(data.get("departments", []), "对应上级部门", complete)]
        item["department_duties"] = _groups(session, data.get("department_duties", []), "departments", "duties",
                                            "上级部门职责", "职责")
        item["town_duties"] = _texts(data.get("town_duties", []), "镇配合职责", complete)
        if complete and not item["department_duties"]:
            raise InvalidInput("配合履职事项须写明上级部门职责")
    elif kind == "reclaimed":
        item["handlers"] = _groups(session, data.get("handlers", []), "departments", "methods", "承接部门", "工作方式")
        item["abolished"] = bool(data.get("abolished", False))
        item["note"] = text_field(data.get("note"), "备注", MAX_TEXT, required=False) or None
        if complete and not item["handlers"] and not (item["abolished"] and item["note"]):
            raise InvalidInput("收回事项须写明承接部门及其工作方式，或标明不再开展并附说明")
    return item


def _groups_of(lines: list[str], what: str) -> list[tuple[str, list[str]]]:
    """Lines "区卫生健康委：负责……" as (department, its lines), in order of first appearance."""
    groups: dict[str, list[str]] = {}
    for line in lines:
        name, sep, text = line.replace(":", "：", 1).partition("：")
        if not sep or not name.strip() or not text.strip():
            raise InvalidInput(f"{what}“{line}”应写成“部门：内容”")
        groups.setdefault(name.strip(), []).append(text.strip())
    return list(groups.items())


def item_from_fields(kind_list: str | None, category: str | None, title: str | None, departments: list[str],
                     department_duties: list[str], town_duties: list[str], handlers: list[str]) -> dict:
    """An item (or the fields of one that change) from a form's or command's fields; only those given."""
    item: dict = {}
    for key, value in (("list", kind_list), ("category", category), ("title", title)):
        if value:
            item[key] = value
    if departments:
        item["departments"] = departments
    if department_duties:
        item["department_duties"] = [{"departments": [d], "duties": lines}
                                     for d, lines in _groups_of(department_duties, "上级部门职责")]
    if town_duties:
        item["town_duties"] = town_duties
    if handlers:
        item["handlers"] = [{"departments": [d], "methods": lines} for d, lines in _groups_of(handlers, "承接部门")]
    return item


def as_item(data: dict, code: str = "", number: int = 0) -> Item:
    detail = {k: data[k] for k in ("departments", "department_duties", "town_duties", "handlers") if k in data}
    return item_from_values(code, data["list"], number, data.get("category", ""), data.get("title", ""),
                            bool(data.get("abolished")), data.get("note"), detail)


# -- where the item sits in a town's lists -------------------------------------------------------------

def _plain(title: str) -> str:
    """A title as compared across towns: the same words whatever the spacing, width or final stop."""
    return re.sub(r"[\s。；;，,]", "", normalize(title, simplified=True))


def same_titled(dataset: Dataset, kind: str, title: str) -> list[Item]:
    wanted = _plain(title)
    return [i for i in dataset.items if i.list == kind and _plain(i.title) == wanted]


def find_item(dataset: Dataset, before: dict) -> tuple[Item | None, str | None]:
    """The town's own copy of an item another town's lists print as `before`: the one with exactly that content,
    else the one of that list with that title; or why there is none to take."""
    town = dataset.town.name
    exact = [i for i in dataset.items if comparable(i) == before]
    if len(exact) == 1:
        return exact[0], None
    named = same_titled(dataset, before["list"], before["title"])
    if len(named) == 1:
        return named[0], None
    where = f"{LIST_SHORT_NAMES[before['list']]}清单"
    if named:
        return None, (f"{town}的{where}中有 {len(named)} 个名为“{before['title']}”的事项"
                      f"（{'、'.join(i.code for i in named)}），无法确定是哪一个")
    return None, f"{town}的{where}中没有“{before['title']}”这一事项"


def change_of(before: dict, after: dict) -> dict:
    """The fields a change (or a move) sets: what differs between the item before and after."""
    return {key: value for key, value in after.items() if before.get(key) != value}


@dataclass
class Placement:
    """What one proposal does to one town's lists: the item it touches there (its code before, the item before
    and after), or, with `problem`, why it cannot be applied to that town."""

    proposal_id: int
    kind: str
    town: str
    target_code: str | None = None
    before: dict | None = None
    after: dict | None = None
    problem: str | None = None

    def keys(self) -> list[tuple]:
        """What two proposals must not both touch in one town: an item's code; a title in a list."""
        keys: list[tuple] = [("code", self.target_code)] if self.target_code else []
        if self.after is not None:
            keys.append(("title", self.after["list"], _plain(self.after["title"])))
        return keys


def applied(base: Dataset, spots: list[Placement], label: str) -> tuple[Dataset, dict[int, str]]:
    """The base version plus exactly these changes; codes stay, an added or moved item takes the next number
    of its list. Returns the new lists and the code each proposal's item has in them."""
    replaced = {s.target_code: s for s in spots if s.kind == "change"}
    dropped = {s.target_code for s in spots if s.kind in ("remove", "move")}
    lists: dict[str, list[Item]] = {kind: [] for kind in LIST_KINDS}
    for item in base.items:
        if item.code in dropped:
            continue
        if item.code in replaced:
            item = as_item(replaced[item.code].after, item.code, item.number)
        lists[item.list].append(item)
    numbers = {kind: max([i.number for i in base.items_of(kind)], default=0) for kind in LIST_KINDS}
    codes: dict[int, str] = {}
    for spot in spots:
        if spot.kind in ("add", "move"):
            kind = spot.after["list"]
            numbers[kind] += 1
            code = f"{LIST_PREFIX[kind]}{numbers[kind]}"
            lists[kind].append(as_item(spot.after, code, numbers[kind]))
            codes[spot.proposal_id] = code
        else:
            codes[spot.proposal_id] = spot.target_code
    items = [item for kind in LIST_KINDS for item in lists[kind]]
    return Dataset(base.town, label, items), codes
