"""Accounts: users with roles and teams, and their passwords (argon2id).

    from tonecoach.store import Store
    from tonecoach.store.accounts import add_user, authenticate, ensure_admin

    user, password = add_user(store, "dana", role="agent", team="north")   # password generated when not given
    authenticate(store, "dana", password)                                   # -> User, or None

Passwords are hashed with argon2id (``argon2-cffi``) at the OWASP Password
Storage Cheat Sheet's argon2id setting: 19 MiB of memory, 2 iterations, 1 lane.
A stored hash made with other settings is upgraded on the next good login.

Sessions: a user's ``session_epoch`` goes up when their password is set and
when they are disabled; the web app's sessions remember the epoch they were
opened under and end when it is no longer the user's (:func:`session_epoch`).
A disabled user cannot log in and is not found by :func:`get_account`.
"""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from .api import Store
from .errors import StoreError
from .models import ROLES, Team, User

__all__ = [
    "ADMIN_PASSWORD_ENV",
    "ADMIN_PASSWORD_FILE",
    "MIN_PASSWORD_LENGTH",
    "Account",
    "add_user",
    "authenticate",
    "ensure_admin",
    "generate_password",
    "get_account",
    "hash_password",
    "list_accounts",
    "session_epoch",
    "set_disabled",
    "set_password",
    "verify_password",
    "write_admin_password_file",
]

#: The first admin's password on a fresh install, when set (else one is generated into ADMIN_PASSWORD_FILE).
ADMIN_PASSWORD_ENV = "TONECOACH_ADMIN_PASSWORD"
#: Where a generated first admin password is written (mode 0600, in the data directory); deleted when it is changed.
ADMIN_PASSWORD_FILE = "admin-password.txt"
MIN_PASSWORD_LENGTH = 8
ROLE_ALIASES = {"lead": "team_lead", "team-lead": "team_lead", "teamlead": "team_lead"}
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")

# OWASP Password Storage Cheat Sheet, argon2id: m=19 MiB, t=2, p=1.
_HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
# Verified against when the user does not exist, so that a wrong name costs as long as a wrong password.
_DUMMY_HASH = _HASHER.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class Account:
    """Who is logged in: what the permission checks need, nothing secret."""

    id: int
    name: str
    role: str
    team_id: int | None
    team: str | None
    session_epoch: int = 0
    disabled: bool = False

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

def _account(u: User) -> Account:
    return Account(id=u.id, name=u.name, role=u.role, team_id=u.team_id, team=u.team.name if u.team else None,
                   session_epoch=int(u.session_epoch or 0), disabled=u.disabled_at is not None)


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; False for a mismatch, an empty hash or a malformed one."""
    if not password_hash:
        _verify_dummy(password)
        return False
    try:
        return _HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _verify_dummy(password: str) -> None:
    try:
        _HASHER.verify(_DUMMY_HASH, password)
    except VerificationError:
        pass


def generate_password() -> str:
    """A random password (about 96 bits), easy to copy."""
    return secrets.token_urlsafe(12)


def check_name(name: str) -> str:
    name = (name or "").strip()
    if not _NAME.match(name):
        raise StoreError(f"a user name is 1-64 letters, digits, '.', '_', '-' or '@', starting with a letter or digit; "
                         f"not {name!r}")
    return name


def check_role(role: str) -> str:
    role = ROLE_ALIASES.get((role or "").strip().lower(), (role or "").strip().lower())
    if role not in ROLES:
        raise StoreError(f"a role is one of {', '.join(ROLES)} (or 'lead'), not {role!r}")
    return role


def check_password(password: str) -> str:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise StoreError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    if password != password.strip():
        raise StoreError("a password cannot start or end with a space")
    return password


def add_user(store: Store, name: str, *, role: str = "agent", team: str | None = None,
             password: str | None = None) -> tuple[Account, str]:
    """Create a user who can log in; returns the account and its password (generated when not given).

    Raises
    ------
    StoreError
        When the name is taken or the name, role or password is not valid. A
        team lead needs a team (the team they review).
    """
    name, role = check_name(name), check_role(role)
    team = (team or "").strip() or None
    if role == "team_lead" and not team:
        raise StoreError("a team lead needs a team: add --team TEAM")
    password = check_password(password) if password is not None else generate_password()
    digest = hash_password(password)
    with store.write() as s:
        if s.scalar(select(User).where(User.name == name)) is not None:
            existing = s.scalar(select(User).where(User.name == name))
            if existing.password_hash:
                raise StoreError(f"user '{name}' already exists; change the password with 'tonecoach users passwd {name}'")
            # a user known from batch runs (no login yet): give them one
            existing.role, existing.password_hash = role, digest
            if team:
                existing.team_id = _team_id(s, team)
            s.flush()
            u = existing
        else:
            u = User(name=name, role=role, team_id=_team_id(s, team) if team else None, password_hash=digest)
            s.add(u)
            s.flush()
        s.refresh(u, ["team"])
        return _account(u), password


def _team_id(s, name: str) -> int:
    t = s.scalar(select(Team).where(Team.name == name))
    if t is None:
        t = Team(name=name)
        s.add(t)
        s.flush()
    return t.id


def set_password(store: Store, name: str, password: str | None = None) -> str:
    """Set (or generate) a user's password; returns it. Every session of the user ends."""
    password = check_password(password) if password is not None else generate_password()
    digest = hash_password(password)
    name = (name or "").strip()
    with store.write() as s:
        u = s.scalar(select(User).where(User.name == name))
        if u is None:
            raise StoreError(f"no user named '{name}'; add one with 'tonecoach users add {name} --role agent'")
        u.password_hash = digest
        u.session_epoch = int(u.session_epoch or 0) + 1
    _forget_admin_password_file(store.data_dir, name)
    return password


def set_disabled(store: Store, name: str, disabled: bool = True) -> Account:
    """Disable a user (no login; every session ends at once) or enable them again (sessions stay ended)."""
    from .models import utcnow

    name = (name or "").strip()
    with store.write() as s:
        u = s.scalar(select(User).options(selectinload(User.team)).where(User.name == name))
        if u is None:
            raise StoreError(f"no user named '{name}'")
        if disabled and u.disabled_at is None:
            u.disabled_at = utcnow()
            u.session_epoch = int(u.session_epoch or 0) + 1
        elif not disabled:
            u.disabled_at = None
        s.flush()
        return _account(u)


def session_epoch(store: Store, name: str | None) -> int | None:
    """The session epoch of a user who may be logged in now; None when they may not (gone, disabled, no password)."""
    if not name:
        return None
    with store.session() as s:
        row = s.execute(select(User.session_epoch, User.disabled_at, User.password_hash)
                        .where(User.name == name)).first()
    if row is None or row[1] is not None or not row[2]:
        return None
    return int(row[0] or 0)


def authenticate(store: Store, name: str, password: str) -> Account | None:
    """The account when the name and password match, else None (the same time either way)."""
    name = (name or "").strip()
    if not name or not isinstance(password, str) or not password:
        return None
    with store.session() as s:
        u = s.scalar(select(User).options(selectinload(User.team)).where(User.name == name))
    if u is None:
        _verify_dummy(password)
        return None
    if not verify_password(u.password_hash, password) or u.disabled_at is not None:
        return None
    if _HASHER.check_needs_rehash(u.password_hash):
        with store.write() as s:
            row = s.get(User, u.id)
            if row is not None:
                row.password_hash = hash_password(password)
    return _account(u)


def get_account(store: Store, name: str | None) -> Account | None:
    """The account of a user who can log in, by name."""
    if not name:
        return None
    with store.session() as s:
        u = s.scalar(select(User).options(selectinload(User.team)).where(User.name == name.strip()))
    return _account(u) if u is not None and u.password_hash and u.disabled_at is None else None


def list_accounts(store: Store) -> list[tuple[Account, bool]]:
    """Every user, with whether they can log in (a password, not disabled), by name."""
    with store.session() as s:
        users = s.scalars(select(User).options(selectinload(User.team)).order_by(User.name))
        return [(_account(u), bool(u.password_hash) and u.disabled_at is None) for u in users]


def ensure_admin(store: Store, *, name: str = "admin", password: str | None = None) -> str | None:
    """On a fresh install (no admin who can log in), create one.

    The password is ``password``, else ``$TONECOACH_ADMIN_PASSWORD``, else a
    generated one. Returns the generated password (to print once), or None
    when an admin already exists or the password came from the caller or the
    environment.
    """
    with store.session() as s:
        n = s.scalar(select(func.count()).select_from(User).where(User.role == "admin", User.password_hash.is_not(None)))
    if n:
        return None
    given = password if password is not None else (os.environ.get(ADMIN_PASSWORD_ENV) or None)
    with store.session() as s:
        taken = s.scalar(select(User).where(User.name == name))
    if taken is not None and taken.password_hash:
        raise StoreError(f"there is no admin, and the name '{name}' is taken by a {taken.role}; "
                         "create one with 'tonecoach users add NAME --role admin'")
    _, pw = add_user(store, name, role="admin", password=given)
    return None if given is not None else pw


def write_admin_password_file(data_dir: str | os.PathLike, name: str, password: str) -> Path:
    """Write a generated first admin password to ``<data_dir>/admin-password.txt``, readable by this user only."""
    path = Path(data_dir) / ADMIN_PASSWORD_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)  # an older file of other mode is truncated, not trusted
        os.write(fd, (f"user: {name}\npassword: {password}\n"
                      "Log in, change this password in the Account tab (or 'tonecoach users passwd "
                      f"{name}'), and this file is deleted.\n").encode())
    finally:
        os.close(fd)
    return path


def _forget_admin_password_file(data_dir: str | os.PathLike, name: str) -> None:
    """The generated password of ``name`` is no longer theirs: delete the file that held it."""
    path = Path(data_dir) / ADMIN_PASSWORD_FILE
    try:
        first = path.read_text().splitlines()[0]
    except (OSError, IndexError):
        return
    if first == f"user: {name}":
        try:
            path.unlink()
        except OSError:
            pass
