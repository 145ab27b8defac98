"""The Gradio event handlers: who is asking (from the login), then the :class:`~tonecoach.web.service.Coach`.

Every handler takes ``request: gr.Request`` and looks the user up again from
``request.username`` (the name Gradio's login stored for the session); nothing
a browser sends, hidden state included, is trusted for identity or access. A
report id the user may not see gives the same empty answer as one that does
not exist. An uploaded file is taken as input only from the user who uploaded
it, and a refused upload is deleted. Text from users (file names, comments,
transcripts, messages that quote them) is escaped wherever Markdown renders.
Lists of ids held in the page (which row is which report) are
only a way to find the id: the report is opened through the same rule.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import logging
import math
import re
from typing import Any

import gradio as gr

from .. import coaching as C
from ..errors import ToneCoachError
from ..render import web as R
from ..render.fmt import md
from ..store import access
from ..store.accounts import Account, authenticate, check_password, get_account, set_password
from .progress import Pace, Tracker, probe_audio
from .qa import QaHandlers
from .security import Refused
from .service import Coach, UploadError

__all__ = ["BROWSER_STATE_KEY", "Handlers", "parse_time"]

log = logging.getLogger("tonecoach")

ROLE_NAMES = {"agent": "agent", "team_lead": "team lead", "admin": "admin"}
#: the browser keeps each user's last visit here (localStorage). Gradio encrypts the value with a key it also sends to
#: the page, so the key protects nothing: a fixed one keeps the value readable after the server restarts.
BROWSER_STATE_KEY = "tonecoach-last-visit"


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


def _score(text, what: str) -> float | None:
    """A score bound from a text box: blank means no bound."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return None
    try:
        f = float(str(text).strip().replace(",", "."))
    except ValueError:
        f = math.nan
    if not (math.isfinite(f) and 0 <= f <= 100):
        raise ToneCoachError(f"write \u201c{what}\u201d as a number from 0 to 100 (or leave it empty), not {str(text)!r}")
    return f


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


def _aware(t: _dt.datetime | None) -> _dt.datetime | None:
    if t is None:
        return None
    return t if t.tzinfo is not None else t.replace(tzinfo=_dt.timezone.utc)


def _since(text) -> _dt.datetime | None:
    try:
        return _aware(_dt.datetime.fromisoformat(str(text))) if text else None
    except ValueError:
        return None


def _row_id(ids, evt: gr.EventData | None) -> int | None:
    """The report id of the clicked row (``ids`` is the table's ids in row order; the event is a Dataframe
    ``select``, whose data holds the cell's ``index``: [row, column])."""
    index = _event(evt).get("index")
    try:
        row = index[0] if isinstance(index, (list, tuple)) else int(index)
        return _report_id(list(ids or [])[int(row)]) if int(row) >= 0 else None
    except (IndexError, TypeError, ValueError):
        return None


def _event(evt: gr.EventData | None) -> dict:
    data = getattr(evt, "_data", None)
    return data if isinstance(data, dict) else {}


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
        self.pace = Pace()
        self.qa = QaHandlers(self.store)

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
        """Outputs: who, the Review tab, my recordings (table, ids, empty state), the review filters' choices,
        the team's table (rows, ids, status), the trend's agents."""
        acc = self.viewer(request)
        reviewer = acc.role in ("team_lead", "admin")
        agents = self._agents(acc) if reviewer else []
        langs = sorted({e.language for e in access.entries(self.store, acc) if e.language}) if reviewer else []
        return (
            self.whoami(acc),
            gr.Tab(visible=reviewer),
            *self._mine(acc, None, None),
            gr.Dropdown(choices=[("any agent", "")] + [(a, a) for a in agents], value=""),
            gr.Dropdown(choices=[("any language", "")] + [(x, x) for x in langs], value=""),
            *(self._review_list(acc, access.Filters(), None) if reviewer else ([], [], "")),
            gr.Dropdown(choices=agents, value=None),
        )

    def visit(self, visits, request: gr.Request):
        """On load, from what the browser remembers of the last visits: the news since the last one and My
        recordings with it marked *new*; outputs: notice, my recordings (3), the visits to keep, the last visit."""
        acc = self.viewer(request)
        visits = dict(visits) if isinstance(visits, dict) else {}
        since = _since(visits.get(acc.name))
        visits[acc.name] = _dt.datetime.now(_dt.timezone.utc).isoformat()
        return (self._notice(acc, since), *self._mine(acc, since, None), visits, since.isoformat() if since else None)

    def _agents(self, acc: Account) -> list[str]:
        """The agents a lead may review: people with the agent role, not the lead."""
        out = []
        for name in access.visible_agents(self.store, acc):
            who = get_account(self.store, name)
            if name != acc.name and who is not None and who.role == "agent":
                out.append(name)
        return out

    def _notice(self, acc: Account, since: _dt.datetime | None):
        """What leads did to my recordings since my last visit (hidden when nothing)."""
        if since is None:
            return gr.Markdown(value="", visible=False)
        said, reviewed = {}, []
        for e in self._my_entries(acc):
            for c in access.comments(self.store, acc, e.report_id):
                if _aware(c.created_at) > since and c.author != acc.name:
                    said.setdefault(c.author, []).append(e.name or "a recording")
            if e.reviewed_at is not None and _aware(e.reviewed_at) > since and e.reviewed_by and e.reviewed_by != acc.name:
                reviewed.append((e.reviewed_by, e.name or "a recording"))
        parts = []
        for who, names in said.items():
            parts.append(f"**{md(who)}** left {R._plural(len(names), 'comment')} on {', '.join(sorted(set(map(md, names))))}")
        for who, name in reviewed:
            parts.append(f"**{md(who)}** reviewed {md(name)}")
        if not parts:
            return gr.Markdown(value="", visible=False)
        return gr.Markdown(value="Since your last visit: " + "; ".join(parts) + ". They are marked *new* in My recordings.",
                           visible=True)

    def _my_entries(self, acc: Account) -> list[access.Entry]:
        return [e for e in access.entries(self.store, acc, limit=200) if e.agent_id == acc.id]

    def _mine(self, acc: Account, since: _dt.datetime | None, open_id: int | None) -> tuple:
        """My recordings: the table, its ids (row order) and the empty state, shown before the first upload."""
        mine = self._my_entries(acc)
        comments = {e.report_id: access.comments(self.store, acc, e.report_id) for e in mine}
        since = _aware(since) if isinstance(since, _dt.datetime) else _since(since)
        rows = R.mine_rows(mine, comments, since, acc.name, open_id)
        return (gr.Dataframe(value=rows, visible=bool(mine)), [e.report_id for e in mine], gr.HTML(visible=not mine))

    # -- a report -----------------------------------------------------------------------------
    def report_outputs(self, acc: Account, report_id, *, review: bool = False) -> tuple:
        """current id, the report's box, agent banner, scores and summary, feedback, moment choices, timeline,
        details, comments, agent choices, re-take lines, the scorecard and its criteria (the order of
        :meth:`ReportView.outputs`)."""
        got = self.coach.open(acc, report_id) if _report_id(report_id) is not None else None
        if got is None:
            return (None, gr.Row(visible=False), "", "", "", gr.Dropdown(choices=[], value=None), "", "", "",
                    gr.Dropdown(choices=[], value=None, interactive=False), gr.Dropdown(choices=[], value=None), "",
                    gr.Dropdown(choices=[], value=None))
        entry, report, _ = got
        views = C.feedback_views(report)
        empty = "No comments yet." if review else "No comments from your team lead yet."
        return (
            entry.report_id,
            gr.Row(visible=True),
            R.agent_banner_html(report),
            R.scores_html(report, views),
            R.feedback_html(report, views, comment=review),
            gr.Dropdown(choices=R.feedback_choices(report, views), value=None),
            R.timeline_html(report),
            R.details_html(report),
            R.comments_html(access.comments(self.store, acc, entry.report_id), empty=empty),
            gr.Dropdown(choices=R.agent_choices(report), value=report.agent.speaker if report.agent else None,
                        interactive=len(report.speakers) > 1, info=R.agent_info(report)),
            gr.Dropdown(choices=R.retake_choices(report), value=None),
            *self.qa.card_outputs(acc, entry.report_id, review=review),
        )

    # -- practice -----------------------------------------------------------------------------
    def clear_messages(self):
        """When an analysis starts: the last one's messages go (status, re-take comparison)."""
        return "", "", []

    def _tracked(self, progress, work, path=None):
        """Run ``work(callback)`` with one progress bar (see :class:`tonecoach.web.progress.Tracker`)."""
        audio_s, channels = probe_audio(path) if path else (None, 1)
        tracker = Tracker(lambda f, m: progress(f, desc=m), pace=self.pace, audio_s=audio_s, channels=channels)
        return tracker.run(work)

    def _learn_pace(self, acc: Account, rid) -> None:
        got = self.coach.open(acc, rid)
        if got is not None:
            r = got[1]
            self.pace.add((r.timings_s or {}).get("transcribe"), r.audio.duration_s, max(1, min(2, r.audio.channels)))

    def analyze(self, audio_path: str | None, since, request: gr.Request, progress=gr.Progress()):  # noqa: B008 - how Gradio injects its progress bar
        """Analyse an upload or a microphone recording; outputs: status, the report, my recordings."""
        acc = self.viewer(request)
        try:
            path = self._upload(acc, audio_path)
            rid = self._tracked(progress, lambda cb: self.coach.analyze_upload(acc, path, progress=cb), path)
        except ToneCoachError as exc:
            self._discard(acc, audio_path)
            return (f"**Could not analyse this file:** {md(str(exc))}", *self.report_outputs(acc, None),
                    *self._mine(acc, since, None))
        except Exception:  # a bug: say so plainly, keep the details in the log
            log.exception("analysis failed for %s", acc.name)
            self._discard(acc, audio_path)
            return ("**Could not analyse this file:** an internal error occurred; the details are in the server log.",
                    *self.report_outputs(acc, None), *self._mine(acc, since, None))
        self._learn_pace(acc, rid)
        return (f"Analysed: report #{rid}.", *self.report_outputs(acc, rid), *self._mine(acc, since, rid))

    def open_mine_row(self, ids, since, evt: gr.EventData, request: gr.Request):
        """A click on a row of My recordings: the last message goes, that report opens, the table marks it open."""
        acc = self.viewer(request)
        rid = _row_id(ids, evt)
        outs = self.report_outputs(acc, rid)
        return ("", *outs, *self._mine(acc, since, outs[0]))

    def open_mine(self, report_id, request: gr.Request):
        """Open one of my reports by id (the report's outputs); an id of none I may see is an error, the same for
        one that does not exist."""
        outs = self.report_outputs(self.viewer(request), report_id)
        if outs[0] is None and _report_id(report_id) is not None:
            raise gr.Error("No such report.")
        return outs

    def _clip(self, acc: Account, report_id, start, end):
        if _report_id(report_id) is None or start is None or end is None:
            return None
        try:
            clip = self.coach.clip(acc, report_id, float(start), float(end))
        except (TypeError, ValueError):
            return None
        except ToneCoachError as exc:
            raise gr.Error(str(exc)) from None
        return self._served(acc, report_id, clip)

    def _served(self, acc: Account, report_id, clip):
        if clip is None or self.web is None:
            return clip
        # a file of its own, served only to who may see the report (Gradio's own cache would serve it to anyone)
        return self.web.files.write_clip(acc.name, int(report_id), *clip)

    def play_moment(self, report_id, key, request: gr.Request):
        """The clip behind a "Play a moment" choice (a feedback item's index, or a summary row's key)."""
        acc = self.viewer(request)
        got = self.coach.open(acc, report_id) if _report_id(report_id) is not None else None
        if got is None or key in (None, ""):
            return None
        where = R.moment_of(got[1], key)
        return self._clip(acc, report_id, *where) if where else None

    def act(self, report_id, evt: gr.EventData, request: gr.Request):
        """A button in a report: ▶ plays its moment."""
        acc = self.viewer(request)
        d = _event(evt)
        if d.get("action") != "play":
            return gr.skip()
        return self._clip(acc, report_id, d.get("start"), d.get("end"))

    def act_review(self, report_id, evt: gr.EventData, request: gr.Request):
        """A button in a report under review: ▶ plays its moment and pins the comment box there; Comment here pins it."""
        acc = self.viewer(request)
        d = _event(evt)
        if d.get("action") == "comment":
            return gr.skip(), d.get("at") or ""
        if d.get("action") == "play":
            return self._clip(acc, report_id, d.get("start"), d.get("end")), d.get("at") or gr.skip()
        return gr.skip(), gr.skip()

    def play_line(self, report_id, key, request: gr.Request):
        """How a line of the re-take drill sounded in the call."""
        acc = self.viewer(request)
        got = self.coach.open(acc, report_id) if _report_id(report_id) is not None else None
        line = next((x for x in C.retake_lines(got[1]) if x.key == key), None) if got and key else None
        return self._clip(acc, report_id, line.start_s, line.end_s) if line else None

    def retake(self, report_id, key, take_path, request: gr.Request, progress=gr.Progress()):  # noqa: B008 - how Gradio injects its progress bar
        """Compare a new take of a flagged line with the original; outputs: summary, rows."""
        acc = self.viewer(request)
        if _report_id(report_id) is None:
            return "Analyse or open a recording first.", []
        if key is None or key == "":
            return "Pick a sentence or phrase first.", []
        try:
            path = self._upload(acc, take_path)
            r = self._tracked(progress, lambda cb: self.coach.retake(acc, report_id, key, path, progress=cb), path)
        except ToneCoachError as exc:
            self._discard(acc, take_path)
            return f"**Could not compare:** {md(str(exc))}", []
        return R.retake_summary(r), R.retake_rows(r)

    def set_agent(self, report_id, speaker, request: gr.Request, progress=gr.Progress()):  # noqa: B008 - how Gradio injects its progress bar
        """Analyse the report again with another speaker as the agent; outputs: status, the report."""
        return self._set_agent(report_id, speaker, request, progress, review=False)

    def set_agent_review(self, report_id, speaker, request: gr.Request, progress=gr.Progress()):  # noqa: B008 - how Gradio injects its progress bar
        """:meth:`set_agent` for the Review tab."""
        return self._set_agent(report_id, speaker, request, progress, review=True)

    def _set_agent(self, report_id, speaker, request, progress, *, review: bool):
        acc = self.viewer(request)
        if _report_id(report_id) is None:
            return ("Analyse or open a recording first.", *self.report_outputs(acc, None, review=review))
        try:
            rid, changed = self._tracked(progress, lambda cb: self.coach.set_agent(acc, report_id, speaker or None, progress=cb))
        except ToneCoachError as exc:
            return (f"**The agent was not changed:** {md(str(exc))}", *self.report_outputs(acc, report_id, review=review))
        except Exception:
            log.exception("setting the agent of report %s failed for %s", report_id, acc.name)
            return ("**The agent was not changed:** an internal error occurred; the details are in the server log.",
                    *self.report_outputs(acc, report_id, review=review))
        msg = (f"Report #{rid} analysed again with **{md(speaker)}** as the agent." if changed
               else f"**{md(speaker)}** is the agent of this report already.")
        return (msg, *self.report_outputs(acc, rid, review=review))

    def switch_agent(self, report_id, evt: gr.EventData, request: gr.Request, progress=gr.Progress()):  # noqa: B008 - how Gradio injects its progress bar
        """The banner's "Switch to ..." button: the same as choosing that speaker under "Who is the agent?"."""
        d = _event(evt)
        if d.get("action") != "switch" or not d.get("speaker"):
            return (gr.skip(),) * 14
        return self._set_agent(report_id, str(d["speaker"]), request, progress, review=False)

    def switch_agent_review(self, report_id, evt: gr.EventData, request: gr.Request, progress=gr.Progress()):  # noqa: B008 - how Gradio injects its progress bar
        """:meth:`switch_agent` for the Review tab."""
        d = _event(evt)
        if d.get("action") != "switch" or not d.get("speaker"):
            return (gr.skip(),) * 14
        return self._set_agent(report_id, str(d["speaker"]), request, progress, review=True)

    # -- review -------------------------------------------------------------------------------
    def _filters(self, agent, date_from, date_to, language, min_score, max_score, reviewed) -> access.Filters:
        return access.Filters(agent=agent or None, date_from=_date(date_from, "from"), date_to=_date(date_to, "to"),
                              language=language or None, min_score=_score(min_score, "Tone score from"),
                              max_score=_score(max_score, "to"),
                              reviewed={"reviewed": True, "not reviewed": False}.get(reviewed or "", None))

    def _review_list(self, acc: Account, f: access.Filters, open_id) -> tuple:
        rows = access.entries(self.store, acc, f)
        counts = {e.report_id: len(access.comments(self.store, acc, e.report_id)) for e in rows}
        return R.entry_rows(rows, counts, _report_id(open_id)), [e.report_id for e in rows], f"{len(rows)} recording(s)."

    def review_refresh(self, agent, date_from, date_to, language, min_score, max_score, reviewed, current=None,
                       request: gr.Request = None):
        """Filter the team table (empty fields filter nothing); outputs: rows, their ids, status. The open report stays."""
        acc = self.viewer(request)
        if acc.role not in ("team_lead", "admin"):
            return [], [], "Only team leads and admins review."
        try:
            f = self._filters(agent, date_from, date_to, language, min_score, max_score, reviewed)
        except (ToneCoachError, ValueError) as exc:
            return gr.Dataframe(), gr.State(), f"**Filter:** {md(str(exc))}"
        return self._review_list(acc, f, current)

    def _opened(self, acc: Account, rid, filters) -> tuple:
        outs = self.report_outputs(acc, rid, review=True)
        try:
            f = self._filters(*filters)
        except (ToneCoachError, ValueError):
            f = access.Filters()
        listed = self._review_list(acc, f, outs[0])
        if outs[0] is None:
            return (*outs, gr.Button(interactive=False), "" if _report_id(rid) is None else "No such report.", *listed)
        e = access.get_entry(self.store, acc, outs[0])
        return (*outs, self._review_button(e), self._entry_status(e), *listed)

    def review_open_row(self, ids, agent, date_from, date_to, language, min_score, max_score, reviewed,
                        evt: gr.EventData, request: gr.Request):
        """A click on a row of the team's table opens that report beside the comment box."""
        acc = self.viewer(request)
        return self._opened(acc, _row_id(ids, evt), (agent, date_from, date_to, language, min_score, max_score, reviewed))

    def review_open(self, report_id, request: gr.Request):
        """Open a report for review by id; outputs: the report, review button, status."""
        acc = self.viewer(request)
        return self._opened(acc, report_id, (None,) * 7)[:-3]

    def review_next(self, ids, current, agent, date_from, date_to, language, min_score, max_score, reviewed,
                    request: gr.Request):
        """The next recording of the list not reviewed yet (after the open one, wrapping round)."""
        acc = self.viewer(request)
        order = [i for i in (_report_id(x) for x in ids or []) if i is not None]
        cur = _report_id(current)
        start = order.index(cur) + 1 if cur in order else 0
        filters = (agent, date_from, date_to, language, min_score, max_score, reviewed)
        for rid in order[start:] + order[:start]:
            e = access.get_entry(self.store, acc, rid)
            if rid != cur and e is not None and e.reviewed_at is None:
                return self._opened(acc, rid, filters)
        outs = self._opened(acc, cur, filters)
        return (*outs[:-5], outs[-5], "Every recording in this list is reviewed.", *outs[-3:])

    def _review_button(self, e: access.Entry | None):
        return gr.Button(value="Mark not reviewed" if e and e.reviewed_at else "Mark reviewed", interactive=e is not None)

    def _entry_status(self, e: access.Entry | None) -> str:
        if e is None:
            return ""
        rev = (f"reviewed {e.reviewed_at:%Y-%m-%d %H:%M} by {md(e.reviewed_by)}" if e.reviewed_at else "not reviewed yet")
        return (f"Report #{e.report_id}: **{md(e.agent)}**, {md(e.name or 'recording')}, "
                f"{e.created_at:%Y-%m-%d %H:%M} UTC; {rev}.")

    def add_comment(self, report_id, at_text, text, request: gr.Request):
        """Outputs: the comments, the comment box (cleared on success), status."""
        acc = self.viewer(request)
        try:
            access.add_comment(self.store, acc, _report_id(report_id), text, at_s=parse_time(at_text))
        except ToneCoachError as exc:
            return gr.HTML(), gr.Textbox(), f"**Comment not added:** {md(str(exc))}"
        return R.comments_html(access.comments(self.store, acc, report_id)), gr.Textbox(value=""), "Comment added."

    def toggle_reviewed(self, report_id, request: gr.Request):
        """Outputs: review button, status."""
        acc = self.viewer(request)
        e = access.get_entry(self.store, acc, _report_id(report_id))
        try:
            e = access.mark_reviewed(self.store, acc, _report_id(report_id), reviewed=not (e and e.reviewed_at))
        except ToneCoachError as exc:
            return gr.Button(), f"**Not changed:** {md(str(exc))}"
        return self._review_button(e), self._entry_status(e)

    def moment_time(self, report_id, key, request: gr.Request) -> str:
        """The start of a feedback moment as m:ss, to pin a comment there."""
        acc = self.viewer(request)
        got = self.coach.open(acc, report_id) if _report_id(report_id) else None
        if got is None or key in (None, ""):
            return gr.Textbox()
        where = R.moment_of(got[1], key)
        return R.clock(where[0]) if where else gr.Textbox()

    def trend(self, agent, request: gr.Request) -> tuple[str, str]:
        """One agent's tone and content scores over time, the target band and the team's average (an SVG), and
        the agent's scorecard over their last calls against the team's target."""
        acc = self.viewer(request)
        return self._trend_svg(acc, agent), self.qa.agent_progress_html(acc, agent)

    def _trend_svg(self, acc: Account, agent) -> str:
        entries = access.trend(self.store, acc, agent) if agent else []
        points = []
        for e in entries:
            t = e.created_at.replace(tzinfo=None)
            if e.tone_score is not None:
                points.append((t, "tone", e.tone_score))
            if e.content_score is not None:
                points.append((t, "content", e.content_score))
        if not points:
            return R.trend_svg([], {})
        t0, t1 = min(p[0] for p in points), max(p[0] for p in points)
        team = [e for e in access.entries(self.store, acc)
                if t0 - _dt.timedelta(days=1) <= e.created_at.replace(tzinfo=None) <= t1 + _dt.timedelta(days=1)]
        avg = {}
        for kind, attr in (("tone", "tone_score"), ("content", "content_score")):
            vals = [getattr(e, attr) for e in team if getattr(e, attr) is not None]
            avg[kind] = sum(vals) / len(vals) if vals else None
        return R.trend_svg(points, avg, agent=agent)

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
                "tone_score": report.tone.score, "content_score": report.content_score}

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
        return {"report_id": rid, "tone_score": report.tone.score, "content_score": report.content_score,
                "feedback": [f.__dict__ | {"evidence": dict(f.evidence)} for f in report.feedback],
                "warnings": list(report.warnings)}


def _entry_dict(e: access.Entry) -> dict[str, Any]:
    return {"report_id": e.report_id, "agent": e.agent, "team": e.team, "name": e.name, "source": e.source,
            "created_at": e.created_at.isoformat(), "language": e.language, "tone_score": e.tone_score,
            "content_score": e.content_score, "n_feedback": e.n_feedback,
            "reviewed_at": e.reviewed_at.isoformat() if e.reviewed_at else None, "reviewed_by": e.reviewed_by}
