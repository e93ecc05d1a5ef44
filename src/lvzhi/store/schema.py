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
    town: Mapped[TownRow] = relationship(back_populates="versions")
    items: Mapped[list[ItemRow]] = relationship(back_populates="version", order_by="ItemRow.id")


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
