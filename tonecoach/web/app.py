"""The Gradio Blocks of the web app: Practice, Review and Account.

Layout only; the work is in :mod:`tonecoach.web.handlers` (who is asking) and
:mod:`tonecoach.web.service` (what to do). Analyses (the practice upload, the
re-take and the ``/analyze`` API) share one queue slot group,
``concurrency_id="analysis"``, limited to the coach's ``workers``; played
moments have their own, ``"clip"``. Logging out is a POST (see
:mod:`tonecoach.web.server`).

A call's scorecard sits under its feedback (:mod:`tonecoach.web.qa`): the
agent acknowledges or disputes it there, a team lead answers it; the agent's
progress is under My recordings, the team's trend, open disputes, agreement
and the scorecard editor at the foot of Review.

A report shows the same way in both tabs (:func:`report_view`): the main
column (an unsure agent choice, the scores and what to work on first, the
feedback, the timeline and transcript, the details) and a side column that
stays in view (the player, the comments, and for a team lead the comment box
and the review buttons). To add a section, add its component to
:class:`ReportView` (and to :meth:`ReportView.outputs`), and its content to
:meth:`tonecoach.web.handlers.Handlers.report_outputs`.
"""

from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from ..render import web as R
from ..render import web_qa as RQ
from .handlers import BROWSER_STATE_KEY, Handlers
from .service import Coach

__all__ = ["APP_CSS", "ReportView", "build_app", "report_view"]

APP_CSS = R.report_css() + RQ.QA_CSS + """
#tc-header{align-items:center;flex-wrap:wrap;gap:4px 16px}
#tc-header > *{min-width:0 !important}
#tc-brand{flex:0 0 auto !important;width:auto !important}
#tc-logout{width:auto !important}
#tc-brand .brand{display:flex;align-items:baseline;gap:10px;white-space:nowrap}
#tc-brand .name{font-size:24px;font-weight:800;letter-spacing:-.01em;white-space:nowrap}
#tc-brand .tag{font-size:13px;color:var(--body-text-color-subdued)}
#tc-whoami{flex:1 1 200px !important}
#tc-whoami p{margin:0}
#tc-logout{flex:0 0 auto !important}
#tc-notice{border-left:5px solid #e69f00;padding:4px 12px;border-radius:6px}
#practice-empty .tc-empty{font-size:16px;line-height:1.6;padding:12px 4px}
#practice-empty .tc-empty p{margin:0}
#practice-status,#review-status{min-height:76px}
.gradio-container{overflow:clip !important}
.tc-side{position:sticky !important;top:8px;align-self:flex-start !important;max-height:calc(100vh - 16px);overflow-y:auto}
@media (max-width: 640px){
 #tc-brand .tag{display:none}
 #tc-brand .name{font-size:21px}
 .tc-side{position:static !important;max-height:none}
}
"""

ANALYSIS = "analysis"
CLIPS = "clip"
CLIP_SLOTS = 2
#: Log out with a POST from the page (a link, which any site could put in a page, does nothing).
LOGOUT_JS = """() => {
  const root = ((window.gradio_config && window.gradio_config.root) || "").replace(/\\/$/, "");
  fetch(root + "/logout", {method: "POST", credentials: "same-origin"}).finally(() => window.location.reload());
}"""
#: scroll an opened report into view (the lead's table is long)
SCROLL_TO = "(...args) => {{ const e = document.querySelector('#{0}'); if (e) e.scrollIntoView({{block: 'start'}}); return args; }}"

BRAND = ('<div class="brand"><span class="name">tonecoach</span>'
         '<span class="tag">how you sound and what you say on calls</span></div>')
EMPTY_PRACTICE = ('<div class="tc-empty"><p><b>Upload a call</b> or record yourself reading a few lines, then press '
                  '<b>Analyse</b>.</p><p>You get two scores, the three things to work on first and the moments to '
                  'play back; your team lead sees it too.</p></div>')


@dataclass
class ReportView:
    """The components that show one report (the same in Practice and Review)."""

    current: gr.State
    box: gr.Row
    banner: gr.HTML
    scores: gr.HTML
    feedback: gr.HTML
    timeline: gr.HTML
    details: gr.HTML
    agent_pick: gr.Dropdown
    agent_btn: gr.Button
    moment: gr.Dropdown
    moment_audio: gr.Audio
    comments: gr.HTML
    line: gr.Dropdown
    side: gr.Column
    main: gr.Column
    qa: gr.HTML
    qa_pick: gr.Dropdown
    qa_form: dict

    def outputs(self) -> list:
        """In the order of :meth:`tonecoach.web.handlers.Handlers.report_outputs`."""
        return [self.current, self.box, self.banner, self.scores, self.feedback, self.moment, self.timeline, self.details,
                self.comments, self.agent_pick, self.line, self.qa, self.qa_pick]

    def clickable(self) -> list[gr.HTML]:
        """The fragments whose buttons play a moment (or pin a comment to it)."""
        return [self.scores, self.feedback, self.comments, self.qa]


def _html(elem_id: str, **kw) -> gr.HTML:
    return gr.HTML(elem_id=elem_id, js_on_load=R.ACTIONS_JS, **kw)


def _agent_correction(prefix: str) -> tuple[gr.Dropdown, gr.Button]:
    """The "Who is the agent?" accordion under a report: the speakers to pick from and the button."""
    with gr.Accordion("Who is the agent? Correct the automatic choice", open=False, elem_id=f"{prefix}-agent"):
        with gr.Row():
            pick = gr.Dropdown(label="The agent is", choices=[], interactive=False, scale=3, elem_id=f"{prefix}-agent-pick")
            button = gr.Button("Score again with this speaker as the agent", scale=1, elem_id=f"{prefix}-agent-set")
    return pick, button


def _qa_form(prefix: str, *, review: bool) -> tuple[gr.Dropdown, dict]:
    """Under a call's scorecard: for a lead, answer a criterion and settle its dispute; for the agent, acknowledge
    the evaluation or dispute one answer."""
    f: dict = {}
    title = ("Answer the scorecard yourself, or settle a dispute" if review
             else "Acknowledge the evaluation, or dispute one answer")
    with gr.Accordion(title, open=True, elem_id=f"{prefix}-qa-form"):
        pick = gr.Dropdown(label="Criterion" if review else "The answer you dispute", choices=[],
                           elem_id=f"{prefix}-qa-pick")
        if review:
            with gr.Row():
                f["answer"] = gr.Radio(RQ.ANSWER_CHOICES, label="Your answer", elem_id="qa-answer", scale=3)
                f["save"] = gr.Button("Save my answer", variant="primary", elem_id="qa-answer-save", scale=1, min_width=140)
            f["note"] = gr.Textbox(label="Note (why; shown to the agent)", elem_id="qa-note")
            with gr.Row():
                f["outcome"] = gr.Radio([("Uphold the dispute", "upheld"), ("Reject it", "rejected")],
                                        label="The open dispute on this criterion", elem_id="qa-outcome", scale=3)
                f["settle"] = gr.Button("Settle", elem_id="qa-settle", scale=1, min_width=140)
        else:
            f["comment"] = gr.Textbox(label="Why (your team lead reads it)", lines=2, elem_id="qa-comment")
            with gr.Row():
                f["dispute"] = gr.Button("Dispute this answer", elem_id="qa-dispute", min_width=140)
                f["ack"] = gr.Button("Acknowledge the evaluation", variant="primary", elem_id="qa-ack", min_width=140)
        f["status"] = gr.Markdown(elem_id=f"{prefix}-qa-status")
    return pick, f


def report_view(prefix: str, *, comments_label: str, side_extra=None, main_extra=None) -> ReportView:
    """Lay out a report: the main column, and the side column that stays in view.

    ``side_extra()`` and ``main_extra()`` add a tab's own parts (the review buttons, the re-take drill).
    """
    current = gr.State(None)
    with gr.Row(visible=False, equal_height=False, elem_id=f"{prefix}-report") as box:
        with gr.Column(scale=3, min_width=320) as main:
            banner = _html(f"{prefix}-agent-banner")
            scores = _html(f"{prefix}-scores")
            feedback = _html(f"{prefix}-feedback")
            with gr.Accordion("Scorecard: what the call must contain", open=True, elem_id=f"{prefix}-qa-box"):
                qa = _html(f"{prefix}-qa")
                qa_pick, qa_form = _qa_form(prefix, review=prefix == "review")
            timeline = gr.HTML(elem_id=f"{prefix}-timeline")
            with gr.Accordion("Tone metrics and their evidence", open=False):
                details = gr.HTML(elem_id=f"{prefix}-details")
            agent_pick, agent_btn = _agent_correction(prefix)
            line = main_extra() if main_extra else gr.Dropdown(visible=False)
        with gr.Column(scale=2, min_width=300, elem_classes=["tc-side"], elem_id=f"{prefix}-side") as side:
            if side_extra:
                side_extra("top")
            moment_audio = gr.Audio(label="That moment", interactive=False, autoplay=True, elem_id=f"{prefix}-moment-audio")
            moment = gr.Dropdown(label="Play a moment", choices=[], elem_id=f"{prefix}-moment")
            if side_extra:
                side_extra("middle")
            gr.Markdown(f"**{comments_label}**")
            comments = _html(f"{prefix}-comments")
    return ReportView(current=current, box=box, banner=banner, scores=scores, feedback=feedback, timeline=timeline,
                      details=details, agent_pick=agent_pick, agent_btn=agent_btn, moment=moment, moment_audio=moment_audio,
                      comments=comments, line=line, side=side, main=main, qa=qa, qa_pick=qa_pick, qa_form=qa_form)


def build_app(coach: Coach, web=None) -> gr.Blocks:
    """The app's Blocks (not launched). Its API endpoints are listed under "Use via API" when logged in."""
    h = Handlers(coach, web)
    q = h.qa
    n_workers = max(1, coach.options.workers)
    quick = {"show_progress": "hidden"}
    private = {"api_visibility": "undocumented"}
    clip = {"concurrency_limit": CLIP_SLOTS, "concurrency_id": CLIPS}
    with gr.Blocks(title="tonecoach", delete_cache=(3600, 6 * 3600)) as demo:
        visits = gr.BrowserState({}, storage_key=BROWSER_STATE_KEY, secret=BROWSER_STATE_KEY)
        since = gr.State(None)
        with gr.Row(elem_id="tc-header"):
            gr.HTML(BRAND, elem_id="tc-brand")
            whoami = gr.Markdown(elem_id="tc-whoami")
            logout = gr.Button("Log out", size="sm", scale=0, elem_id="tc-logout")
        notice = gr.Markdown(visible=False, elem_id="tc-notice")

        with gr.Tabs():
            # ------------------------------------------------------------------ Practice
            with gr.Tab("Practice", id="practice", elem_id="tab-practice"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=2, min_width=300):
                        audio_in = gr.Audio(sources=["upload", "microphone"], type="filepath",
                                            label="A call or a practice recording", elem_id="practice-audio")
                        analyze_btn = gr.Button("Analyse", variant="primary", elem_id="analyze-btn")
                        status = gr.Markdown(elem_id="practice-status")
                    with gr.Column(scale=4, min_width=300):
                        empty = gr.HTML(EMPTY_PRACTICE, elem_id="practice-empty")
                        history = gr.Dataframe(headers=R.MINE_COLUMNS, value=[], interactive=False, wrap=True, visible=False,
                                               label="My recordings: click one to open it", max_height=320,
                                               column_widths=["34px", "150px", "28%", "64px", "84px", "96px", "108px", "20%"],
                                               elem_id="my-recordings")
                        with gr.Accordion("My progress: scores and scorecard over my last calls", open=True,
                                          elem_id="my-progress-box"):
                            my_progress = gr.HTML(elem_id="my-progress")
                history_ids = gr.State([])
                drill = {}

                def practice_drill():
                    with gr.Accordion("Re-take drill: record a flagged line again", open=True, elem_id="retake"):
                        with gr.Row():
                            drill["line"] = gr.Dropdown(label="Pick a sentence or phrase", choices=[], elem_id="retake-line")
                            drill["original"] = gr.Audio(label="How it sounded", interactive=False, elem_id="retake-original")
                        drill["take"] = gr.Audio(sources=["microphone", "upload"], type="filepath", label="Your new take",
                                                 elem_id="retake-take")
                        drill["compare"] = gr.Button("Compare with the original", elem_id="retake-compare")
                        drill["summary"] = gr.Markdown(elem_id="retake-summary")
                        drill["table"] = gr.Dataframe(headers=R.RETAKE_COLUMNS, value=[], interactive=False,
                                                      label="Tone metrics, before and after", elem_id="retake-table")
                    return drill["line"]

                pv = report_view("practice", comments_label="Comments from your team lead", main_extra=practice_drill)

            # ------------------------------------------------------------------ Review
            with gr.Tab("Review", id="review", visible=False, elem_id="tab-review") as review_tab:
                with gr.Row():
                    f_agent = gr.Dropdown(label="Agent", choices=[], elem_id="f-agent", min_width=140)
                    f_from = gr.Textbox(label="From (YYYY-MM-DD)", elem_id="f-from", min_width=120)
                    f_to = gr.Textbox(label="To (YYYY-MM-DD)", elem_id="f-to", min_width=120)
                    f_lang = gr.Dropdown(label="Language", choices=[], elem_id="f-lang", min_width=120)
                    f_min = gr.Textbox(label="Tone score from", placeholder="0", elem_id="f-min", min_width=100)
                    f_max = gr.Textbox(label="to", placeholder="100", elem_id="f-max", min_width=100)
                    f_rev = gr.Radio(["any", "not reviewed", "reviewed"], value="any", label="Reviewed", elem_id="f-rev")
                apply_btn = gr.Button("Apply filters", elem_id="f-apply")
                r_filter_status = gr.Markdown(elem_id="review-filter-status")
                table = gr.Dataframe(headers=R.ENTRY_COLUMNS, value=[], interactive=False, wrap=True, max_height=420,
                                     label="Your team's recordings: click one to open it", elem_id="review-table")
                review_ids = gr.State([])
                side = {}

                def review_side(where: str):
                    if where == "top":
                        side["status"] = gr.Markdown(elem_id="review-status")
                    else:
                        side["at"] = gr.Textbox(label="At (m:ss, blank for the whole call)", elem_id="comment-at")
                        side["text"] = gr.Textbox(label="Comment", lines=2, elem_id="comment-text")
                        side["add"] = gr.Button("Add comment", variant="primary", elem_id="comment-add")
                        with gr.Row():
                            side["mark"] = gr.Button("Mark reviewed", interactive=False, elem_id="review-mark", min_width=120)
                            side["next"] = gr.Button("Next unreviewed", elem_id="review-next", min_width=120)

                rv = report_view("review", comments_label="Comments", side_extra=review_side)
                r_status, c_at, c_text = side["status"], side["at"], side["text"]
                with gr.Accordion("Trend: one agent's scores over time", open=True):
                    t_agent = gr.Dropdown(label="Agent", choices=[], elem_id="trend-agent")
                    plot = gr.HTML(elem_id="trend-plot")
                    trend_qa = gr.HTML(elem_id="trend-qa")
                with gr.Accordion("Scorecard: the team's trend, open disputes, agreement", open=True, visible=False,
                                  elem_id="qa-team") as qa_team_box:
                    qa_team = gr.HTML(elem_id="qa-team-trend")
                    gr.Markdown("**Open disputes**")
                    qa_disputes = gr.HTML(elem_id="qa-disputes")
                    gr.Markdown("**Agreement with tonecoach per criterion, over the calls a person answered**")
                    qa_agree = gr.HTML(elem_id="qa-agreement")
                    qa_refresh = gr.Button("Refresh", size="sm", elem_id="qa-refresh")
                with gr.Accordion("Team scorecard: edit the team's copy", open=False, visible=False,
                                  elem_id="qa-editor") as qa_edit_box:
                    qa_team_pick = gr.Dropdown(label="Team", choices=[], allow_custom_value=True, elem_id="qa-team-pick")
                    qa_toml = gr.Textbox(label="Scorecard (TOML; the format is described at the top of the default)",
                                         lines=22, max_lines=60, elem_id="qa-toml")
                    qa_save = gr.Button("Check and save", variant="primary", elem_id="qa-save")
                    qa_save_status = gr.Markdown(elem_id="qa-save-status")

            # ------------------------------------------------------------------ Account
            with gr.Tab("Account", id="account", elem_id="tab-account"):
                old_pw = gr.Textbox(label="Current password", type="password")
                new_pw = gr.Textbox(label="New password (8 characters or more)", type="password")
                new_pw2 = gr.Textbox(label="New password again", type="password")
                pw_btn = gr.Button("Change password")
                pw_status = gr.Markdown()

        # a report opened by its id (the events ui_open_mine and ui_review_open; the page opens rows of its tables)
        mine_id = gr.Number(visible=False)
        review_id = gr.Number(visible=False)
        # hidden components for the /analyze API
        api_audio = gr.Audio(type="filepath", visible=False)
        api_out = gr.JSON(visible=False)
        api_btn = gr.Button(visible=False)

        # ---------------------------------------------------------------------- events
        logout.click(None, None, None, js=LOGOUT_JS)
        mine = [history, history_ids, empty]
        review_list = [table, review_ids, r_filter_status]
        filters = [f_agent, f_from, f_to, f_lang, f_min, f_max, f_rev]
        demo.load(h.on_load, None, [whoami, review_tab, *mine, f_agent, f_lang, *review_list, t_agent],
                  api_name="ui_load", **quick, **private)
        demo.load(h.visit, [visits], [notice, *mine, visits, since], **quick, api_visibility="private")
        team_view = [qa_team, qa_disputes, qa_agree]
        demo.load(q.home, None, [my_progress, qa_team_box, *team_view, qa_edit_box, qa_team_pick, qa_toml],
                  api_name="ui_qa_home", **quick, **private)

        # practice
        analyze_btn.click(h.clear_messages, None, [status, drill["summary"], drill["table"]], queue=False, **quick,
                          api_visibility="private").then(
            h.analyze, [audio_in, since], [status, *pv.outputs(), *mine], api_name="ui_analyze", show_progress_on=[status],
            concurrency_limit=n_workers, concurrency_id=ANALYSIS, **private).then(
            q.progress, None, [my_progress], **quick, api_visibility="private")
        history.select(h.open_mine_row, [history_ids, since], [status, *pv.outputs(), *mine], api_name="ui_open_mine_row",
                       **quick, **private)
        mine_id.change(h.open_mine, [mine_id], pv.outputs(), api_name="ui_open_mine", **quick, **private)
        pv.moment.input(h.play_moment, [pv.current, pv.moment], [pv.moment_audio], api_name="ui_play_moment",
                        show_progress_on=[pv.moment_audio], **clip, **private)
        for frag in pv.clickable():
            frag.click(h.act, [pv.current], [pv.moment_audio], show_progress_on=[pv.moment_audio], **clip,
                       api_visibility="private")
        pv.banner.click(h.switch_agent, [pv.current], [status, *pv.outputs()], show_progress_on=[status],
                        concurrency_limit=n_workers, concurrency_id=ANALYSIS, api_visibility="private")
        drill["line"].input(h.play_line, [pv.current, drill["line"]], [drill["original"]], api_name="ui_play_line",
                            show_progress_on=[drill["original"]], **clip, **private)
        drill["compare"].click(h.retake, [pv.current, drill["line"], drill["take"]], [drill["summary"], drill["table"]],
                               api_name="ui_retake", show_progress_on=[drill["summary"]], concurrency_limit=n_workers,
                               concurrency_id=ANALYSIS, **private)
        pv.agent_btn.click(h.set_agent, [pv.current, pv.agent_pick], [status, *pv.outputs()], api_name="ui_set_agent",
                           show_progress_on=[status], concurrency_limit=n_workers, concurrency_id=ANALYSIS, **private)

        pf = pv.qa_form
        pf["dispute"].click(q.dispute, [pv.current, pv.qa_pick, pf["comment"]], [pv.qa, pv.qa_pick, pf["status"]],
                            api_name="ui_qa_dispute", **quick, **private).then(
            lambda: "", None, [pf["comment"]], api_visibility="private")
        pf["ack"].click(q.acknowledge, [pv.current], [pv.qa, pv.qa_pick, pf["status"]], api_name="ui_qa_acknowledge",
                        **quick, **private)

        # review
        opened = [*rv.outputs(), side["mark"], r_status, *review_list]
        apply_btn.click(h.review_refresh, [*filters, rv.current], review_list, api_name="ui_review_table", **quick, **private)
        review_id.change(h.review_open, [review_id], [*rv.outputs(), side["mark"], r_status], api_name="ui_review_open",
                         **quick, **private)
        table.select(h.review_open_row, [review_ids, *filters], opened, api_name="ui_review_open_row", **quick,
                     **private).then(
            None, None, None, js=SCROLL_TO.format("review-report"))
        side["next"].click(h.review_next, [review_ids, rv.current, *filters], opened, api_name="ui_review_next", **quick,
                           **private).then(None, None, None, js=SCROLL_TO.format("review-report"))
        rv.moment.input(h.play_moment, [rv.current, rv.moment], [rv.moment_audio], api_name="ui_review_play",
                        show_progress_on=[rv.moment_audio], **clip, **private)
        rv.moment.input(h.moment_time, [rv.current, rv.moment], [c_at], **quick, api_visibility="private")
        for frag in rv.clickable():
            frag.click(h.act_review, [rv.current], [rv.moment_audio, c_at], show_progress_on=[rv.moment_audio],
                       **clip, api_visibility="private")
        rv.banner.click(h.switch_agent_review, [rv.current], [r_status, *rv.outputs()], show_progress_on=[r_status],
                        concurrency_limit=n_workers, concurrency_id=ANALYSIS, api_visibility="private")
        side["add"].click(h.add_comment, [rv.current, c_at, c_text], [rv.comments, c_text, r_status], api_name="ui_add_comment",
                          **quick, **private).then(h.review_refresh, [*filters, rv.current], review_list, **quick,
                                                   api_visibility="private")
        side["mark"].click(h.toggle_reviewed, [rv.current], [side["mark"], r_status], api_name="ui_mark_reviewed", **quick,
                           **private).then(h.review_refresh, [*filters, rv.current], review_list, **quick,
                                           api_visibility="private")
        rv.agent_btn.click(h.set_agent_review, [rv.current, rv.agent_pick], [r_status, *rv.outputs()], api_name="ui_review_set_agent",
                           show_progress_on=[r_status], concurrency_limit=n_workers, concurrency_id=ANALYSIS, **private)
        rf = rv.qa_form
        rf["save"].click(q.answer, [rv.current, rv.qa_pick, rf["answer"], rf["note"]], [rv.qa, rv.qa_pick, rf["status"]],
                         api_name="ui_qa_answer", **quick, **private).then(
            q.team_refresh, None, team_view, **quick, api_visibility="private")
        rf["settle"].click(q.settle, [rv.current, rv.qa_pick, rf["outcome"], rf["note"]], [rv.qa, rv.qa_pick, rf["status"]],
                           api_name="ui_qa_settle", **quick, **private).then(
            q.team_refresh, None, team_view, **quick, api_visibility="private")
        qa_refresh.click(q.team_refresh, None, team_view, api_name="ui_qa_team", **quick, **private)
        qa_team_pick.input(q.load_toml, [qa_team_pick], [qa_toml, qa_save_status], api_name="ui_qa_toml", **quick,
                           **private)
        qa_save.click(q.save_toml, [qa_team_pick, qa_toml], [qa_save_status, qa_team], api_name="ui_qa_save", **quick,
                      **private)
        t_agent.input(h.trend, [t_agent], [plot, trend_qa], api_name="ui_trend", **quick, **private)
        pw_btn.click(h.change_password, [old_pw, new_pw, new_pw2], [pw_status], api_name="ui_change_password",
                     **private).then(lambda: ("", "", ""), None, [old_pw, new_pw, new_pw2], api_visibility="private")

        api_btn.click(h.api_analyze, [api_audio], [api_out], api_name="analyze", concurrency_limit=n_workers,
                      concurrency_id=ANALYSIS)
        gr.api(h.api_reports, api_name="reports")
        gr.api(h.api_report, api_name="report")
        gr.api(h.api_comments, api_name="comments")
        gr.api(h.api_add_comment, api_name="add_comment")
        gr.api(h.api_set_agent, api_name="set_agent", concurrency_limit=n_workers, concurrency_id=ANALYSIS)
        for fn, name in ((q.api_scorecard, "scorecard"), (q.api_answer, "answer_criterion"),
                         (q.api_acknowledge, "acknowledge"), (q.api_dispute, "dispute"), (q.api_disputes, "disputes"),
                         (q.api_resolve, "resolve_dispute"), (q.api_agreement, "agreement"),
                         (q.api_progress, "qa_progress"), (q.api_team, "team_scorecard"),
                         (q.api_scorecard_text, "scorecard_toml"), (q.api_set_scorecard, "set_scorecard")):
            gr.api(fn, api_name=name)
    return demo
