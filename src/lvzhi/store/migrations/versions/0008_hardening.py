"""Hardening: the audit log's hash chain and the triggers that close REPLACE, conflict and TRUNCATE paths;
API tokens with a last use, an expiry and the time they were revoked.

Revision ID: 0008
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

from lvzhi.store.auditchain import APPEND_ONLY_MESSAGE, GENESIS, hash_of

revision = "0008"
down_revision = "0006"
branch_labels = None
depends_on = None

LINK_MESSAGE = "审计日志的新记录必须接在链尾（编号递增，前一哈希等于最后一条的哈希）"


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    _drop_update_guard(postgres)
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("prev_hash", sa.String(64), nullable=True))
        batch.add_column(sa.Column("hash", sa.String(64), nullable=True))
    _seal_existing_rows()
    _guards(postgres)
    with op.batch_alter_table("api_tokens") as batch:
        for column in ("last_used_at", "expires_at", "revoked_at"):
            batch.add_column(sa.Column(column, sa.DateTime, nullable=True))


def _drop_update_guard(postgres: bool) -> None:
    if postgres:
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")


def _seal_existing_rows() -> None:
    bind = op.get_bind()
    table = sa.table("audit_log", *(sa.column(n) for n in (
        "id", "at", "actor", "actor_role", "action", "object_type", "object_id", "list_version", "prev_hash", "hash")),
        sa.column("before", sa.JSON), sa.column("after", sa.JSON))
    prev = GENESIS
    for row in bind.execute(sa.select(table).order_by(table.c.id)).all():
        digest = hash_of(row, prev)
        bind.execute(table.update().where(table.c.id == row.id).values(prev_hash=prev, hash=digest))
        prev = digest


def _guards(postgres: bool) -> None:
    """UPDATE and DELETE refused as before; TRUNCATE refused (PostgreSQL); an INSERT must extend the chain,
    which also refuses SQLite's REPLACE INTO / INSERT OR REPLACE (an existing id is not past the end)."""
    if postgres:
        op.execute("""CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
                      FOR EACH ROW EXECUTE FUNCTION lvzhi_audit_append_only()""")
        op.execute("""CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
                      FOR EACH STATEMENT EXECUTE FUNCTION lvzhi_audit_append_only()""")
        op.execute(f"""
            CREATE FUNCTION lvzhi_audit_link() RETURNS trigger AS $$
            DECLARE last_id integer; last_hash varchar(64);
            BEGIN
              SELECT id, hash INTO last_id, last_hash FROM audit_log ORDER BY id DESC LIMIT 1;
              IF NEW.hash IS NULL OR NEW.id <= COALESCE(last_id, 0)
                 OR NEW.prev_hash IS DISTINCT FROM COALESCE(last_hash, '{GENESIS}') THEN
                RAISE EXCEPTION '{LINK_MESSAGE}';
              END IF;
              RETURN NEW;
            END; $$ LANGUAGE plpgsql""")
        op.execute("""CREATE TRIGGER audit_log_link BEFORE INSERT ON audit_log
                      FOR EACH ROW EXECUTE FUNCTION lvzhi_audit_link()""")
        return
    for event in ("UPDATE", "DELETE"):
        op.execute(f"""CREATE TRIGGER audit_log_no_{event.lower()} BEFORE {event} ON audit_log
                       BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END""")
    op.execute(f"""CREATE TRIGGER audit_log_link BEFORE INSERT ON audit_log
                   WHEN NEW.hash IS NULL
                     OR NEW.id <= COALESCE((SELECT max(id) FROM audit_log), 0)
                     OR NEW.prev_hash IS NOT COALESCE((SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1), '{GENESIS}')
                   BEGIN SELECT RAISE(ABORT, '{LINK_MESSAGE}'); END""")


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table("api_tokens") as batch:
        for column in ("last_used_at", "expires_at", "revoked_at"):
            batch.drop_column(column)
    if postgres:
        op.execute("DROP TRIGGER IF EXISTS audit_log_link ON audit_log")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS lvzhi_audit_link()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_link")
    _drop_update_guard(postgres)
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("hash")
        batch.drop_column("prev_hash")
    if postgres:
        op.execute("""CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
                      FOR EACH ROW EXECUTE FUNCTION lvzhi_audit_append_only()""")
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(f"""CREATE TRIGGER audit_log_no_{event.lower()} BEFORE {event} ON audit_log
                           BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END""")
