"""Scorecards in the store: the rule of reports (agents their own, leads their team's, admins all) for every answer,
review, dispute and acknowledgement; a bad scorecard leaves the previous one in force."""

from __future__ import annotations

import pytest
import sqlalchemy
from sqlalchemy import select
from test_access import upload, world  # noqa: F401 - the fixture: ann, amy (north), lee (north lead), bob, carl (south), root
from test_scorecard import GOOD_CALL, call

from tonecoach.scorecard import ScorecardError, load_scorecard
from tonecoach.store import access as X
from tonecoach.store import scorecards as Q
from tonecoach.store import sha256_bytes
from tonecoach.store.qa import ScorecardAnswer, ScorecardDispute, ScorecardReview

ONE = """\
version = "team-1"
name = "north"
languages = ["en"]

[[criteria]]
id = "greeting"
question = "Did the agent greet?"
where = "opening"
[criteria.yes_if]
en = ["thank you for calling"]

[[criteria]]
id = "further_help_offered"
question = "Did the agent offer more help?"
where = "closing"
[criteria.yes_if]
en = ["anything else"]
"""


def save_call(store, who, content: bytes, turns=GOOD_CALL) -> int:
    return X.save_upload(store, who, call(turns), sha256=sha256_bytes(content), original_name="c.wav",
                         size_bytes=len(content), stored_path=None)


def test_a_team_scorecard_is_versioned_and_a_bad_one_changes_nothing(world):  # noqa: F811
    store, u = world
    default = Q.current_scorecard(store, "north")
    assert default.team is None and default.digest == load_scorecard().digest  # no team scorecard yet: the bundled one
    first = Q.save_scorecard(store, ONE, team="north", by=u["lee"])
    assert (first.team, first.revision, first.version, first.created_by) == ("north", 1, "team-1", "lee")
    assert Q.save_scorecard(store, ONE, team="north", by=u["lee"]).id == first.id  # the same text: no new revision
    bad = ONE.replace('where = "closing"', 'where = "the end"')
    with pytest.raises(ScorecardError) as ei:
        Q.save_scorecard(store, bad, team="north", by=u["lee"])
    assert ei.value.lines == (bad.splitlines().index('where = "the end"') + 1,)
    assert Q.current_scorecard(store, "north").id == first.id  # the previous scorecard stays in force
    second = Q.save_scorecard(store, ONE.replace('"team-1"', '"team-2"'), team="north", by=u["root"])
    assert second.revision == 2 and [r.revision for r in Q.scorecard_history(store, "north")] == [2, 1]
    assert Q.current_scorecard(store, "south").team is None
    for who, team in (("ann", "north"), ("carl", "north"), ("lee", "south")):
        with pytest.raises(X.PermissionDeniedError):
            Q.save_scorecard(store, ONE, team=team, by=u[who])
    assert Q.current_scorecard(store, "north").id == second.id
    with pytest.raises(X.PermissionDeniedError):
        Q.scorecard_text(store, u["bob"], "north")
    row, text = Q.scorecard_text(store, u["amy"], "north")
    assert row.id == second.id and '"team-2"' in text


def test_the_lead_answers_in_review_and_sees_disagreements_and_agreement(world):  # noqa: F811
    store, u = world
    Q.save_scorecard(store, ONE, team="north", by=u["lee"])
    a = save_call(store, u["ann"], b"ann-1")
    m = save_call(store, u["amy"], b"amy-1", turns=[("A", 0.5, "Yes?"), ("C", 2.0, "Hi."), ("A", 4.0, "Bye.")])
    form = Q.review_form(store, u["lee"], a)
    assert form.scorecard.team == "north" and [i.criterion_id for i in form.items] == ["greeting", "further_help_offered"]
    assert [i.auto_answer for i in form.items] == ["yes", "yes"] and form.items[0].auto_evidence[0]["start_s"] == 0.5
    assert all(i.agrees is None for i in form.items)
    item = Q.answer_criterion(store, u["lee"], a, "further_help_offered", "no", note="asked too late")
    assert (item.human_answer, item.reviewer, item.agrees) == ("no", "lee", False)
    Q.answer_criterion(store, u["lee"], a, "greeting", "yes")
    Q.answer_criterion(store, u["root"], m, "greeting", "no")  # tonecoach said no too
    form = Q.review_form(store, u["lee"], a)
    assert form.disagreements == ("further_help_offered",) and form.score == 50.0  # the person's answer counts
    rates = {r.criterion_id: (r.agreed, r.reviewed) for r in Q.agreement(store, u["lee"])}
    assert rates == {"greeting": (2, 2), "further_help_offered": (0, 1)}
    # the agent sees the form (read-only) but may not answer it; other teams' leads do not see it at all
    assert Q.review_form(store, u["ann"], a).items[1].human_answer == "no"
    with pytest.raises(X.PermissionDeniedError):
        Q.answer_criterion(store, u["ann"], a, "greeting", "no")
    for who in ("carl", "bob", "amy"):
        assert Q.review_form(store, u[who], a) is None
        with pytest.raises(X.NotFoundError, match="^no such report$"):
            Q.answer_criterion(store, u[who], a, "greeting", "no")
    assert Q.agreement(store, u["carl"]) == [] and Q.agreement(store, u["ann"]) != []
    with pytest.raises(Exception, match="no criterion 'colour'"):
        Q.answer_criterion(store, u["lee"], a, "colour", "yes")
    with pytest.raises(Exception, match="one of yes, no, not_applicable"):
        Q.answer_criterion(store, u["lee"], a, "greeting", "maybe")
    Q.answer_criterion(store, u["lee"], a, "further_help_offered", None)  # taken back
    assert Q.review_form(store, u["lee"], a).disagreements == ()


def test_a_dispute_on_a_report_the_agent_may_not_see_is_answered_as_a_missing_report(world):  # noqa: F811
    store, u = world
    b = save_call(store, u["bob"], b"bob-1")
    a = save_call(store, u["ann"], b"ann-1")
    missing = 987654
    errors = []
    for rid in (b, missing, "x; DROP TABLE reports"):
        with pytest.raises(X.NotFoundError) as ei:
            Q.dispute(store, u["ann"], rid, "greeting", "That was a greeting")
        errors.append(str(ei.value))
        with pytest.raises(X.NotFoundError) as ei:
            Q.acknowledge(store, u["ann"], rid)
        errors.append(str(ei.value))
        assert Q.disputes(store, u["ann"], rid) == []
        assert Q.review_form(store, u["ann"], rid) is None
    assert set(errors) == {"no such report"}
    with store.session() as s:
        assert s.scalars(select(ScorecardDispute)).all() == []
    # her own call: disputed, once per answer, with a comment
    d = Q.dispute(store, u["ann"], a, "further_help_offered", "  I offered it at 1:09  ")
    assert (d.agent, d.status, d.comment) == ("ann", "open", "I offered it at 1:09")
    with pytest.raises(Exception, match="already disputed"):
        Q.dispute(store, u["ann"], a, "further_help_offered", "again")
    with pytest.raises(Exception, match="say why"):
        Q.dispute(store, u["ann"], a, "greeting", "   ")
    with pytest.raises(Exception, match="at most"):
        Q.dispute(store, u["ann"], a, "greeting", "x" * (Q.MAX_DISPUTE_CHARS + 1))
    # the lead sees it, may not dispute for her; the agent's teammate does not see it
    with pytest.raises(X.PermissionDeniedError):
        Q.dispute(store, u["lee"], a, "greeting", "on her behalf")
    assert [x.id for x in Q.disputes(store, u["lee"], a)] == [d.id]
    assert Q.disputes(store, u["amy"], a) == []
    items = {i.criterion_id: i for i in Q.review_form(store, u["lee"], a).items}
    assert items["further_help_offered"].dispute.id == d.id and items["greeting"].dispute is None
    ack = Q.acknowledge(store, u["ann"], a)
    assert Q.acknowledge(store, u["ann"], a) == ack and Q.review_form(store, u["lee"], a).acknowledged_at == ack


def test_open_disputes_by_team_and_who_settles_them(world):  # noqa: F811
    store, u = world
    a = save_call(store, u["ann"], b"ann-1")
    b = save_call(store, u["bob"], b"bob-1")
    da = Q.dispute(store, u["ann"], a, "greeting", "I greeted her")
    db = Q.dispute(store, u["bob"], b, "no_rudeness", "I was polite")
    assert [d.id for d in Q.open_disputes(store, u["lee"])] == [da.id]
    assert [d.id for d in Q.open_disputes(store, u["carl"])] == [db.id]
    assert [d.id for d in Q.open_disputes(store, u["root"])] == [da.id, db.id]
    assert [d.id for d in Q.open_disputes(store, u["ann"])] == [da.id]
    assert Q.open_disputes(store, u["amy"]) == []
    with pytest.raises(X.NotFoundError, match="no such dispute"):
        Q.resolve_dispute(store, u["carl"], da.id, "upheld")  # another team's: as if it did not exist
    with pytest.raises(X.NotFoundError, match="no such dispute"):
        Q.resolve_dispute(store, u["lee"], 424242, "upheld")
    with pytest.raises(X.PermissionDeniedError):
        Q.resolve_dispute(store, u["ann"], da.id, "upheld")  # not her own
    done = Q.resolve_dispute(store, u["lee"], da.id, "upheld", note="You did")
    assert (done.status, done.resolved_by, done.resolution) == ("upheld", "lee", "You did")
    assert Q.open_disputes(store, u["lee"]) == []
    with pytest.raises(Exception, match="already upheld"):
        Q.resolve_dispute(store, u["root"], da.id, "rejected")


def test_automatic_answers_are_stored_once_per_scorecard_revision(world):  # noqa: F811
    store, u = world
    a = save_call(store, u["ann"], b"ann-1")
    Q.review_form(store, u["ann"], a)
    Q.review_form(store, u["lee"], a)
    with store.session() as s:
        rows = s.scalars(select(ScorecardAnswer).where(ScorecardAnswer.report_id == a)).all()
    assert len(rows) == len(load_scorecard().criteria) and {r.scorecard_id for r in rows} == {Q.default_scorecard_row(store).id}
    Q.save_scorecard(store, ONE, team="north", by=u["lee"])
    form = Q.review_form(store, u["lee"], a)  # the team's new scorecard, answered on the stored report
    assert form.scorecard.team == "north" and len(form.items) == 2
    Q.answer_criterion(store, u["lee"], a, "greeting", "yes")
    Q.save_scorecard(store, ONE.replace('"team-1"', '"team-3"'), team="north", by=u["lee"])
    # a call a person has reviewed keeps the scorecard they reviewed it with
    assert Q.review_form(store, u["lee"], a).scorecard.version == "team-1"
    with store.session() as s:
        assert len(s.scalars(select(ScorecardReview)).all()) == 1


def test_cli_set_and_show_a_team_scorecard(tmp_path, capsys):
    from tonecoach.cli import main
    from tonecoach.store import Store

    data = tmp_path / "data"
    with Store(data_dir=data) as store:
        store.get_or_create_user("north-lead", role="team_lead", team="north")  # the team exists
    good, bad = tmp_path / "good.toml", tmp_path / "bad.toml"
    good.write_text(ONE, encoding="utf-8")
    bad.write_text(ONE.replace('question = "Did the agent greet?"', 'question = ""'), encoding="utf-8")
    assert main(["scorecard", "set", "--team", "north", str(good), "--data-dir", str(data)]) == 0
    assert "revision 1" in capsys.readouterr().out
    assert main(["scorecard", "set", "--team", "north", str(bad), "--data-dir", str(data)]) == 1
    err = capsys.readouterr().err
    assert f"scorecard '{bad}': line 7: criterion 'greeting' has an empty question" in err
    assert main(["scorecard", "show", "--team", "north", "--data-dir", str(data)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# team north: revision 1") and 'question = "Did the agent greet?"' in out
    assert main(["scorecard", "set", "--team", "west", str(good), "--data-dir", str(data)]) == 1
    assert "no team named 'west'" in capsys.readouterr().err
    assert main(["scorecard", "show", "--data-dir", str(data)]) == 0
    assert capsys.readouterr().out.startswith("# default: revision 1")


OTHER_CALL = [("A", 0.5, "Yeah, what do you want? Account number 7731, Mrs Kowalski."),
              ("C", 4.0, "My parcel is lost."), ("A", 8.0, "Not my problem, bye.")]


def test_owners_of_one_analysis_share_nothing_of_its_scorecard(world):  # noqa: F811
    """ann and bob (another team) upload the same audio: one analysis, two reports. Neither sees or changes the
    other's human answers, disputes or acknowledgement, and each report's answers come from that very call (bob's
    report number is the id of ann's other analysis: the two numbers must never be mixed up)."""
    store, u = world
    a = save_call(store, u["ann"], b"same-bytes")
    b = save_call(store, u["bob"], b"same-bytes")
    a2 = save_call(store, u["ann"], b"ann-other", turns=OTHER_CALL)
    ea, eb, ea2 = (X.get_entry(store, u[n], r) for n, r in (("ann", a), ("bob", b), ("ann", a2)))
    assert ea.analysis_id == eb.analysis_id != ea2.analysis_id
    assert b == ea2.analysis_id  # the collision an owner-blind key falls into
    quotes = lambda form: " ".join(ev.get("quote") or "" for i in form.items for ev in i.auto_evidence)  # noqa: E731
    bob_form = Q.review_form(store, u["bob"], b)
    assert "Thank you for calling Acme" in quotes(bob_form) and "Not my problem" not in quotes(bob_form)
    assert "Not my problem" in quotes(Q.review_form(store, u["ann"], a2))
    # lee (north) answers and ann disputes and acknowledges on ann's report: nothing of it on bob's
    Q.answer_criterion(store, u["lee"], a, "greeting", "no", note="too quiet")
    d = Q.dispute(store, u["ann"], a, "greeting", "I greeted him")
    Q.acknowledge(store, u["ann"], a)
    for who in ("bob", "carl"):
        form = Q.review_form(store, u[who], b)
        assert all(i.human_answer is None and i.dispute is None for i in form.items) and form.acknowledged_at is None
        assert Q.disputes(store, u[who], b) == []
        assert d.id not in [x.id for x in Q.open_disputes(store, u[who])]
    # and the other way round: carl (south) answers bob's report; bob disputes; ann's report does not change
    Q.answer_criterion(store, u["carl"], b, "greeting", "yes")
    db = Q.dispute(store, u["bob"], b, "greeting", "Not me either")
    assert db.report_id == b and [x.id for x in Q.disputes(store, u["bob"], b)] == [db.id]
    items = {i.criterion_id: i for i in Q.review_form(store, u["lee"], a).items}
    assert (items["greeting"].human_answer, items["greeting"].reviewer, items["greeting"].dispute.id) == ("no", "lee", d.id)
    assert [x.id for x in Q.open_disputes(store, u["lee"])] == [d.id]
    # what is not theirs is not there to change: lee on bob's report, carl settling ann's dispute
    with pytest.raises(X.NotFoundError, match="^no such report$"):
        Q.answer_criterion(store, u["lee"], b, "greeting", "no")
    with pytest.raises(X.NotFoundError, match="no such dispute"):
        Q.resolve_dispute(store, u["carl"], d.id, "rejected")
    assert Q.resolve_dispute(store, u["carl"], db.id, "upheld").report_id == b
    assert [x.status for x in Q.disputes(store, u["ann"], a)] == ["open"]
    rates = {r.criterion_id: (r.agreed, r.reviewed) for r in Q.agreement(store, u["lee"])}
    assert rates == {"greeting": (0, 1)}  # lee's one answer (tonecoach said yes); carl's is not north's
    assert {r.criterion_id: (r.agreed, r.reviewed) for r in Q.agreement(store, u["carl"])} == {"greeting": (1, 1)}


def test_an_owners_corrected_report_is_answered_from_their_own_version(world):  # noqa: F811
    store, u = world
    a = save_call(store, u["ann"], b"shared")
    b = save_call(store, u["amy"], b"shared")
    assert Q.review_form(store, u["amy"], b).items[0].auto_answer == "yes"  # the greeting, in the shared analysis
    X.replace_report(store, u["amy"], b, call([("A", 0.5, "Yes?"), ("C", 2.0, "Hi."), ("A", 4.0, "Bye.")]))
    amy = {i.criterion_id: i.auto_answer for i in Q.review_form(store, u["amy"], b).items}
    ann = {i.criterion_id: i.auto_answer for i in Q.review_form(store, u["ann"], a).items}
    assert (amy["greeting"], ann["greeting"]) == ("no", "yes")


def test_a_0004_database_gets_each_answer_dispute_and_acknowledgement_on_its_owners_report(tmp_path):
    """0004 rows carry the owner's report number in ``report_id`` (what the web app wrote); 0005 places them."""
    import sqlite3

    from alembic import command

    from tonecoach.store import Store
    from tonecoach.store.accounts import get_account, hash_password
    from tonecoach.store.db import alembic_config

    pw = hash_password("old-password")
    db = tmp_path / "old.db"
    command.upgrade(alembic_config(f"sqlite:///{db}"), "0004_scorecards")
    t = "2026-12-01 10:00:00.000000"
    con = sqlite3.connect(db)
    con.executescript(f"""
        INSERT INTO teams (id, name, created_at) VALUES (1, 'north', '{t}'), (2, 'south', '{t}');
        INSERT INTO users (id, name, role, team_id, password_hash, created_at) VALUES (1, 'ann', 'agent', 1, '{pw}', '{t}'),
            (2, 'bob', 'agent', 2, '{pw}', '{t}'), (3, 'lee', 'team_lead', 1, '{pw}', '{t}');
        INSERT INTO recordings (id, sha256, original_name, created_at) VALUES (1, '{"a" * 64}', 'x.wav', '{t}'),
            (2, '{"b" * 64}', 'y.wav', '{t}');
    """)
    for rid, turns in ((1, GOOD_CALL), (2, OTHER_CALL)):
        con.execute("INSERT INTO reports (id, recording_id, model_name, rubric_version, tonecoach_version, report_json, "
                    "n_feedback, n_warnings, created_at) VALUES (?, ?, 'fake', 'r', '0.1', ?, 0, 0, ?)",
                    (rid, rid, call(turns).to_json(indent=None), t))
    con.executescript(f"""
        INSERT INTO agent_reports (id, agent_user_id, report_id, source, created_at) VALUES
            (1, 1, 1, 'upload', '{t}'), (2, 2, 1, 'upload', '{t}'), (3, 1, 2, 'upload', '{t}');
        INSERT INTO scorecards (id, team_id, revision, name, version, digest, toml_text, created_at)
            VALUES (1, NULL, 1, 'd', 'v', 'x', '', '{t}');
        -- bob's report 2 (analysis 1), written with his report number: a review by nobody's lead, his dispute, his ack
        INSERT INTO scorecard_reviews (id, report_id, agent_user_id, scorecard_id, criterion_id, answer, created_at,
            updated_at) VALUES (1, 2, 2, 1, 'greeting', 'no', '{t}', '{t}'), (2, 1, 1, 1, 'greeting', 'yes', '{t}', '{t}');
        INSERT INTO scorecard_disputes (id, report_id, agent_user_id, scorecard_id, criterion_id, comment, status,
            created_at) VALUES (1, 2, 2, 1, 'greeting', 'bob disputes', 'open', '{t}'),
            (2, 2, 3, 1, 'greeting', 'fits no report of lee', 'open', '{t}');
        INSERT INTO scorecard_acknowledgements (id, report_id, agent_user_id, scorecard_id, created_at)
            VALUES (1, 2, 2, 1, '{t}');
        -- answers: on analysis 1 (kept), and ones made from analysis 2 for bob's report number 2 (dropped)
        INSERT INTO scorecard_answers (id, report_id, scorecard_id, criterion_id, answer, reason, evidence_json,
            created_at) VALUES (1, 1, 1, 'greeting', 'yes', '', '[]', '{t}'), (2, 2, 1, 'greeting', 'no', '', '[]', '{t}');
    """)
    con.commit()
    con.close()
    with Store(db, data_dir=tmp_path / "data") as s:
        with s.session() as q:
            reviews = {(r.id, r.report_id, r.agent_report_id) for r in q.scalars(select(ScorecardReview))}
            disputes = [(d.id, d.report_id, d.agent_report_id) for d in q.scalars(select(ScorecardDispute))]
            answers = [(a.id, a.report_id, a.agent_report_id) for a in q.scalars(select(ScorecardAnswer))]
        assert reviews == {(1, 1, 2), (2, 1, 1)}  # bob's on his report 2 (analysis 1), ann's on her report 1
        assert disputes == [(1, 1, 2)]  # a dispute that fits no report of its agent could never be shown: gone
        assert answers == [(1, 1, None)]
        bob = get_account(s, "bob")
        assert [d.comment for d in Q.disputes(s, bob, 2)] == ["bob disputes"]
        assert Q.disputes(s, get_account(s, "ann"), 1) == []
        with s.session() as q:  # the table copies keep their checks
            sql = q.execute(sqlalchemy.text("SELECT group_concat(sql) FROM sqlite_master WHERE name LIKE 'scorecard_%'")).scalar()
        assert "answer IN ('yes', 'no', 'not_applicable')" in sql and "status IN ('open', 'upheld', 'rejected')" in sql
