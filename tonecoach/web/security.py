"""What stands between the web app and its users: logins, sessions, other sites, files, and each user's share.

Gradio serves the app; these pieces sit around it (see :mod:`tonecoach.web.server`
for how they are put together, and ``SECURITY.md`` for the threat model):

- :class:`LoginThrottle`: wrong passwords, per name and per client address; an
  attempt is counted *before* its password is checked, so a burst sent at once
  is held to the same numbers as guesses sent one by one;
- :class:`SessionStore`: the login sessions (Gradio's token table), each
  ending after an idle time, when the user's password changes and when the user
  is disabled;
- :class:`SitePolicy` and :class:`OriginGuard`: requests a page of another site
  makes a browser send (a foreign ``Origin``, ``Sec-Fetch-Site: cross-site``) are
  refused before Gradio sees them;
- :class:`FileRegistry` and :class:`FileGuard`: every file of the app's upload
  cache belongs to the user who uploaded it, or to a report (a played moment);
  Gradio's file route serves it only to them, and an event can take an
  uploaded file as input only from its uploader;
- :func:`limit_jobs_per_user`: at most N analyses (and N clips) of one user in
  the queue or running;
- :func:`md`: text shown in Markdown is shown as text.
"""

from __future__ import annotations

import collections
import json
import logging
import math
import os
import re
import secrets
import threading
import time
import wave
from collections.abc import Callable, Iterator, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np

from ..errors import ToneCoachError

__all__ = [
    "FileGuard",
    "FileRegistry",
    "LoginThrottle",
    "OriginGuard",
    "SessionStore",
    "SitePolicy",
    "limit_jobs_per_user",
    "parse_duration",
    "secure_data_dir",
    "sweep_dir",
]

log = logging.getLogger("tonecoach")

def parse_duration(text: str | float | int) -> float:
    """``"12h"``, ``"30m"``, ``"90s"``, ``"1.5h"`` or a number of seconds -> seconds."""
    if isinstance(text, (int, float)):
        value = float(text)
    else:
        s = str(text).strip().lower().replace(" ", "")
        mult = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}.get(s[-1:] if s else "", None)
        try:
            value = float(s[:-1] if mult is not None else s) * (mult or 1.0)
        except ValueError:
            raise ToneCoachError(f"not a duration: {text!r} (write e.g. 12h, 30m or 900s)") from None
    if not (value > 0 and math.isfinite(value)):
        raise ToneCoachError(f"a duration must be positive, not {text!r}")
    return value


# -- logins -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Attempt:
    """A login (or current-password) attempt that was let through: hand it back with :meth:`LoginThrottle.finish`."""

    name: str
    address: str | None
    at: float


@dataclass(frozen=True)
class Refused:
    """An attempt refused unchecked: too many wrong passwords for this name or from this address."""

    reason: str
    wait_s: float

    @property
    def message(self) -> str:
        return f"too many wrong passwords {self.reason}; try again in {max(1, math.ceil(self.wait_s))} s"


class LoginThrottle:
    """Wrong passwords, per name and per client address.

    - per name: after ``max_failures`` wrong passwords in a row, one try per
      ``wait_s`` seconds (a right password ends the row);
    - per address: at most ``address_max_failures`` wrong passwords in any
      ``address_window_s`` seconds, whatever the names (spraying guesses over
      many names).

    :meth:`begin` counts an attempt as a failure before its password is
    checked; :meth:`finish` takes that back when it was right. So guesses sent
    all at once cannot all pass the check before the first failure is counted.
    """

    MAX_KEYS = 10_000  # bounded memory under a flood of made-up names or addresses

    def __init__(self, max_failures: int = 5, wait_s: float = 30.0, *, address_max_failures: int = 20,
                 address_window_s: float = 600.0, clock: Callable[[], float] = time.monotonic):
        self.max_failures, self.wait_s, self.clock = max_failures, wait_s, clock
        self.address_max_failures, self.address_window_s = address_max_failures, address_window_s
        self._names: dict[str, tuple[int, float]] = {}
        self._addresses: dict[str, collections.deque[float]] = {}
        self._lock = threading.Lock()

    def _name_wait(self, name: str, now: float) -> float:
        n, last = self._names.get(name, (0, 0.0))
        return 0.0 if n < self.max_failures else max(0.0, self.wait_s - (now - last))

    def _address_wait(self, address: str | None, now: float) -> float:
        if not address:
            return 0.0
        q = self._addresses.get(address)
        if q is None:
            return 0.0
        while q and now - q[0] >= self.address_window_s:
            q.popleft()
        return 0.0 if len(q) < self.address_max_failures else max(0.0, self.address_window_s - (now - q[0]))

    def begin(self, name: str, address: str | None = None) -> Attempt | Refused:
        """Let an attempt through (counted as a failure until :meth:`finish` says otherwise), or refuse it."""
        with self._lock:
            now = self.clock()
            wait = self._address_wait(address, now)
            if wait > 0:
                return Refused("from this address", wait)
            wait = self._name_wait(name, now)
            if wait > 0:
                return Refused("for this name", wait)
            n, _ = self._names.get(name, (0, 0.0))
            self._names[name] = (n + 1, now)
            if address:
                self._addresses.setdefault(address, collections.deque()).append(now)
            self._bound()
            return Attempt(name, address, now)

    def finish(self, attempt: Attempt, ok: bool) -> None:
        """The password was checked: a right one ends the name's row and does not count for the address."""
        if not ok:
            return
        with self._lock:
            self._names.pop(attempt.name, None)
            q = self._addresses.get(attempt.address) if attempt.address else None
            if q is not None:
                try:
                    q.remove(attempt.at)
                except ValueError:
                    pass

    # the one-at-a-time interface (no address)
    def allowed(self, name: str) -> bool:
        with self._lock:
            return self._name_wait(name, self.clock()) == 0.0

    def record(self, name: str, ok: bool) -> None:
        with self._lock:
            if ok:
                self._names.pop(name, None)
            else:
                n, _ = self._names.get(name, (0, 0.0))
                self._names[name] = (n + 1, self.clock())
                self._bound()

    def _bound(self) -> None:
        for d in (self._names, self._addresses):
            while len(d) > self.MAX_KEYS:
                d.pop(next(iter(d)))


# -- sessions ---------------------------------------------------------------------------------


@dataclass
class _Session:
    name: str
    epoch: int
    last: float


class SessionStore(MutableMapping):
    """The login sessions: token -> user name, as Gradio's ``app.tokens`` reads it, with an end to each.

    A session ends when it has been idle for ``idle_s`` seconds, when the
    user's session epoch changes (a new password, disabling; see
    :func:`tonecoach.store.accounts.session_epoch`) and when the user can no
    longer log in. Every lookup checks; an ended session reads as none.
    """

    MAX_SESSIONS = 100_000

    def __init__(self, epoch_of: Callable[[str], int | None], *, idle_s: float = 12 * 3600.0,
                 clock: Callable[[], float] = time.monotonic):
        self.epoch_of, self.idle_s, self.clock = epoch_of, idle_s, clock
        self._s: dict[str, _Session] = {}
        self._lock = threading.Lock()

    def open(self, name: str, epoch: int) -> str:
        """A new session for ``name`` (logged in under ``epoch``); returns its token."""
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._s[token] = _Session(name, int(epoch), self.clock())
            if len(self._s) > self.MAX_SESSIONS:
                self._purge()
        return token

    def _purge(self) -> None:
        now = self.clock()
        for t in [t for t, s in self._s.items() if now - s.last > self.idle_s]:
            del self._s[t]
        while len(self._s) > self.MAX_SESSIONS:
            self._s.pop(next(iter(self._s)))

    def get(self, token, default=None):
        if not token:
            return default
        with self._lock:
            sess = self._s.get(token)
        if sess is None:
            return default
        now = self.clock()
        if now - sess.last > self.idle_s or self.epoch_of(sess.name) != sess.epoch:
            self.end(token)
            return default
        sess.last = now
        return sess.name

    def __getitem__(self, token):
        name = self.get(token)
        if name is None:
            raise KeyError(token)
        return name

    def __setitem__(self, token, name) -> None:  # a login through Gradio's own route (not used by this app)
        epoch = self.epoch_of(name)
        if epoch is None:
            return
        with self._lock:
            self._s[token] = _Session(name, epoch, self.clock())

    def __delitem__(self, token) -> None:
        with self._lock:
            del self._s[token]

    def __iter__(self) -> Iterator[str]:
        with self._lock:
            return iter(list(self._s))

    def __len__(self) -> int:
        return len(self._s)

    def end(self, token: str) -> None:
        with self._lock:
            self._s.pop(token, None)

    def renew(self, token: str, name: str) -> None:
        """Keep ``token`` on across a change of its user's epoch made by this very session (its new password)."""
        epoch = self.epoch_of(name)
        with self._lock:
            sess = self._s.get(token)
            if sess is not None and sess.name == name and epoch is not None:
                sess.epoch, sess.last = epoch, self.clock()


# -- other sites ------------------------------------------------------------------------------


_LOOPBACK = re.compile(r"^(localhost|127(\.\d{1,3}){3}|\[::1\])$")


def _netloc(scheme: str, netloc: str) -> str:
    netloc = netloc.strip().lower()
    for default in ((":443",) if scheme == "https" else (":80",) if scheme == "http" else ()):
        if netloc.endswith(default):
            netloc = netloc[: -len(default)]
    return netloc


def _host_of(netloc: str) -> str:
    if netloc.startswith("["):
        return netloc.split("]", 1)[0] + "]"
    return netloc.rsplit(":", 1)[0] if netloc.count(":") == 1 else netloc


def public_origin(url: str | None) -> str | None:
    """``https://coach.example.com/tonecoach/`` -> ``https://coach.example.com``; ToneCoachError if not a URL."""
    if not url:
        return None
    u = urlsplit(url.strip())
    if u.scheme not in ("http", "https") or not u.netloc or u.query or u.fragment:
        raise ToneCoachError(f"the public URL must be an http(s) address such as https://coach.example.com, "
                             f"not {url!r}")
    return f"{u.scheme}://{_netloc(u.scheme, u.netloc)}"


@dataclass(frozen=True)
class SitePolicy:
    """Which ``Origin`` is the site itself.

    With a public URL (behind an HTTPS proxy): that URL's origin only, and the
    address the request came to when that is this machine (an admin on
    ``http://127.0.0.1:7860``). Without one: the origin whose address is the
    request's ``Host`` (the page and the request are of one site).
    """

    public_origin: str | None = None

    def allows(self, origin: str, host: str | None) -> bool:
        if not origin or origin == "null":
            return False
        u = urlsplit(origin)
        if u.scheme not in ("http", "https") or not u.netloc:
            return False
        o = f"{u.scheme}://{_netloc(u.scheme, u.netloc)}"
        if self.public_origin and o == self.public_origin:
            return True
        h = _netloc(u.scheme, host or "")
        same = bool(h) and _netloc(u.scheme, u.netloc) == h
        if self.public_origin:
            return same and bool(_LOOPBACK.match(_host_of(h)))
        return same

    def cors_origins(self, host: str, port: int) -> list[str]:
        if self.public_origin:
            return [self.public_origin]
        names = {"127.0.0.1", "localhost"} | ({host} if host not in ("0.0.0.0", "::") else set())
        return sorted(f"http://{n}:{port}" for n in names)


UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


async def _refuse(send, status: int, text: str) -> None:
    body = text.encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode()),
                            (b"cache-control", b"no-store")]})
    await send({"type": "http.response.body", "body": body})


class OriginGuard:
    """ASGI middleware: a request with another site's ``Origin`` (or a cross-site unsafe one) gets 403."""

    def __init__(self, app, policy: SitePolicy):
        self.app, self.policy = app, policy

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        origin = headers.get("origin")
        unsafe = scope["type"] == "websocket" or scope.get("method", "GET") in UNSAFE
        bad = (origin is not None and not self.policy.allows(origin, headers.get("host"))) or (
            unsafe and headers.get("sec-fetch-site") == "cross-site")
        if not bad:
            return await self.app(scope, receive, send)
        log.warning("refused a %s request to %s from origin %r (host %r)", scope.get("method", "websocket"),
                    scope.get("path"), origin, headers.get("host"))
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        hint = "" if self.policy.public_origin else (
            " If this is the app's own page behind a proxy, start it with --public-url (or $TONECOACH_PUBLIC_URL) "
            "set to the address users open.")
        await _refuse(send, 403, "Refused: this request came from another web site." + hint)


# -- files ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Owner:
    name: str
    report_id: int | None


class FileRegistry:
    """Who each file of the app's upload cache (``root``) is for.

    An upload is its uploader's; a played moment is for whoever may see its
    report (asked of ``may_see(name, report_id)`` each time it is fetched).
    Files nobody registered are served to nobody.
    """

    MAX_FILES = 200_000

    def __init__(self, root: Path, may_see: Callable[[str, int], bool] | None = None):
        self.root = Path(root).resolve()
        self.may_see = may_see
        self._owners: dict[str, set[_Owner]] = {}
        self._lock = threading.Lock()

    def key(self, path: str | os.PathLike) -> str | None:
        """The file's absolute path when it is in the cache, else None."""
        try:
            p = Path(os.path.abspath(os.fspath(path)))
        except (TypeError, ValueError):
            return None
        return str(p) if p.is_relative_to(self.root) and p != self.root else None

    def add(self, path, name: str, report_id: int | None = None) -> None:
        k = self.key(path)
        if k is None:
            return
        with self._lock:
            self._owners.setdefault(k, set()).add(_Owner(name, report_id))
            while len(self._owners) > self.MAX_FILES:
                self._owners.pop(next(iter(self._owners)))

    def forget(self, path) -> None:
        k = self.key(path)
        if k is not None:
            with self._lock:
                self._owners.pop(k, None)

    def owns(self, path, name: str) -> bool:
        """Did ``name`` upload this file?"""
        k = self.key(path)
        with self._lock:
            owners = set(self._owners.get(k, ())) if k else set()
        return any(o.name == name and o.report_id is None for o in owners)

    def may_fetch(self, path, name: str | None) -> bool:
        k = self.key(path)
        if k is None or not name:
            return False
        with self._lock:
            owners = set(self._owners.get(k, ()))
        for o in owners:
            if o.name == name:
                return True
            if o.report_id is not None and self.may_see is not None and self.may_see(name, o.report_id):
                return True
        return False

    def discard(self, path) -> None:
        """Delete an uploaded file (and its folder, when empty) and forget it: nothing of a refused upload is kept."""
        k = self.key(path)
        if k is None:
            return
        self.forget(k)
        p = Path(k)
        try:
            p.unlink()
        except OSError:
            pass
        try:
            if p.parent != self.root:
                p.parent.rmdir()
        except OSError:
            pass

    def write_clip(self, name: str, report_id: int, sample_rate: int, samples: np.ndarray) -> str:
        """A played moment as a WAV file of its own (0600, in a folder of its own), for who may see the report."""
        folder = self.root / "clips" / secrets.token_hex(16)
        folder.mkdir(parents=True, mode=0o700)
        path = folder / "moment.wav"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh, wave.open(fh, "wb") as w:
            y = np.asarray(samples, dtype=np.int16)
            w.setnchannels(1 if y.ndim == 1 else int(y.shape[1]))
            w.setsampwidth(2)
            w.setframerate(int(sample_rate))
            w.writeframes(np.ascontiguousarray(y).tobytes())
        self.add(path, name, report_id)
        return str(path)

    def sweep(self, max_age_s: float | None, keep: Callable[[str], bool] = lambda p: False) -> int:
        """Delete cached files older than ``max_age_s`` (all when None), except those ``keep`` names; returns how many."""
        n = sweep_dir(self.root, max_age_s, keep=keep)
        with self._lock:
            for k in [k for k in self._owners if not os.path.exists(k)]:
                del self._owners[k]
        return n


def sweep_dir(root: Path, max_age_s: float | None, *, keep: Callable[[str], bool] = lambda p: False) -> int:
    """Delete the files under ``root`` older than ``max_age_s`` seconds (every file when None), then empty folders."""
    root = Path(root)
    if not root.is_dir():
        return 0
    cutoff = None if max_age_s is None else time.time() - max_age_s
    n = 0
    for dirpath, _dirnames, filenames in os.walk(root, topdown=False):
        for f in filenames:
            p = os.path.join(dirpath, f)
            try:
                if keep(os.path.abspath(p)) or (cutoff is not None and os.lstat(p).st_mtime >= cutoff):
                    continue
                os.unlink(p)
                n += 1
            except OSError:
                continue
        if dirpath != str(root):
            try:
                os.rmdir(dirpath)  # only when empty
            except OSError:
                pass
    return n


FILE_ROUTES = ("/gradio_api/file=", "/gradio_api/file/")
UPLOAD_ROUTE = "/gradio_api/upload"


class FileGuard:
    """ASGI middleware around Gradio's file routes.

    - ``GET /gradio_api/file=PATH``: a file of the app's cache only for who
      :meth:`FileRegistry.may_fetch` says (others get 404, as for a file that
      does not exist); remote URLs are never fetched;
    - ``POST /gradio_api/upload``: the files Gradio stored become the
      uploader's (registered before the answer naming them goes out).
    """

    def __init__(self, app, registry: FileRegistry, user_of: Callable[[dict], str | None]):
        self.app, self.registry, self.user_of = app, registry, user_of

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path: str = scope.get("path", "")
        method = scope.get("method", "GET")
        if method in ("GET", "HEAD") and path.startswith(FILE_ROUTES):
            target = path[len(FILE_ROUTES[0]):]
            if "://" in target or target.startswith("//"):
                return await _refuse(send, 404, "Not found")
            if self.registry.key(target) is not None and not self.registry.may_fetch(target, self.user_of(scope)):
                return await _refuse(send, 404, "Not found")
            return await self.app(scope, receive, send)
        if method == "POST" and path.rstrip("/") == UPLOAD_ROUTE:
            return await self._upload(scope, receive, send)
        return await self.app(scope, receive, send)

    async def _upload(self, scope, receive, send):
        # the answer (a short JSON list of paths) is read here: ask for it uncompressed
        scope = dict(scope, headers=[(k, v) for k, v in scope.get("headers", []) if k.lower() != b"accept-encoding"])
        user = self.user_of(scope)
        start, chunks = None, []

        async def capture(message):
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body":
                return await send(message)
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = b"".join(chunks)
            if start is not None and start.get("status") == 200 and user:
                try:
                    for p in json.loads(body):
                        self.registry.add(p, user)
                except (ValueError, TypeError):
                    log.warning("an upload's answer could not be read; its files stay unserved")
            await send(start)
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, capture)


# -- each user's share of the queue -----------------------------------------------------------


def limit_jobs_per_user(queue, limits: dict[str, int], messages: dict[str, str]) -> None:
    """Refuse to queue an event of a concurrency group in ``limits`` when its user has that many in the queue or running.

    Counts from the queue itself (waiting events and running jobs), so a job
    that ends, fails or is cancelled no longer counts, whatever happened to it.
    """
    import asyncio

    from gradio import route_utils

    real = queue.push
    lock = asyncio.Lock()

    def in_flight(user: str, group: str) -> int:
        waiting = queue.event_queue_per_concurrency_id.get(group)
        n = sum(1 for e in (waiting.queue if waiting else []) if e.username == user)
        for job in queue.active_jobs:
            n += sum(1 for e in (job or []) if e.username == user and e.concurrency_id == group)
        return n

    async def push(body, request, username):
        try:
            fn = route_utils.get_fn(queue.blocks, None, body)
        except Exception:  # noqa: BLE001 - an unknown event: Gradio's own push answers it
            return await real(body=body, request=request, username=username)
        group = fn.concurrency_id
        if not username or group not in limits:
            return await real(body=body, request=request, username=username)
        async with lock:
            if in_flight(username, group) >= limits[group]:
                log.info("refused a %s event of %s: %d in flight", group, username, limits[group])
                return False, messages[group], "error"
            return await real(body=body, request=request, username=username)

    queue.push = push


# -- the data folder ---------------------------------------------------------------------------


def secure_data_dir(data_dir: Path) -> None:
    """Make the data folder this service user's alone: folders 0700, files 0600 (the database, audio, cache)."""
    data_dir = Path(data_dir)
    if not data_dir.exists():
        return
    for dirpath, dirnames, filenames in os.walk(data_dir):
        for d in [dirpath, *(os.path.join(dirpath, x) for x in dirnames)]:
            _tighten(d, 0o700)
        for f in filenames:
            _tighten(os.path.join(dirpath, f), 0o600)


def _tighten(path: str, mode: int) -> None:
    try:
        if not os.path.islink(path) and os.lstat(path).st_mode & 0o077:
            os.chmod(path, mode)
    except OSError:
        pass
