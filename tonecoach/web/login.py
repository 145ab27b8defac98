"""tonecoach's login page, in place of Gradio's bare form, and the lockout message it shows.

:class:`LoginPage` is ASGI middleware: when Gradio answers the app's page with
its "log in first" configuration (whatever decided that the visitor is not
logged in), the visitor gets this page instead. It says what tonecoach is,
posts the name and password to the app's ``login`` route
(:mod:`tonecoach.web.server`), and shows what it answers: "wrong name or
password", or, while a name or an address is locked out after repeated
failures, the 429's own words ("too many wrong passwords for this name; try
again in N s"). The page loads nothing from
elsewhere and follows the system's light or dark mode.
"""

from __future__ import annotations

import html

__all__ = ["LOGIN_PAGE", "LoginPage", "login_page"]

TAGLINE = "Coaching on how you sound and what you say on calls."
ABOUT = ("Upload a call or record yourself: you get a tone score and a content score, the three things to work on "
         "first and the moments to play back. Team leads review your calls and comment on them.")

_CSS = """
:root{color-scheme:light dark;--fg:#1d232a;--muted:#56606b;--bg:#f4f6f8;--card:#fff;--line:#d5dbe1;--accent:#c2410c;
 --accent-fg:#fff;--err:#b3261e;--err-bg:#fde7e6;--focus:#005485}
@media (prefers-color-scheme: dark){:root{--fg:#e6eaee;--muted:#aab4be;--bg:#0f1318;--card:#181d23;--line:#3b444e;
 --accent:#f97316;--accent-fg:#111;--err:#ffb8b0;--err-bg:#4a1f1c;--focus:#8cc8f2}}
*{box-sizing:border-box}
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;background:var(--bg);color:var(--fg);
 font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;padding:24px 16px}
main{width:100%;max-width:420px;background:var(--card);border:1px solid var(--line);border-radius:14px;padding:28px 28px 22px;
 box-shadow:0 8px 30px rgba(0,0,0,.08)}
.brand{display:flex;align-items:center;gap:12px;margin-bottom:6px}
.mark{width:40px;height:40px;flex:none}
h1{font-size:28px;line-height:1.1;margin:0;letter-spacing:-.01em;white-space:nowrap}
.tagline{margin:4px 0 10px;font-weight:600}
.about{margin:0 0 18px;color:var(--muted);font-size:14.5px}
label{display:block;font-size:14px;font-weight:600;margin:12px 0 4px}
input{width:100%;font:inherit;padding:10px 12px;border:1px solid var(--line);border-radius:8px;background:transparent;color:var(--fg)}
input:focus,button:focus-visible{outline:3px solid var(--focus);outline-offset:1px}
button{width:100%;margin-top:18px;font:inherit;font-weight:700;padding:11px;border:0;border-radius:8px;background:var(--accent);
 color:var(--accent-fg);cursor:pointer}
button[disabled]{opacity:.6;cursor:wait}
#tc-login-message{min-height:1.5em;margin:12px 0 0;font-weight:600;color:var(--err)}
#tc-login-message:not(:empty){background:var(--err-bg);padding:8px 10px;border-radius:8px}
.help{margin:14px 0 0;font-size:13px;color:var(--muted)}
"""

_JS = """
const form = document.getElementById('tc-login-form'), msg = document.getElementById('tc-login-message');
form.addEventListener('submit', async (e) => {
  e.preventDefault();
  const button = form.querySelector('button');
  msg.textContent = ''; button.disabled = true;
  try {
    const r = await fetch('login', {method: 'POST', body: new FormData(form), credentials: 'same-origin'});
    if (r.ok) { location.reload(); return; }
    let d = {}; try { d = await r.json(); } catch (_) { d = {}; }
    msg.textContent = r.status === 429 ? (d.detail || 'Too many attempts: try again later.') : 'Wrong name or password.';
  } catch (_) {
    msg.textContent = 'The server did not answer; try again.';
  } finally { button.disabled = false; }
});
"""

_MARK = ('<svg class="mark" viewBox="0 0 40 40" aria-hidden="true"><rect width="40" height="40" rx="10" fill="#c2410c"/>'
         '<path d="M7 22h4l3-9 5 16 4-12 3 7 2-2h5" fill="none" stroke="#fff" stroke-width="2.6" stroke-linecap="round" '
         'stroke-linejoin="round"/></svg>')


def login_page(help_text: str = "No account yet? Ask your admin for one.") -> str:
    """The login page (a complete HTML document)."""
    e = html.escape
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1"><meta name="color-scheme" content="light dark">'
        f"<title>tonecoach · log in</title><style>{_CSS}</style></head><body>"
        f'<main id="tc-login"><div class="brand">{_MARK}<h1>tonecoach</h1></div><p class="tagline">{e(TAGLINE)}</p>'
        f'<p class="about">{e(ABOUT)}</p>'
        '<form id="tc-login-form" method="post" action="login" novalidate>'
        '<label for="tc-user">Username</label><input id="tc-user" name="username" autocomplete="username" required autofocus>'
        '<label for="tc-password">Password</label>'
        '<input id="tc-password" name="password" type="password" autocomplete="current-password" required>'
        '<button type="submit">Log in</button><p id="tc-login-message" role="alert" aria-live="assertive"></p></form>'
        f'<p class="help">{e(help_text)}</p></main><script>{_JS}</script></body></html>'
    )


LOGIN_PAGE = login_page()


class LoginPage:
    """ASGI middleware that shows :data:`LOGIN_PAGE` wherever Gradio would show its own login form."""

    def __init__(self, app, page: str = LOGIN_PAGE):
        self.app = app
        self.page = page.encode()

    async def __call__(self, scope, receive, send):
        if scope.get("type") != "http" or scope.get("method") not in ("GET", "HEAD") or scope.get("path") not in ("/", ""):
            await self.app(scope, receive, send)
            return
        held: list[dict] = []

        async def hold(message):
            held.append(message)

        await self.app(scope, receive, hold)
        start = next((m for m in held if m["type"] == "http.response.start"), None)
        body = b"".join(m.get("body", b"") for m in held if m["type"] == "http.response.body")
        headers = dict((k.lower(), v) for k, v in (start or {}).get("headers", []))
        is_login = (start is not None and start.get("status") == 200 and headers.get(b"content-type", b"").startswith(b"text/html")
                    and (b'"auth_required":true' in body or b'"auth_required": true' in body))
        if not is_login:
            for m in held:
                await send(m)
            return
        await send({"type": "http.response.start", "status": 200, "headers": [
            (b"content-type", b"text/html; charset=utf-8"), (b"content-length", str(len(self.page)).encode()),
            (b"cache-control", b"no-store")]})
        await send({"type": "http.response.body", "body": self.page if scope.get("method") == "GET" else b""})
