"""Users, their roles, passwords (argon2id) and API tokens (only a SHA-256 of each token is stored).

A token is 256 random bits, so a fast hash is enough to make the stored value useless to a thief; passwords
are guessable and get argon2id. Failed log-ins count towards a lockout (LOCK_AFTER in a row locks the account
for LOCK_FOR), and every log-in, failed or not, is an audit event.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Engine, delete, insert, select, update

from trailguard.review import audit
from trailguard.review import tables as rt

NAME = re.compile(r"\A[a-z0-9][a-z0-9._-]{0,63}\Z")
MIN_PASSWORD, MAX_PASSWORD = 12, 1024
LOCK_AFTER = 5
LOCK_FOR = timedelta(minutes=15)
TOKEN_PREFIX = "tg_"

_hasher = PasswordHasher()


@dataclass(frozen=True, slots=True)
class User:
    id: int
    name: str
    role: str


def _now() -> datetime:
    return datetime.now(UTC)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogateescape")).hexdigest()


def check_new(name: str, role: str, password: str) -> None:
    """ValueError naming what is wrong with a new user's name, role or password."""
    if not NAME.match(name):
        raise ValueError("a user name is 1-64 of a-z, 0-9, '.', '_', '-', starting with a letter or digit")
    if role not in rt.ROLES:
        raise ValueError(f"role must be one of {', '.join(rt.ROLES)}, got {role!r}")
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise ValueError(f"a password has {MIN_PASSWORD} to {MAX_PASSWORD} characters")


def add_user(conn: Connection, name: str, role: str, password: str, by: str) -> User:
    """Create a user (ValueError when invalid or taken); recorded in the audit log in the same transaction."""
    check_new(name, role, password)
    if conn.execute(select(rt.users.c.id).where(rt.users.c.name == name)).first() is not None:
        raise ValueError(f"user {name!r} exists")
    result = conn.execute(
        insert(rt.users).values(
            name=name, role=role, password_hash=_hasher.hash(password), failed_logins=0, created_at=_now()
        )
    )
    audit.record(conn, by, "user.add", name, {"role": role})
    return User(int(result.inserted_primary_key[0]), name, role)  # type: ignore[index]


def set_password(conn: Connection, name: str, password: str, by: str) -> User:
    """Give an existing user a new password (LookupError if there is none): the account is unlocked and its
    sessions end, so only the new password opens it; recorded in the audit log."""
    user = find_user(conn, name)
    if user is None:
        raise LookupError(f"no user {name[:64]!r}")
    check_new(user.name, user.role, password)
    conn.execute(
        update(rt.users)
        .where(rt.users.c.id == user.id)
        .values(password_hash=_hasher.hash(password), failed_logins=0, locked_until=None)
    )
    conn.execute(delete(rt.sessions).where(rt.sessions.c.user_id == user.id))
    audit.record(conn, by, "user.password", user.name)
    return user


def find_user(conn: Connection, name: str) -> User | None:
    row = conn.execute(
        select(rt.users.c.id, rt.users.c.name, rt.users.c.role).where(rt.users.c.name == name)
    ).first()
    return None if row is None else User(row.id, row.name, row.role)


def list_users(engine: Engine) -> list[dict[str, object]]:
    with engine.connect() as conn:
        rows = conn.execute(select(rt.users).order_by(rt.users.c.name)).all()
    return [
        {
            "name": r.name,
            "role": r.role,
            "failed_logins": r.failed_logins,
            "locked": r.locked_until is not None and _aware(r.locked_until) > _now(),
            "created_at": _aware(r.created_at).isoformat(),
        }
        for r in rows
    ]


def new_token(conn: Connection, user: User, by: str) -> str:
    """A new API token for `user`; shown once, stored only as its digest."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    conn.execute(insert(rt.api_tokens).values(user_id=user.id, token_sha256=digest(token), created_at=_now()))
    audit.record(conn, by, "token.create", user.name)
    return token


def user_for_token(engine: Engine, token: str) -> User | None:
    if not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        return None
    t, u = rt.api_tokens, rt.users
    with engine.connect() as conn:
        row = conn.execute(
            select(u.c.id, u.c.name, u.c.role)
            .join(t, t.c.user_id == u.c.id)
            .where(t.c.token_sha256 == digest(token), t.c.revoked_at.is_(None))
        ).first()
    return None if row is None else User(row.id, row.name, row.role)


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=UTC)  # SQLite hands back naive datetimes


def log_in(log: audit.AuditLog, name: str, password: str) -> User | None:
    """The user if the password is right and the account not locked; every attempt is an audit event."""
    u = rt.users
    with log.begin() as conn:
        # Write first (a no-op update) so that SQLite takes its write lock before reading: see audit.record.
        conn.execute(update(u).where(u.c.name == name).values(failed_logins=u.c.failed_logins))
        row = conn.execute(select(u).where(u.c.name == name)).first()
        if row is None:
            _hasher.hash(password[:MAX_PASSWORD])  # the same work as a real check: no timing oracle on names
            audit.record(conn, "anonymous", "login.failed", name[:64], {"reason": "unknown user"})
            return None
        now = _now()
        if row.locked_until is not None and _aware(row.locked_until) > now:
            audit.record(conn, row.name, "login.failed", row.name, {"reason": "locked"})
            return None
        try:
            _hasher.verify(row.password_hash, password[:MAX_PASSWORD])
        except (VerificationError, InvalidHashError):
            failed = row.failed_logins + 1
            locked = now + LOCK_FOR if failed >= LOCK_AFTER else None
            conn.execute(
                update(u)
                .where(u.c.id == row.id)
                .values(failed_logins=0 if locked else failed, locked_until=locked)
            )
            audit.record(
                conn, row.name, "login.failed", row.name, {"reason": "password", "locked": bool(locked)}
            )
            return None
        conn.execute(update(u).where(u.c.id == row.id).values(failed_logins=0, locked_until=None))
        audit.record(conn, row.name, "login", row.name)
        return User(row.id, row.name, row.role)


SESSION_FOR = timedelta(hours=8)


def start_session(conn: Connection, user: User) -> tuple[str, str]:
    """A new session for `user`: the cookie value (stored only as its digest) and its CSRF token."""
    cookie, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    now = _now()
    conn.execute(
        insert(rt.sessions).values(
            id_sha256=digest(cookie),
            user_id=user.id,
            csrf_token=csrf,
            created_at=now,
            expires_at=now + SESSION_FOR,
        )
    )
    return cookie, csrf


def user_for_session(engine: Engine, cookie: str) -> tuple[User, str] | None:
    """The session's user and CSRF token, while the session lasts."""
    if len(cookie) > 100:
        return None
    s, u = rt.sessions, rt.users
    with engine.connect() as conn:
        row = conn.execute(
            select(u.c.id, u.c.name, u.c.role, s.c.csrf_token, s.c.expires_at)
            .join(s, s.c.user_id == u.c.id)
            .where(s.c.id_sha256 == digest(cookie))
        ).first()
    if row is None or _aware(row.expires_at) <= _now():
        return None
    return User(row.id, row.name, row.role), row.csrf_token


def end_session(conn: Connection, cookie: str) -> None:
    conn.execute(delete(rt.sessions).where(rt.sessions.c.id_sha256 == digest(cookie)))
