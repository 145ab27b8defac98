"""QA scorecards in the store: each team's scorecard, answers on reports, human reviews, disputes, acknowledgements.

Every function that touches a report takes the viewer and applies the rule of
:mod:`tonecoach.store.access` (agents their own, team leads their team's,
admins all). A report the viewer may not see behaves exactly like one that
does not exist: reads return None or an empty list, writes raise
:class:`~tonecoach.store.access.NotFoundError` with the same message.

- a **team lead** (of the agent's team) or an admin answers criteria in
  review (:func:`answer_criterion`), sees where they and tonecoach disagree
  (:func:`review_form`) and how often per criterion (:func:`agreement`), and
  settles disputes (:func:`resolve_dispute`); a lead sets their team's
  scorecard (:func:`save_scorecard`);
- the **agent** whose call it is acknowledges the evaluation
  (:func:`acknowledge`) or disputes one answer with a comment (:func:`dispute`).

Everything on a report belongs to one owner's report (an ``agent_reports``
row, the report number users see): two people who uploaded the same audio
share its analysis, never each other's human answers, disputes or
acknowledgements. tonecoach's own answers are made from the report the owner
sees: the shared analysis, or their own version after an agent correction.

A team's scorecard is versioned: saving one that does not parse changes
nothing (the previous revision stays in force) and raises the
:class:`~tonecoach.scorecard.ScorecardError` that names each bad line.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import aliased

from ..scorecard import ANSWERS, Scorecard, ScorecardResult, evaluate, load_scorecard, parse_scorecard
from .access import NOT_FOUND, NotFoundError, PermissionDeniedError, _scope, can_review, get_entry
from .accounts import Account
from .api import Store
from .errors import StoreError
from .models import Report, Team, User, utcnow
from .qa import ScorecardAck, ScorecardAnswer, ScorecardDispute, ScorecardReview, TeamScorecard, forget_own_answers
from .review import AgentReport

__all__ = [
    "MAX_DISPUTE_CHARS",
    "CriterionAgreement",
    "DisputeView",
    "FormItem",
    "ReviewForm",
    "ScorecardRow",
    "acknowledge",
    "agreement",
    "answer_criterion",
    "current_scorecard",
    "default_scorecard_row",
    "dispute",
    "disputes",
    "forget_own_answers",
    "open_disputes",
    "record_answers",
    "record_in",
    "resolve_dispute",
    "review_form",
    "save_scorecard",
    "scorecard_history",
    "scorecard_row",
    "scorecard_text",
    "stored_revision",
    "reports_with_answers",
]

MAX_DISPUTE_CHARS = 2000
MAX_NOTE_CHARS = 2000


@dataclass(frozen=True)
class ScorecardRow:
    """One stored revision of a scorecard (``team`` None: the bundled default)."""

    id: int
    team: str | None
    revision: int
    name: str
    version: str
    digest: str
    created_at: _dt.datetime
    created_by: str | None = None

    def scorecard(self, store: Store) -> Scorecard:
        """The parsed scorecard of this revision."""
        return _parsed(store, self.id)


@dataclass(frozen=True)
class FormItem:
    """One criterion on the review form: tonecoach's answer, the person's, and whether they agree."""

    criterion_id: str
    question: str
    group: str
    auto_answer: str | None
    auto_reason: str
    auto_evidence: tuple[dict, ...]
    human_answer: str | None = None
    human_note: str | None = None
    reviewer: str | None = None
    dispute: DisputeView | None = None

    @property
    def agrees(self) -> bool | None:
        """None until a person answered it."""
        if self.human_answer is None or self.auto_answer is None:
            return None
        return self.human_answer == self.auto_answer


@dataclass(frozen=True)
class ReviewForm:
    """The scorecard of one agent's report: automatic and human answers, disputes, acknowledgement."""

    report_id: int
    agent: str
    scorecard: ScorecardRow
    items: tuple[FormItem, ...]
    score: float | None
    acknowledged_at: _dt.datetime | None = None
    disagreements: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class DisputeView:
    id: int
    report_id: int
    agent: str
    criterion_id: str
    comment: str
    status: str
    created_at: _dt.datetime
    resolved_by: str | None = None
    resolution: str | None = None
    resolved_at: _dt.datetime | None = None


@dataclass(frozen=True)
class CriterionAgreement:
    """How often people agreed with tonecoach on one criterion, over the reviewed calls the viewer may see."""

    criterion_id: str
    question: str
    reviewed: int
    agreed: int

    @property
    def rate(self) -> float | None:
        return self.agreed / self.reviewed if self.reviewed else None


# -- scorecards --------------------------------------------------------------------------------

_PARSED: dict[tuple[str, int], Scorecard] = {}


def _parsed(store: Store, row_id: int) -> Scorecard:
    key = (store.url, row_id)
    hit = _PARSED.get(key)
    if hit is None:
        with store.session() as s:
            row = s.get(TeamScorecard, row_id)
            if row is None:
                raise StoreError(f"no scorecard {row_id}")
            team = row.team.name if row.team else None
            hit = parse_scorecard(row.toml_text, source=f"team {team}" if team else "default")
        _PARSED[key] = hit
    return hit


def _row(r: TeamScorecard) -> ScorecardRow:
    return ScorecardRow(id=r.id, team=r.team.name if r.team else None, revision=r.revision, name=r.name,
                        version=r.version, digest=r.digest, created_at=_utc(r.created_at),
                        created_by=r.created_by.name if r.created_by else None)


def _utc(t: _dt.datetime | None) -> _dt.datetime | None:
    return t.replace(tzinfo=_dt.UTC) if t is not None and t.tzinfo is None else t


def _team_id(s, team: str | None) -> int | None:
    if team is None:
        return None
    tid = s.scalar(select(Team.id).where(Team.name == team))
    if tid is None:
        raise StoreError(f"no team named {team!r}")
    return tid


def _latest(s, team_id: int | None) -> TeamScorecard | None:
    cond = TeamScorecard.team_id.is_(None) if team_id is None else TeamScorecard.team_id == team_id
    return s.scalar(select(TeamScorecard).where(cond).order_by(TeamScorecard.revision.desc()).limit(1))


def _insert(s, team_id: int | None, card: Scorecard, by_id: int | None) -> TeamScorecard:
    latest = _latest(s, team_id)
    if latest is not None and latest.digest == card.digest:
        return latest
    row = TeamScorecard(team_id=team_id, revision=(latest.revision + 1) if latest else 1, name=card.name[:200],
                        version=card.version[:64], digest=card.digest, toml_text=card.text, created_by_user_id=by_id)
    s.add(row)
    s.flush()
    return row


def default_scorecard_row(store: Store) -> ScorecardRow:
    """The bundled default scorecard's row (added, as a new revision, when the bundled file changed)."""
    card = load_scorecard()
    with store.session() as s:
        latest = _latest(s, None)
        if latest is not None and latest.digest == card.digest:
            return _row(latest)
    with store.write() as s:
        return _row(_insert(s, None, card, None))


def save_scorecard(store: Store, text: str, *, team: str, by: Account | None = None, source: str | None = None
                   ) -> ScorecardRow:
    """Check ``text`` and make it ``team``'s scorecard (a new revision; the same text again changes nothing).

    ``by`` is who saves it: the team's lead or an admin (None: the command
    line, run by whoever may open the database); ``source`` names the text
    in error messages (a file name). Raises
    :class:`~tonecoach.scorecard.ScorecardError` for a scorecard that does not
    parse (nothing is stored; the previous one stays in force),
    :class:`PermissionDeniedError` for anyone else.
    """
    if by is not None and not (by.role == "admin" or (by.role == "team_lead" and by.team == team)):
        raise PermissionDeniedError("only the team's lead or an admin can change a team's scorecard")
    card = parse_scorecard(text, source=source or f"team {team}")
    with store.write() as s:
        return _row(_insert(s, _team_id(s, team), card, by.id if by else None))


def current_scorecard(store: Store, team: str | None) -> ScorecardRow:
    """The scorecard in force for ``team``: its latest revision, else the bundled default."""
    if team is not None:
        with store.session() as s:
            latest = _latest(s, _team_id(s, team))
            if latest is not None:
                return _row(latest)
    return default_scorecard_row(store)


def scorecard_history(store: Store, team: str | None) -> list[ScorecardRow]:
    """Every revision of ``team``'s scorecard, newest first."""
    with store.session() as s:
        tid = _team_id(s, team)
        cond = TeamScorecard.team_id.is_(None) if tid is None else TeamScorecard.team_id == tid
        return [_row(r) for r in s.scalars(select(TeamScorecard).where(cond).order_by(TeamScorecard.revision.desc()))]


def stored_revision(store: Store, digest: str) -> ScorecardRow | None:
    """The latest stored revision (any team's, or the default) whose text has this SHA-256, if any."""
    with store.session() as s:
        r = s.scalar(select(TeamScorecard).where(TeamScorecard.digest == digest).order_by(TeamScorecard.id.desc()).limit(1))
        return _row(r) if r is not None else None


def reports_with_answers(store: Store, row: ScorecardRow, report_ids: Sequence[int]) -> set[int]:
    """Which of these reports already have automatic answers for scorecard ``row``."""
    out: set[int] = set()
    ids = sorted(set(report_ids))
    with store.session() as s:
        for k in range(0, len(ids), 500):
            out.update(s.scalars(select(ScorecardAnswer.report_id).distinct().where(
                ScorecardAnswer.scorecard_id == row.id, ScorecardAnswer.agent_report_id.is_(None),
                ScorecardAnswer.report_id.in_(ids[k:k + 500]))))
    return out


def scorecard_row(store: Store, row_id: int) -> ScorecardRow | None:
    with store.session() as s:
        r = s.get(TeamScorecard, row_id)
        return _row(r) if r is not None else None


def scorecard_text(store: Store, viewer: Account, team: str | None) -> tuple[ScorecardRow, str]:
    """The TOML in force for ``team`` (to edit it): the team's members, and admins, may read it."""
    if viewer.role != "admin" and team is not None and viewer.team != team:
        raise PermissionDeniedError("a team's scorecard is shown to its members")
    row = current_scorecard(store, team)
    with store.session() as s:
        return row, s.scalar(select(TeamScorecard.toml_text).where(TeamScorecard.id == row.id))


# -- automatic answers -------------------------------------------------------------------------


def record_answers(store: Store, report_id: int, row: ScorecardRow, result: ScorecardResult) -> None:
    """Store tonecoach's answers of ``result`` (made with scorecard ``row``) on analysis ``report_id``, replacing
    earlier ones."""
    with store.write() as s:
        _record(s, report_id, row.id, result)


def record_in(session, report_id: int, row: ScorecardRow, result: ScorecardResult) -> None:
    """:func:`record_answers` inside a transaction the caller holds (e.g. the one that saves the report)."""
    _record(session, report_id, row.id, result)


def _answers_of(report_id: int, owner: int | None, scorecard_id: int):
    own = ScorecardAnswer.agent_report_id.is_(None) if owner is None else ScorecardAnswer.agent_report_id == owner
    return select(ScorecardAnswer).where(ScorecardAnswer.report_id == report_id, own,
                                         ScorecardAnswer.scorecard_id == scorecard_id)


def _record(s, report_id: int, scorecard_id: int, result: ScorecardResult, owner: int | None = None) -> None:
    """Answers on analysis ``report_id``; with ``owner``, on that owner's own version of it."""
    old = {a.criterion_id: a for a in s.scalars(_answers_of(report_id, owner, scorecard_id))}
    for a in result.answers:
        row = old.pop(a.id, None) or ScorecardAnswer(report_id=report_id, agent_report_id=owner, scorecard_id=scorecard_id,
                                                     criterion_id=a.id)
        row.answer, row.reason = a.answer, a.reason
        row.evidence_json = json.dumps([dict(e) for e in a.evidence], ensure_ascii=False)
        s.add(row)
    for gone in old.values():
        s.delete(gone)


def _agent_team(store: Store, agent_id: int) -> tuple[int | None, str | None]:
    with store.session() as s:
        row = s.execute(select(User.team_id, Team.name).outerjoin(Team, Team.id == User.team_id)
                        .where(User.id == agent_id)).one_or_none()
    return (row[0], row[1]) if row else (None, None)


def _form_scorecard(store: Store, e) -> ScorecardRow:
    """The scorecard an owner's report is reviewed with: the one a person already answered on it, else the team's
    current."""
    with store.session() as s:
        sid = s.scalar(select(ScorecardReview.scorecard_id).where(ScorecardReview.agent_report_id == e.report_id)
                       .order_by(ScorecardReview.scorecard_id.desc()).limit(1))
        if sid is not None:
            return _row(s.get(TeamScorecard, sid))
    return current_scorecard(store, _agent_team(store, e.agent_id)[1])


def _auto(store: Store, e, row: ScorecardRow) -> dict[str, ScorecardAnswer]:
    """tonecoach's answers with scorecard ``row`` on the report owner ``e`` sees: stored ones, else answered now and
    stored (on the shared analysis, or on the owner's own version when they have one)."""
    with store.session() as s:
        own, shared = s.execute(select(AgentReport.report_json, Report.report_json)
                                .join(Report, Report.id == AgentReport.report_id)
                                .where(AgentReport.id == e.report_id)).one()
        owner = e.report_id if own is not None else None
        got = {a.criterion_id: a for a in s.scalars(_answers_of(e.analysis_id, owner, row.id))}
        if got:
            return got
    from ..report import CallReport

    result = evaluate(row.scorecard(store), CallReport.from_json(own or shared), team=row.team)
    with store.write() as s:
        _record(s, e.analysis_id, row.id, result, owner)
    return _auto(store, e, row)


# -- the review form ---------------------------------------------------------------------------


def review_form(store: Store, viewer: Account, report_id) -> ReviewForm | None:
    """The scorecard form of a report ``viewer`` may see (the agent's, the lead's, an admin's), else None."""
    e = get_entry(store, viewer, report_id)
    if e is None:
        return None
    row = _form_scorecard(store, e)
    card = row.scorecard(store)
    auto = _auto(store, e, row)
    with store.session() as s:
        reviewer = aliased(User)
        human = {r.criterion_id: (r, name) for r, name in s.execute(
            select(ScorecardReview, reviewer.name).outerjoin(reviewer, reviewer.id == ScorecardReview.reviewer_user_id)
            .where(ScorecardReview.agent_report_id == e.report_id, ScorecardReview.scorecard_id == row.id))}
        ack = s.scalar(select(ScorecardAck.created_at).where(
            ScorecardAck.agent_report_id == e.report_id, ScorecardAck.scorecard_id == row.id))
    open_by = {d.criterion_id: d for d in disputes(store, viewer, e.report_id) if d.status == "open"}
    items = []
    for c in card.criteria:
        a = auto.get(c.id)
        h, who = human.get(c.id, (None, None))
        items.append(FormItem(criterion_id=c.id, question=c.question, group=c.group,
                              auto_answer=a.answer if a else None, auto_reason=a.reason if a else "",
                              auto_evidence=tuple(json.loads(a.evidence_json)) if a else (),
                              human_answer=h.answer if h else None, human_note=h.note if h else None, reviewer=who,
                              dispute=open_by.get(c.id)))
    weights = {c.id: c.weight for c in card.criteria}
    final = [(i.human_answer or i.auto_answer, weights[i.criterion_id]) for i in items]
    den = sum(w for ans, w in final if ans in ("yes", "no") and w > 0)
    score = round(100.0 * sum(w for ans, w in final if ans == "yes" and w > 0) / den, 1) if den else None
    return ReviewForm(report_id=e.report_id, agent=e.agent, scorecard=row, items=tuple(items), score=score,
                      acknowledged_at=_utc(ack), disagreements=tuple(i.criterion_id for i in items if i.agrees is False))


def _lead_entry(store: Store, viewer: Account, report_id):
    e = get_entry(store, viewer, report_id)
    if e is None:
        raise NotFoundError(NOT_FOUND)
    team_id, _ = _agent_team(store, e.agent_id)
    if not can_review(viewer, e, team_id):
        raise PermissionDeniedError("only the agent's team lead or an admin can answer the scorecard in review")
    return e


def answer_criterion(store: Store, viewer: Account, report_id, criterion_id: str, answer: str | None, *,
                     note: str | None = None) -> FormItem:
    """A lead's (or admin's) answer to one criterion on an agent's report; ``answer`` None takes it back."""
    e = _lead_entry(store, viewer, report_id)
    row = _form_scorecard(store, e)
    if row.scorecard(store).criterion(criterion_id) is None:
        raise StoreError(f"the scorecard has no criterion {criterion_id!r}")
    if answer is not None and answer not in ANSWERS:
        raise StoreError(f"an answer is one of {', '.join(ANSWERS)}, not {answer!r}")
    note = (note or "").strip() or None
    if note and len(note) > MAX_NOTE_CHARS:
        raise StoreError(f"a note is at most {MAX_NOTE_CHARS} characters")
    _auto(store, e, row)  # the automatic answers exist before the human one is compared with them
    with store.write() as s:
        r = s.scalar(select(ScorecardReview).where(
            ScorecardReview.agent_report_id == e.report_id, ScorecardReview.scorecard_id == row.id,
            ScorecardReview.criterion_id == criterion_id))
        if answer is None:
            if r is not None:
                s.delete(r)
        else:
            if r is None:
                r = ScorecardReview(report_id=e.analysis_id, agent_report_id=e.report_id, agent_user_id=e.agent_id,
                                    scorecard_id=row.id, criterion_id=criterion_id)
                s.add(r)
            r.answer, r.note, r.reviewer_user_id = answer, note, viewer.id
    form = review_form(store, viewer, e.report_id)
    assert form is not None
    return next(i for i in form.items if i.criterion_id == criterion_id)


# -- the agent: acknowledge, dispute -----------------------------------------------------------


def _own_entry(store: Store, viewer: Account, report_id):
    """The viewer's own entry of a report; not visible -> NotFoundError, someone else's -> PermissionDeniedError."""
    e = get_entry(store, viewer, report_id)  # the viewer's own entry first, when they have one
    if e is None:
        raise NotFoundError(NOT_FOUND)
    if e.agent_id != viewer.id:
        raise PermissionDeniedError("only the agent whose call it is can acknowledge or dispute its evaluation")
    return e


def acknowledge(store: Store, viewer: Account, report_id) -> _dt.datetime:
    """The agent acknowledges the evaluation of their call (again: the first time stays)."""
    e = _own_entry(store, viewer, report_id)
    row = _form_scorecard(store, e)
    with store.write() as s:
        ack = s.scalar(select(ScorecardAck).where(ScorecardAck.agent_report_id == e.report_id,
                                                  ScorecardAck.scorecard_id == row.id))
        if ack is None:
            ack = ScorecardAck(report_id=e.analysis_id, agent_report_id=e.report_id, agent_user_id=viewer.id,
                               scorecard_id=row.id)
            s.add(ack)
            s.flush()
        return _utc(ack.created_at)


def dispute(store: Store, viewer: Account, report_id, criterion_id: str, comment: str) -> DisputeView:
    """The agent disputes one answer on their call, saying why; one open dispute per criterion."""
    e = _own_entry(store, viewer, report_id)
    comment = (comment or "").strip()
    if not comment:
        raise StoreError("say why you dispute it: the comment is what your team lead reads")
    if len(comment) > MAX_DISPUTE_CHARS:
        raise StoreError(f"a dispute's comment is at most {MAX_DISPUTE_CHARS} characters")
    row = _form_scorecard(store, e)
    if row.scorecard(store).criterion(criterion_id) is None:
        raise StoreError(f"the scorecard has no criterion {criterion_id!r}")
    with store.write() as s:
        if s.scalar(select(ScorecardDispute.id).where(
                ScorecardDispute.agent_report_id == e.report_id, ScorecardDispute.criterion_id == criterion_id,
                ScorecardDispute.status == "open")) is not None:
            raise StoreError("this answer is already disputed; your team lead has not settled it yet")
        d = ScorecardDispute(report_id=e.analysis_id, agent_report_id=e.report_id, agent_user_id=viewer.id,
                             scorecard_id=row.id, criterion_id=criterion_id, comment=comment, status="open")
        s.add(d)
        s.flush()
        return DisputeView(d.id, e.report_id, viewer.name, criterion_id, comment, "open", _utc(d.created_at))


def _dispute_query(viewer: Account):
    agent, resolver = aliased(User), aliased(User)
    q = (select(ScorecardDispute, agent.name, resolver.name)
         .join(agent, agent.id == ScorecardDispute.agent_user_id)
         .outerjoin(resolver, resolver.id == ScorecardDispute.resolved_by_user_id))
    scope = _scope(viewer, agent)
    return q if scope is None else q.where(scope)


def _view(d: ScorecardDispute, agent: str, resolver: str | None) -> DisputeView:
    return DisputeView(d.id, d.agent_report_id, agent, d.criterion_id, d.comment, d.status, _utc(d.created_at),
                       resolver, d.resolution, _utc(d.resolved_at))


def disputes(store: Store, viewer: Account, report_id) -> list[DisputeView]:
    """The disputes on a report ``viewer`` may see, oldest first ([] for a report they may not see, as for none)."""
    e = get_entry(store, viewer, report_id)
    if e is None:
        return []
    with store.session() as s:
        q = _dispute_query(viewer).where(ScorecardDispute.agent_report_id == e.report_id).order_by(ScorecardDispute.id)
        return [_view(*r) for r in s.execute(q)]


def open_disputes(store: Store, viewer: Account) -> list[DisputeView]:
    """Open disputes on the reports ``viewer`` may see (a lead: the team's), oldest first."""
    with store.session() as s:
        q = _dispute_query(viewer).where(ScorecardDispute.status == "open").order_by(ScorecardDispute.id)
        return [_view(*r) for r in s.execute(q)]


def resolve_dispute(store: Store, viewer: Account, dispute_id, outcome: str, *, note: str | None = None) -> DisputeView:
    """A lead (of the agent's team) or an admin upholds or rejects a dispute, saying why."""
    if outcome not in ("upheld", "rejected"):
        raise StoreError("a dispute is settled as upheld or rejected")
    try:
        did = int(dispute_id)
    except (TypeError, ValueError):
        raise NotFoundError("no such dispute") from None
    with store.session() as s:
        found = s.execute(_dispute_query(viewer).where(ScorecardDispute.id == did)).one_or_none()
    if found is None:
        raise NotFoundError("no such dispute")
    d = found[0]
    e = get_entry(store, viewer, d.agent_report_id)
    team_id, _ = _agent_team(store, d.agent_user_id)
    if e is None or not can_review(viewer, e, team_id):
        raise PermissionDeniedError("only the agent's team lead or an admin can settle a dispute")
    with store.write() as s:
        row = s.get(ScorecardDispute, did)
        if row.status != "open":
            raise StoreError(f"this dispute was already {row.status}")
        row.status, row.resolution = outcome, (note or "").strip()[:MAX_NOTE_CHARS] or None
        row.resolved_at, row.resolved_by_user_id = utcnow(), viewer.id
    with store.session() as s:
        return _view(*s.execute(_dispute_query(viewer).where(ScorecardDispute.id == did)).one())


# -- agreement ---------------------------------------------------------------------------------


def agreement(store: Store, viewer: Account, *, agents: Sequence[str] | None = None) -> list[CriterionAgreement]:
    """Per criterion: over the calls a person answered (that ``viewer`` may see), how often tonecoach agreed.

    Criteria are told apart by id across scorecard revisions; the question
    shown is the latest one's.
    """
    agent = aliased(User)
    # tonecoach's answer on the report the person reviewed: the owner's own version's, else the analysis's
    q = (select(ScorecardReview.criterion_id, ScorecardReview.answer, ScorecardAnswer.answer, ScorecardReview.scorecard_id)
         .join(agent, agent.id == ScorecardReview.agent_user_id)
         .join(AgentReport, AgentReport.id == ScorecardReview.agent_report_id)
         .join(ScorecardAnswer, and_(ScorecardAnswer.report_id == ScorecardReview.report_id,
                                     ScorecardAnswer.scorecard_id == ScorecardReview.scorecard_id,
                                     ScorecardAnswer.criterion_id == ScorecardReview.criterion_id,
                                     or_(ScorecardAnswer.agent_report_id == ScorecardReview.agent_report_id,
                                         and_(ScorecardAnswer.agent_report_id.is_(None),
                                              AgentReport.report_json.is_(None))))))
    scope = _scope(viewer, agent)
    if scope is not None:
        q = q.where(scope)
    if agents:
        q = q.where(agent.name.in_(list(agents)))
    counts: dict[str, list[int]] = {}
    latest: dict[str, int] = {}
    with store.session() as s:
        for cid, human, auto, sid in s.execute(q):
            n = counts.setdefault(cid, [0, 0])
            n[0] += 1
            n[1] += human == auto
            latest[cid] = max(latest.get(cid, 0), sid)
    out = []
    for cid, (n, ok) in counts.items():
        card = _parsed(store, latest[cid])
        c = card.criterion(cid)
        out.append(CriterionAgreement(cid, c.question if c else cid, n, ok))
    return sorted(out, key=lambda a: (a.rate if a.rate is not None else 2.0, a.criterion_id))

