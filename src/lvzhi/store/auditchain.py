"""The audit log's hash chain: each row carries the SHA-256 of its own content and the previous row's hash.

Database triggers refuse UPDATE, DELETE, REPLACE and TRUNCATE for anyone who goes through SQL without
changing the schema. Whoever can change the schema or the file (the database owner, a superuser, someone
with the SQLite file) can still rewrite rows — the chain makes that visible: `lvzhi audit --verify`
recomputes every hash and names the first row that does not match. Removing rows from the end leaves a
shorter valid chain; it is caught only against a head (count and last hash) written down elsewhere, which
`--verify` prints for that purpose.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

GENESIS = "0" * 64
APPEND_ONLY_MESSAGE = "审计日志只能追加，不能修改或删除"


def row_hash(prev_hash: str, id_: int, at: datetime, actor: str, actor_role: str, action: str, object_type: str,
             object_id: str, before, after, list_version) -> str:
    content = json.dumps([prev_hash, id_, at.isoformat(timespec="microseconds"), actor, actor_role, action,
                          object_type, object_id, before, after, list_version],
                         ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def hash_of(row, prev_hash: str) -> str:
    return row_hash(prev_hash, row.id, row.at, row.actor, row.actor_role, row.action, row.object_type,
                    row.object_id, row.before, row.after, row.list_version)


def chain_head(session: Session) -> tuple[int, str]:
    """(last id, last hash) with the append lock held until the transaction ends, so appends never fork."""
    from .locks import hold
    from .schema import AuditRow

    hold(session, "audit_log")

    last = session.execute(select(AuditRow.id, AuditRow.hash).order_by(AuditRow.id.desc()).limit(1)).first()
    return (0, GENESIS) if last is None else (last.id, last.hash or GENESIS)


@dataclass
class ChainReport:
    count: int
    head: str                 # the last row's hash (GENESIS for an empty log)
    broken_id: int | None     # the first row whose hash or link does not match
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_id is None

    def as_dict(self) -> dict:
        return {"ok": self.ok, "count": self.count, "head": self.head, "broken_id": self.broken_id,
                "problem": self.problem}


def verify_chain(session: Session, batch: int = 5000) -> ChainReport:
    """Every row recomputed in id order; the first mismatch is reported."""
    from .schema import AuditRow

    prev, count, last_id = GENESIS, 0, 0
    while True:
        rows = session.scalars(select(AuditRow).where(AuditRow.id > last_id).order_by(AuditRow.id).limit(batch)).all()
        if not rows:
            return ChainReport(count, prev, None)
        for row in rows:
            count += 1
            if row.prev_hash != prev:
                return ChainReport(count, prev, row.id, f"第 {row.id} 条的前一哈希与上一条不符（有记录被删除、插入或改动）")
            expected = hash_of(row, prev)
            if row.hash != expected:
                return ChainReport(count, prev, row.id, f"第 {row.id} 条的内容与其哈希不符（记录被改动）")
            prev, last_id = row.hash, row.id
        session.expunge_all()
