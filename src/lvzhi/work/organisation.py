"""以单明责: the town's own offices and staff, and which office (and person) carries each item of its lists.

The town keeps its organisation (a town user of that town, or the admin); every change is one transaction with
its audit entry. Assignments belong to a list version; a new version takes over each assignment whose item is
unchanged (same content, even under a new number), and lists the items that need a person's look.
"""
from __future__ import annotations

import hashlib
import json
from collections import Counter

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ..errors import Conflict, Forbidden, InvalidInput, NotFound
from ..formats.organisation import RowErrors, assignment_template, read_assignments
from ..formats.sheets import table_bytes
from ..lists.diff import comparable
from ..model import LIST_KINDS, LIST_SHORT_NAMES, Item
from ..store.schema import AssignmentRow, LedgerRow, OfficeRow, StaffRow
from .accounts import User
from .audit import now, record

NAME_CHARS = 64
NOBODY = "（不设责任人）"  # removing a person: their items keep no responsible person
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


def office_map(session: Session, town: str, active_only: bool = True) -> dict[str, OfficeRow]:
    """name → office of the town, in the town's order (by default only offices in service)."""
    query = select(OfficeRow).where(OfficeRow.town == town)
    if active_only:
        query = query.where(OfficeRow.active.is_(True))
    return {r.name: r for r in session.scalars(query.order_by(OfficeRow.position, OfficeRow.id)).all()}


def office_names(session: Session, town: str) -> dict[int, str]:
    """id → name of every office the town ever had (history names removed offices too)."""
    return {r.id: r.name for r in office_map(session, town, active_only=False).values()}


def _office(session: Session, town: str, name: str) -> OfficeRow:
    offices = office_map(session, town)
    found = offices.get((name or "").strip())
    if found is None:
        known = "、".join(offices) or "（尚无科室，请先添加）"
        raise InvalidInput(f"{town}没有名为“{name}”的科室。已有：{known}")
    return found


def _person(session: Session, town: str, name: str) -> StaffRow:
    found = session.scalar(select(StaffRow).where(StaffRow.town == town, StaffRow.name == (name or "").strip(),
                                                  StaffRow.active.is_(True)))
    if found is None:
        raise InvalidInput(f"{town}没有人员“{name}”，请先在机构中添加")
    return found


def add_office(session: Session, user: User, town: str, name: str) -> OfficeRow:
    """A new office; the name of an office removed earlier brings that office back (its history with it)."""
    require_keeper(user, town, "维护")
    name = _name(name, "科室名称")
    every = office_map(session, town, active_only=False)
    row = every.get(name)
    if row is not None and row.active:
        raise Conflict(f"{town}已有科室“{name}”")
    position = (session.scalar(select(func.max(OfficeRow.position)).where(OfficeRow.town == town)) or 0) + 1
    if row is None:
        row = OfficeRow(town=town, name=name, position=position, active=True)
        session.add(row)
    else:
        row.active, row.position = True, position
    session.flush()
    record(session, user.actor, "org.office", "office", row.id, after={"town": town, "name": name})
    return row


def add_staff(session: Session, user: User, town: str, office: str, name: str, post: str = "") -> StaffRow:
    require_keeper(user, town, "维护")
    name = _name(name, "人员姓名")
    home = _office(session, town, office)
    row = session.scalar(select(StaffRow).where(StaffRow.town == town, StaffRow.name == name))
    if row is not None and row.active:
        raise Conflict(f"{town}已有人员“{name}”（{office_names(session, town).get(row.office_id, '')}）")
    if row is None:
        row = StaffRow(town=town, office_id=home.id, name=name, post=(post or "").strip()[:NAME_CHARS], active=True)
        session.add(row)
    else:  # a person removed earlier comes back
        row.office_id, row.post, row.active = home.id, (post or "").strip()[:NAME_CHARS], True
    session.flush()
    record(session, user.actor, "org.staff", "staff", row.id, after={"town": town, "office": home.name, "name": name,
                                                                      "post": row.post})
    return row


def _listed(items: list[tuple[str, str]], limit: int = 10) -> str:
    """"B51 最低生活保障…、B52 …" with at most `limit` named and the rest counted."""
    named = "、".join(f"{code} {title[:20]}" for code, title in items[:limit])
    return named + (f" 等 {len(items)} 个事项" if len(items) > limit else "")


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
            staff = session.scalars(select(StaffRow).where(StaffRow.town == town, StaffRow.active.is_(True))
                                    .order_by(StaffRow.id)).all()
            current = session.execute(select(AssignmentRow.lead_office_id, AssignmentRow.co_office_ids,
                                             AssignmentRow.staff_id).where(AssignmentRow.version_id == version.id)).all()
            led, helped, carries = Counter(), Counter(), Counter()
            for lead, co, person in current:
                led[lead] += 1
                helped.update(set(co or []))
                carries[person] += 1
            return [{"id": o.id, "name": o.name, "items": led[o.id], "co_items": helped[o.id],
                     "staff": [{"id": s.id, "name": s.name, "post": s.post, "items": carries[s.id]}
                               for s in staff if s.office_id == o.id]}
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

    def of_item(self, user: User | None, town: str, code: str, version_id: int) -> dict | None:
        """Who in the town carries one item of a version, as the item page shows it: the offices to everyone
        (which office does what is public), the responsible person's name only to the town itself and the
        admin. None when the item has no assignment."""
        with self.store.transaction() as session:
            row = session.scalar(select(AssignmentRow).where(AssignmentRow.version_id == version_id,
                                                             AssignmentRow.code == code))
            if row is None:
                return None
            names = office_names(session, town)
            keeper = user is not None and may_keep(user, town)
            person = session.get(StaffRow, row.staff_id) if keeper and row.staff_id else None
            return {"lead": names.get(row.lead_office_id), "co": [names[i] for i in row.co_office_ids or []
                                                                  if i in names],
                    "person": person.name if person else None, "post": person.post if person else None,
                    "assigned_at": row.assigned_at.date().isoformat()}

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
        staff_id = _person(session, town, person).id if person else None
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
            people = set(session.scalars(select(StaffRow.name).where(StaffRow.town == town,
                                                                     StaffRow.active.is_(True))))
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
            offices = {r.id: r.name for r in office_map(session, town).values()}  # in service
            people = set(session.scalars(select(StaffRow.id).where(StaffRow.town == town, StaffRow.active.is_(True))))
            names = office_names(session, town)
            carried, review = [], []
            for item in dataset.items:
                if item.code in present:
                    continue
                source = old.get(fingerprint(item))
                if source is None:
                    why = "内容有变化" if item.code in old_codes else "新增或此前未分工"
                    review.append({"code": item.code, "title": item.title, "why": why})
                    continue
                if source.lead_office_id not in offices:
                    review.append({"code": item.code, "title": item.title,
                                   "why": f"原牵头科室“{names.get(source.lead_office_id, '')}”已撤销"})
                    continue
                session.add(AssignmentRow(town=town, version_id=version.id, code=item.code, content=source.content,
                                          lead_office_id=source.lead_office_id,
                                          co_office_ids=[i for i in source.co_office_ids or [] if i in offices],
                                          staff_id=source.staff_id if source.staff_id in people else None,
                                          assigned_by=user.actor.name, assigned_at=now(), carried_from=source.id))
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

    # -- offices and staff: rename, edit, remove ----------------------------------------------------------

    def office_id(self, town: str, name: str) -> int:
        """The id of an office in service, by its name (for the command line)."""
        with self.store.transaction() as session:
            return _office(session, town, name).id

    def staff_id(self, town: str, name: str) -> int:
        with self.store.transaction() as session:
            return _person(session, town, name).id

    def rename_office(self, user: User, town: str, office_id: int, name: str) -> dict:
        require_keeper(user, town, "维护")
        self.lists.town(town)

        def work(session):
            row = _office_row(session, town, office_id)
            new = _name(name, "科室名称")
            if new == row.name:
                return {"id": row.id, "name": row.name, "changed": False}
            taken = office_map(session, town, active_only=False).get(new)
            if taken is not None:
                raise Conflict(f"{town}已有科室“{new}”" if taken.active else
                                   f"“{new}”是{town}已撤销的科室，名称不能重复（重新新增该科室即可恢复它）")
            before, row.name = row.name, new
            record(session, user.actor, "org.office_rename", "office", row.id, {"name": before},
                   {"town": town, "name": new})
            return {"id": row.id, "name": new, "changed": True}

        return self.store.run(work)

    def remove_office(self, user: User, town: str, office_id: int, move_to: str | None = None) -> dict:
        """Removes an office. One that leads or co-operates on items of the current lists, or has staff, is
        refused with the items and people named — unless `move_to` names the office that takes them over (with
        its open ledger entries). One that earlier versions or the ledger name is kept inactive, else deleted."""
        require_keeper(user, town, "维护")
        version, dataset = self._version(town)
        titles = {i.code: i.title for i in dataset.items}

        def work(session):
            row = _office_row(session, town, office_id)
            target = _office(session, town, move_to) if (move_to or "").strip() else None
            if target is not None and target.id == row.id:
                raise InvalidInput(f"不能把科室“{row.name}”的事项移交给它自己，请选择另一个科室")
            current = session.scalars(select(AssignmentRow).where(AssignmentRow.version_id == version.id)
                                      .order_by(AssignmentRow.id)).all()
            led = [a for a in current if a.lead_office_id == row.id]
            helped = [a for a in current if row.id in (a.co_office_ids or [])]
            people = session.scalars(select(StaffRow).where(StaffRow.office_id == row.id,
                                                            StaffRow.active.is_(True)).order_by(StaffRow.id)).all()
            if (led or helped or people) and target is None:
                held = []
                if led:
                    held.append(f"牵头 {len(led)} 个事项（{_listed([(a.code, titles.get(a.code, '')) for a in led])}）")
                if helped:
                    held.append(f"配合 {len(helped)} 个事项（{_listed([(a.code, titles.get(a.code, '')) for a in helped])}）")
                if people:
                    held.append(f"有人员 {'、'.join(p.name for p in people)}")
                raise Conflict(f"科室“{row.name}”{'；'.join(held)}，不能直接撤销。请先把这些事项改分给其他科室、"
                               f"把人员调到其他科室，或撤销时指定接手的科室")
            stamp = now()
            for a in led:
                a.lead_office_id = target.id
                a.co_office_ids = [i for i in a.co_office_ids or [] if i != target.id]
                a.assigned_by, a.assigned_at = user.actor.name, stamp
            for a in helped:
                others = [i for i in a.co_office_ids if i != row.id]
                if target.id != a.lead_office_id and target.id not in others:
                    others.append(target.id)
                a.co_office_ids = others
                a.assigned_by, a.assigned_at = user.actor.name, stamp
            for person in people:
                person.office_id = target.id
            moved_entries = 0
            if target is not None:
                for entry in session.scalars(select(LedgerRow).where(LedgerRow.office_id == row.id,
                                                                     LedgerRow.done_on.is_(None))):
                    entry.office_id = target.id
                    moved_entries += 1
            session.flush()
            named = (session.scalar(select(func.count()).select_from(AssignmentRow).where(
                AssignmentRow.lead_office_id == row.id))
                or any(row.id in (co or []) for co in session.scalars(select(AssignmentRow.co_office_ids).where(
                    AssignmentRow.town == town)))
                or session.scalar(select(func.count()).select_from(LedgerRow).where(LedgerRow.office_id == row.id))
                or session.scalar(select(func.count()).select_from(StaffRow).where(StaffRow.office_id == row.id)))
            done = {"town": town, "name": row.name, "outcome": _retire(session, row, bool(named)), "moved_to": target.name if target else None,
                    "lead_moved": [a.code for a in led], "co_moved": [a.code for a in helped],
                    "staff_moved": [p.name for p in people], "open_entries_moved": moved_entries}
            record(session, user.actor, "org.office_remove", "office", office_id, {"name": row.name}, done,
                   list_version=version.label)
            return done

        return self.store.run(work)

    def edit_staff(self, user: User, town: str, staff_id: int, name: str | None = None, office: str | None = None,
                   post: str | None = None) -> dict:
        """Renames a person, moves them to another office or changes their post (what is given changes)."""
        require_keeper(user, town, "维护")
        self.lists.town(town)

        def work(session):
            row = _staff_row(session, town, staff_id)
            names = office_names(session, town)
            before = {"name": row.name, "office": names.get(row.office_id), "post": row.post}
            if name is not None and name.strip() != row.name:
                new = _name(name, "人员姓名")
                if session.scalar(select(StaffRow.id).where(StaffRow.town == town, StaffRow.name == new)) is not None:
                    raise Conflict(f"{town}已有人员“{new}”（含已移除的人员），姓名不能重复；同名的请加以区分，如“{new}（社会事务办）”")
                row.name = new
            if office is not None and office.strip():
                row.office_id = _office(session, town, office).id
            if post is not None:
                row.post = post.strip()[:NAME_CHARS]
            after = {"name": row.name, "office": names.get(row.office_id), "post": row.post}
            if after != before:
                record(session, user.actor, "org.staff_edit", "staff", row.id, before, {"town": town, **after})
            return {"id": row.id, **after, "changed": after != before}

        return self.store.run(work)

    def remove_staff(self, user: User, town: str, staff_id: int, replace_with: str | None = None) -> dict:
        """Removes a person. One responsible for items of the current lists is refused with the items named,
        unless `replace_with` names who takes them over (or NOBODY: the items keep no person). One an earlier
        version names is kept inactive, else deleted."""
        require_keeper(user, town, "维护")
        version, dataset = self._version(town)
        titles = {i.code: i.title for i in dataset.items}

        def work(session):
            row = _staff_row(session, town, staff_id)
            given = (replace_with or "").strip()
            heir = None if given in ("", NOBODY) else _person(session, town, given)
            if heir is not None and heir.id == row.id:
                raise InvalidInput(f"不能由{row.name}接替自己，请选择另一位人员")
            items = session.scalars(select(AssignmentRow).where(AssignmentRow.version_id == version.id,
                                                                AssignmentRow.staff_id == row.id)
                                    .order_by(AssignmentRow.id)).all()
            if items and not given:
                raise Conflict(f"{row.name}是 {len(items)} 个事项的责任人（{_listed([(a.code, titles.get(a.code, '')) for a in items])}），"
                               f"不能直接移除。请先为这些事项改定责任人，或移除时指定接替的人员")
            stamp = now()
            for a in items:
                a.staff_id = heir.id if heir else None
                a.assigned_by, a.assigned_at = user.actor.name, stamp
            session.flush()
            named = session.scalar(select(func.count()).select_from(AssignmentRow).where(
                AssignmentRow.staff_id == row.id))
            done = {"town": town, "name": row.name, "outcome": _retire(session, row, bool(named)), "replaced_by": heir.name if heir else None,
                    "items": [a.code for a in items]}
            record(session, user.actor, "org.staff_remove", "staff", staff_id, {"name": row.name}, done,
                   list_version=version.label)
            return done

        return self.store.run(work)


def _retire(session: Session, row: OfficeRow | StaffRow, named: bool) -> str:
    """An office or person the history names is kept inactive (its name still shown there); else deleted."""
    if named:
        row.active = False
        return "deactivated"
    session.delete(row)
    return "deleted"


def _office_row(session: Session, town: str, office_id: int) -> OfficeRow:
    row = session.get(OfficeRow, office_id)
    if row is None or row.town != town or not row.active:
        raise NotFound(f"{town}没有编号为 {office_id} 的科室（或已撤销）")
    return row


def _staff_row(session: Session, town: str, staff_id: int) -> StaffRow:
    row = session.get(StaffRow, staff_id)
    if row is None or row.town != town or not row.active:
        raise NotFound(f"{town}没有编号为 {staff_id} 的人员（或已移除）")
    return row
