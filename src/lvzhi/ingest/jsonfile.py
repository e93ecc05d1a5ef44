"""Reads lvzhi's own JSON export back into a Dataset, checking every field's type."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..model import LIST_KINDS, LIST_PREFIX, Dataset, DutyGroup, Handler, Item, Town
from .errors import IngestError

_TYPE_NAMES = {str: "字符串", int: "整数", bool: "布尔值", list: "数组", dict: "对象"}


class _Reader:
    def __init__(self, source: str):
        self.source = source

    def fail(self, where: str, problem: str) -> IngestError:
        return IngestError(self.source, problem, where)

    def get(self, obj: dict, key: str, kind: type, where: str, optional: bool = False) -> Any:
        if key not in obj or obj[key] is None:
            if optional:
                return None
            raise self.fail(where, f"缺少字段“{key}”")
        value = obj[key]
        if kind is int and isinstance(value, bool) or not isinstance(value, kind):
            raise self.fail(f"{where}.{key}", f"类型错误：应为{_TYPE_NAMES[kind]}，实际是 {json.dumps(value, ensure_ascii=False)[:40]}")
        if kind is str and not optional and not value.strip():
            raise self.fail(f"{where}.{key}", "不能为空")
        return value

    def strings(self, obj: dict, key: str, where: str) -> list[str]:
        values = self.get(obj, key, list, where)
        for index, value in enumerate(values):
            if not isinstance(value, str) or not value.strip():
                raise self.fail(f"{where}.{key}[{index}]", "应为非空字符串")
        return values

    def item(self, obj: Any, where: str) -> Item:
        if not isinstance(obj, dict):
            raise self.fail(where, "类型错误：事项应为对象")
        kind = self.get(obj, "list", str, where)
        if kind not in LIST_KINDS:
            raise self.fail(f"{where}.list", f"未知的清单类型“{kind}”，应为 basic、cooperative 或 reclaimed")
        number = self.get(obj, "number", int, where)
        code = self.get(obj, "code", str, where)
        if code != f"{LIST_PREFIX[kind]}{number}":
            raise self.fail(f"{where}.code", f"编码“{code}”与清单类型和序号不符（应为 {LIST_PREFIX[kind]}{number}）")
        item = Item(code=code, list=kind, number=number, category=self.get(obj, "category", str, where),
                    title=self.get(obj, "title", str, where))
        if kind == "cooperative":
            item.departments = self.strings(obj, "departments", where)
            for index, group in enumerate(self.get(obj, "department_duties", list, where)):
                at = f"{where}.department_duties[{index}]"
                if not isinstance(group, dict):
                    raise self.fail(at, "类型错误：应为对象")
                item.department_duties.append(DutyGroup(self.strings(group, "departments", at), self.strings(group, "duties", at)))
            item.town_duties = self.strings(obj, "town_duties", where)
            if not item.department_duties or not item.town_duties:
                raise self.fail(where, "配合履职事项须有上级部门职责和镇配合职责")
        elif kind == "reclaimed":
            item.abolished = bool(self.get(obj, "abolished", bool, where, optional=True))
            item.note = self.get(obj, "note", str, where, optional=True)
            for index, handler in enumerate(self.get(obj, "handlers", list, where)):
                at = f"{where}.handlers[{index}]"
                if not isinstance(handler, dict):
                    raise self.fail(at, "类型错误：应为对象")
                item.handlers.append(Handler(self.strings(handler, "departments", at), self.strings(handler, "methods", at)))
            if not item.handlers and not (item.abolished and item.note):
                raise self.fail(where, "收回事项须有承接部门和工作方式，或标明不再开展并附说明")
        return item


def dataset_from_json(data: Any, source: str, town: Town | None = None) -> Dataset:
    reader = _Reader(source)
    if not isinstance(data, dict):
        raise reader.fail("顶层", "类型错误：应为对象 {\"town\", \"items\", …}")
    items_raw = reader.get(data, "items", list, "顶层")
    if not items_raw:
        raise reader.fail("items", "没有任何事项")
    items = [reader.item(obj, f"items[{index}]") for index, obj in enumerate(items_raw)]
    seen: set[str] = set()
    for index, item in enumerate(items):
        if item.code in seen:
            raise reader.fail(f"items[{index}].code", f"编码“{item.code}”重复")
        seen.add(item.code)
    if town is None:
        town = Town(reader.get(data, "town", str, "顶层"),
                    reader.get(data, "district", str, "顶层", optional=True) or "",
                    reader.get(data, "city", str, "顶层", optional=True) or "")
    version = reader.get(data, "version", str, "顶层", optional=True) or ""
    return Dataset(town=town, version=version, items=items)


def read_json_file(path: Path, town: Town | None = None) -> Dataset:
    try:
        data = json.loads(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise IngestError(path.name, "文件不是 UTF-8 编码") from exc
    except json.JSONDecodeError as exc:
        raise IngestError(path.name, f"JSON 格式错误：{exc.msg}", f"第 {exc.lineno} 行第 {exc.colno} 列") from exc
    return dataset_from_json(data, path.name, town)
