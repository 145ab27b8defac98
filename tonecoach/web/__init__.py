"""The tonecoach web app (Gradio): agents practise, team leads review, admins see all.

    tonecoach serve --port 7860 --data-dir /srv/tonecoach

- :mod:`.service`: the work (one shared Analyzer, queued analyses, uploads, clips, re-takes)
- :mod:`.handlers`: Gradio event handlers; who is asking comes from the login, every time
- :mod:`.app`: the Blocks layout
- HTML fragments and table rows: :mod:`tonecoach.render.web` and :mod:`tonecoach.render.web_qa` (worded by :mod:`tonecoach.coaching`)
- :mod:`.progress`: one progress bar per analysis, moved on between the analyzer's steps
- :mod:`.drill`: the re-take drill's "before", a line measured again on the stored call
- :mod:`.login`: the login page (in place of Gradio's form) and the lockout's message on it
- :mod:`.security`: login throttle, sessions, the origin check, the upload cache's owners, per-user limits
- :mod:`.server`: store, first admin, login and logout, the guards around Gradio, the queue, uvicorn
"""

from __future__ import annotations

__all__: list[str] = []
