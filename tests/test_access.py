"""Who sees what: agents their own, team leads their team's, admins all; ids of others behave like no id at all."""

from __future__ import annotations

import datetime as _dt
import threading

import pytest
from sqlalchemy import select
from web_support import make_report

from tonecoach.store import Comment, Report, Store, StoreError, sha256_bytes
from tonecoach.store import access as X
from tonecoach.store.accounts import add_user, get_account
from tonecoach.store.review import AgentReport


@pytest.fixture()
def world(tmp_path):
    """ann, amy (north agents), lee (north lead), bob (south agent), carl (south lead), root (admin)."""
    store = Store(data_dir=tmp_path / "data")
    for name, role, team in (("ann", "agent", "north"), ("amy", "agent", "north"), ("lee", "team_lead", "north"),
                             ("bob", "agent", "south"), ("carl", "team_lead", "south"), ("root", "admin", None)):
        add_user(store, name, role=role, team=team, password=f"{name}-password")
    u = {n: get_account(store, n) for n in ("ann", "amy", "lee", "bob", "carl", "root")}
    yield store, u
    store.close()


def upload(store, who, *, content: bytes, score=70.0, language="en", name="call.wav", content_score=None) -> int:
    r = make_report(score, language=language, content={"score": content_score} if content_score is not None else None)
    return X.save_upload(store, who, r, sha256=sha256_bytes(content), original_name=name, size_bytes=len(content),
                         stored_path=None)


def ids(store, who, f=None):
    return sorted(e.report_id for e in X.entries(store, who, f))


def test_each_role_sees_what_it_should(world):
    store, u = world
    a = upload(store, u["ann"], content=b"ann")
    m = upload(store, u["amy"], content=b"amy")
    b = upload(store, u["bob"], content=b"bob")
    assert ids(store, u["ann"]) == [a]
    assert ids(store, u["amy"]) == [m]
    assert ids(store, u["bob"]) == [b]
    assert ids(store, u["lee"]) == sorted([a, m])
    assert ids(store, u["carl"]) == [b]
    assert ids(store, u["root"]) == sorted([a, m, b])
    # a guessed id is indistinguishable from a missing one
    for viewer, other in (("ann", b), ("ann", m), ("bob", a), ("carl", a), ("lee", b)):
        assert X.get_entry(store, u[viewer], other) is None
        assert X.load_report(store, u[viewer], other) is None
        assert X.comments(store, u[viewer], other) == []
    assert X.get_entry(store, u["ann"], 99999) is None
    assert X.get_entry(store, u["ann"], "1; DROP TABLE reports") is None
    assert X.get_entry(store, u["ann"], -1) is None
    e, report, _ = X.load_report(store, u["lee"], a)
    assert (e.agent, e.team, report.tone.score) == ("ann", "north", 70.0)
    assert X.visible_agents(store, u["lee"]) == ["amy", "ann", "lee"]
    assert X.visible_agents(store, u["ann"]) == ["ann"]


def test_writes_to_invisible_reports_are_refused_alike(world):
    store, u = world
    b = upload(store, u["bob"], content=b"bob")
    for bad in (b, 4242):
        with pytest.raises(X.NotFoundError, match="no such report"):
            X.add_comment(store, u["ann"], bad, "sneaky")
        with pytest.raises(X.NotFoundError, match="no such report"):
            X.mark_reviewed(store, u["lee"], bad)
    with store.session() as s:
        assert s.scalars(select(Comment)).all() == []


def test_comments_pinned_to_times_and_visible_to_the_agent(world):
    store, u = world
    a = upload(store, u["ann"], content=b"ann")
    X.add_comment(store, u["lee"], a, "Slow down here", at_s=3.5)
    X.add_comment(store, u["root"], a, "Good call overall")
    X.add_comment(store, u["ann"], a, "Thanks!", at_s=1.0)
    got = X.comments(store, u["ann"], a)
    assert [(c.author, c.at_s, c.text) for c in got] == [("ann", 1.0, "Thanks!"), ("lee", 3.5, "Slow down here"),
                                                         ("root", None, "Good call overall")]
    with pytest.raises(StoreError, match="within the call"):
        X.add_comment(store, u["lee"], a, "late", at_s=500.0)
    with pytest.raises(StoreError, match="write a comment"):
        X.add_comment(store, u["lee"], a, "   ")


def test_shared_content_gives_each_owner_their_own_report(world):
    store, u = world
    a = upload(store, u["ann"], content=b"same audio", name="mine.wav")
    b = upload(store, u["bob"], content=b"same audio", name="also-mine.wav")
    assert a != b  # one analysis per content, model and rubric; one report per owner
    assert store.count(Report) == 1 and store.count(AgentReport) == 2
    assert X.get_entry(store, u["ann"], a).analysis_id == X.get_entry(store, u["bob"], b).analysis_id
    assert [e.name for e in X.entries(store, u["ann"])] == ["mine.wav"]
    assert [e.name for e in X.entries(store, u["bob"])] == ["also-mine.wav"]
    assert X.load_report(store, u["bob"], b)[1].audio.path == "also-mine.wav"
    assert X.get_entry(store, u["bob"], a) is None
    X.add_comment(store, u["lee"], a, "for ann")
    X.add_comment(store, u["carl"], b, "for bob")
    X.add_comment(store, u["root"], a, "from the admin, for ann")
    X.mark_reviewed(store, u["lee"], a)
    assert [c.text for c in X.comments(store, u["ann"], a)] == ["for ann", "from the admin, for ann"]
    assert [c.text for c in X.comments(store, u["bob"], b)] == ["for bob"]
    assert [c.text for c in X.comments(store, u["lee"], a)] == ["for ann", "from the admin, for ann"]
    assert X.get_entry(store, u["bob"], b).reviewed_at is None
    # an agent correction of bob's report is bob's alone
    from dataclasses import replace

    new = make_report(99.0)
    X.replace_report(store, u["bob"], b, replace(new, tone=replace(new.tone, score=99.0)))
    assert X.load_report(store, u["bob"], b)[1].tone.score == 99.0
    assert X.get_entry(store, u["bob"], b).tone_score == 99.0
    assert X.load_report(store, u["ann"], a)[1].tone.score == 70.0
    assert ids(store, u["carl"], X.Filters(min_score=90)) == [b] and ids(store, u["lee"], X.Filters(min_score=90)) == []


def test_only_the_agents_lead_or_an_admin_marks_reviewed(world):
    store, u = world
    a = upload(store, u["ann"], content=b"ann")
    with pytest.raises(X.PermissionDeniedError):
        X.mark_reviewed(store, u["ann"], a)
    e = X.mark_reviewed(store, u["lee"], a)
    assert e.reviewed_by == "lee" and e.reviewed_at is not None
    assert ids(store, u["lee"], X.Filters(reviewed=True)) == [a]
    assert ids(store, u["lee"], X.Filters(reviewed=False)) == []
    e = X.mark_reviewed(store, u["root"], a, reviewed=False)
    assert e.reviewed_at is None and e.reviewed_by is None


def test_nobody_marks_their_own_call_reviewed(world):
    store, u = world
    own = upload(store, u["lee"], content=b"the lead's own call")
    with pytest.raises(X.PermissionDeniedError, match="another team lead or an admin"):
        X.mark_reviewed(store, u["lee"], own)
    assert X.get_entry(store, u["lee"], own).reviewed_at is None
    assert X.mark_reviewed(store, u["root"], own).reviewed_by == "root"
    mine = upload(store, u["root"], content=b"the admin's own call")
    with pytest.raises(X.PermissionDeniedError):
        X.mark_reviewed(store, u["root"], mine)


def test_batch_reports_with_an_agent_are_reviewable(world):
    store, u = world
    res = store.save_report(make_report(55.0), sha256=sha256_bytes(b"batch"), agent_name="ann")  # as `batch --agent`
    rid = res.agent_report_id
    assert ids(store, u["ann"]) == [rid]
    assert ids(store, u["lee"]) == [rid]
    assert ids(store, u["carl"]) == []
    assert X.get_entry(store, u["lee"], rid).source == "batch"
    X.mark_reviewed(store, u["lee"], rid)
    assert len(X.entries(store, u["lee"])) == 1
    assert X.get_entry(store, u["ann"], rid).reviewed_by == "lee"


def test_filters(world):
    store, u = world
    a1 = upload(store, u["ann"], content=b"1", score=40.0, language="en")
    a2 = upload(store, u["ann"], content=b"2", score=85.0, language="lv", content_score=77.0)
    m1 = upload(store, u["amy"], content=b"3", score=65.0, language="en")
    lee = u["lee"]
    assert ids(store, lee, X.Filters(agent="ann")) == sorted([a1, a2])
    assert ids(store, lee, X.Filters(language="lv")) == [a2]
    assert ids(store, lee, X.Filters(min_score=60)) == sorted([a2, m1])
    assert ids(store, lee, X.Filters(min_score=60, max_score=70)) == [m1]
    today = _dt.datetime.now(_dt.UTC).date()
    assert ids(store, lee, X.Filters(date_from=today, date_to=today)) == sorted([a1, a2, m1])
    assert ids(store, lee, X.Filters(date_to=today - _dt.timedelta(days=1))) == []
    assert ids(store, lee, X.Filters(date_from=today + _dt.timedelta(days=1))) == []
    assert ids(store, lee, X.Filters(agent="bob")) == []  # another team's agent: nothing, not an error
    t = X.trend(store, lee, "ann")
    assert [(e.report_id, e.tone_score, e.content_score) for e in t] == [(a1, 40.0, None), (a2, 85.0, 77.0)]
    assert X.trend(store, u["bob"], "ann") == []


def test_four_users_writing_at_once(world):
    store, u = world
    names = ["ann", "amy", "bob", "lee"]
    errors = []

    def work(name: str):
        try:
            for k in range(5):
                rid = upload(store, u[name], content=f"{name}-{k}".encode(), score=50.0 + k)
                X.add_comment(store, u[name], rid, f"note {k}", at_s=1.0)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert store.count(Report) == 20 and store.count(Comment) == 20 and store.count(AgentReport) == 20
    for n in names:
        assert len(X.entries(store, u[n])) == (15 if n == "lee" else 5)


def test_an_upload_and_its_history_row_are_saved_together_or_not_at_all(world, monkeypatch):
    store, u = world

    def crash(*a, **k):
        raise RuntimeError("power cut between the report and its history row")

    from tonecoach.store import api

    monkeypatch.setattr(api, "_owner_row", crash)
    with pytest.raises(RuntimeError):
        upload(store, u["ann"], content=b"half")
    assert store.count(Report) == 0 and store.count(AgentReport) == 0
    monkeypatch.undo()
    rid = upload(store, u["ann"], content=b"half")
    assert store.count(Report) == 1 and store.count(AgentReport) == 1
    assert ids(store, u["ann"]) == [rid]
