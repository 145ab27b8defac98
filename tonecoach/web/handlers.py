"""The Gradio event handlers: who is asking (from the login), then the :class:`~tonecoach.web.service.Coach`.

Every handler takes ``request: gr.Request`` and looks the user up again from
``request.username`` (the name Gradio's login stored for the session); nothing
a browser sends, hidden state included, is trusted for identity or access. A
report id the user may not see gives the same empty answer as one that does
not exist. An uploaded file is taken as input only from the user who uploaded
it, and a refused upload is deleted. Text from users (file names, comments,
transcripts, messages that quote them) is escaped wherever Markdown renders.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import logging
import math
import re
from typing import Any

import gradio as gr

from ..errors import ToneCoachError
from ..store import access
from ..store.accounts import Account, authenticate, check_password, get_account, set_password
from . import render as R
from .security import Refused, md
from .service import Coach, UploadError

__all__ = ["Handlers", "parse_time"]

log = logging.getLogger("tonecoach")

ROLE_NAMES = {"agent": "agent", "team_lead": "team lead", "admin": "admin"}


def parse_time(text: str | float | None) -> float | None:
    """``"1:05"``, ``"65"``, ``"65.5"`` -> seconds; blank -> None (the whole call)."""
    if text is None:
        return None
    if isinstance(text, (int, float)):
        return float(text)
    s = str(text).strip()
    if not s:
        return None
    m = re.fullmatch(r"(?:(\d+):)?(\d+(?:\.\d+)?)", s)
    if not m:
        raise ToneCoachError(f"write the time as m:ss or seconds, not {s!r}")
    return float(m.group(1) or 0) * 60.0 + float(m.group(2))


def _date(text: str | None, what: str) -> _dt.date | None:
    s = (text or "").strip()
    if not s:
        return None
    try:
        return _dt.date.fromisoformat(s)
    except ValueError:
        raise ToneCoachError(f"write the {what} date as YYYY-MM-DD, not {s!r}") from None


def _num(v) -> float | None:
    if v is None or v == "":
        return None
    f = float(v)
    return f if math.isfinite(f) else None


def _report_id(v) -> int | None:
    try:
        return int(v) if v not in (None, "") else None
    except (TypeError, ValueError):
        return None


class Handlers:
    """Event handlers bound to one :class:`Coach` (one per app).

    ``web`` (a :class:`tonecoach.web.server.WebGuards`, when serving) holds the
    login throttle, the sessions and the upload cache's registry; without it
    (tests of the handlers alone) uploads are taken as given.
    """

    def __init__(self, coach: Coach, web=None):
        self.coach = coach
        self.store = coach.store
        self.web = web

    # -- uploads ------------------------------------------------------------------------------
    def _upload(self, acc: Account, path: str | None) -> str | None:
        """An uploaded file's path if it is ``acc``'s upload; else :class:`UploadError`, as for one that never came."""
        if not path or self.web is None:
            return path
        if not self.web.files.owns(path, acc.name):
            log.warning("%s named a file that is not their upload: %s", acc.name, path)
            raise UploadError("the upload did not arrive; try again")
        return path

    def _discard(self, acc: Account, path: str | None) -> None:
        """Nothing of a refused upload is kept."""
        if path and self.web is not None and self.web.files.owns(path, acc.name):
            self.web.files.discard(path)

    # -- identity -----------------------------------------------------------------------------
    def viewer(self, request: gr.Request | None) -> Account:
        acc = get_account(self.store, getattr(request, "username", None))
        if acc is None:
            raise gr.Error("Your session has ended or your account was removed; log in again.")
        return acc

    def whoami(self, acc: Account) -> str:
        team = f", team {md(acc.team)}" if acc.team else ""
        return f"Logged in as **{md(acc.name)}** ({ROLE_NAMES.get(acc.role, acc.role)}{team})"

    # -- page load ----------------------------------------------------------------------------
    def on_load(self, request: gr.Request):
        acc = self.viewer(request)
        mine = [e for e in access.entries(self.store, acc) if e.agent_id == acc.id]
        reviewer = acc.role in ("team_lead", "admin")
        agents = access.visible_agents(self.store, acc) if reviewer else []
        rows, choices, langs = self._review_rows(acc, access.Filters()) if reviewer else ([], [], [])
        return (
            self.whoami(acc),
            gr.Tab(visible=reviewer),
            gr.Dropdown(choices=[(R.entry_label(e), e.report_id) for e in mine], value=None),
            gr.Dropdown(choices=[("any agent", "")] + [(a, a) for a in agents], value=""),
            gr.Dropdown(choices=[("any language", "")] + [(x, x) for x in langs], value=""),
            rows,
            gr.Dropdown(choices=choices, value=None),
            gr.Dropdown(choices=agents, value=None),
        )

    # -- practice -----------------------------------------------------------------------------
    def _report_outputs(self, acc: Account, report_id) -> tuple:
        """current id, scores, timeline, feedback rows, moment choices, details, re-take choices, comments, agent."""
        got = self.coach.open(acc, report_id)
        if got is None:
            return (None, "", "", [], gr.Dropdown(choices=[], value=None), "", gr.Dropdown(choices=[], value=None), [],
                    gr.Dropdown(choices=[], value=None, interactive=False))
        entry, report, _ = got
        return (
            entry.report_id,
            R.scores_html(report),
            R.timeline_html(report),
            R.feedback_rows(report),
            gr.Dropdown(choices=R.feedback_choices(report), value=None),
            R.details_html(report),
            gr.Dropdown(choices=R.retake_choices(report), value=None),
            R.comment_rows(access.comments(self.store, acc, entry.report_id)),
            gr.Dropdown(choices=R.agent_choices(report), value=report.agent.speaker if report.agent else None,
                        interactive=len(report.speakers) > 1, info=R.agent_info(report)),
        )

    def analyze(self, audio_path: str | None, request: gr.Request, progress=gr.Progress()):  # noqa: B008 - how Gradio injects its progress bar
        """Analyse an upload or a microphone recording; outputs: status, the report, my recordings."""
        acc = self.viewer(request)

        def prog(f: float, msg: str) -> None:
            progress(max(0.0, min(1.0, f)), desc=msg)

        try:
            rid = self.coach.analyze_upload(acc, self._upload(acc, audio_path), progress=prog)
        except ToneCoachError as exc:
            self._discard(acc, audio_path)
            empty = self._report_outputs(acc, None)
            return (f"**Could not analyse this file:** {md(exc)}", *empty, gr.Dropdown())
        except Exception:  # a bug: say so plainly, keep the details in the log
            log.exception("analysis failed for %s", acc.name)
            self._discard(acc, audio_path)
            empty = self._report_outputs(acc, None)
            return ("**Could not analyse this file:** an internal error occurred; the details are in the server log.",
                    *empty, gr.Dropdown())
        mine = [e for e in access.entries(self.store, acc) if e.agent_id == acc.id]
        outs = self._report_outputs(acc, rid)
        return (f"Analysed: report #{rid}.", *outs,
                gr.Dropdown(choices=[(R.entry_label(e), e.report_id) for e in mine], value=rid))

    def open_mine(self, report_id, request: gr.Request):
        acc = self.viewer(request)
        if _report_id(report_id) is None:
            return self._report_outputs(acc, None)
        return self._report_outputs(acc, report_id)

    def play_moment(self, report_id, index, request: gr.Request):
        acc = self.viewer(request)
        if _report_id(report_id) is None or index is None or index == "":
            return None
        try:
            clip = self.coach.feedback_clip(acc, report_id, int(index))
        except ToneCoachError as exc:
            raise gr.Error(str(exc)) from None
        if clip is None or self.web is None:
            return clip
        # a file of its own, served only to who may see the report (Gradio's own cache would serve it to anyone)
        return self.web.files.write_clip(acc.name, int(report_id), *clip)

    def retake(self, report_id, index, take_path, request: gr.Request, progress=gr.Progress()):  # noqa: B008 - how Gradio injects its progress bar
        """Compare a new take of a flagged line with the original; outputs: summary, rows."""
        acc = self.viewer(request)
        if _report_id(report_id) is None:
            return "Analyse or open a recording first.", []
        if index is None or index == "":
            return "Pick a flagged line first.", []
        try:
            r = self.coach.retake(acc, report_id, int(index), self._upload(acc, take_path),
                                  progress=lambda f, m: progress(max(0.0, min(1.0, f)), desc=m))
        except ToneCoachError as exc:
            self._discard(acc, take_path)
            return f"**Could not compare:** {md(exc)}", []
        warn = "".join(f"\n\n_Note: {md(w)}_" for w in r.warnings)
        text = (f"**Before** (the flagged line): “{md(r.line_before)}”\n\n**Your new take:** "
                f"“{md(r.line_after) or '(no words heard)'}”\n\nThe ▶ row is what the feedback was about "
                f"({md(r.category)}).{warn}")
        return text, R.retake_rows(r)

    def set_agent(self, report_id, speaker, request: gr.Request, progress=gr.Progress()):  # noqa: B008 - how Gradio injects its progress bar
        """Analyse the report again with another speaker as the agent; outputs: status, the report."""
        acc = self.viewer(request)
        if _report_id(report_id) is None:
            return ("Analyse or open a recording first.", *self._report_outputs(acc, None))
        try:
            rid, changed = self.coach.set_agent(acc, report_id, speaker or None,
                                                progress=lambda f, m: progress(max(0.0, min(1.0, f)), desc=m))
        except ToneCoachError as exc:
            return (f"**The agent was not changed:** {md(exc)}", *self._report_outputs(acc, report_id))
        except Exception:
            log.exception("setting the agent of report %s failed for %s", report_id, acc.name)
            return ("**The agent was not changed:** an internal error occurred; the details are in the server log.",
                    *self._report_outputs(acc, report_id))
        msg = (f"Report #{rid} analysed again with **{md(speaker)}** as the agent." if changed
               else f"**{md(speaker)}** is the agent of this report already.")
        return (msg, *self._report_outputs(acc, rid))

    # -- review -------------------------------------------------------------------------------
    def _review_rows(self, acc: Account, f: access.Filters):
        rows = access.entries(self.store, acc, f)
        langs = sorted({e.language for e in access.entries(self.store, acc) if e.language})
        return R.entry_rows(rows), [(R.entry_label(e), e.report_id) for e in rows], langs

    def review_refresh(self, agent, date_from, date_to, language, min_score, max_score, reviewed, request: gr.Request):
        """Filter the team table; outputs: rows, open-a-report choices, status."""
        acc = self.viewer(request)
        if acc.role not in ("team_lead", "admin"):
            return [], gr.Dropdown(choices=[], value=None), "Only team leads and admins review."
        try:
            f = access.Filters(agent=agent or None, date_from=_date(date_from, "from"), date_to=_date(date_to, "to"),
                               language=language or None, min_score=_num(min_score), max_score=_num(max_score),
                               reviewed={"reviewed": True, "not reviewed": False}.get(reviewed or "", None))
        except (ToneCoachError, ValueError) as exc:
            return gr.Dataframe(), gr.Dropdown(), f"**Filter:** {md(exc)}"
        rows, choices, _ = self._review_rows(acc, f)
        return rows, gr.Dropdown(choices=choices, value=None), f"{len(rows)} recording(s)."

    def review_open(self, report_id, request: gr.Request):
        """Open a report for review; outputs: the report (as in practice), review button, status."""
        acc = self.viewer(request)
        outs = self._report_outputs(acc, report_id if _report_id(report_id) else None)
        if outs[0] is None:
            return (*outs, gr.Button(), "" if _report_id(report_id) is None else "No such report.")
        e = access.get_entry(self.store, acc, outs[0])
        return (*outs, self._review_button(e), self._entry_status(e))

    def _review_button(self, e: access.Entry | None):
        return gr.Button(value="Mark not reviewed" if e and e.reviewed_at else "Mark reviewed", interactive=e is not None)

    def _entry_status(self, e: access.Entry | None) -> str:
        if e is None:
            return ""
        rev = (f"reviewed {e.reviewed_at:%Y-%m-%d %H:%M} by {md(e.reviewed_by)}" if e.reviewed_at else "not reviewed yet")
        return (f"Report #{e.report_id}: **{md(e.agent)}**, {md(e.name or 'recording')}, "
                f"{e.created_at:%Y-%m-%d %H:%M} UTC; {rev}.")

    def add_comment(self, report_id, at_text, text, request: gr.Request):
        """Outputs: comment rows, the comment box (cleared on success), status."""
        acc = self.viewer(request)
        try:
            access.add_comment(self.store, acc, _report_id(report_id), text, at_s=parse_time(at_text))
        except ToneCoachError as exc:
            return gr.Dataframe(), gr.Textbox(), f"**Comment not added:** {md(exc)}"
        rows = R.comment_rows(access.comments(self.store, acc, report_id))
        return rows, gr.Textbox(value=""), "Comment added."

    def toggle_reviewed(self, report_id, request: gr.Request):
        """Outputs: review button, status."""
        acc = self.viewer(request)
        e = access.get_entry(self.store, acc, _report_id(report_id))
        try:
            e = access.mark_reviewed(self.store, acc, _report_id(report_id), reviewed=not (e and e.reviewed_at))
        except ToneCoachError as exc:
            return gr.Button(), f"**Not changed:** {md(exc)}"
        return self._review_button(e), self._entry_status(e)

    def moment_time(self, report_id, index, request: gr.Request) -> str:
        """The start of a feedback moment as m:ss, to pin a comment there."""
        acc = self.viewer(request)
        got = self.coach.open(acc, report_id) if _report_id(report_id) else None
        if got is None or index in (None, ""):
            return gr.Textbox()
        fb = got[1].feedback
        i = int(index)
        return R.clock(fb[i].start_s) if 0 <= i < len(fb) else gr.Textbox()

    def trend(self, agent, request: gr.Request):
        """One agent's tone and content scores over time (a long table for gr.LinePlot)."""
        import pandas as pd

        acc = self.viewer(request)
        rows = []
        for e in access.trend(self.store, acc, agent) if agent else []:
            if e.tone_score is not None:
                rows.append({"date": e.created_at.replace(tzinfo=None), "score": e.tone_score, "score of": "tone"})
            if e.content_score is not None:
                rows.append({"date": e.created_at.replace(tzinfo=None), "score": e.content_score, "score of": "content"})
        return pd.DataFrame(rows, columns=["date", "score", "score of"])

    # -- account ------------------------------------------------------------------------------
    def change_password(self, old: str, new: str, again: str, request: gr.Request) -> str:
        """Check the current password (under the login throttle: no password oracle), set the new one.

        Every other session of the user ends; this one goes on.
        """
        acc = self.viewer(request)
        attempt = self.web.throttle.begin(acc.name, self.web.client_address(request)) if self.web else None
        if isinstance(attempt, Refused):
            return f"**Not changed:** {attempt.message}."
        ok = authenticate(self.store, acc.name, old or "") is not None
        if attempt is not None:
            self.web.throttle.finish(attempt, ok)
        if not ok:
            return "**Not changed:** the current password is wrong."
        if new != again:
            return "**Not changed:** the two new passwords differ."
        try:
            set_password(self.store, acc.name, check_password(new or ""))
        except ToneCoachError as exc:
            return f"**Not changed:** {md(exc)}"
        if self.web is not None:
            self.web.keep_session(request, acc.name)
        log.info("%s changed their password; their other sessions ended", acc.name)
        return "Password changed."

    # -- the API (gradio_client) --------------------------------------------------------------
    def api_reports(self, request: gr.Request) -> list[dict]:
        """The reports you may see, newest first."""
        acc = self.viewer(request)
        return [_entry_dict(e) for e in access.entries(self.store, acc)]

    def api_report(self, report_id: int, request: gr.Request) -> dict | None:
        """One report and its entry, or null when there is none you may see.

        ``report_json`` is the report as a JSON string (``CallReport.from_json`` reads it back); a string
        because gradio_client would take the report's ``audio.path`` for a file to download.
        """
        acc = self.viewer(request)
        got = self.coach.open(acc, report_id)
        if got is None:
            return None
        entry, report, _ = got
        return {"entry": _entry_dict(entry), "report_json": report.to_json(indent=None)}

    def api_comments(self, report_id: int, request: gr.Request) -> list[dict]:
        """Comments on a report you may see (an empty list otherwise)."""
        acc = self.viewer(request)
        return [{"id": c.id, "author": c.author, "role": c.author_role, "at_s": c.at_s, "text": c.text,
                 "created_at": c.created_at.isoformat()} for c in access.comments(self.store, acc, report_id)]

    def api_add_comment(self, report_id: int, text: str, at_s: float | None, request: gr.Request) -> dict:
        """Add a comment to a report you may see, optionally at a time (seconds)."""
        acc = self.viewer(request)
        try:
            c = access.add_comment(self.store, acc, report_id, text, at_s=at_s)
        except ToneCoachError as exc:
            raise gr.Error(str(exc)) from None
        return {"id": c.id, "author": c.author, "at_s": c.at_s, "text": c.text}

    def api_set_agent(self, report_id: int, speaker: str, request: gr.Request) -> dict:
        """Analyse a report you may see again with ``speaker`` (an id from its ``speakers``) as the agent."""
        acc = self.viewer(request)
        try:
            rid, changed = self.coach.set_agent(acc, report_id, speaker)
        except ToneCoachError as exc:
            raise gr.Error(str(exc)) from None
        _, report, _ = self.coach.open(acc, rid)
        return {"report_id": rid, "changed": changed, "agent": dataclasses.asdict(report.agent) if report.agent else None,
                "tone_score": report.tone.score, "content_score": R.content_score(report)}

    def api_analyze(self, audio_path: str | None, request: gr.Request) -> dict:
        """Analyse an audio file as yours; returns the report id, both scores and the feedback."""
        acc = self.viewer(request)
        try:
            rid = self.coach.analyze_upload(acc, self._upload(acc, audio_path))
        except ToneCoachError as exc:
            self._discard(acc, audio_path)
            raise gr.Error(str(exc)) from None
        except Exception:
            self._discard(acc, audio_path)
            raise
        _, report, _ = self.coach.open(acc, rid)
        return {"report_id": rid, "tone_score": report.tone.score, "content_score": R.content_score(report),
                "feedback": [f.__dict__ | {"evidence": dict(f.evidence)} for f in report.feedback],
                "warnings": list(report.warnings)}


def _entry_dict(e: access.Entry) -> dict[str, Any]:
    return {"report_id": e.report_id, "agent": e.agent, "team": e.team, "name": e.name, "source": e.source,
            "created_at": e.created_at.isoformat(), "language": e.language, "tone_score": e.tone_score,
            "content_score": e.content_score, "n_feedback": e.n_feedback,
            "reviewed_at": e.reviewed_at.isoformat() if e.reviewed_at else None, "reviewed_by": e.reviewed_by}
