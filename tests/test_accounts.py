"""Accounts: argon2id hashes, roles and teams, the first admin, and the `tonecoach users` command."""

from __future__ import annotations

import io
import sys

import pytest
from sqlalchemy import select

from tonecoach.cli import main
from tonecoach.store import Store, StoreError, User
from tonecoach.store import accounts as A
from tonecoach.web.server import LoginThrottle


@pytest.fixture()
def store(tmp_path):
    s = Store(data_dir=tmp_path / "data")
    yield s
    s.close()


def test_hash_is_argon2id_salted_and_verifies():
    h1, h2 = A.hash_password("correct horse"), A.hash_password("correct horse")
    assert h1.startswith("$argon2id$") and h1 != h2  # salted
    assert "m=19456,t=2,p=1" in h1
    assert A.verify_password(h1, "correct horse")
    assert not A.verify_password(h1, "correct horsf")
    assert not A.verify_password(None, "x")
    assert not A.verify_password("not a hash", "x")


def test_add_user_with_team_and_generated_password(store):
    acc, pw = A.add_user(store, "dana", role="agent", team="north")
    assert (acc.name, acc.role, acc.team) == ("dana", "agent", "north")
    assert len(pw) >= 12
    assert A.authenticate(store, "dana", pw) == acc
    assert A.authenticate(store, "dana", pw + "x") is None
    assert A.authenticate(store, "nobody", pw) is None
    assert A.authenticate(store, "dana", "") is None
    with store.session() as s:
        stored = s.scalar(select(User.password_hash).where(User.name == "dana"))
    assert pw not in stored and stored.startswith("$argon2id$")


@pytest.mark.parametrize("kwargs, message", [
    ({"name": "a b", "role": "agent"}, "user name"),
    ({"name": "x", "role": "boss"}, "role is one of"),
    ({"name": "x", "role": "team_lead"}, "needs a team"),
    ({"name": "x", "role": "agent", "password": "short"}, "at least 8"),
    ({"name": "x", "role": "agent", "password": " padded-password "}, "space"),
])
def test_add_user_refuses_bad_input(store, kwargs, message):
    with pytest.raises(StoreError, match=message):
        A.add_user(store, **kwargs)
    assert A.list_accounts(store) == []


def test_names_are_unique_and_lead_alias(store):
    A.add_user(store, "lee", role="lead", team="north", password="password-1")
    with pytest.raises(StoreError, match="already exists"):
        A.add_user(store, "lee", role="agent", password="password-2")
    assert A.get_account(store, "lee").role == "team_lead"
    assert A.authenticate(store, "lee", "password-1") is not None


def test_user_known_from_batch_gets_a_login(store):
    store.get_or_create_user("eve", role="agent")  # as `tonecoach batch --agent eve` would
    assert A.get_account(store, "eve") is None  # no password: cannot log in
    assert A.authenticate(store, "eve", "anything-at-all") is None
    acc, pw = A.add_user(store, "eve", role="agent", team="south")
    assert acc.team == "south" and A.authenticate(store, "eve", pw) is not None


def test_set_password(store):
    A.add_user(store, "dana", role="agent", password="first-password")
    A.set_password(store, "dana", "second-password")
    assert A.authenticate(store, "dana", "first-password") is None
    assert A.authenticate(store, "dana", "second-password") is not None
    with pytest.raises(StoreError, match="no user named"):
        A.set_password(store, "ghost", "whatever-password")


def test_fresh_install_creates_one_admin_and_shows_its_password_once(store, monkeypatch):
    monkeypatch.delenv(A.ADMIN_PASSWORD_ENV, raising=False)
    pw = A.ensure_admin(store)
    assert pw and A.authenticate(store, "admin", pw).role == "admin"
    assert A.ensure_admin(store) is None  # not again
    assert [a.name for a, _ in A.list_accounts(store)] == ["admin"]


def test_first_admin_password_from_the_environment(store, monkeypatch):
    monkeypatch.setenv(A.ADMIN_PASSWORD_ENV, "from-the-environment")
    assert A.ensure_admin(store) is None  # nothing to print
    assert A.authenticate(store, "admin", "from-the-environment").is_admin


def test_login_throttle_after_repeated_failures():
    now = [0.0]
    t = LoginThrottle(max_failures=3, wait_s=30.0, clock=lambda: now[0])
    for _ in range(3):
        assert t.allowed("x")
        t.record("x", False)
    assert not t.allowed("x") and t.allowed("y")
    now[0] = 31.0
    assert t.allowed("x")
    t.record("x", True)
    assert t.allowed("x")


def _run(argv, stdin_text=None, monkeypatch=None):
    out, err = io.StringIO(), io.StringIO()
    if stdin_text is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin_text))
    code = main(argv, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_users_command_add_passwd_list(tmp_path, monkeypatch):
    d = str(tmp_path / "data")
    code, out, err = _run(["users", "--data-dir", d, "add", "dana", "--role", "agent", "--team", "north"],
                          "", monkeypatch)
    assert code == 0, err
    assert "added dana (agent in team north)" in out
    generated = out.split("password: ")[1].strip()
    code, out, _ = _run(["users", "--data-dir", d, "add", "lee", "--role", "lead", "--team", "north",
                         "--password-stdin"], "lee-password\n", monkeypatch)
    assert code == 0 and "password:" not in out
    code, out, _ = _run(["users", "--data-dir", d, "passwd", "dana", "--password-stdin"], "new-password\n", monkeypatch)
    assert code == 0 and "password of dana changed" in out
    code, out, _ = _run(["users", "--data-dir", d, "list"], "", monkeypatch)
    assert code == 0
    assert [line.split()[:3] for line in out.splitlines()] == [["dana", "agent", "north"], ["lee", "team_lead", "north"]]
    with Store(data_dir=d) as s:
        assert A.authenticate(s, "dana", generated) is None
        assert A.authenticate(s, "dana", "new-password") is not None
        assert A.authenticate(s, "lee", "lee-password").role == "team_lead"
    code, _, err = _run(["users", "--data-dir", d, "add", "dana", "--role", "agent"], "", monkeypatch)
    assert code == 1 and "already exists" in err
    code, _, err = _run(["users", "--data-dir", d, "passwd", "dana", "--password-stdin"], "short\n", monkeypatch)
    assert code == 1 and "at least 8" in err


def test_a_new_password_or_disabling_moves_the_session_epoch(store):
    A.add_user(store, "dana", role="agent", password="first-password")
    assert A.session_epoch(store, "dana") == 0
    A.set_password(store, "dana", "second-password")
    assert A.session_epoch(store, "dana") == 1
    acc = A.set_disabled(store, "dana")
    assert acc.disabled and A.session_epoch(store, "dana") is None
    assert A.authenticate(store, "dana", "second-password") is None and A.get_account(store, "dana") is None
    assert A.set_disabled(store, "dana", False).disabled is False
    assert A.session_epoch(store, "dana") == 2  # the sessions of before stay ended
    assert A.authenticate(store, "dana", "second-password").session_epoch == 2
    assert A.session_epoch(store, "ghost") is None
    with pytest.raises(StoreError, match="no user named"):
        A.set_disabled(store, "ghost")


def test_the_admin_password_file_goes_when_the_password_changes(store, monkeypatch, tmp_path):
    import stat

    monkeypatch.delenv(A.ADMIN_PASSWORD_ENV, raising=False)
    pw = A.ensure_admin(store)
    f = A.write_admin_password_file(store.data_dir, "admin", pw)
    assert stat.S_IMODE(f.stat().st_mode) == 0o600 and pw in f.read_text()
    A.set_password(store, "admin", "a-new-admin-password")
    assert not f.exists()


def test_login_throttle_counts_an_attempt_before_it_is_checked():
    from tonecoach.web.security import Attempt, Refused

    now = [0.0]
    t = LoginThrottle(max_failures=3, wait_s=30.0, address_max_failures=5, address_window_s=100.0, clock=lambda: now[0])
    let_through = [t.begin("x", "10.0.0.1") for _ in range(10)]  # ten at once, none checked yet
    assert sum(isinstance(a, Attempt) for a in let_through) == 3
    assert all(isinstance(a, Refused) and "for this name" in a.message for a in let_through[3:])
    t.finish(let_through[0], True)  # one of them was right: the row ends
    assert isinstance(t.begin("x", "10.0.0.1"), Attempt)
    # the address: 5 failures in 100 s, whatever the names
    assert [isinstance(t.begin(n, "10.0.0.1"), Attempt) for n in ("a", "b", "c")] == [True, True, False]
    assert "from this address" in t.begin("d", "10.0.0.1").message
    assert isinstance(t.begin("d", "10.0.0.2"), Attempt)
    now[0] = 101.0
    assert isinstance(t.begin("d", "10.0.0.1"), Attempt)


def test_users_disable_and_enable_from_the_command_line(tmp_path, monkeypatch):
    d = str(tmp_path / "data")
    assert _run(["users", "--data-dir", d, "add", "dana", "--role", "agent", "--password-stdin"], "dana-password\n",
                monkeypatch)[0] == 0
    code, out, _ = _run(["users", "--data-dir", d, "disable", "dana"], "", monkeypatch)
    assert code == 0 and "dana disabled" in out
    assert "(disabled)" in _run(["users", "--data-dir", d, "list"], "", monkeypatch)[1]
    code, out, _ = _run(["users", "--data-dir", d, "enable", "dana"], "", monkeypatch)
    assert code == 0 and "dana enabled" in out
    code, _, err = _run(["users", "--data-dir", d, "disable", "nobody"], "", monkeypatch)
    assert code == 1 and "no user named 'nobody'" in err


@pytest.mark.parametrize("argv, message", [
    (["--public-url", "coach.example.com"], "public URL must be an http(s) address"),
    (["--session-idle", "soon"], "not a duration"),
    (["--max-duration=-5m"], "must be positive"),
    (["--max-jobs-per-user", "0"], "at least 1"),
])
def test_serve_refuses_bad_security_settings(tmp_path, argv, message):
    out, err = io.StringIO(), io.StringIO()
    assert main(["serve", "--data-dir", str(tmp_path / "d"), "--port", "0", *argv], stdout=out, stderr=err) == 1
    assert message in err.getvalue()
