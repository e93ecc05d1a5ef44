"""以单明责: the town's own offices and staff, and which office (and person) carries each item of its lists.

The town keeps its organisation (a town user of that town, or the admin); every change is one transaction with
its audit entry. Assignments belong to a list version; a new version takes over each assignment whose item is
unchanged (same content, even under a new number), and lists the items that need a person's look.
"""
from __future__ import annotations

import hashlib
import json

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ..errors import Forbidden, InvalidInput, NotFound
from ..formats.organisation import RowErrors, assignment_template, read_assignments
from ..formats.sheets import table_bytes
from ..lists.diff import comparable
from ..model import LIST_KINDS, LIST_SHORT_NAMES, Item
from ..store.schema import AssignmentRow, OfficeRow, StaffRow
from .accounts import User
from .audit import now, record

NAME_CHARS = 64
DEFAULT_OFFICES = ("党政办公室", "经济发展办公室", "社会事务办公室", "综合行政执法大队", "平安法治办公室",
                   "规划建设管理环保办公室", "农业服务中心", "便民服务中心")


def fingerprint(item: Item) -> str:
    """The item's content apart from its code and number: equal fingerprints mean the item is unchanged."""
    return hashlib.sha256(json.dumps(comparable(item), ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def may_keep(user: User, town: str) -> bool:
    return user.role == "admin" or (user.role == "town" and user.town == town)


def require_keeper(user: User, town: str, doing: str) -> None:
    if not may_keep(user, town):
        where = f"（您属于{user.town}）" if user.role == "town" else ""
        raise Forbidden(f"{user.role_name}无权{doing}{town}的机构分工和台账{where}")


def _name(value: str, what: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(f"请填写{what}")
    if len(value) > NAME_CHARS:
        raise InvalidInput(f"{what}过长，最多 {NAME_CHARS} 字")
    return value


def office_map(session: Session, town: str) -> dict[str, OfficeRow]:
    rows = session.scalars(select(OfficeRow).where(OfficeRow.town == town).order_by(OfficeRow.position,
                                                                                       OfficeRow.id)).all()
    return {r.name: r for r in rows}


def office_names(session: Session, town: str) -> dict[int, str]:
    return {r.id: r.name for r in office_map(session, town).values()}


def _office(session: Session, town: str, name: str) -> OfficeRow:
    offices = office_map(session, town)
    found = offices.get((name or "").strip())
    if found is None:
        known = "、".join(offices) or "（尚无科室，请先添加）"
        raise InvalidInput(f"{town}没有名为“{name}”的科室。已有：{known}")
    return found


def add_office(session: Session, user: User, town: str, name: str) -> OfficeRow:
    require_keeper(user, town, "维护")
    name = _name(name, "科室名称")
    if name in office_map(session, town):
        raise InvalidInput(f"{town}已有科室“{name}”")
    position = (session.scalar(select(func.max(OfficeRow.position)).where(OfficeRow.town == town)) or 0) + 1
    row = OfficeRow(town=town, name=name, position=position)
    session.add(row)
    session.flush()
    record(session, user.actor, "org.office", "office", row.id, after={"town": town, "name": name})
    return row


def add_staff(session: Session, user: User, town: str, office: str, name: str, post: str = "") -> StaffRow:
    require_keeper(user, town, "维护")
    name = _name(name, "人员姓名")
    home = _office(session, town, office)
    if session.scalar(select(StaffRow.id).where(StaffRow.town == town, StaffRow.name == name)) is not None:
        raise InvalidInput(f"{town}已有人员“{name}”")
    row = StaffRow(town=town, office_id=home.id, name=name, post=(post or "").strip()[:NAME_CHARS])
    session.add(row)
    session.flush()
    record(session, user.actor, "org.staff", "staff", row.id, after={"town": town, "office": home.name, "name": name,
                                                                      "post": row.post})
    return row


class OrganisationDesk:
    """Offices, staff and item assignments as the faces use them: rights, one transaction, audit, plain data."""

    def __init__(self, store, lists):
        self.store = store
        self.lists = lists

    # -- reading ---------------------------------------------------------------------------------

    def _version(self, town: str):
        return self.lists.version(town), self.lists.dataset(town)

    def offices(self, user: User, town: str) -> list[dict]:
        require_keeper(user, town, "查看")
        version, _ = self._version(town)
        with self.store.transaction() as session:
            offices = office_map(session, town)
            staff = session.scalars(select(StaffRow).where(StaffRow.town == town).order_by(StaffRow.id)).all()
            counts = dict(session.execute(select(AssignmentRow.lead_office_id, func.count()).where(
                AssignmentRow.version_id == version.id).group_by(AssignmentRow.lead_office_id)).all())
            return [{"id": o.id, "name": o.name, "items": counts.get(o.id, 0),
                     "staff": [{"id": s.id, "name": s.name, "post": s.post} for s in staff if s.office_id == o.id]}
                    for o in offices.values()]

    def board(self, user: User, town: str) -> dict:
        """Every item of the current lists with its lead office, co-offices and person (or none yet)."""
        require_keeper(user, town, "查看")
        version, dataset = self._version(town)
        with self.store.transaction() as session:
            names = office_names(session, town)
            people = dict(session.execute(select(StaffRow.id, StaffRow.name).where(StaffRow.town == town)).all())
            rows = {r.code: r for r in session.scalars(select(AssignmentRow).where(
                AssignmentRow.version_id == version.id))}
            earlier = session.scalar(select(func.count()).select_from(AssignmentRow).where(
                AssignmentRow.town == town, AssignmentRow.version_id != version.id))
        items = []
        for item in dataset.items:
            row = rows.get(item.code)
            items.append({"code": item.code, "list": item.list, "list_name": LIST_SHORT_NAMES[item.list],
                          "category": item.category, "title": item.title,
                          "lead": names.get(row.lead_office_id) if row else None,
                          "co": [names[i] for i in row.co_office_ids if i in names] if row else [],
                          "person": people.get(row.staff_id) if row and row.staff_id else None,
                          "carried": bool(row and row.carried_from)})
        assigned = sum(1 for i in items if i["lead"])
        return {"town": town, "version": version.label, "version_id": version.id, "items": items,
                "assigned": assigned, "unassigned": len(items) - assigned,
                "carry_possible": not rows and bool(earlier)}

    def unassigned(self, user: User, town: str) -> list[dict]:
        return [i for i in self.board(user, town)["items"] if not i["lead"]]

    def lead_offices(self, town: str) -> dict[str, str]:
        """code → lead office name, for the ledger and statistics (no rights: callers checked them)."""
        version = self.lists.version(town)
        with self.store.transaction() as session:
            names = office_names(session, town)
            return {code: names.get(office, "") for code, office in session.execute(
                select(AssignmentRow.code, AssignmentRow.lead_office_id).where(AssignmentRow.version_id == version.id))}

    # -- changing --------------------------------------------------------------------------------

    def add_office(self, user: User, town: str, name: str) -> dict:
        self.lists.town(town)
        return self.store.run(lambda s: {"id": (row := add_office(s, user, town, name)).id, "name": row.name})

    def add_staff(self, user: User, town: str, office: str, name: str, post: str = "") -> dict:
        self.lists.town(town)
        return self.store.run(lambda s: {"id": (row := add_staff(s, user, town, office, name, post)).id,
                                         "name": row.name})

    def _put(self, session: Session, user: User, town: str, version_id: int, item: Item, lead: str,
             co: list[str], person: str | None) -> dict:
        office = _office(session, town, lead)
        co_rows = [_office(session, town, name) for name in co if name and name != office.name]
        staff_id = None
        if person:
            staff_id = session.scalar(select(StaffRow.id).where(StaffRow.town == town, StaffRow.name == person))
            if staff_id is None:
                raise InvalidInput(f"{town}没有人员“{person}”，请先在机构中添加")
        row = session.scalar(select(AssignmentRow).where(AssignmentRow.version_id == version_id,
                                                         AssignmentRow.code == item.code))
        before = None
        if row is None:
            row = AssignmentRow(town=town, version_id=version_id, code=item.code)
            session.add(row)
        else:
            before = {"lead_office_id": row.lead_office_id, "co_office_ids": row.co_office_ids,
                      "staff_id": row.staff_id}
        row.content, row.lead_office_id = fingerprint(item), office.id
        row.co_office_ids, row.staff_id = [o.id for o in co_rows], staff_id
        row.assigned_by, row.assigned_at, row.carried_from = user.actor.name, now(), None
        return {"code": item.code, "lead": office.name, "co": [o.name for o in co_rows], "person": person or None,
                "before": before}

    def assign(self, user: User, town: str, code: str, lead: str, co: list[str] | None = None,
               person: str | None = None) -> dict:
        require_keeper(user, town, "维护")
        version = self.lists.version(town)
        item = self.lists.item(town, code, version.id)

        def work(session):
            done = self._put(session, user, town, version.id, item, lead, co or [], person)
            record(session, user.actor, "org.assign", "assignment", f"{town}/{item.code}", done.pop("before"), done,
                   list_version=version.label)
            return done

        return self.store.run(work)

    def assign_category(self, user: User, town: str, kind: str, category: str, lead: str,
                        co: list[str] | None = None, only_unassigned: bool = True) -> dict:
        """Bulk: every item of one category of one list gets the lead office (by default only those without)."""
        require_keeper(user, town, "维护")
        if kind not in LIST_KINDS:
            raise InvalidInput(f"不认识的清单“{kind}”，可选：{'、'.join(LIST_KINDS)}")
        version, dataset = self._version(town)
        items = [i for i in dataset.items_of(kind) if i.category == category]
        if not items:
            known = "、".join(c for c, _ in dataset.categories(kind))
            raise InvalidInput(f"{LIST_SHORT_NAMES[kind]}清单没有类别“{category}”。已有：{known}")

        def work(session):
            taken = set(session.scalars(select(AssignmentRow.code).where(AssignmentRow.version_id == version.id)))
            codes = []
            for item in items:
                if only_unassigned and item.code in taken:
                    continue
                self._put(session, user, town, version.id, item, lead, co or [], None)
                codes.append(item.code)
            record(session, user.actor, "org.assign_bulk", "assignment", f"{town}/{kind}/{category}",
                   after={"lead": lead, "co": co or [], "codes": codes}, list_version=version.label)
            return {"category": category, "list": kind, "lead": lead, "codes": codes,
                    "skipped": len(items) - len(codes)}

        return self.store.run(work)

    def template(self, user: User, town: str) -> bytes:
        board = self.board(user, town)
        offices = self.offices(user, town)
        rows = [[i["code"], i["list_name"], i["category"], i["title"], i["lead"] or "", "、".join(i["co"]),
                 i["person"] or ""] for i in board["items"]]
        people = [[o["name"], s["name"], s["post"]] for o in offices for s in o["staff"]]
        people += [[o["name"], "", ""] for o in offices if not o["staff"]]
        if not offices:
            people = [[name, "", ""] for name in DEFAULT_OFFICES]
        return table_bytes(assignment_template(rows, people), "xlsx")

    def import_sheet(self, user: User, town: str, data: bytes, source: str) -> dict:
        """The filled-in template: offices and people of its second sheet are added, then every row's assignment;
        any bad row (unknown code, office or person) and nothing is written."""
        require_keeper(user, town, "维护")
        sheet = read_assignments(data, source)
        version, dataset = self._version(town)
        items = dataset.by_code()

        def work(session):
            offices = office_map(session, town)
            people = set(session.scalars(select(StaffRow.name).where(StaffRow.town == town)))
            new_offices, new_people = [], []
            for office, person, post in sheet.offices:
                if office not in offices and office not in new_offices:
                    new_offices.append(office)
                if person and person not in people and person not in {p for p, _, _ in new_people}:
                    new_people.append((person, office, post))
            known_offices = set(offices) | set(new_offices)
            known_people = people | {p for p, _, _ in new_people}
            errors = list(sheet.errors)
            for line in sheet.lines:
                item = items.get(line.code)
                if item is None:
                    errors.append(f"第 {line.row} 行：{town}现行清单（{version.label}）中没有事项 {line.code}")
                    continue
                if line.title and line.title != item.title:
                    errors.append(f"第 {line.row} 行：{line.code} 的事项名称与现行清单不符（表中“{line.title[:30]}”，"
                                  f"清单为“{item.title[:30]}”），请用新下载的模板")
                for name in [line.lead, *line.co]:
                    if name not in known_offices:
                        errors.append(f"第 {line.row} 行：科室“{name}”不存在（请在“科室与人员”表中列出）")
                if line.person and line.person not in known_people:
                    errors.append(f"第 {line.row} 行：人员“{line.person}”不存在（请在“科室与人员”表中列出）")
            if errors:
                raise RowErrors(source, errors)
            for office in new_offices:
                add_office(session, user, town, office)
            for person, office, post in new_people:
                add_staff(session, user, town, office, person, post)
            for line in sheet.lines:
                self._put(session, user, town, version.id, items[line.code], line.lead, line.co, line.person)
            record(session, user.actor, "org.import", "assignment", town, after={
                "source": source, "assigned": len(sheet.lines), "offices_added": new_offices,
                "people_added": [p for p, _, _ in new_people]}, list_version=version.label)
            return {"assigned": len(sheet.lines), "offices_added": new_offices,
                    "people_added": [p for p, _, _ in new_people]}

        return self.store.run(work)

    def carry_over(self, user: User, town: str) -> dict:
        """Takes the latest earlier version's assignments into the current one where the item is unchanged
        (matched by content, so a renumbered item keeps its office); lists the items that need a look."""
        require_keeper(user, town, "维护")
        version, dataset = self._version(town)

        def work(session):
            previous = session.scalar(select(AssignmentRow.version_id).where(
                AssignmentRow.town == town, AssignmentRow.version_id != version.id, AssignmentRow.version_id
                < version.id).order_by(AssignmentRow.version_id.desc()).limit(1))
            if previous is None:
                raise NotFound(f"{town}此前的版本没有任何分工可以承接")
            old = {r.content: r for r in session.scalars(select(AssignmentRow).where(
                AssignmentRow.version_id == previous))}
            old_codes = {r.code for r in old.values()}
            present = set(session.scalars(select(AssignmentRow.code).where(AssignmentRow.version_id == version.id)))
            carried, review = [], []
            for item in dataset.items:
                if item.code in present:
                    continue
                source = old.get(fingerprint(item))
                if source is None:
                    why = "内容有变化" if item.code in old_codes else "新增或此前未分工"
                    review.append({"code": item.code, "title": item.title, "why": why})
                    continue
                session.add(AssignmentRow(town=town, version_id=version.id, code=item.code, content=source.content,
                                          lead_office_id=source.lead_office_id, co_office_ids=source.co_office_ids,
                                          staff_id=source.staff_id, assigned_by=user.actor.name, assigned_at=now(),
                                          carried_from=source.id))
                carried.append(item.code)
            current = {fingerprint(i) for i in dataset.items}
            gone = sorted(r.code for c, r in old.items() if c not in current)
            record(session, user.actor, "org.carry", "assignment", town, after={
                "from_version": previous, "carried": carried, "to_review": [r["code"] for r in review],
                "removed": gone}, list_version=version.label)
            return {"from_version_id": previous, "carried": carried, "to_review": review, "removed": gone}

        return self.store.run(work)

    def unassign(self, user: User, town: str, code: str) -> None:
        require_keeper(user, town, "维护")
        version = self.lists.version(town)

        def work(session):
            gone = session.execute(delete(AssignmentRow).where(AssignmentRow.version_id == version.id,
                                                               AssignmentRow.code == code.upper())).rowcount
            if gone:
                record(session, user.actor, "org.unassign", "assignment", f"{town}/{code.upper()}",
                       list_version=version.label)

        self.store.run(work)
