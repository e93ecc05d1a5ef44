"""The directory of bodies (单位名录): per district, each body that handles residents' requests — the district's
departments as the registry names them, each town's government, the enterprises the lists name (珞城实业公司…),
the 12345 hotline — with its public phone, hall address, opening hours, website and note.

The admin keeps it (portal, CLI, API; every change one transaction with its audit entry). Nothing is made up:
the bodies are known from the lists, their contacts are blank until the admin enters them; only the 12345
hotline's number, which is the hotline itself, is known. A resident's answer names who handles the request and
how to reach them, and always the 12345 hotline as the fallback (`Directory.guide`).
"""
from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass

from sqlalchemy import delete, select

from ..errors import Forbidden, InvalidInput, NotFound
from ..formats.directory import FIELDS, RowErrors, directory_sheet, read_directory
from ..formats.sheets import table_bytes
from ..registry import is_body, registered_name, strip_parenthesised
from ..resolve import Answer
from ..store.schema import DirectoryRow
from .accounts import User
from .audit import now, record

HOTLINE = "12345政务服务便民热线"
HOTLINE_PHONE = "12345"
KINDS = {"department": "区级部门", "town": "镇街", "enterprise": "企业、平台", "hotline": "热线", "other": "其他单位"}
KIND_BY_NAME = {**{v: k for k, v in KINDS.items()}, "部门": "department", "镇": "town", "街道": "town",
                "乡镇": "town", "企业": "enterprise", "平台": "enterprise", "国企": "enterprise", "其他": "other"}
LIMITS = {"phone": 64, "address": 255, "hours": 255, "website": 255, "note": 1000}
FIELD_NAMES = {"phone": "电话", "address": "地址", "hours": "办公时间", "website": "网站", "note": "备注"}
_PHONE = re.compile(r"^[0-9０-９\-－—\s()（）+＋、，,；;/转分机]+$")
_WEBSITE = re.compile(r"^https?://[^\s<>\"']+$", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# between bodies in a lead or “通常办理单位” text (not 和: 区规划和自然资源局 is one body)
_SEPARATORS = frozenset("、，,；;/")


def _kind_of(name: str) -> str:
    if name == HOTLINE:
        return "hotline"
    if "公司" in name or "集团" in name:
        return "enterprise"
    return "department"


def names_in(text: str) -> list[str]:
    """The bodies a lead or “通常办理单位” text names: split at 、，；/ outside brackets, so that
    “公安机关（拨打 110 或到派出所报案）、保险公司” is two."""
    parts, depth, current = [], 0, ""
    for ch in text or "":
        if ch in "（(":
            depth += 1
        elif ch in "）)" and depth:
            depth -= 1
        if depth == 0 and ch in _SEPARATORS:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    return [p.strip() for p in parts if p.strip()]


def _bare(name: str) -> str:
    return strip_parenthesised(registered_name(name))


def clean_contact(values: dict[str, str | None], where: str = "") -> dict[str, str]:
    """The contact fields checked: lengths, a phone that is a phone, a website that is an http(s) address."""
    contact: dict[str, str] = {}
    for field in FIELDS:
        value = _CONTROL.sub("", (values.get(field) or "").strip())
        if len(value) > LIMITS[field]:
            raise InvalidInput(f"{where}{FIELD_NAMES[field]}过长（最多 {LIMITS[field]} 字）")
        contact[field] = value
    if contact["phone"] and (not _PHONE.match(contact["phone"]) or not re.search(r"[0-9０-９]", contact["phone"])):
        raise InvalidInput(f"{where}电话“{contact['phone']}”不是电话号码（只能有数字、-、括号、空格，多个号码用、分隔）")
    if contact["website"] and not _WEBSITE.match(contact["website"]):
        raise InvalidInput(f"{where}网站“{contact['website']}”应以 http:// 或 https:// 开头")
    return contact


@dataclass
class Directory:
    """One district's directory as read: the stored entries by name (a snapshot for answering)."""

    district: str
    entries: dict[str, dict]

    def find(self, name: str) -> dict | None:
        """The entry for a body however the lists or the knowledge write it: the name, its registered name, or
        the name without its bracketed part (区市场监管局（区政务服务中心登记窗口） → 区市场监管局)."""
        found = self.entries.get(name) or self.entries.get(registered_name(name))
        if found is None:
            found = next((e for n, e in self.entries.items() if registered_name(n) == registered_name(name)), None)
        if found is None:
            found = next((e for n, e in self.entries.items() if _bare(n) == _bare(name)), None)
        return found

    def hotline(self) -> dict:
        stored = self.entries.get(HOTLINE)
        return _public(stored) if stored else {"name": HOTLINE, "kind": "hotline", "kind_name": KINDS["hotline"],
                                                "phone": HOTLINE_PHONE, "address": "", "hours": "", "website": "",
                                                "note": ""}

    def contact(self, name: str, role: str) -> dict:
        entry = self.find(name)
        public = _public(entry) if entry else {"name": name, "kind": _kind_of(name), "kind_name": KINDS[_kind_of(name)],
                                                **{f: "" for f in FIELDS}}
        return {**public, "name": name, "role": role, "listed": bool(entry and any(entry[f] for f in FIELDS))}

    def guide(self, town: str, answer: Answer) -> dict:
        """What a resident is told: who handles it, how to reach them (where the directory has it), and 12345."""
        hotline = self.hotline()
        fallback = f"不清楚找哪个单位时，可拨打 {hotline['phone']} 政务服务便民热线，由热线转给负责的单位。"
        if answer.error:
            return {"summary": fallback, "contacts": [], "hotline": hotline}
        verdict, lead = answer.verdict, answer.lead
        leads = [n for n in names_in(lead) if is_body(n)]
        if verdict == "basic":
            summary = f"这件事由{town}负责办理，请联系{town}（镇便民服务中心或所在村、社区）。"
            contacts = [self.contact(town, "负责办理")]
        elif verdict == "cooperative":
            summary = f"这件事由{lead}牵头负责，{town}配合；请联系{town}（镇便民服务中心或所在村、社区）或{lead}。"
            contacts = [self.contact(town, "配合办理"), *(self.contact(n, "牵头负责") for n in leads)]
        elif verdict == "reclaimed":
            summary = (f"这件事由{lead}负责办理，镇（街道）不再办理，请联系{lead}。" if leads else
                       "这件事已由区级部门负责，镇（街道）不再办理；具体部门请向 12345 热线询问。")
            contacts = [self.contact(n, "负责办理") for n in leads]
        elif verdict == "abolished":
            summary = "这项工作已按清单取消，不再开展。"
            contacts = []
        elif answer.handled_elsewhere_by:
            summary = f"这件事不在镇（街道）的职责清单内，通常由{answer.handled_elsewhere_by}办理，请直接联系。"
            contacts = [c for c in (self.contact(n, "通常办理") for n in names_in(answer.handled_elsewhere_by)) if c["listed"]]
        else:
            summary = "这件事不在镇（街道）的职责清单内。"
            contacts = []
        return {"summary": summary + fallback, "contacts": contacts, "hotline": hotline}


def _entry(row: DirectoryRow) -> dict:
    return {"name": row.name, "kind": row.kind, "kind_name": KINDS.get(row.kind, row.kind), "phone": row.phone,
            "address": row.address, "hours": row.hours, "website": row.website, "note": row.note,
            "updated_by": row.updated_by, "updated_at": row.updated_at.isoformat(timespec="seconds")}


def _public(entry: dict) -> dict:
    """What the public reads of an entry: the body and its contact, not who entered it."""
    return {k: entry[k] for k in ("name", "kind", "kind_name", *FIELDS)}


class DirectoryDesk:
    """The directory as the faces use it: public reading, admin-only changes, one transaction and audit each."""

    def __init__(self, store, lists):
        self.store = store
        self.lists = lists
        # district → (read at, directory): answers read it at most once per the catalog's refresh window (other
        # workers see a change within that window); a change made through this desk is seen at once
        self._read: dict[str, tuple[float, Directory]] = {}
        self._lock = threading.Lock()

    # -- reading ---------------------------------------------------------------------------------

    def districts(self) -> list[str]:
        return list(dict.fromkeys(t.district for t in self.lists.towns() if t.district))

    def district_of(self, district: str | None, town: str | None = None) -> str:
        """The district meant: the one named (it must have towns), else the town's, else the default town's."""
        known = self.districts()
        if district:
            if district not in known:
                raise NotFound(f"没有区县“{district}”。已有：{'、'.join(known) or '（无）'}")
            return district
        return self.lists.town(town or self.lists.default_town()).district

    def bodies(self, district: str) -> dict[str, str]:
        """name → kind of every body the district's current lists name (and its towns and the hotline)."""
        found: dict[str, str] = {}
        towns = [t.name for t in self.lists.towns() if t.district == district]
        for town in towns:
            found[town] = "town"
        for town in towns:
            for item in self.lists.dataset(town).items:
                for name in item.lead_departments:
                    if is_body(name):
                        name = registered_name(name)
                        found.setdefault(name, _kind_of(name))
        found[HOTLINE] = "hotline"
        return found

    def directory(self, district: str) -> Directory:
        with self.store.transaction() as session:
            rows = session.scalars(select(DirectoryRow).where(DirectoryRow.district == district)).all()
            return Directory(district, {r.name: _entry(r) for r in rows})

    def for_town(self, town: str) -> Directory:
        """The town's district directory for answering (read at most once per refresh window)."""
        district = self.lists.town(town).district
        window = getattr(self.lists, "refresh_seconds", 0)
        with self._lock:
            cached = self._read.get(district)
        if cached is not None and time.monotonic() - cached[0] < window:
            return cached[1]
        found = self.directory(district)
        with self._lock:
            self._read[district] = (time.monotonic(), found)
        return found

    def _changed(self) -> None:
        with self._lock:
            self._read.clear()

    def listing(self, user: User | None, district: str | None = None) -> dict:
        """Every known body of the district with its contact (blank where none was entered); the admin also
        sees who entered each and when."""
        district = self.district_of(district)
        stored = self.directory(district)
        named = self.bodies(district)
        kinds = dict(named)
        for name, entry in stored.entries.items():
            kinds.setdefault(name, entry["kind"])
        order = {"hotline": 0, "town": 1, "department": 2, "enterprise": 3, "other": 4}
        names = sorted(kinds, key=lambda n: (order.get(kinds[n], 9), n))
        admin = user is not None and user.role == "admin"
        entries = []
        for name in names:
            entry = stored.entries.get(name)
            if name == HOTLINE and entry is None:
                shown = {**stored.hotline(), "updated_by": "", "updated_at": ""}
            elif entry is None:
                shown = {"name": name, "kind": kinds[name], "kind_name": KINDS[kinds[name]],
                         **{f: "" for f in FIELDS}, "updated_by": "", "updated_at": ""}
            else:
                shown = entry
            row = _public(shown) if not admin else dict(shown)
            row["listed"] = any(shown[f] for f in FIELDS)
            row["named_in_lists"] = name in named
            entries.append(row)
        return {"district": district, "districts": self.districts(), "entries": entries,
                "listed": sum(1 for e in entries if e["listed"])}

    def entry(self, user: User | None, district: str | None, name: str) -> dict:
        listing = self.listing(user, district)
        name = self._canonical(name)
        found = next((e for e in listing["entries"] if e["name"] == name), None)
        if found is None:
            return {"name": name, "kind": _kind_of(name), "kind_name": KINDS[_kind_of(name)], **{f: "" for f in FIELDS},
                    "listed": False, "named_in_lists": False}
        return found

    def export(self, user: User | None, district: str | None, fmt: str) -> bytes:
        listing = self.listing(user, district)
        return table_bytes(directory_sheet(listing["district"], listing["entries"]), fmt)

    # -- changing --------------------------------------------------------------------------------

    @staticmethod
    def _canonical(name: str) -> str:
        name = _CONTROL.sub("", (name or "").strip())
        if not name:
            raise InvalidInput("请填写单位名称")
        if len(name) > 128:
            raise InvalidInput("单位名称过长（最多 128 字）")
        if name in ("12345", "12345热线", "12345政务服务热线", "12345便民热线"):
            return HOTLINE
        return registered_name(name)

    @staticmethod
    def _kind(kind: str | None, name: str, known: dict[str, str], current: dict | None) -> str:
        """The kind written, else the one entered before, else the one the lists tell."""
        if not kind:
            return (current or {}).get("kind") or known.get(name) or _kind_of(name)
        value = KIND_BY_NAME.get(kind.strip(), kind.strip())
        if value not in KINDS:
            raise InvalidInput(f"类别“{kind}”不对，可选：{'、'.join(KINDS.values())}")
        return value

    def _put(self, session, user: User, district: str, name: str, kind: str, contact: dict[str, str]) -> dict:
        row = session.scalar(select(DirectoryRow).where(DirectoryRow.district == district, DirectoryRow.name == name))
        before = {"kind": row.kind, **{f: getattr(row, f) for f in FIELDS}} if row else None
        after = {"kind": kind, **contact}
        if before == after:
            return {"name": name, "changed": False}
        if not any(contact.values()):
            if row is not None:
                session.delete(row)
                record(session, user.actor, "directory.clear", "directory", f"{district}/{name}", before,
                       {"district": district, "name": name})
            return {"name": name, "changed": row is not None}
        if row is None:
            row = DirectoryRow(district=district, name=name)
            session.add(row)
        row.kind = kind
        for field, value in contact.items():
            setattr(row, field, value)
        row.updated_by, row.updated_at = user.actor.name, now()
        record(session, user.actor, "directory.set", "directory", f"{district}/{name}", before,
               {"district": district, "name": name, **after})
        return {"name": name, "changed": True}

    def set(self, user: User, district: str | None, name: str, contact: dict[str, str | None],
            kind: str | None = None) -> dict:
        """Enters (or changes) one body's contact; all fields blank removes it. Admin only."""
        _require_admin(user)
        district = self.district_of(district)
        name = self._canonical(name)
        if not is_body(name):
            raise InvalidInput(f"“{name}”不是一个具体单位（清单中的“区级相关部门”“××等”泛指多个单位），不能登记联系方式")
        values = clean_contact(contact)
        kind_value = self._kind(kind, name, self.bodies(district), self.directory(district).entries.get(name))
        self.store.run(lambda s: self._put(s, user, district, name, kind_value, values))
        self._changed()
        return self.entry(user, district, name)

    def clear(self, user: User, district: str | None, name: str) -> dict:
        return self.set(user, district, name, {})

    def import_file(self, user: User, district: str | None, data: bytes, source: str) -> dict:
        """A filled-in directory sheet (xlsx or csv): every row checked first; any bad row and nothing is written.
        A row's blank column leaves that field as it was only if the column is missing; a blank cell clears it."""
        _require_admin(user)
        district = self.district_of(district)
        lines, errors = read_directory(data, source)
        known = self.bodies(district)
        current = self.directory(district)
        seen: dict[str, tuple[int, dict]] = {}
        checked = []
        for line in lines:
            where = f"第 {line.row} 行："
            try:
                if line.district and line.district != district:
                    raise InvalidInput(f"{where}区县“{line.district}”与导入的区县“{district}”不符")
                name = self._canonical(line.name)
                if not is_body(name):
                    raise InvalidInput(f"{where}“{line.name}”不是一个具体单位，不能登记联系方式")
                old = current.entries.get(name) or {}
                contact = clean_contact({**{f: old.get(f, "") for f in FIELDS}, **line.contact}, where)
                kind = self._kind(line.kind, name, known, old)
            except InvalidInput as exc:
                errors.append(str(exc) if str(exc).startswith(where) else where + str(exc))
                continue
            if name in seen:
                first, earlier = seen[name]
                if earlier != {"kind": kind, **contact}:
                    errors.append(f"{where}“{name}”与第 {first} 行重复且内容不同")
                continue
            seen[name] = (line.row, {"kind": kind, **contact})
            checked.append((name, kind, contact))
        if errors:
            raise RowErrors(source, sorted(errors, key=_row_number))

        def work(session):
            changed = [done["name"] for name, kind, contact in checked
                       if (done := self._put(session, user, district, name, kind, contact))["changed"]]
            record(session, user.actor, "directory.import", "directory", district,
                   after={"district": district, "source": source, "rows": len(checked), "changed": changed})
            return {"district": district, "rows": len(checked), "changed": changed,
                    "unchanged": len(checked) - len(changed)}

        try:
            return self.store.run(work)
        finally:
            self._changed()


def _row_number(message: str) -> int:
    found = re.match(r"第 (\d+) 行", message)
    return int(found.group(1)) if found else 0


def _require_admin(user: User) -> None:
    if user is None or user.role != "admin":
        who = user.role_name if user is not None else "未登录的用户"
        raise Forbidden(f"{who}无权修改单位名录（由管理员维护）")
