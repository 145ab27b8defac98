"""The scorecard in the running web app, through Gradio's API (gradio_client): the rule of reports for answers,
disputes, acknowledgements and trends, and the team scorecard's editor refusing each bad file with its line."""

from __future__ import annotations

import pytest
from test_scorecard import BASE, GOOD_CALL, call, line_of
from web_support import PASSWORDS, ensure_user

gradio_client = pytest.importorskip("gradio_client")
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

USERS = {"iris": ("agent", "qa-east"), "joe": ("agent", "qa-east"), "kim": ("team_lead", "qa-east"),
         "ned": ("agent", "qa-west"), "olga": ("team_lead", "qa-west")}


def client(url: str, name: str):
    return gradio_client.Client(url, auth=(name, PASSWORDS[name]), verbose=False)


@pytest.fixture(scope="module")
def qa(web_server):
    """iris's call (the good call of tests/test_scorecard.py); ned (another team) uploaded the same audio."""
    from tonecoach.store import access, sha256_bytes
    acc = {n: ensure_user(web_server.store, n, role=role, team=team) for n, (role, team) in USERS.items()}
    save = lambda who, content: access.save_upload(  # noqa: E731
        web_server.store, acc[who], call(GOOD_CALL), sha256=sha256_bytes(content), original_name="qa-call.wav",
        size_bytes=len(content), stored_path=None)
    return {"iris": save("iris", b"qa-shared-call"), "ned": save("ned", b"qa-shared-call"), "url": web_server.url}


def err(fn) -> str:
    with pytest.raises(gradio_client.exceptions.AppError) as ei:
        fn()
    return str(ei.value)


def test_the_scorecard_of_a_call_follows_the_rule_of_reports(qa, web_server):
    from sqlalchemy import func, select

    from tonecoach.store.qa import ScorecardAck, ScorecardDispute

    rid = qa["iris"]
    iris, joe, kim, ned, olga = (client(qa["url"], n) for n in USERS)
    form = iris.predict(rid, api_name="/scorecard")
    items = {i["criterion_id"]: i for i in form["items"]}
    assert form["agent"] == "iris" and items["greeting"]["auto_answer"] == "yes"
    ev = items["identity_verified"]["auto_evidence"][0]
    assert "order number" in ev["quote"] and ev["start_s"] >= 10.0  # the quote and the time
    assert kim.predict(rid, api_name="/scorecard")["report_id"] == rid
    for other in (joe, ned, olga):  # iris's teammate, the other team's agent (who shares the analysis) and lead
        assert other.predict(rid, api_name="/scorecard") is None
    assert ned.predict(qa["ned"], api_name="/scorecard")["agent"] == "ned"

    with web_server.store.session() as s:
        before = s.scalar(select(func.count()).select_from(ScorecardDispute))
    missing = err(lambda: ned.predict(999999, "greeting", "not mine", api_name="/dispute"))
    assert "no such report" in missing
    for other in (ned, joe):  # a report they may not see: the same answer as for a report that does not exist
        assert err(lambda o=other: o.predict(rid, "greeting", "let me in", api_name="/dispute")) in (
            missing, missing.replace("999999", str(rid)))
    assert "no such report" in err(lambda: ned.predict(rid, api_name="/acknowledge"))
    assert "only the agent whose call it is" in err(lambda: kim.predict(rid, "greeting", "for her", api_name="/dispute"))
    with web_server.store.session() as s:
        assert s.scalar(select(func.count()).select_from(ScorecardDispute)) == before
        assert s.scalar(select(func.count()).select_from(ScorecardAck).where(ScorecardAck.agent_report_id == rid)) == 0

    d = iris.predict(rid, "further_help_offered", "I offered it at 1:09", api_name="/dispute")
    assert (d["report_id"], d["status"]) == (rid, "open")
    assert d["id"] in [x["id"] for x in kim.predict(api_name="/disputes")]
    assert d["id"] not in [x["id"] for x in olga.predict(api_name="/disputes")]
    assert iris.predict(rid, api_name="/acknowledge")["acknowledged_at"]
    # the lead answers on the same form; a disagreement is counted in the agreement rate
    item = kim.predict(rid, "further_help_offered", "no", "asked too late", api_name="/answer_criterion")
    assert (item["human_answer"], item["auto_answer"], item["agrees"]) == ("no", "yes", False)
    kim.predict(rid, "greeting", "yes", None, api_name="/answer_criterion")
    rates = {r["criterion_id"]: (r["agreed"], r["reviewed"]) for r in kim.predict(api_name="/agreement")}
    assert rates["further_help_offered"] == (0, 1) and rates["greeting"] == (1, 1)
    assert olga.predict(api_name="/agreement") == []
    assert "no such report" in err(lambda: olga.predict(rid, "greeting", "no", None, api_name="/answer_criterion"))
    assert "no such dispute" in err(lambda: olga.predict(d["id"], "upheld", None, api_name="/resolve_dispute"))
    done = kim.predict(d["id"], "rejected", "It came after the goodbye", api_name="/resolve_dispute")
    assert (done["status"], done["resolved_by"]) == ("rejected", "kim")
    # ned's report of the same audio: nothing of iris's answers, dispute or acknowledgement
    theirs = ned.predict(qa["ned"], api_name="/scorecard")
    assert theirs["acknowledged_at"] is None and all(i["human_answer"] is None and i["dispute"] is None
                                                     for i in theirs["items"])
    # trends: iris's own calls; the team's figures for kim, with the criterion kim failed first
    prog = iris.predict("iris", api_name="/qa_progress")
    assert [p["report_id"] for p in prog] == [rid] and prog[0]["target"] == 80.0
    assert "further_help_offered" in prog[0]["failed"]
    assert ned.predict("iris", api_name="/qa_progress") == []
    team = kim.predict(api_name="/team_scorecard")
    assert team["calls"] == 1 and team["criteria"][0]["criterion_id"] == "further_help_offered"


BAD = {
    "unknown metric": (BASE.replace('metric = "longest_dead_air_s"', 'metric = "longest_dead_air"'), "metric =",
                       "unknown metric"),
    "malformed regular expression": (BASE.replace('en = ["hello", "good morning"]',
                                                  'en = [\n  "hello",\n  { re = "good (morning" },\n]'),
                                     "good (morning", "bad regular expression"),
    "duplicate criterion id": (BASE.replace('id = "calm"', 'id = "greeting"'), None, "first used on line"),
    "empty question": (BASE.replace('question = "Was the customer spared long silences?"', 'question = "  "'),
                       'question = "  "', "empty question"),
    "language the team does not use": (BASE.replace('lv = ["labdien"]', 'lv = ["labdien"]\npl = ["dzień dobry"]'),
                                       "pl = ", "which the team does not use"),
}


def test_the_team_scorecard_editor_refuses_bad_files_and_keeps_the_previous(qa):
    kim, iris, olga = (client(qa["url"], n) for n in ("kim", "iris", "olga"))
    first = kim.predict("qa-east", BASE, api_name="/set_scorecard")
    assert first["team"] == "qa-east" and first["revision"] >= 1
    for what, (text, where, says) in BAD.items():
        line = line_of(text, 'id = "greeting"', 2) if where is None else line_of(text, where)
        msg = err(lambda t=text: kim.predict("qa-east", t, api_name="/set_scorecard"))
        assert f"line {line}" in msg and says in msg, (what, msg)
        # the page's own editor says the same, and saves nothing
        status = kim.predict("qa-east", text, api_name="/ui_qa_save")[0]
        assert status.startswith("**Not saved; the scorecard in force is unchanged.**") and f"line {line}" in status, what
        now = kim.predict("qa-east", api_name="/scorecard_toml")
        assert (now["revision"], now["toml"]) == (first["revision"], BASE), what
    assert "only the team's lead or an admin" in err(lambda: iris.predict("qa-east", BASE, api_name="/set_scorecard"))
    assert "only the team's lead or an admin" in err(lambda: olga.predict("qa-east", BASE, api_name="/set_scorecard"))
    assert "shown to its members" in err(lambda: olga.predict("qa-east", api_name="/scorecard_toml"))
    assert kim.predict("qa-east", BASE, api_name="/ui_qa_save")[0].startswith("Saved:")
