"""Accounts and roles: argon2 passwords, throttled logins, browser sessions with CSRF tokens, API tokens.

Every change to an account is written to the audit log in the same transaction.
"""
from __future__ import annotations

import hashlib
import secrets
from functools import lru_cache
from importlib import resources
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .audit import ACTOR_ROLES, Actor, now, record
from ..registry import department as registry_entry, lookup
from ..store.locks import hold
from ..store.schema import ApiTokenRow, DepartmentRow, LoginAttemptRow, TownRow, UserRow, WebSessionRow
from ..errors import Conflict, Forbidden, InvalidInput, NotFound, TooManyAttempts

ROLES = {role: name for role, name in ACTOR_ROLES.items() if role != "system"}  # the roles an account can have
MIN_PASSWORD_CHARS = 8
MAX_FAILED_LOGINS = 5
THROTTLE_WINDOW = timedelta(minutes=15)
SESSION_LIFETIME = timedelta(hours=12)
KEEP_LOGIN_ATTEMPTS = timedelta(days=7)
DEFAULT_TOKEN_DAYS = 365
TOKEN_STATES = {"active": "有效", "expired": "已过期", "revoked": "已吊销"}
_hasher = PasswordHasher()


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Verifying against this keeps a login for an unknown name as slow as one for a known name. Made at the
    first login, not at import: hashing is slow on purpose (~0.1 s), and a server should start at once."""
    return _hasher.hash("lvzhi-no-such-user")


LOGIN_FAILED = "用户名或密码不对，或账号已停用"


@dataclass(frozen=True)
class User:
    id: int
    username: str
    display_name: str
    role: str
    town: str | None
    department: str | None
    active: bool

    @property
    def role_name(self) -> str:
        return ROLES.get(self.role, self.role)

    @property
    def actor(self) -> Actor:
        return Actor(self.username, "system" if self.id == 0 else self.role)

    @property
    def label(self) -> str:
        where = self.town or self.department
        return f"{self.display_name or self.username}（{self.role_name}{'·' + where if where else ''}）"

    def to_dict(self) -> dict:
        return {"username": self.username, "display_name": self.display_name, "role": self.role,
                "role_name": self.role_name, "town": self.town, "department": self.department, "active": self.active}


def command_line_user() -> User:
    """Whoever runs lvzhi on the server itself: acts with an administrator's rights, audited as the command line."""
    actor = Actor.command_line()
    return User(0, actor.name, "命令行", "admin", None, None, True)


def _user(row: UserRow) -> User:
    return User(row.id, row.username, row.display_name, row.role, row.town, row.department, row.active)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# -- managing accounts -------------------------------------------------------------------------------

def _row(session: Session, username: str) -> UserRow:
    row = session.scalar(select(UserRow).where(UserRow.username == username))
    if row is None:
        raise NotFound(f"没有用户名为“{username}”的账号")
    return row


def _binding(session: Session, role: str, town: str | None, department: str | None) -> tuple[str | None, str | None]:
    """The town or department a role is bound to, checked against the database; canonical department names."""
    if role not in ROLES:
        raise InvalidInput(f"不认识的角色“{role}”，可选：{'、'.join(f'{k}（{v}）' for k, v in ROLES.items())}")
    if role == "town":
        if not town:
            raise InvalidInput("镇街工作人员必须绑定一个镇街：请选择或填写所属镇街")
        if session.scalar(select(TownRow.id).where(TownRow.name == town)) is None:
            raise NotFound(f"没有名为“{town}”的镇街")
        return town, None
    if role == "department":
        if not department:
            raise InvalidInput("部门工作人员必须绑定一个部门：请选择或填写所属部门")
        return None, canonical_department(session, department)
    return None, None


def canonical_department(session: Session, name: str) -> str:
    """The department as the lists print it (or as the registry names it), from any of its names."""
    name = name.strip()
    known = session.scalars(select(DepartmentRow.name)).all()
    if name in known:
        return name
    for candidate in known:
        if name in registry_entry(candidate).names():
            return candidate
    entry = lookup(name)
    if entry is not None:
        return entry.name
    raise NotFound(f"清单和部门登记中都没有名为“{name}”的部门")


PASSWORD_RULE = f"至少 {MIN_PASSWORD_CHARS} 个字符、至少 4 种不同字符，不能是常见密码，不能与用户名相同"


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    text = (resources.files("lvzhi") / "work" / "common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def _check_password(password: str, username: str) -> None:
    if len(password) < MIN_PASSWORD_CHARS:
        raise InvalidInput(f"密码至少 {MIN_PASSWORD_CHARS} 个字符（规则：{PASSWORD_RULE}）")
    if len(password) > 256:
        raise InvalidInput("密码过长（最多 256 个字符）")
    if len(set(password)) < 4:
        raise InvalidInput(f"密码太简单：至少要有 4 种不同的字符（规则：{PASSWORD_RULE}）")
    if password.lower() in common_passwords():
        raise InvalidInput(f"这是常见密码，很容易被猜中，请换一个（规则：{PASSWORD_RULE}）")
    if password.lower() == username.strip().lower():
        raise InvalidInput(f"密码不能与用户名相同（规则：{PASSWORD_RULE}）")


def _check_username(username: str) -> None:
    if not username or len(username) > 64 or any(c.isspace() or not c.isprintable() for c in username):
        raise InvalidInput("用户名不能为空、不能含空白或控制字符，最多 64 个字符")


def _active_admins(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(UserRow).where(UserRow.role == "admin",
                                                                          UserRow.active.is_(True)))


def _keep_an_admin(session: Session, row: UserRow) -> None:
    if row.role == "admin" and row.active and _active_admins(session) <= 1:
        raise Conflict(f"“{row.username}”是最后一个启用的管理员，不能停用或改为其他角色；请先新增或启用另一个管理员")


def add_user(session: Session, actor: Actor, username: str, password: str, role: str, town: str | None = None,
             department: str | None = None, display_name: str = "") -> User:
    username = username.strip()
    _check_username(username)
    if session.scalar(select(UserRow.id).where(UserRow.username == username)) is not None:
        raise Conflict(f"用户名“{username}”已存在")
    _check_password(password, username)
    town, department = _binding(session, role, town, department)
    row = UserRow(username=username, display_name=display_name.strip()[:64], password_hash=_hasher.hash(password),
                  role=role, town=town, department=department, active=True, created_at=now())
    session.add(row)
    session.flush()
    user = _user(row)
    record(session, actor, "user.add", "user", username, after=user.to_dict())
    return user


def list_users(session: Session) -> list[User]:
    return [_user(r) for r in session.scalars(select(UserRow).order_by(UserRow.id))]


def find_user(session: Session, username: str) -> User:
    return _user(_row(session, username))


def set_active(session: Session, actor: Actor, username: str, active: bool) -> User:
    row = _row(session, username)
    before = _user(row).to_dict()
    if not active:
        _keep_an_admin(session, row)
    row.active = active
    if not active:
        session.query(WebSessionRow).filter(WebSessionRow.user_id == row.id).delete()
        _revoke(session, row.id)  # re-enabling later does not bring the tokens back
    record(session, actor, "user.enable" if active else "user.disable", "user", username, before, _user(row).to_dict())
    return _user(row)


def set_role(session: Session, actor: Actor, username: str, role: str, town: str | None = None,
             department: str | None = None) -> User:
    row = _row(session, username)
    before = _user(row).to_dict()
    if role != "admin":
        _keep_an_admin(session, row)
    row.town, row.department = _binding(session, role, town, department)
    row.role = role
    session.query(WebSessionRow).filter(WebSessionRow.user_id == row.id).delete()  # log in again under the new role
    record(session, actor, "user.role", "user", username, before, _user(row).to_dict())
    return _user(row)


def set_password(session: Session, actor: Actor, username: str, password: str) -> None:
    _check_password(password, username)
    row = _row(session, username)
    row.password_hash = _hasher.hash(password)
    session.query(WebSessionRow).filter(WebSessionRow.user_id == row.id).delete()
    revoked = _revoke(session, row.id)
    record(session, actor, "user.password", "user", username, after={"tokens_revoked": revoked} if revoked else None)


def change_own_password(session: Session, user: User, old: str, new: str) -> None:
    """A user's own new password, given the current one; every browser session of the user ends."""
    row = _row(session, user.username)
    try:
        _hasher.verify(row.password_hash, old or "")
    except (VerificationError, InvalidHashError):
        raise InvalidInput("当前密码不对") from None
    if old == new:
        raise InvalidInput("新密码不能与当前密码相同")
    set_password(session, user.actor, user.username, new)


def failed_logins(session: Session, username: str) -> int:
    since = now() - THROTTLE_WINDOW
    return session.scalar(select(func.count()).select_from(LoginAttemptRow).where(
        LoginAttemptRow.username == username, LoginAttemptRow.at >= since, LoginAttemptRow.succeeded.is_(False))) or 0


def locked_usernames(session: Session) -> set[str]:
    since = now() - THROTTLE_WINDOW
    query = (select(LoginAttemptRow.username).where(LoginAttemptRow.at >= since, LoginAttemptRow.succeeded.is_(False))
             .group_by(LoginAttemptRow.username).having(func.count() >= MAX_FAILED_LOGINS))
    return set(session.scalars(query))


def unlock(session: Session, actor: Actor, username: str) -> int:
    """Forgets the recent failed logins of an account, so it may log in again at once; audited."""
    _row(session, username)
    since = now() - THROTTLE_WINDOW
    forgotten = session.query(LoginAttemptRow).filter(
        LoginAttemptRow.username == username, LoginAttemptRow.at >= since,
        LoginAttemptRow.succeeded.is_(False)).delete(synchronize_session=False)
    record(session, actor, "user.unlock", "user", username, after={"cleared_failures": forgotten})
    return forgotten


# -- logging in --------------------------------------------------------------------------------------

def authenticate(session: Session, username: str, password: str, remote: str = "") -> User | None:
    """The user for a correct name and password, else None; the attempt is recorded either way, so the
    caller must commit before reporting a failure. Too many recent failures lock the name for a while."""
    username = (username or "").strip()[:64]
    if session.get_bind().dialect.name == "postgresql":
        hold(session, f"login:{username}")  # workers count and add attempts for one name one at a time
    since = now() - THROTTLE_WINDOW
    failures = session.scalar(select(func.count()).select_from(LoginAttemptRow).where(
        LoginAttemptRow.username == username, LoginAttemptRow.at >= since, LoginAttemptRow.succeeded.is_(False)))
    if failures >= MAX_FAILED_LOGINS:
        raise TooManyAttempts(f"登录失败次数过多，请 {int(THROTTLE_WINDOW.total_seconds() // 60)} 分钟后再试")
    row = session.scalar(select(UserRow).where(UserRow.username == username))
    try:
        _hasher.verify(row.password_hash if row else _dummy_hash(), password or "")
        ok = row is not None and row.active
    except (VerificationError, InvalidHashError):
        ok = False
    session.add(LoginAttemptRow(username=username, remote=remote[:64], at=now(), succeeded=ok))
    _prune(session)
    if not ok:
        return None
    if _hasher.check_needs_rehash(row.password_hash):
        row.password_hash = _hasher.hash(password)
    return _user(row)


def _prune(session: Session) -> None:
    """Login attempts older than the lockout needs, and expired sessions, are not kept."""
    session.query(LoginAttemptRow).filter(LoginAttemptRow.at < now() - KEEP_LOGIN_ATTEMPTS).delete()
    session.query(WebSessionRow).filter(WebSessionRow.expires_at < now()).delete()


def start_session(session: Session, user: User) -> tuple[str, str]:
    """A new browser session: (the cookie's token, the CSRF token)."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    session.add(WebSessionRow(token_hash=_digest(token), user_id=user.id, csrf_token=csrf, created_at=now(),
                              expires_at=now() + SESSION_LIFETIME))
    return token, csrf


def session_user(session: Session, token: str) -> tuple[User, str] | None:
    """The active user and CSRF token of an unexpired session, or None."""
    if not token or len(token) > 128:
        return None
    row = session.scalar(select(WebSessionRow).where(WebSessionRow.token_hash == _digest(token)))
    if row is None or row.expires_at < now():
        return None
    user = session.get(UserRow, row.user_id)
    return (_user(user), row.csrf_token) if user and user.active else None


def end_session(session: Session, token: str) -> None:
    session.query(WebSessionRow).filter(WebSessionRow.token_hash == _digest(token or "")).delete()


# -- API tokens --------------------------------------------------------------------------------------

def issue_token(session: Session, actor: Actor, username: str, name: str, days: int | None = DEFAULT_TOKEN_DAYS) -> str:
    """A new token for the user, shown once: only its hash is kept. `days`: valid for that many days (None: no expiry)."""
    row = _row(session, username)
    if days is not None and not 1 <= days <= 3650:
        raise InvalidInput("令牌有效期应为 1 到 3650 天")
    name = _clean_name(name) or "api"
    token = "lvz_" + secrets.token_urlsafe(32)
    expires = now() + timedelta(days=days) if days is not None else None
    session.add(ApiTokenRow(user_id=row.id, name=name, token_hash=_digest(token), created_at=now(), revoked=False,
                            expires_at=expires))
    record(session, actor, "token.add", "user", username,
           after={"token_name": name, "expires_at": expires.isoformat(timespec="seconds") if expires else None})
    return token


def _clean_name(name: str) -> str:
    return "".join(c for c in (name or "") if c.isprintable()).strip()[:64]


def _revoke(session: Session, user_id: int, token_id: int | None = None) -> int:
    query = select(ApiTokenRow).where(ApiTokenRow.user_id == user_id, ApiTokenRow.revoked.is_(False))
    if token_id is not None:
        query = query.where(ApiTokenRow.id == token_id)
    tokens = session.scalars(query).all()
    for token in tokens:
        token.revoked, token.revoked_at = True, now()
    return len(tokens)


def revoke_tokens(session: Session, actor: Actor, username: str) -> int:
    """Every live token of the user."""
    row = _row(session, username)
    count = _revoke(session, row.id)
    record(session, actor, "token.revoke", "user", username, after={"revoked": count})
    return count


def revoke_token(session: Session, actor: Actor, token_id: int) -> dict:
    """One token, by its id (as token-list shows it)."""
    token = session.get(ApiTokenRow, token_id)
    if token is None:
        raise NotFound(f"没有编号为 {token_id} 的 API 令牌")
    if token.revoked:
        raise Conflict(f"API 令牌 {token_id}（{token.name}）已于 {_stamp(token.revoked_at)} 吊销")
    owner = session.get(UserRow, token.user_id)
    _revoke(session, token.user_id, token_id)
    record(session, actor, "token.revoke", "user", owner.username, after={"token_id": token_id, "token_name": token.name})
    return _token_dict(token, owner.username)


def list_tokens(session: Session, username: str | None = None) -> list[dict]:
    query = select(ApiTokenRow, UserRow.username).join(UserRow, UserRow.id == ApiTokenRow.user_id)
    if username:
        query = query.where(ApiTokenRow.user_id == _row(session, username).id)
    return [_token_dict(t, name) for t, name in session.execute(query.order_by(ApiTokenRow.id))]


def _stamp(at) -> str | None:
    return at.isoformat(timespec="seconds") if at else None


def _token_dict(token: ApiTokenRow, username: str) -> dict:
    if token.revoked:
        state = "revoked"
    elif token.expires_at is not None and token.expires_at < now():
        state = "expired"
    else:
        state = "active"
    return {"id": token.id, "username": username, "name": token.name, "created_at": _stamp(token.created_at),
            "last_used_at": _stamp(token.last_used_at), "expires_at": _stamp(token.expires_at),
            "revoked_at": _stamp(token.revoked_at), "state": state, "state_name": TOKEN_STATES[state]}


def token_user(session: Session, token: str) -> User | None:
    """The active user of a live, unexpired token, or None; the token's last use is noted (once a minute)."""
    if not token or len(token) > 128:
        return None
    row = session.scalar(select(ApiTokenRow).where(ApiTokenRow.token_hash == _digest(token),
                                                   ApiTokenRow.revoked.is_(False)))
    if row is None or (row.expires_at is not None and row.expires_at < now()):
        return None
    user = session.get(UserRow, row.user_id)
    if not (user and user.active):
        return None
    if row.last_used_at is None or now() - row.last_used_at > timedelta(minutes=1):
        row.last_used_at = now()
    return _user(user)


def display_names(session: Session, ids: set[int | None]) -> dict[int, str]:
    """Names to show for user ids (display name, else user name)."""
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return {u.id: u.display_name or u.username for u in session.scalars(select(UserRow).where(UserRow.id.in_(ids)))}


# -- the desk: account administration, the admin's alone -------------------------------------------------

def require_admin(user: User, doing: str = "管理账号或查看审计日志") -> None:
    if user.role != "admin":
        raise Forbidden(f"{user.role_name}无权{doing}")


class AccountDesk:
    """Account administration as the faces use it: admin only, one transaction with its audit entry each."""

    def __init__(self, store):
        self.store = store

    def users(self, user: User) -> list[dict]:
        require_admin(user)
        with self.store.transaction() as session:
            return [u.to_dict() for u in list_users(session)]

    def add(self, user: User, username: str, password: str, role: str, town: str | None = None,
            department: str | None = None, display_name: str = "") -> dict:
        require_admin(user)
        return self.store.run(lambda s: add_user(s, user.actor, username, password, role, town, department,
                                                 display_name).to_dict())

    def set_role(self, user: User, username: str, role: str, town: str | None = None,
                 department: str | None = None) -> dict:
        require_admin(user)
        return self.store.run(lambda s: set_role(s, user.actor, username, role, town, department).to_dict())

    def set_active(self, user: User, username: str, active: bool) -> dict:
        require_admin(user)
        if username == user.username and not active:
            raise Forbidden("不能停用自己的账号")
        return self.store.run(lambda s: set_active(s, user.actor, username, active).to_dict())

    def set_password(self, user: User, username: str, password: str) -> None:
        require_admin(user)
        self.store.run(lambda s: set_password(s, user.actor, username, password))

    def locked(self, user: User) -> set[str]:
        require_admin(user)
        with self.store.transaction() as session:
            return locked_usernames(session)

    def unlock(self, user: User, username: str) -> int:
        require_admin(user, "解除账号锁定")
        return self.store.run(lambda s: unlock(s, user.actor, username))

    def change_own_password(self, user: User, old: str, new: str) -> None:
        if user.id == 0:
            raise InvalidInput("命令行没有自己的密码；请用 lvzhi user password 用户名")
        self.store.run(lambda s: change_own_password(s, user, old, new))

    def issue_token(self, user: User, username: str, name: str, days: int | None = DEFAULT_TOKEN_DAYS) -> str:
        require_admin(user)
        return self.store.run(lambda s: issue_token(s, user.actor, username, name, days))

    def tokens(self, user: User, username: str | None = None) -> list[dict]:
        require_admin(user)
        with self.store.transaction() as session:
            return list_tokens(session, username)

    def revoke_token(self, user: User, token_id: int) -> dict:
        require_admin(user)
        return self.store.run(lambda s: revoke_token(s, user.actor, token_id))

    def revoke_tokens(self, user: User, username: str) -> int:
        require_admin(user)
        return self.store.run(lambda s: revoke_tokens(s, user.actor, username))
