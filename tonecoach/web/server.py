"""Start the web app: the store, the first admin, the guards, the login, the queue, the server.

    tonecoach serve [--host 127.0.0.1] [--port 7860] [--data-dir DIR] [--public-url https://coach.example.com]
    python app.py                      # the same, with the defaults

The Gradio app is mounted in a FastAPI app of our own (``gr.mount_gradio_app``),
run by uvicorn. Around it (see :mod:`tonecoach.web.security` and ``SECURITY.md``):

- the login page is tonecoach's (:class:`~.login.LoginPage`), which shows what
  ``POST /login`` answers, the lockout's wait included;
- ``POST /login`` and ``POST /logout`` are ours: the login throttle (per name and
  per client address, counted before the password is checked), sessions that end
  (idle time, a new password, a disabled user), and a cookie that stays on the
  site (``SameSite=Lax``; only the ``Secure`` one behind https);
- a CORS policy of the site's own origin, and :class:`~.security.OriginGuard`
  refusing what another site's page makes a browser send;
- the upload cache is the app's own folder (``<data dir>/tmp``), emptied at
  every start and of files older than an hour every hour, and served by
  :class:`~.security.FileGuard` only to who each file is for;
- at most ``max_jobs_per_user`` analyses (and as many clips) of one user in
  the queue.

One app per process: Gradio reads its cache folder from ``$GRADIO_TEMP_DIR``.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

from starlette.requests import Request  # at module level: FastAPI reads the routes' annotations from here

from ..errors import ToneCoachError
from ..store import Store, access
from ..store.accounts import (
    ADMIN_PASSWORD_ENV,
    authenticate,
    ensure_admin,
    get_account,
    session_epoch,
    write_admin_password_file,
)
from ..store.files import sweep_stale_temp
from .security import (
    FileGuard,
    FileRegistry,
    LoginThrottle,
    OriginGuard,
    Refused,
    SessionStore,
    SitePolicy,
    limit_jobs_per_user,
    public_origin,
    secure_data_dir,
)
from .service import Coach, CoachOptions

__all__ = ["LoginThrottle", "PUBLIC_URL_ENV", "Running", "ServeOptions", "WebApp", "WebGuards", "asgi_app", "prepare",
           "serve", "start"]

log = logging.getLogger("tonecoach")

#: The address users open, when the app is behind a proxy (``--public-url``).
PUBLIC_URL_ENV = "TONECOACH_PUBLIC_URL"
#: The upload cache, in the data directory.
TEMP_DIR = "tmp"
SWEEP_EVERY_S = 3600.0
ANALYSIS, CLIPS = "analysis", "clip"


@dataclass(frozen=True)
class ServeOptions:
    """How to run the app. ``host`` defaults to this machine only.

    Attributes
    ----------
    public_url : str or None
        The address users open when the app is behind an HTTPS proxy
        (default ``$TONECOACH_PUBLIC_URL``): requests from pages of any other
        origin are refused, and over https the login cookie is ``Secure`` only.
    session_idle_s : float
        A login session ends after this long without a request (default 12 h).
    max_jobs_per_user : int
        Analyses (and, apart, clips) one user may have waiting or running.
    forwarded_allow_ips : str or None
        Proxies whose ``X-Forwarded-For`` names the client (uvicorn's setting;
        default ``$FORWARDED_ALLOW_IPS`` or 127.0.0.1): the client address the
        per-address login limit counts.
    """

    host: str = "127.0.0.1"
    port: int = 7860
    data_dir: str | None = None
    db_url: str | None = None
    model: str = "base"
    language: str | None = None
    coach: CoachOptions = field(default_factory=CoachOptions)
    queue_size: int = 64
    public_url: str | None = None
    session_idle_s: float = 12 * 3600.0
    max_jobs_per_user: int = 2
    forwarded_allow_ips: str | None = None

    def resolved_public_url(self) -> str | None:
        return self.public_url or os.environ.get(PUBLIC_URL_ENV) or None


class WebGuards:
    """The running app's login throttle, sessions, site policy and upload-cache registry."""

    def __init__(self, store: Store, options: ServeOptions, temp_dir: Path):
        self.store = store
        url = options.resolved_public_url()
        self.public_url = url
        self.policy = SitePolicy(public_origin(url))
        self.secure_only = bool(url and urlsplit(url).scheme == "https")
        self.throttle = LoginThrottle()
        self.sessions = SessionStore(lambda name: session_epoch(store, name), idle_s=options.session_idle_s)
        self.files = FileRegistry(temp_dir, may_see=self._may_see)
        self.cookie_id: str | None = None  # Gradio's, once mounted

    def _may_see(self, name: str, report_id: int) -> bool:
        acc = get_account(self.store, name)
        return acc is not None and access.get_entry(self.store, acc, report_id) is not None

    # -- cookies and sessions ----------------------------------------------------------------
    def cookie_names(self) -> tuple[str, str]:
        return f"access-token-{self.cookie_id}", f"access-token-unsecure-{self.cookie_id}"

    def token_of(self, cookies: dict[str, str]) -> str | None:
        secure, plain = self.cookie_names()
        return cookies.get(secure) or cookies.get(plain)

    def user_of(self, scope: dict) -> str | None:
        """The logged-in user of an ASGI request (None: no session, or one that ended)."""
        from http.cookies import SimpleCookie

        raw = b"; ".join(v for k, v in scope.get("headers", []) if k.lower() == b"cookie").decode("latin-1")
        jar = SimpleCookie()
        try:
            jar.load(raw)
        except Exception:  # noqa: BLE001 - a malformed cookie header is no session
            return None
        return self.sessions.get(self.token_of({k: m.value for k, m in jar.items()}))

    def set_cookies(self, response, token: str) -> None:
        secure, plain = self.cookie_names()
        response.set_cookie(secure, token, httponly=True, samesite="lax", secure=True, path="/")
        if not self.secure_only:  # plain http (this machine, a LAN): browsers drop Secure cookies there
            response.set_cookie(plain, token, httponly=True, samesite="lax", path="/")

    def clear_cookies(self, response) -> None:
        for name in self.cookie_names():
            response.delete_cookie(name, path="/", httponly=True, samesite="lax")

    def keep_session(self, request, name: str) -> None:
        """The session of ``request`` goes on after its user's epoch changed (their own new password)."""
        token = self.token_of(dict(getattr(request, "cookies", None) or {}))
        if token:
            self.sessions.renew(token, name)

    @staticmethod
    def client_address(request) -> str | None:
        client = getattr(request, "client", None)
        return getattr(client, "host", None) if client is not None else None


@dataclass
class WebApp:
    """A prepared app: the work, the Gradio Blocks and the guards (not serving yet)."""

    coach: Coach
    demo: Any
    web: WebGuards
    options: ServeOptions
    temp_dir: Path


def prepare(options: ServeOptions, *, out: TextIO | None = None) -> WebApp:
    """Open the store, create the first admin on a fresh install, empty the upload cache, build the app."""
    from ..analysis.asr import TranscriptionOptions
    from ..analysis.audio import AudioOptions
    from ..analyzer import Analyzer, AnalyzerOptions
    from .app import build_app

    store = Store(options.db_url, data_dir=options.data_dir)
    data = store.data_dir.resolve()
    temp = data / TEMP_DIR
    temp.mkdir(parents=True, exist_ok=True, mode=0o700)
    secure_data_dir(data)
    sweep_stale_temp(data)
    web = WebGuards(store, options, temp)
    swept = web.files.sweep(None)  # whatever a killed or crashed server left: nobody's now
    if swept:
        log.info("emptied the upload cache: %d file(s) left by the last run", swept)
    os.environ["GRADIO_TEMP_DIR"] = str(temp)  # before the Blocks are built: each block reads it then

    password = ensure_admin(store)
    if password:
        f = write_admin_password_file(data, "admin", password)
        if out is not None:
            print("A new tonecoach install: an admin account was created (user: admin).\n"
                  f"  Its password is in {f} (readable by this account only).\n"
                  "  Log in, then change it in the app's Account tab or with 'tonecoach users passwd admin': "
                  "the file is deleted then.", file=out)
    elif os.environ.get(ADMIN_PASSWORD_ENV):
        log.info("admin account ready (password from $%s)", ADMIN_PASSWORD_ENV)

    limit = options.coach.max_duration_s

    def factory():
        topts = TranscriptionOptions(model=options.model, language=options.language)
        return Analyzer(AnalyzerOptions(transcription=topts, audio=AudioOptions(max_duration_s=limit)))

    coach = Coach(store, factory, options.coach)
    return WebApp(coach, build_app(coach, web=web), web, options, temp)


def _refuse_gradio_login(username: str, password: str) -> bool:
    """Gradio's own login route (under the mount) never logs anyone in: ``POST /login`` is the app's."""
    return False


def asgi_app(app: WebApp):
    """The FastAPI app to serve: our login and logout, the guards, and the Gradio app mounted at ``/``."""
    import gradio as gr
    from fastapi import FastAPI
    from fastapi.responses import JSONResponse, PlainTextResponse
    from starlette.middleware.cors import CORSMiddleware
    from starlette.routing import Mount

    from .app import APP_CSS
    from .login import LoginPage

    demo, web, options, store = app.demo, app.web, app.options, app.coach.store
    demo.queue(max_size=options.queue_size, default_concurrency_limit=4)
    parent = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

    async def login(request: Request):
        form = await request.form()
        name = str(form.get("username") or "").strip()
        password = str(form.get("password") or "")
        address = web.client_address(request)
        attempt = web.throttle.begin(name, address)
        if isinstance(attempt, Refused):
            log.warning("login for %r from %s refused unchecked: %s", name, address, attempt.message)
            return JSONResponse({"detail": attempt.message[0].upper() + attempt.message[1:] + "."}, status_code=429,
                                headers={"Retry-After": str(max(1, math.ceil(attempt.wait_s)))})
        acc = await asyncio.to_thread(authenticate, store, name, password)
        web.throttle.finish(attempt, acc is not None)
        if acc is None:
            log.warning("wrong password for %r from %s", name, address)
            return JSONResponse({"detail": "Incorrect credentials."}, status_code=400)
        response = JSONResponse({"success": True})
        web.set_cookies(response, web.sessions.open(acc.name, acc.session_epoch))
        log.info("%s logged in from %s", acc.name, address)
        return response

    def logout_get():
        return PlainTextResponse("Log out with the app's Log out button (a POST).", status_code=405,
                                 headers={"Allow": "POST"})

    async def logout(request: Request):
        token = web.token_of(dict(request.cookies))
        if token:
            web.sessions.end(token)
        response = JSONResponse({"success": True})
        web.clear_cookies(response)
        return response

    for path in ("/login", "/login/"):  # before the mount: these win over Gradio's own routes
        parent.add_api_route(path, login, methods=["POST"], include_in_schema=False)
    for path in ("/logout", "/logout/"):
        parent.add_api_route(path, logout, methods=["POST"], include_in_schema=False)
        parent.add_api_route(path, logout_get, methods=["GET", "HEAD"], include_in_schema=False)

    url_path = urlsplit(web.public_url).path.rstrip("/") if web.public_url else ""
    gr.mount_gradio_app(
        parent, demo, path="/", auth=_refuse_gradio_login, auth_message="Log in with the account your admin gave you.",
        max_file_size=options.coach.max_upload_bytes, show_error=False, css=APP_CSS, footer_links=["api"],
        run_history=False, ssr_mode=False, enable_monitoring=False, mcp_server=False, server_name=options.host,
        server_port=options.port, root_path=url_path or None, allowed_paths=[],
    )
    gradio_app = next(r.app for r in parent.routes if isinstance(r, Mount))
    gradio_app.tokens = web.sessions  # Gradio asks this table who a cookie's token is
    gradio_app.startup_events_triggered = True  # the mount's lifespan starts the queue, once
    web.cookie_id = gradio_app.cookie_id
    demo.server_app = gradio_app
    demo._queue.set_server_app(gradio_app)
    # Gradio checks that event inputs are uploads, not any file on the server, only in a launched app
    demo.has_launched = True
    n = options.max_jobs_per_user
    limit_jobs_per_user(demo._queue, {ANALYSIS: n, CLIPS: n}, {
        ANALYSIS: f"You have {n} analyses waiting or running; wait for one to finish, then try again.",
        CLIPS: f"You have {n} moments being cut already; wait for one to play, then try again.",
    })
    parent.add_middleware(LoginPage)  # tonecoach's login page where Gradio would show its form (innermost)
    parent.add_middleware(CORSMiddleware, allow_origins=web.policy.cors_origins(options.host, options.port),
                          allow_credentials=True, allow_methods=["GET", "POST"], allow_headers=["*"])
    parent.add_middleware(FileGuard, registry=web.files, user_of=web.user_of)
    parent.add_middleware(OriginGuard, policy=web.policy)
    parent.state.gradio_app = gradio_app
    return parent


class _Sweeper:
    """Every hour, the upload cache loses the files older than an hour (not those being analysed)."""

    def __init__(self, app: WebApp, every_s: float = SWEEP_EVERY_S):
        self.app, self.every_s = app, every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tonecoach-sweeper", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            try:
                n = self.app.web.files.sweep(self.every_s, keep=self.app.coach.in_use)
                if n:
                    log.info("upload cache: %d file(s) older than an hour deleted", n)
            except Exception:  # noqa: BLE001 - a failed sweep must not end the server
                log.exception("sweeping the upload cache failed")

    def stop(self) -> None:
        self._stop.set()


def _bind(host: str, port: int) -> socket.socket:
    try:
        info = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
        sock = socket.socket(info[0], info[1], info[2])
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(info[4])
        sock.listen(2048)
    except OSError as exc:  # the port is taken, or the address is not this machine's
        raise ToneCoachError(f"cannot listen on {host}:{port} ({exc.strerror or exc}); "
                             "choose another with --port or --host") from None
    sock.set_inheritable(True)
    return sock


def _server(app: WebApp, fastapi_app):
    import uvicorn

    opts = app.options
    config = uvicorn.Config(fastapi_app, host=opts.host, port=opts.port, log_level="warning", proxy_headers=True,
                            forwarded_allow_ips=opts.forwarded_allow_ips or os.environ.get("FORWARDED_ALLOW_IPS")
                            or "127.0.0.1", timeout_graceful_shutdown=5, ws="none", lifespan="on")
    return uvicorn.Server(config)


def _url(options: ServeOptions, port: int) -> str:
    host = "localhost" if options.host in ("127.0.0.1", "0.0.0.0", "::") else options.host
    return f"http://{host}:{port}/"


@dataclass
class Running:
    """An app served from a thread (tests, benchmarks): its ``url`` and ``close()``."""

    app: WebApp
    url: str
    server: Any
    thread: threading.Thread
    fastapi_app: Any
    sweeper: _Sweeper

    def close(self) -> None:
        demo = self.app.demo
        try:
            demo._queue.close()
        except Exception:  # noqa: BLE001 - closing what may be half started
            pass
        self.fastapi_app.state.gradio_app.stop_event.set()  # heartbeats and streams end
        self.server.should_exit = True
        self.thread.join(timeout=15)
        demo.is_running = False
        self.sweeper.stop()


def start(app: WebApp) -> Running:
    """Serve a prepared app from a thread; returns when it accepts connections."""
    sock = _bind(app.options.host, app.options.port)
    fastapi_app = asgi_app(app)
    server = _server(app, fastapi_app)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="tonecoach-web", daemon=True)
    thread.start()
    t0 = time.monotonic()
    while not server.started:
        if not thread.is_alive() or time.monotonic() - t0 > 60:
            raise ToneCoachError("the web app did not start; the log says why")
        time.sleep(0.01)
    sweeper = _Sweeper(app)
    sweeper.start()
    return Running(app, _url(app.options, sock.getsockname()[1]).replace("localhost", "127.0.0.1"), server, thread,
                   fastapi_app, sweeper)


def serve(options: ServeOptions, *, out: TextIO) -> int:
    """Run the app until interrupted (Ctrl+C, or SIGTERM from a service manager)."""
    os.umask(0o077)  # the database (password hashes, transcripts, comments), audio and cache: this account's only
    public_origin(options.resolved_public_url())  # a bad --public-url is refused before anything starts
    sock = _bind(options.host, options.port)
    app = prepare(options, out=out)
    try:
        fastapi_app = asgi_app(app)
        server = _server(app, fastapi_app)
        where = app.web.public_url or _url(options, options.port).rstrip("/")
        print(f"tonecoach is starting at {where} (data in {app.coach.store.data_dir.resolve()}); "
              "press Ctrl+C to stop.", file=out, flush=True)
        sweeper = _Sweeper(app)
        sweeper.start()
        try:
            server.run(sockets=[sock])
        finally:
            sweeper.stop()
    finally:
        sock.close()
        app.coach.store.close()
    return 0
