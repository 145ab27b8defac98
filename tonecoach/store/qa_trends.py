"""Scorecard trends: an agent's last calls, a team's weeks and the criteria that fail most, against the target.

Read through :func:`tonecoach.store.scorecards.review_form`, so every figure
follows the rule of reports (agents their own, leads their team's, admins
all) and counts what a person answered where they did (a lead's answer
replaces tonecoach's on that call).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from dataclasses import dataclass

from . import access
from .accounts import Account
from .api import Store
from .scorecards import ReviewForm, current_scorecard, review_form

__all__ = ["CallScore", "CriterionRate", "TeamQa", "WeekRow", "agent_progress", "call_scores", "team_qa"]


@dataclass(frozen=True)
class CallScore:
    """One call's scores: tone, content (wording) and the scorecard's share passed, and whether it met the target."""

    report_id: int
    agent: str
    name: str | None
    created_at: _dt.datetime
    tone: float | None
    content: float | None
    scorecard: float | None
    target: float | None
    passed: bool | None
    failed: tuple[str, ...] = ()


@dataclass(frozen=True)
class WeekRow:
    week: _dt.date  #: the Monday
    calls: int
    mean_scorecard: float | None
    pass_rate: float | None  #: share of the calls that met the target (None without a target)


@dataclass(frozen=True)
class CriterionRate:
    criterion_id: str
    question: str
    yes: int
    no: int
    not_applicable: int

    @property
    def pass_rate(self) -> float | None:
        n = self.yes + self.no
        return self.yes / n if n else None


@dataclass(frozen=True)
class TeamQa:
    team: str | None
    target: float | None
    calls: int
    weeks: tuple[WeekRow, ...]
    criteria: tuple[CriterionRate, ...]  #: the most failed first

    @property
    def pass_rate(self) -> float | None:
        with_target = [w for w in self.weeks if w.pass_rate is not None]
        n = sum(w.calls for w in with_target)
        return sum(w.pass_rate * w.calls for w in with_target) / n if n else None


def _score(store: Store, form: ReviewForm, entry: access.Entry) -> CallScore:
    card = form.scorecard.scorecard(store)
    final = {i.criterion_id: i.human_answer or i.auto_answer for i in form.items}
    critical = [c.id for c in card.criteria if c.critical and final.get(c.id) == "no"]
    passed = None
    if card.target is not None and form.score is not None:
        passed = form.score >= card.target and not critical
    return CallScore(report_id=entry.report_id, agent=entry.agent, name=entry.name, created_at=entry.created_at,
                     tone=entry.tone_score, content=entry.content_score, scorecard=form.score, target=card.target,
                     passed=passed, failed=tuple(cid for cid, a in final.items() if a == "no"))


def call_scores(store: Store, viewer: Account, entries: Sequence[access.Entry]) -> list[tuple[CallScore, ReviewForm]]:
    """Each entry's :class:`CallScore` and the form behind it (entries ``viewer`` may not see are left out)."""
    out = []
    for e in entries:
        form = review_form(store, viewer, e.report_id)
        if form is not None:
            out.append((_score(store, form, e), form))
    return out


def agent_progress(store: Store, viewer: Account, agent: str, *, last: int = 20) -> list[CallScore]:
    """``agent``'s last ``last`` calls that ``viewer`` may see, oldest first."""
    entries = access.entries(store, viewer, access.Filters(agent=agent), limit=last)
    return sorted((c for c, _ in call_scores(store, viewer, entries)), key=lambda c: (c.created_at, c.report_id))


def team_qa(store: Store, viewer: Account, *, last: int = 200) -> TeamQa:
    """The calls ``viewer`` may see (a lead: the team's agents; their own calls are left out), by week, and the
    criteria by how often they fail; the target is the viewer's team scorecard's."""
    entries = [e for e in access.entries(store, viewer, limit=last) if e.agent_id != viewer.id]
    scored = call_scores(store, viewer, entries)
    weeks: dict[_dt.date, list[CallScore]] = {}
    counts: dict[str, list[int]] = {}
    questions: dict[str, str] = {}
    for c, form in scored:
        d = c.created_at.date()
        weeks.setdefault(d - _dt.timedelta(days=d.weekday()), []).append(c)
        for i in form.items:
            a = i.human_answer or i.auto_answer
            n = counts.setdefault(i.criterion_id, [0, 0, 0])
            if a in ("yes", "no", "not_applicable"):
                n[("yes", "no", "not_applicable").index(a)] += 1
            questions.setdefault(i.criterion_id, i.question)
    rows = []
    for wk in sorted(weeks):
        cs = weeks[wk]
        vals = [c.scorecard for c in cs if c.scorecard is not None]
        judged = [c.passed for c in cs if c.passed is not None]
        rows.append(WeekRow(wk, len(cs), sum(vals) / len(vals) if vals else None,
                            sum(judged) / len(judged) if judged else None))
    crit = [CriterionRate(cid, questions[cid], *n) for cid, n in counts.items()]
    crit.sort(key=lambda r: (-(r.no / (r.yes + r.no)) if r.yes + r.no else 1.0, -r.no, r.criterion_id))
    target = current_scorecard(store, viewer.team).scorecard(store).target
    return TeamQa(team=viewer.team, target=target, calls=len(scored), weeks=tuple(rows), criteria=tuple(crit))
