"""Database tables (SQLAlchemy 2). The same schema serves SQLite and PostgreSQL; Alembic migrates it."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class TownRow(Base):
    __tablename__ = "towns"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    district: Mapped[str] = mapped_column(String(64), default="")
    city: Mapped[str] = mapped_column(String(64), default="")
    versions: Mapped[list[VersionRow]] = relationship(back_populates="town", order_by="VersionRow.id")


class VersionRow(Base):
    """One imported, immutable version of a town's three lists."""

    __tablename__ = "list_versions"
    __table_args__ = (UniqueConstraint("town_id", "sha256"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("towns.id"), index=True)
    label: Mapped[str] = mapped_column(String(128))
    effective_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    source_name: Mapped[str] = mapped_column(String(255), default="")
    sha256: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime] = mapped_column(DateTime)
    # codes whose reading the document's layout left open (the parser's wording model decided them)
    unsure_codes: Mapped[list | None] = mapped_column(JSON, nullable=True)
    town: Mapped[TownRow] = relationship(back_populates="versions")
    items: Mapped[list[ItemRow]] = relationship(back_populates="version", order_by="ItemRow.id")
    checks: Mapped[list[VersionCheckRow]] = relationship(order_by="VersionCheckRow.id")

    def codes_to_check(self) -> list[str]:
        """The unsure rows nobody has yet confirmed against the original."""
        confirmed = {check.code for check in self.checks}
        return [code for code in self.unsure_codes or () if code not in confirmed]


class VersionCheckRow(Base):
    """A person checked one of a version's unsure rows against the original document (`lvzhi confirm`)."""

    __tablename__ = "version_checks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("list_versions.id"), index=True)
    code: Mapped[str] = mapped_column(String(16))
    source_name: Mapped[str] = mapped_column(String(255))
    checked_at: Mapped[datetime] = mapped_column(DateTime)


class DepartmentRow(Base):
    """The department registry: each department once, under the name the documents print."""

    __tablename__ = "departments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    full_name: Mapped[str] = mapped_column(String(255), default="")
    aliases: Mapped[list] = mapped_column(JSON, default=list)


class ItemRow(Base):
    __tablename__ = "items"
    __table_args__ = (UniqueConstraint("version_id", "code"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("list_versions.id"), index=True)
    code: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column("list", String(16), index=True)
    number: Mapped[int] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(Text)
    abolished: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    # departments, department_duties, town_duties and handlers exactly as in the JSON export
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    version: Mapped[VersionRow] = relationship(back_populates="items")
    departments: Mapped[list[ItemDepartmentRow]] = relationship(
        back_populates="item", order_by="ItemDepartmentRow.position", cascade="all, delete-orphan"
    )


class ItemDepartmentRow(Base):
    """Which department an item names, and in what role: lead (配合), handler (收回)."""

    __tablename__ = "item_departments"
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(16), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    item: Mapped[ItemRow] = relationship(back_populates="departments")
    department: Mapped[DepartmentRow] = relationship()


# -- accounts ----------------------------------------------------------------------------------------

class UserRow(Base):
    """A person who logs in: 管理员 (admin), 镇街 (town, bound to one town), 部门 (department), 派单员 (dispatcher)."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    town: Mapped[str | None] = mapped_column(String(64), nullable=True)
    department: Mapped[str | None] = mapped_column(String(128), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class ApiTokenRow(Base):
    """A token for system-to-system calls; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class WebSessionRow(Base):
    """A browser login; the cookie carries a random token whose SHA-256 is stored, with the CSRF token."""

    __tablename__ = "web_sessions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)


class LoginAttemptRow(Base):
    __tablename__ = "login_attempts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    remote: Mapped[str] = mapped_column(String(64), default="")
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    succeeded: Mapped[bool] = mapped_column(Boolean)


# -- task reviews (事项准入) ---------------------------------------------------------------------------

class ReviewRow(Base):
    """A task pushed to a town, lvzhi's proposal from the lists, and the reviewer's (and admin's) decision."""

    __tablename__ = "reviews"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    town: Mapped[str] = mapped_column(String(64), index=True)
    issuing_department: Mapped[str] = mapped_column(String(128), index=True)
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    attachment_text: Mapped[str] = mapped_column(Text, default="")
    deadline: Mapped[date | None] = mapped_column(Date, nullable=True)
    submitted_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    list_version_id: Mapped[int] = mapped_column(ForeignKey("list_versions.id"))
    proposal: Mapped[str] = mapped_column(String(16))
    proposal_detail: Mapped[dict] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(20), index=True)
    decision: Mapped[str | None] = mapped_column(String(16), nullable=True)
    cited_items: Mapped[list] = mapped_column(JSON, default=list)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    approval: Mapped[str | None] = mapped_column(String(16), nullable=True)
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    approved_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    approval_reason: Mapped[str | None] = mapped_column(Text, nullable=True)


class AuditRow(Base):
    """Append-only record of every decision and account change; database triggers refuse updates, deletes,
    replaces and truncation, and each row is hash-chained to the one before (store/auditchain.py)."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    actor: Mapped[str] = mapped_column(String(64))
    actor_role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(32), index=True)
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    after: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    list_version: Mapped[str | None] = mapped_column(String(160), nullable=True)
    prev_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)   # see store/auditchain.py
    hash: Mapped[str | None] = mapped_column(String(64), nullable=True)


# -- hotline requests (诉求派单) -----------------------------------------------------------------------

class TicketRow(Base):
    """A hotline request (诉求工单): lvzhi's routing suggestion, where it was sent and its state.

    States: pending 待分派 → assigned 已分派 → in_progress 办理中 → resolved 已办结 / closed 已关闭;
    disputed 退单申请 (the assignee disputes) → assigned again (改派 or 驳回). Every change is audited."""

    __tablename__ = "tickets"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    channel: Mapped[str] = mapped_column(String(16))
    received_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    town: Mapped[str] = mapped_column(String(64), index=True)
    text: Mapped[str] = mapped_column(Text)
    location: Mapped[str] = mapped_column(String(255), default="")
    contact_name: Mapped[str] = mapped_column(String(64), default="")
    contact_phone: Mapped[str] = mapped_column(String(32), default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    list_version_id: Mapped[int] = mapped_column(ForeignKey("list_versions.id"))
    suggestion: Mapped[dict] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(16), index=True)
    assignee: Mapped[str | None] = mapped_column(String(128), nullable=True, index=True)
    assignee_kind: Mapped[str | None] = mapped_column(String(16), nullable=True)
    item_code: Mapped[str | None] = mapped_column(String(8), nullable=True)
    dispatched_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    dispatched_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    dispatch_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class DisputeRow(Base):
    """An assignee's 退单申请, lvzhi's pre-assessment of it against the lists, and the dispatcher's decision."""

    __tablename__ = "ticket_disputes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    raised_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    raised_at: Mapped[datetime] = mapped_column(DateTime)
    assignee: Mapped[str] = mapped_column(String(128))
    reason: Mapped[str] = mapped_column(Text)
    cited_item: Mapped[str | None] = mapped_column(String(8), nullable=True)
    proposed_assignee: Mapped[str | None] = mapped_column(String(128), nullable=True)
    assessment: Mapped[dict] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(16), index=True)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    decision_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    new_assignee: Mapped[str | None] = mapped_column(String(128), nullable=True)
