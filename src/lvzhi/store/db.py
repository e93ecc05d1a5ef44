"""Opening the database: the embedded SQLite file by default, PostgreSQL via LVZHI_DATABASE_URL."""
from __future__ import annotations

import ast
import os
from functools import lru_cache
from pathlib import Path

from platformdirs import user_data_dir
from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.orm import Session, sessionmaker

from ..errors import Conflict, DatabaseError

ENV_URL = "LVZHI_DATABASE_URL"
MIGRATIONS = Path(__file__).with_name("migrations")


def default_url() -> str:
    if os.environ.get(ENV_URL):
        return os.environ[ENV_URL]
    folder = Path(user_data_dir("lvzhi", appauthor=False))
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'lvzhi.db'}"


def normalise_url(url: str) -> str:
    """Accepts a plain file path for SQLite and postgresql:// URLs for psycopg 3."""
    if "://" not in url:
        return f"sqlite:///{Path(url).expanduser().resolve()}"
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(url: str | None = None) -> Engine:
    url = normalise_url(url or default_url())
    try:
        engine = create_engine(url)
    except Exception as exc:  # bad URL or missing driver
        raise DatabaseError(f"无法识别数据库地址“{url}”：{exc}") from exc
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


MIGRATION_LOCK = 0x6C767A68  # "lvzh": the PostgreSQL advisory lock held while migrating


def migrate(engine: Engine) -> tuple[str | None, str | None]:
    """Brings the schema up to the newest Alembic revision: (revision before, revision after). A database already
    there costs one query: Alembic (its import and its reading of every migration script, ~0.5 s) is loaded only
    when there is work to do. On PostgreSQL, processes that start at once (several hosts after an upgrade) migrate
    one after the other: the later ones find the work done."""
    if at_head(engine):
        head = head_revision()
        return head, head
    from alembic import command
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    try:
        with engine.begin() as connection:
            if engine.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
            before = MigrationContext.configure(connection).get_current_revision()
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
            return before, MigrationContext.configure(connection).get_current_revision()
    except Exception as exc:
        raise DatabaseError(f"无法打开或升级数据库（{engine.url.render_as_string(hide_password=True)}）：{exc}") from exc


@lru_cache(maxsize=1)
def head_revision() -> str | None:
    """The newest revision of the migration scripts (the one no other script follows), read from their
    `revision` and `down_revision` assignments; None when that cannot be told (then Alembic decides)."""
    revisions, followed = set(), set()
    try:
        for script in (MIGRATIONS / "versions").glob("*.py"):
            values = {}
            for node in ast.parse(script.read_text(encoding="utf-8")).body:
                if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                    values[node.targets[0].id] = node.value
                elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
                    values[node.target.id] = node.value
            revision = ast.literal_eval(values["revision"])
            down = ast.literal_eval(values["down_revision"]) if "down_revision" in values else None
            revisions.add(revision)
            followed.update(down if isinstance(down, (tuple, list)) else [down] if down else [])
    except (OSError, SyntaxError, KeyError, ValueError):
        return None
    heads = revisions - followed
    return heads.pop() if len(heads) == 1 else None


def at_head(engine: Engine) -> bool:
    """Whether the database's schema is at the newest revision (so there is nothing to migrate)."""
    head = head_revision()
    if head is None:
        return False
    try:
        with engine.connect() as connection:
            stamped = [row[0] for row in connection.execute(text("SELECT version_num FROM alembic_version"))]
    except Exception:  # no alembic_version table yet: a new database
        return False
    return stamped == [head]


def has_schema(engine: Engine) -> bool:
    return inspect(engine).has_table("towns")


class PublishedVersionChanged(Conflict):
    """Something tried to change or delete a published list version; only new versions may be added."""


def _keep_versions_immutable(session: Session, _context, _instances) -> None:
    from .schema import ItemDepartmentRow, ItemRow, VersionRow

    published = (VersionRow, ItemRow, ItemDepartmentRow)
    touched = [o for o in [*session.dirty, *session.deleted]
               if isinstance(o, published) and (o in session.deleted or session.is_modified(o))]
    if touched:
        raise PublishedVersionChanged("已发布的清单版本不可修改或删除；如需调整，请导入新版本")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    factory = sessionmaker(engine, expire_on_commit=False)
    event.listen(factory, "before_flush", _keep_versions_immutable)
    return factory
