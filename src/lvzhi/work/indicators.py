"""依单考核: a district's assessment scheme imported per year and checked against a town's lists.

The resolver proposes the item each indicator assesses; a person (the admin, or the town the scheme is checked
against) confirms or changes it, and the flag follows the item. Departments see only the indicators they set.
Importing is one transaction: a bad file writes nothing.
"""
from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import Conflict, Forbidden, InvalidInput, NotFound
from ..formats.organisation import indicator_workbook, read_scheme
from ..formats.sheets import table_bytes
from ..review.indicators import FLAG_MEANINGS, FLAGS, check, propose_item, scheme_opinion
from ..review.opinion import Opinion
from ..store.schema import IndicatorRow, SchemeRow
from .accounts import User, canonical_department
from .audit import now, record

UNLISTED = "清单外"
NAME_CHARS = 200


def _department(session: Session, name: str) -> str:
    try:
        return canonical_department(session, name)
    except NotFound:
        return name.strip()  # a body the lists never name (区委组织部…) still assesses: kept as printed


def _can_see(user: User, scheme: SchemeRow) -> bool:
    return user.role in ("admin", "department") or (user.role == "town" and user.town == scheme.town)


def _can_decide(user: User, scheme: SchemeRow) -> bool:
    return user.role == "admin" or (user.role == "town" and user.town == scheme.town)


def _scheme(session: Session, user: User, scheme_id: int) -> SchemeRow:
    row = session.get(SchemeRow, scheme_id)
    if row is None or not _can_see(user, row):
        raise NotFound(f"没有编号为 {scheme_id} 的考核方案，或您无权查看")
    return row


def _scheme_dict(row: SchemeRow) -> dict:
    return {"id": row.id, "town": row.town, "district": row.district, "year": row.year, "name": row.name,
            "source_name": row.source_name, "imported_by": row.imported_by, "imported_at": row.imported_at.isoformat(),
            "url": f"/indicators/{row.id}"}


class IndicatorDesk:
    def __init__(self, store, lists):
        self.store = store
        self.lists = lists

    def _item(self, town: str, version_id: int, code: str | None):
        return self.lists.item(town, code, version_id) if code else None

    def import_scheme(self, user: User, town: str, year: int, data: bytes, source: str, name: str = "") -> dict:
        if user.role != "admin":
            raise Forbidden(f"{user.role_name}无权导入考核方案（由清单管理部门导入）")
        if not 2000 <= year <= 2100:
            raise InvalidInput(f"年度 {year} 不对，应为四位年份，如 2026")
        info = self.lists.town(town)
        version = self.lists.version(town)
        lines = read_scheme(data, source)
        resolver = self.lists.resolver(town)
        checked = []
        for line in lines:
            item = propose_item(resolver, line.text, line.description)
            checked.append((line, item, check(resolver, item, line.text, line.description)))
        # the indicators' content, not the file's bytes (a workbook saved again differs in its timestamps)
        digest = hashlib.sha256(json.dumps([[year, l.text, l.department, l.points, l.description] for l in lines],
                                           ensure_ascii=False).encode()).hexdigest()
        title = (name or "").strip()[:NAME_CHARS] or f"{info.district or town}{year}年度镇街考核方案"

        def work(session):
            if session.scalar(select(SchemeRow.id).where(SchemeRow.town == town, SchemeRow.sha256 == digest)):
                raise Conflict(f"{source}：{town}已导入过内容相同的{year}年度考核方案，未重复导入")
            scheme = SchemeRow(town=town, district=info.district, year=year, name=title, source_name=source,
                               sha256=digest, list_version_id=version.id, imported_by=user.actor.name,
                               imported_at=now())
            session.add(scheme)
            session.flush()
            for line, item, result in checked:
                session.add(IndicatorRow(scheme_id=scheme.id, row=line.row, number=line.number, text=line.text,
                                         department=_department(session, line.department), points=line.points,
                                         description=line.description, proposed_code=item.code if item else None,
                                         code=item.code if item else None, flag=result.flag,
                                         flag_reason=result.reason))
            flags = Counter(r.flag for _, _, r in checked if r.flag)
            record(session, user.actor, "scheme.import", "scheme", scheme.id, after={
                "town": town, "year": year, "name": title, "source": source, "indicators": len(checked),
                "flags": dict(flags)}, list_version=version.label)
            return {**_scheme_dict(scheme), "indicators": len(checked), "flags": dict(flags)}

        return self.store.run(work)

    def schemes(self, user: User) -> list[dict]:
        with self.store.transaction() as session:
            rows = session.scalars(select(SchemeRow).order_by(SchemeRow.year.desc(), SchemeRow.id.desc())).all()
            visible = [r for r in rows if _can_see(user, r)]
            if user.role == "department":
                mine = set(session.scalars(select(IndicatorRow.scheme_id).where(
                    IndicatorRow.department == user.department)))
                visible = [r for r in visible if r.id in mine]
            return [_scheme_dict(r) for r in visible]

    def report(self, user: User, scheme_id: int, department: str | None = None, flag: str | None = None) -> dict:
        """Every indicator (a department sees its own) with its item and flag, and per assessing department."""
        with self.store.transaction() as session:
            scheme = _scheme(session, user, scheme_id)
            query = select(IndicatorRow).where(IndicatorRow.scheme_id == scheme.id).order_by(IndicatorRow.row)
            if user.role == "department":
                query = query.where(IndicatorRow.department == user.department)
            rows = session.scalars(query).all()
            if user.role == "department" and not rows:
                raise NotFound(f"没有编号为 {scheme_id} 的考核方案，或您无权查看")
            version_id = scheme.list_version_id
            may_decide = _can_decide(user, scheme)
            head = _scheme_dict(scheme)
        titles = {i.code: i for i in self.lists.dataset(head["town"], version_id).items}
        indicators = []
        for row in rows:
            item = titles.get(row.code or "")
            indicators.append({
                "id": row.id, "row": row.row, "number": row.number, "text": row.text, "department": row.department,
                "points": row.points, "description": row.description, "proposed_code": row.proposed_code,
                "code": row.code, "title": item.title if item else None, "list": item.list if item else None,
                "confirmed": row.confirmed_by is not None, "confirmed_by": row.confirmed_by,
                "flag": row.flag, "flag_name": FLAGS.get(row.flag or "", "符合清单"), "flag_reason": row.flag_reason})
        departments = _per_department(indicators)
        shown = [i for i in indicators if (not department or i["department"] == department)
                 and (not flag or (i["flag"] or "ok") == flag)]
        return {"scheme": head, "indicators": shown, "all": len(indicators), "departments": departments,
                "flag_names": FLAGS, "flag_meanings": FLAG_MEANINGS, "may_decide": may_decide,
                "flagged": sum(1 for i in indicators if i["flag"]),
                "confirmed": sum(1 for i in indicators if i["confirmed"])}

    def confirm(self, user: User, indicator_id: int, code: str | None = None) -> dict:
        """Confirms the proposed item (code None), or sets another (a code, or 清单外); the flag follows."""
        with self.store.transaction() as session:
            row = session.get(IndicatorRow, indicator_id)
            scheme = _scheme(session, user, row.scheme_id) if row else None
            if row is None or scheme is None:
                raise NotFound(f"没有编号为 {indicator_id} 的考核指标")
            if not _can_decide(user, scheme):
                raise Forbidden(f"{user.role_name}无权确认考核指标对应的事项")
            town, version_id, proposed = scheme.town, scheme.list_version_id, row.proposed_code
            text, description = row.text, row.description
        given = (code or "").strip()
        chosen = proposed if code is None else (None if given in ("", UNLISTED, "none") else given.upper())
        item = self._item(town, version_id, chosen)
        result = check(self.lists.resolver(town), item, text, description)
        action = "indicator.confirm" if chosen == proposed else "indicator.change"

        def work(session):
            row = session.get(IndicatorRow, indicator_id)
            before = {"code": row.code, "flag": row.flag, "confirmed_by": row.confirmed_by}
            row.code, row.flag, row.flag_reason = chosen, result.flag, result.reason
            row.confirmed_by, row.confirmed_at = user.actor.name, now()
            record(session, user.actor, action, "indicator", row.id, before,
                   {"code": chosen, "proposed_code": proposed, "flag": result.flag, "reason": result.reason})
            return {"id": row.id, "code": chosen, "flag": result.flag, "flag_name": result.flag_name,
                    "flag_reason": result.reason}

        return self.store.run(work)

    def opinion(self, user: User, scheme_id: int, department: str | None = None) -> Opinion:
        """The 核查意见 on the scheme (on one assessing department's indicators with `department`)."""
        report = self.report(user, scheme_id)
        department = (department or "").strip() or None
        if department and not any(i["department"] == department for i in report["indicators"]):
            known = "、".join(d["department"] for d in report["departments"])
            raise NotFound(f"考核方案 {scheme_id} 中没有“{department}”设置的指标。考核部门有：{known}")
        return scheme_opinion(report, department)

    def workbook(self, user: User, scheme_id: int) -> bytes:
        report = self.report(user, scheme_id)
        return table_bytes(indicator_workbook(report), "xlsx")

    def flagged_by_department(self, user: User, town: str | None = None) -> dict[str, Counter]:
        """Flag counts per assessing department over every scheme the user may see (for the statistics)."""
        table: dict[str, Counter] = defaultdict(Counter)
        for scheme in self.schemes(user):
            if town and scheme["town"] != town:
                continue
            for row in self.report(user, scheme["id"])["indicators"]:
                table[row["department"]][row["flag"] or "ok"] += 1
        return dict(table)


def _per_department(indicators: list[dict]) -> list[dict]:
    table: dict[str, dict] = {}
    for i in indicators:
        cell = table.setdefault(i["department"], {"department": i["department"], "total": 0, "points": 0.0,
                                                  "flagged": 0, "flagged_points": 0.0, "flags": Counter()})
        cell["total"] += 1
        cell["points"] += i["points"] or 0
        if i["flag"]:
            cell["flagged"] += 1
            cell["flagged_points"] += i["points"] or 0
            cell["flags"][i["flag"]] += 1
    return sorted(table.values(), key=lambda d: (-d["flagged"], d["department"]))
