"""Start the web app: the store, the first admin, the login, the queue, the server.

    tonecoach serve [--host 127.0.0.1] [--port 7860] [--data-dir DIR]
    python app.py                      # the same, with the defaults
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from ..errors import ToneCoachError
from ..store import Store
from ..store.accounts import ADMIN_PASSWORD_ENV, authenticate, ensure_admin
from ..store.files import sweep_stale_temp
from .service import Coach, CoachOptions

__all__ = ["LoginThrottle", "ServeOptions", "launch", "make_auth", "prepare", "serve"]

log = logging.getLogger("tonecoach")


@dataclass(frozen=True)
class ServeOptions:
    """How to run the app. ``host`` defaults to this machine only."""

    host: str = "127.0.0.1"
    port: int = 7860
    data_dir: str | None = None
    db_url: str | None = None
    model: str = "base"
    language: str | None = None
    coach: CoachOptions = field(default_factory=CoachOptions)
    queue_size: int = 64


class LoginThrottle:
    """After ``max_failures`` wrong passwords in a row for a name, one try per ``wait_s`` seconds."""

    def __init__(self, max_failures: int = 5, wait_s: float = 30.0, clock: Callable[[], float] = time.monotonic):
        self.max_failures, self.wait_s, self.clock = max_failures, wait_s, clock
        self._fails: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()

    def allowed(self, name: str) -> bool:
        with self._lock:
            n, last = self._fails.get(name, (0, 0.0))
            return n < self.max_failures or self.clock() - last >= self.wait_s

    def retry_after(self, name: str) -> float:
        """Seconds until ``name`` may try again (0 when it may now)."""
        with self._lock:
            n, last = self._fails.get(name, (0, 0.0))
            return 0.0 if n < self.max_failures else max(0.0, self.wait_s - (self.clock() - last))

    def record(self, name: str, ok: bool) -> None:
        with self._lock:
            if ok:
                self._fails.pop(name, None)
            else:
                n, _ = self._fails.get(name, (0, 0.0))
                self._fails[name] = (n + 1, self.clock())
                if len(self._fails) > 10_000:  # bounded memory under a flood of made-up names
                    self._fails.pop(next(iter(self._fails)))


def make_auth(store: Store, throttle: LoginThrottle | None = None):
    """Gradio's ``auth`` callable: checks the name and password against the store, off the event loop.

    While a name is locked out it answers 429 with the seconds left, which the login page shows.
    """
    from .login import locked_out

    throttle = throttle or LoginThrottle()

    async def auth(username: str, password: str) -> bool:
        name = (username or "").strip()
        if not throttle.allowed(name):
            log.warning("login for %r refused: too many wrong passwords, wait %.0f s", name, throttle.wait_s)
            raise locked_out(throttle.retry_after(name))
        ok = await asyncio.to_thread(authenticate, store, name, password) is not None
        throttle.record(name, ok)
        return ok

    return auth


def prepare(options: ServeOptions, *, out: TextIO | None = None) -> tuple[Coach, object]:
    """Open the store, create the first admin on a fresh install, build the app (not launched)."""
    from ..analyzer import Analyzer, AnalyzerOptions
    from ..asr import TranscriptionOptions
    from .app import build_app

    store = Store(options.db_url, data_dir=options.data_dir)
    sweep_stale_temp(store.data_dir)
    password = ensure_admin(store)
    if out is not None:
        if password:
            print("A new tonecoach install: an admin account was created.\n"
                  f"  user: admin\n  password: {password}\n"
                  "This password is shown once; change it in the app's Account tab or with "
                  "'tonecoach users passwd admin'.", file=out)
        elif os.environ.get(ADMIN_PASSWORD_ENV):
            log.info("admin account ready (password from $%s)", ADMIN_PASSWORD_ENV)

    def factory():
        topts = TranscriptionOptions(model=options.model, language=options.language)
        return Analyzer(AnalyzerOptions(transcription=topts))

    coach = Coach(store, factory, options.coach)
    return coach, build_app(coach)


def launch(demo, store: Store, options: ServeOptions, *, prevent_thread_lock: bool = False, quiet: bool = False):
    """Queue and launch a built app with login; returns Gradio's ``(app, local_url, share_url)``."""
    from starlette.middleware import Middleware

    from .app import APP_CSS
    from .login import LoginPage

    demo.queue(max_size=options.queue_size, default_concurrency_limit=4)
    return demo.launch(
        server_name=options.host,
        server_port=options.port,
        auth=make_auth(store),
        auth_message="Log in with the account your admin gave you.",
        max_file_size=options.coach.max_upload_bytes,
        prevent_thread_lock=prevent_thread_lock,
        quiet=quiet,
        show_error=False,
        share=False,
        css=APP_CSS,
        app_kwargs={"middleware": [Middleware(LoginPage)]},  # tonecoach's login page in place of Gradio's form
        footer_links=["api"],
        run_history=False,
        ssr_mode=False,
        enable_monitoring=False,
        mcp_server=False,
    )


def serve(options: ServeOptions, *, out: TextIO) -> int:
    """Run the app until interrupted."""
    data_dir = Path(options.data_dir) if options.data_dir else None
    coach, demo = prepare(options, out=out)
    where = f"http://{'localhost' if options.host in ('127.0.0.1', '0.0.0.0') else options.host}:{options.port}"
    print(f"tonecoach is starting at {where} (data in {(data_dir or coach.store.data_dir).resolve()}); "
          "press Ctrl+C to stop.", file=out, flush=True)
    try:
        launch(demo, coach.store, options, quiet=True)
    except KeyboardInterrupt:
        pass
    except OSError as exc:  # the port is taken, or the address is not this machine's
        raise ToneCoachError(f"cannot listen on {options.host}:{options.port} ({exc.strerror or exc}); "
                             "choose another with --port or --host") from None
    finally:
        coach.store.close()
    return 0
