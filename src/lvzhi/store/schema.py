"""Database tables (SQLAlchemy 2). The same schema serves SQLite and PostgreSQL; Alembic migrates it."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (JSON, BigInteger, Boolean, Date, DateTime, Float, ForeignKey, Index, Integer,
                        PrimaryKeyConstraint, SmallInteger, String, Text, UniqueConstraint, false)
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
    # whether its items point to their search documents (a version saved without them is indexed later)
    indexed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
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
    __table_args__ = (UniqueConstraint("version_id", "code"),
                      Index("ix_items_document_version", "document_id", "version_id", "id"))
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
    # the item's search document: one per distinct content, shared by every town's item with that content
    document_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # search_documents.id
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


# -- cross-town search, run in the database ----------------------------------------------------------
# Each distinct item content is one document; its tokens (per field) are postings. What counts are the versions
# in force today, one a town (search_counted): a document's `entries` is how many of their items have it, and
# the terms' document frequencies and the totals are over documents with entries, kept as versions switch.

class SearchDocumentRow(Base):
    __tablename__ = "search_documents"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    digest: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    departments: Mapped[str] = mapped_column(Text, default="")  # the names the item prints, one a line
    title_length: Mapped[int] = mapped_column(Integer)
    body_length: Mapped[int] = mapped_column(Integer)
    departments_length: Mapped[int] = mapped_column(Integer)
    entries: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # whether every field reads as its tokens were cut from it (no character that normalising changes), so that
    # a term holding a text means the field holds it; NULL: not known (read as no)
    literal: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    # each space of the text (title, body, departments, a space apart) with the characters either side, two
    # characters a space; NULL: not known (lvzhi.search.documents.joints)
    joints: Mapped[str | None] = mapped_column(Text, nullable=True)


class SearchDocumentDepartmentRow(Base):
    __tablename__ = "search_document_departments"
    document_id: Mapped[int] = mapped_column(ForeignKey("search_documents.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(128), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer)


class SearchTermRow(Base):
    __tablename__ = "search_terms"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    term: Mapped[str] = mapped_column(String(255), unique=True)
    title_df: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    body_df: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    departments_df: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class SearchPostingRow(Base):
    """A term in a document's field. A term's postings are read in key order with what scoring needs (the key
    includes tf and length on PostgreSQL; SQLite keeps the rows in key order), not fetched row by row."""

    __tablename__ = "search_postings"
    __table_args__ = (PrimaryKeyConstraint("term_id", "field", "document_id", postgresql_include=["tf", "length"]),
                      {"sqlite_with_rowid": False})
    term_id: Mapped[int] = mapped_column(Integer)
    field: Mapped[int] = mapped_column(SmallInteger)  # 0 title, 1 body, 2 departments
    document_id: Mapped[int] = mapped_column(Integer, index=True)
    tf: Mapped[int] = mapped_column(Integer)
    length: Mapped[int] = mapped_column(Integer)  # the document's field's length (tokens): BM25 reads it here


class SearchCountedRow(Base):
    """The version of each town whose items the search counts: the one in force on `SearchTotalsRow.as_of`."""

    __tablename__ = "search_counted"
    town_id: Mapped[int] = mapped_column(ForeignKey("towns.id"), primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("list_versions.id"), index=True)


class SearchTotalsRow(Base):
    """One row: documents with entries and their fields' summed lengths (BM25's N and average lengths)."""

    __tablename__ = "search_totals"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    documents: Mapped[int] = mapped_column(Integer, default=0)
    title_length: Mapped[int] = mapped_column(BigInteger, default=0)
    body_length: Mapped[int] = mapped_column(BigInteger, default=0)
    departments_length: Mapped[int] = mapped_column(BigInteger, default=0)
    as_of: Mapped[date | None] = mapped_column(Date, nullable=True)


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
    urgency: Mapped[str] = mapped_column(String(8), default="一般")
    due_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True, index=True)


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


# -- the town's own organisation, its ledger, assessment indicators (以单明责、依单考核) -------------------

class OfficeRow(Base):
    """An office of the town (党政办、社会事务办…), kept by the town. An office removed after it carried items
    (in an earlier list version or the ledger) is kept inactive, so the history still names it."""

    __tablename__ = "town_offices"
    __table_args__ = (UniqueConstraint("town", "name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    town: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class StaffRow(Base):
    """A person of the town, in one office; kept inactive when removed after an earlier version named them."""

    __tablename__ = "town_staff"
    __table_args__ = (UniqueConstraint("town", "name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    town: Mapped[str] = mapped_column(String(64), index=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("town_offices.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    post: Mapped[str] = mapped_column(String(64), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class AssignmentRow(Base):
    """Which office leads an item of one list version (and which co-offices and person); `content` is the item's
    content fingerprint, so a new version carries the assignment over only where the item is unchanged."""

    __tablename__ = "item_assignments"
    __table_args__ = (UniqueConstraint("version_id", "code"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    town: Mapped[str] = mapped_column(String(64), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("list_versions.id"), index=True)
    code: Mapped[str] = mapped_column(String(8))
    content: Mapped[str] = mapped_column(String(64))
    lead_office_id: Mapped[int] = mapped_column(ForeignKey("town_offices.id"), index=True)
    co_office_ids: Mapped[list] = mapped_column(JSON, default=list)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("town_staff.id"), nullable=True)
    assigned_by: Mapped[str] = mapped_column(String(64))
    assigned_at: Mapped[datetime] = mapped_column(DateTime)
    carried_from: Mapped[int | None] = mapped_column(Integer, nullable=True)


class LedgerRow(Base):
    """One piece of work recorded against an item (履职台账): from a review, a ticket, or entered by hand."""

    __tablename__ = "ledger_entries"
    __table_args__ = (UniqueConstraint("source", "source_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    town: Mapped[str] = mapped_column(String(64), index=True)
    code: Mapped[str] = mapped_column(String(8), index=True)
    title: Mapped[str] = mapped_column(Text)
    office_id: Mapped[int | None] = mapped_column(ForeignKey("town_offices.id"), nullable=True, index=True)
    source: Mapped[str] = mapped_column(String(16))
    source_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    received_on: Mapped[date] = mapped_column(Date, index=True)
    due_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    done_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    work: Mapped[str] = mapped_column(Text)
    result: Mapped[str] = mapped_column(Text, default="")
    attachments: Mapped[list] = mapped_column(JSON, default=list)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(DateTime)


class SchemeRow(Base):
    """A district's assessment scheme (考核方案) for one year, checked against one town's lists."""

    __tablename__ = "assessment_schemes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    town: Mapped[str] = mapped_column(String(64), index=True)
    district: Mapped[str] = mapped_column(String(64), default="")
    year: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    source_name: Mapped[str] = mapped_column(String(255), default="")
    sha256: Mapped[str] = mapped_column(String(64))
    list_version_id: Mapped[int] = mapped_column(ForeignKey("list_versions.id"))
    imported_by: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime] = mapped_column(DateTime)


class IndicatorRow(Base):
    """One assessment indicator: what the resolver proposed it assesses, what a person confirmed, and its flag."""

    __tablename__ = "assessment_indicators"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scheme_id: Mapped[int] = mapped_column(ForeignKey("assessment_schemes.id"), index=True)
    row: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(32), default="")
    text: Mapped[str] = mapped_column(Text)
    department: Mapped[str] = mapped_column(String(128), index=True)
    points: Mapped[float | None] = mapped_column(Float, nullable=True)
    description: Mapped[str] = mapped_column(Text, default="")
    proposed_code: Mapped[str | None] = mapped_column(String(8), nullable=True)
    code: Mapped[str | None] = mapped_column(String(8), nullable=True)
    confirmed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    flag: Mapped[str | None] = mapped_column(String(16), nullable=True, index=True)
    flag_reason: Mapped[str] = mapped_column(Text, default="")


# -- list adjustments (动态调整) -------------------------------------------------------------------------

class ProposalRow(Base):
    """A proposed change to one town's lists (调整申请): add, change, remove or move one item, with its reason
    and basis; consulted with the departments it names, decided by the list office, published in a version.
    With `district` set it covers every town of that district at once: `town` is then the town whose item
    (`target_code`, `before`) the proposer pointed at, and each other town's item is found by its content or title.

    States: draft 草稿 → submitted 已提交 → consulting 会商中 → deciding 待审定 → approved 已批准 / returned 已退回
    → published 已发布. Every step is audited."""

    __tablename__ = "proposals"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    town: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    target_code: Mapped[str | None] = mapped_column(String(8), nullable=True, index=True)
    base_version_id: Mapped[int] = mapped_column(ForeignKey("list_versions.id"))
    before: Mapped[dict | None] = mapped_column(JSON, nullable=True)  # the item as the base version prints it
    after: Mapped[dict | None] = mapped_column(JSON, nullable=True)  # the item as it would read (no code for add)
    reason_kind: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    basis_document: Mapped[str] = mapped_column(String(255), default="")
    basis_number: Mapped[str] = mapped_column(String(128), default="")
    basis_article: Mapped[str] = mapped_column(String(255), default="")
    state: Mapped[str] = mapped_column(String(16), index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_by_name: Mapped[str] = mapped_column(String(64), default="")
    proposer: Mapped[str] = mapped_column(String(160), default="")  # town:珞璜镇, department:区民政局 or admin
    created_at: Mapped[datetime] = mapped_column(DateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    review_id: Mapped[int | None] = mapped_column(ForeignKey("reviews.id"), nullable=True)
    decided_by_name: Mapped[str | None] = mapped_column(String(64), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    decision_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    published_version_id: Mapped[int | None] = mapped_column(ForeignKey("list_versions.id"), nullable=True, index=True)
    published_code: Mapped[str | None] = mapped_column(String(8), nullable=True, index=True)
    district: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    review_ids: Mapped[list | None] = mapped_column(JSON, nullable=True)  # every 准入审查 it was made from
    # earlier rounds of a returned proposal: [{"opinions": [...], "decision": {...}}], kept when it is reopened
    rounds: Mapped[list | None] = mapped_column(JSON, nullable=True)
    opinions: Mapped[list[OpinionRow]] = relationship(order_by="OpinionRow.id", cascade="all, delete-orphan")
    publications: Mapped[list[PublicationRow]] = relationship(order_by="PublicationRow.id",
                                                              cascade="all, delete-orphan")


class OpinionRow(Base):
    """One department's 会商 opinion on a proposal: asked when consultation starts, agreed or not, in writing."""

    __tablename__ = "proposal_opinions"
    __table_args__ = (UniqueConstraint("proposal_id", "department"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), index=True)
    department: Mapped[str] = mapped_column(String(128), index=True)
    agree: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    opinion: Mapped[str | None] = mapped_column(Text, nullable=True)
    given_by_name: Mapped[str | None] = mapped_column(String(64), nullable=True)
    given_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class DirectoryRow(Base):
    """One body's public contact in a district's directory (the admin keeps it): residents are told how to
    reach whoever handles their request. Only what the admin entered is stored; nothing is made up."""

    __tablename__ = "directory_entries"
    __table_args__ = (UniqueConstraint("district", "name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    district: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16))
    phone: Mapped[str] = mapped_column(String(64), default="")
    address: Mapped[str] = mapped_column(String(255), default="")
    hours: Mapped[str] = mapped_column(String(255), default="")
    website: Mapped[str] = mapped_column(String(255), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class PublicationRow(Base):
    """Where a published proposal went, town by town: the version and the code it gave there, the item before
    and after in that town; or, with `problem`, why that town was left out (a district-wide proposal whose item
    the town's lists lack)."""

    __tablename__ = "proposal_publications"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), index=True)
    town: Mapped[str] = mapped_column(String(64), index=True)
    version_id: Mapped[int | None] = mapped_column(ForeignKey("list_versions.id"), nullable=True, index=True)
    code: Mapped[str | None] = mapped_column(String(8), nullable=True)  # the item's code in that version
    target_code: Mapped[str | None] = mapped_column(String(8), nullable=True)  # its code before, in that town
    before: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    after: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    problem: Mapped[str | None] = mapped_column(Text, nullable=True)


# -- per-client rate and cost limits ------------------------------------------------------------------

class RateCounterRow(Base):
    """What one client spent in one window of the rate limits (requests, and characters of text): one row per
    client and window, counted by every worker process against the same database."""

    __tablename__ = "rate_counters"
    client: Mapped[str] = mapped_column(String(160), primary_key=True)
    window_start: Mapped[int] = mapped_column(BigInteger, primary_key=True, index=True)  # seconds since the epoch
    requests: Mapped[int] = mapped_column(Integer, default=0)
    cost: Mapped[int] = mapped_column(BigInteger, default=0)


# -- a town's places that decide who handles a matter (城市建成区, 园区…), kept by the list office -----------

class PlaceRow(Base):
    """One place of a town and its words: `says` put a request there, `not_words` put it elsewhere. Seeded from
    the bundled places.yaml; `revision` grows with every change, so servers notice one and rebuild."""

    __tablename__ = "town_places"
    __table_args__ = (UniqueConstraint("town", "name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    town: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(64))
    says: Mapped[list] = mapped_column(JSON, default=list)
    not_words: Mapped[list] = mapped_column(JSON, default=list)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    updated_by: Mapped[str] = mapped_column(String(64), default="")
    updated_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
