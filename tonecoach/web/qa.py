"""The scorecard in the web app: a call's answers, the lead's review form, the agent's acknowledgement and
disputes, open disputes, agreement, trends, and the team scorecard's editor.

Handlers look the user up from the login again (as :mod:`tonecoach.web.handlers`
does) and go through :mod:`tonecoach.store.scorecards`, which applies the rule
of reports: a report the user may not see answers exactly as one that does not
exist (nothing to show, or "no such report"), for the page's events and the API
alike. A team's scorecard that does not parse is not saved: the message names
each bad line and the previous scorecard stays in force.
"""

from __future__ import annotations

import dataclasses
import logging

import gradio as gr

from ..errors import ToneCoachError
from ..render import web_qa as RQ
from ..render.fmt import md
from ..scorecard import ScorecardError
from ..store import qa_trends as T
from ..store import scorecards as Q
from ..store.accounts import Account, get_account

__all__ = ["QaHandlers"]

log = logging.getLogger("tonecoach")

LEADS = ("team_lead", "admin")


def _rid(v) -> int | None:
    try:
        return int(v) if v not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _iso(t) -> str | None:
    return t.isoformat() if t is not None else None


def _dispute(d: Q.DisputeView) -> dict:
    return {"id": d.id, "report_id": d.report_id, "agent": d.agent, "criterion_id": d.criterion_id, "comment": d.comment,
            "status": d.status, "created_at": _iso(d.created_at), "resolved_by": d.resolved_by,
            "resolution": d.resolution, "resolved_at": _iso(d.resolved_at)}


def _form(f: Q.ReviewForm) -> dict:
    return {"report_id": f.report_id, "agent": f.agent, "score": f.score,
            "scorecard": {"name": f.scorecard.name, "version": f.scorecard.version, "team": f.scorecard.team,
                          "revision": f.scorecard.revision},
            "acknowledged_at": _iso(f.acknowledged_at), "disagreements": list(f.disagreements),
            "items": [{"criterion_id": i.criterion_id, "question": i.question, "group": i.group,
                       "auto_answer": i.auto_answer, "auto_reason": i.auto_reason,
                       "auto_evidence": [dict(e) for e in i.auto_evidence], "human_answer": i.human_answer,
                       "human_note": i.human_note, "reviewer": i.reviewer, "agrees": i.agrees,
                       "dispute": _dispute(i.dispute) if i.dispute else None} for i in f.items]}


class QaHandlers:
    """Scorecard event handlers and API endpoints bound to the app's store."""

    def __init__(self, store):
        self.store = store

    def viewer(self, request) -> Account:
        acc = get_account(self.store, getattr(request, "username", None))
        if acc is None:
            raise gr.Error("Your session has ended or your account was removed; log in again.")
        return acc

    # -- one call ----------------------------------------------------------------------------
    def _target(self, form: Q.ReviewForm | None) -> float | None:
        return form.scorecard.scorecard(self.store).target if form is not None else None

    def _card(self, acc: Account, report_id, review: bool) -> tuple[str, list]:
        form = Q.review_form(self.store, acc, report_id) if _rid(report_id) is not None else None
        settled = [d for d in Q.disputes(self.store, acc, report_id) if d.status != "open"] if form else []
        return (RQ.form_html(form, review=review, target=self._target(form), settled=settled),
                RQ.criterion_choices(form))

    def card_outputs(self, acc: Account, report_id, *, review: bool) -> tuple:
        """The scorecard of a report (HTML) and the criteria to pick from on its form."""
        html, choices = self._card(acc, report_id, review)
        return html, gr.Dropdown(choices=choices, value=None)

    def _done(self, acc: Account, report_id, criterion_id, msg: str, *, review: bool) -> tuple:
        html, choices = self._card(acc, report_id, review)
        return html, gr.Dropdown(choices=choices, value=criterion_id or None), msg

    def answer(self, report_id, criterion_id, answer, note, request: gr.Request):
        """The lead answers a criterion on the same form; outputs: the scorecard, the criteria, status."""
        acc = self.viewer(request)
        if _rid(report_id) is None:
            return gr.HTML(), gr.Dropdown(), "Open a recording first."
        if not criterion_id:
            return gr.HTML(), gr.Dropdown(), "Pick a criterion first."
        try:
            item = Q.answer_criterion(self.store, acc, _rid(report_id), criterion_id, answer or None, note=note)
        except ToneCoachError as exc:
            return gr.HTML(), gr.Dropdown(), f"**Not saved:** {md(str(exc))}"
        if item.human_answer is None:
            msg = "Your answer was taken back; tonecoach's counts."
        elif item.agrees:
            msg = f"Saved: **{RQ.LABEL[item.human_answer]}**, as tonecoach answered."
        else:
            msg = (f"Saved: **{RQ.LABEL[item.human_answer]}**; tonecoach answered "
                   f"**{RQ.LABEL.get(item.auto_answer)}**: this call counts as a disagreement.")
        return self._done(acc, report_id, criterion_id, msg, review=True)

    def settle(self, report_id, criterion_id, outcome, note, request: gr.Request):
        """The lead upholds or rejects the open dispute on the picked criterion."""
        acc = self.viewer(request)
        open_ = [d for d in Q.disputes(self.store, acc, _rid(report_id)) if d.status == "open"
                 and d.criterion_id == criterion_id]
        if not open_:
            return gr.HTML(), gr.Dropdown(), "No open dispute on this criterion."
        try:
            d = Q.resolve_dispute(self.store, acc, open_[0].id, outcome or "", note=note)
        except ToneCoachError as exc:
            return gr.HTML(), gr.Dropdown(), f"**Not settled:** {md(str(exc))}"
        return self._done(acc, report_id, criterion_id, f"Dispute {d.status}.", review=True)

    def acknowledge(self, report_id, request: gr.Request):
        acc = self.viewer(request)
        try:
            t = Q.acknowledge(self.store, acc, _rid(report_id))
        except ToneCoachError as exc:
            return gr.HTML(), gr.Dropdown(), f"**Not acknowledged:** {md(str(exc))}"
        return self._done(acc, report_id, None, f"Acknowledged ({t:%Y-%m-%d %H:%M} UTC).", review=False)

    def dispute(self, report_id, criterion_id, comment, request: gr.Request):
        acc = self.viewer(request)
        if not criterion_id:
            return gr.HTML(), gr.Dropdown(), "Pick the answer you dispute first."
        try:
            Q.dispute(self.store, acc, _rid(report_id), criterion_id, comment)
        except ToneCoachError as exc:
            return gr.HTML(), gr.Dropdown(), f"**Not sent:** {md(str(exc))}"
        return self._done(acc, report_id, criterion_id, "Dispute sent to your team lead.", review=False)

    # -- home views --------------------------------------------------------------------------
    def home(self, request: gr.Request):
        """On load: the agent's progress; for a lead, the team's trend, open disputes, agreement and the editor."""
        acc = self.viewer(request)
        lead = acc.role in LEADS
        progress = RQ.progress_html(T.agent_progress(self.store, acc, acc.name))
        if not lead:
            return (progress, gr.Accordion(visible=False), "", "", "", gr.Accordion(visible=False),
                    gr.Dropdown(choices=[]), "")
        teams = self._teams(acc)
        team = acc.team or (teams[0] if teams else None)
        text = self._toml(acc, team)
        return (progress, gr.Accordion(visible=True), *self._team_parts(acc), gr.Accordion(visible=bool(teams)),
                gr.Dropdown(choices=teams, value=team, interactive=acc.role == "admin"), text)

    def agent_progress_html(self, acc, agent: str | None) -> str:
        """For a lead: one agent of the team's scorecard over their last calls (nothing before an agent is chosen)."""
        if not agent:
            return ""
        return RQ.progress_html(T.agent_progress(self.store, acc, agent), agent=agent)

    def progress(self, request: gr.Request) -> str:
        acc = self.viewer(request)
        return RQ.progress_html(T.agent_progress(self.store, acc, acc.name))

    def _team_parts(self, acc: Account) -> tuple[str, str, str]:
        return (RQ.team_html(T.team_qa(self.store, acc)), RQ.disputes_html(Q.open_disputes(self.store, acc)),
                RQ.agreement_html(Q.agreement(self.store, acc)))

    def team_refresh(self, request: gr.Request):
        acc = self.viewer(request)
        if acc.role not in LEADS:
            return "", "", ""
        return self._team_parts(acc)

    def _teams(self, acc: Account) -> list[str]:
        if acc.role == "admin":
            from sqlalchemy import select

            from ..store.models import Team

            with self.store.session() as s:
                return sorted(s.scalars(select(Team.name)))
        return [acc.team] if acc.role == "team_lead" and acc.team else []

    def _toml(self, acc: Account, team: str | None) -> str:
        if not team:
            return ""
        try:
            return Q.scorecard_text(self.store, acc, team)[1]
        except ToneCoachError:
            return ""

    def load_toml(self, team, request: gr.Request):
        acc = self.viewer(request)
        if team not in self._teams(acc):
            return "", ""
        row = Q.current_scorecard(self.store, team)
        where = f"team {team}'s revision {row.revision}" if row.team else "the default (the team has none of its own yet)"
        return self._toml(acc, team), f"In force: {md(row.name)} {md(row.version)}, {md(where)}."

    def save_toml(self, team, text, request: gr.Request):
        """Check and save the team's scorecard; outputs: status (the problems with their lines), the team view."""
        acc = self.viewer(request)
        if not team or team not in self._teams(acc):
            return "**Not saved:** only the team's lead or an admin can change a team's scorecard.", gr.HTML()
        try:
            row = Q.save_scorecard(self.store, text or "", team=team, by=acc, source=f"team {team}")
        except ScorecardError as exc:
            problems = "\n".join(f"- {md(p)}" for p in str(exc).split("\n"))
            return (f"**Not saved; the scorecard in force is unchanged.**\n\n{problems}", gr.HTML())
        except ToneCoachError as exc:
            return f"**Not saved:** {md(str(exc))}", gr.HTML()
        log.info("%s saved team %s's scorecard, revision %s", acc.name, team, row.revision)
        return (f"Saved: {md(row.name)} {md(row.version)} is team {md(team)}'s scorecard (revision {row.revision}).",
                RQ.team_html(T.team_qa(self.store, acc)))

    # -- the API (gradio_client) -------------------------------------------------------------
    def api_scorecard(self, report_id: int, request: gr.Request) -> dict | None:
        """A report's scorecard: tonecoach's answers with evidence, a person's answers, disputes; null when there
        is no report you may see."""
        form = Q.review_form(self.store, self.viewer(request), report_id)
        return _form(form) if form is not None else None

    def _call(self, fn):
        try:
            return fn()
        except ToneCoachError as exc:
            raise gr.Error(str(exc)) from None

    def api_answer(self, report_id: int, criterion_id: str, answer: str | None, note: str | None,
                   request: gr.Request) -> dict:
        """A lead's answer to one criterion on a report ("" or null takes it back)."""
        acc = self.viewer(request)
        item = self._call(lambda: Q.answer_criterion(self.store, acc, report_id, criterion_id, answer or None, note=note))
        return {"criterion_id": item.criterion_id, "human_answer": item.human_answer, "auto_answer": item.auto_answer,
                "agrees": item.agrees, "reviewer": item.reviewer}

    def api_acknowledge(self, report_id: int, request: gr.Request) -> dict:
        """The agent acknowledges the evaluation of their call."""
        acc = self.viewer(request)
        return {"report_id": report_id, "acknowledged_at": self._call(lambda: Q.acknowledge(self.store, acc, report_id)
                                                                      ).isoformat()}

    def api_dispute(self, report_id: int, criterion_id: str, comment: str, request: gr.Request) -> dict:
        """The agent disputes one answer on their call, with a comment."""
        acc = self.viewer(request)
        return _dispute(self._call(lambda: Q.dispute(self.store, acc, report_id, criterion_id, comment)))

    def api_disputes(self, request: gr.Request) -> list[dict]:
        """Open disputes on the reports you may see."""
        return [_dispute(d) for d in Q.open_disputes(self.store, self.viewer(request))]

    def api_resolve(self, dispute_id: int, outcome: str, note: str | None, request: gr.Request) -> dict:
        """A lead upholds or rejects a dispute."""
        acc = self.viewer(request)
        return _dispute(self._call(lambda: Q.resolve_dispute(self.store, acc, dispute_id, outcome, note=note)))

    def api_agreement(self, request: gr.Request) -> list[dict]:
        """Per criterion, how often a person agreed with tonecoach over the reviewed calls you may see."""
        return [dataclasses.asdict(a) | {"rate": a.rate} for a in Q.agreement(self.store, self.viewer(request))]

    def api_progress(self, agent: str, request: gr.Request) -> list[dict]:
        """An agent's last calls (yours, or your team's for a lead): tone, content, scorecard, target met."""
        acc = self.viewer(request)
        return [dataclasses.asdict(c) | {"created_at": c.created_at.isoformat(), "failed": list(c.failed)}
                for c in T.agent_progress(self.store, acc, agent or acc.name)]

    def api_team(self, request: gr.Request) -> dict:
        """The team's scorecard by week and the criteria that fail most, with the target."""
        t = T.team_qa(self.store, self.viewer(request))
        return {"team": t.team, "target": t.target, "calls": t.calls, "pass_rate": t.pass_rate,
                "weeks": [dataclasses.asdict(w) | {"week": w.week.isoformat()} for w in t.weeks],
                "criteria": [dataclasses.asdict(c) | {"pass_rate": c.pass_rate} for c in t.criteria]}

    def api_scorecard_text(self, team: str, request: gr.Request) -> dict:
        """The TOML of the scorecard in force for a team (its members and admins)."""
        acc = self.viewer(request)
        row, text = self._call(lambda: Q.scorecard_text(self.store, acc, team or None))
        return {"team": row.team, "revision": row.revision, "version": row.version, "toml": text}

    def api_set_scorecard(self, team: str, toml: str, request: gr.Request) -> dict:
        """Make ``toml`` the team's scorecard; a file that does not parse is refused with its lines named."""
        acc = self.viewer(request)
        row = self._call(lambda: Q.save_scorecard(self.store, toml or "", team=team, by=acc, source=f"team {team}"))
        return {"team": row.team, "revision": row.revision, "version": row.version}
