"""Accounts: users with roles and teams, and their passwords (argon2id).

    from tonecoach.store import Store
    from tonecoach.store.accounts import add_user, authenticate, ensure_admin

    user, password = add_user(store, "dana", role="agent", team="north")   # password generated when not given
    authenticate(store, "dana", password)                                   # -> User, or None

Passwords are hashed with argon2id (``argon2-cffi``) at the OWASP Password
Storage Cheat Sheet's argon2id setting: 19 MiB of memory, 2 iterations, 1 lane.
A stored hash made with other settings is upgraded on the next good login.
"""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from .api import Store
from .errors import StoreError
from .models import ROLES, Team, User

__all__ = [
    "ADMIN_PASSWORD_ENV",
    "MIN_PASSWORD_LENGTH",
    "Account",
    "add_user",
    "authenticate",
    "ensure_admin",
    "generate_password",
    "get_account",
    "hash_password",
    "list_accounts",
    "set_password",
    "verify_password",
]

#: The first admin's password on a fresh install, when set (else one is generated and printed once).
ADMIN_PASSWORD_ENV = "TONECOACH_ADMIN_PASSWORD"
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

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_lead(self) -> bool:
        return self.role == "team_lead"


def _account(u: User) -> Account:
    return Account(id=u.id, name=u.name, role=u.role, team_id=u.team_id, team=u.team.name if u.team else None)


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
    """Set (or generate) a user's password; returns it."""
    password = check_password(password) if password is not None else generate_password()
    digest = hash_password(password)
    with store.write() as s:
        u = s.scalar(select(User).where(User.name == (name or "").strip()))
        if u is None:
            raise StoreError(f"no user named '{name}'; add one with 'tonecoach users add {name} --role agent'")
        u.password_hash = digest
    return password


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
    if not verify_password(u.password_hash, password):
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
    return _account(u) if u is not None and u.password_hash else None


def list_accounts(store: Store) -> list[tuple[Account, bool]]:
    """Every user, with whether they can log in, by name."""
    with store.session() as s:
        users = s.scalars(select(User).options(selectinload(User.team)).order_by(User.name))
        return [(_account(u), bool(u.password_hash)) for u in users]


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
