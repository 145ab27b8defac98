"""The Gradio Blocks of the web app: Practice, Review and Account.

Layout only; the work is in :mod:`tonecoach.web.handlers` (who is asking) and
:mod:`tonecoach.web.service` (what to do). Analyses (the practice upload, the
re-take and the ``/analyze`` API) share one queue slot group,
``concurrency_id="analysis"``, limited to the coach's ``workers``; played
moments have their own, ``"clip"``. Logging out is a POST (see
:mod:`tonecoach.web.server`).
"""

from __future__ import annotations

import gradio as gr

from . import render as R
from .handlers import Handlers
from .service import Coach

__all__ = ["APP_CSS", "build_app"]

APP_CSS = R.report_css() + """
#tc-whoami p{margin:0}
#tc-header{align-items:center}
"""

ANALYSIS = "analysis"
CLIPS = "clip"
CLIP_SLOTS = 2
#: Log out with a POST from the page (a link, which any site could put in a page, does nothing).
LOGOUT_JS = """() => {
  const root = ((window.gradio_config && window.gradio_config.root) || "").replace(/\\/$/, "");
  fetch(root + "/logout", {method: "POST", credentials: "same-origin"}).finally(() => window.location.reload());
}"""


def _agent_correction(prefix: str) -> tuple[gr.Dropdown, gr.Button]:
    """The "Who is the agent?" accordion under a report: the speakers to pick from and the button."""
    with gr.Accordion("Who is the agent? Correct the automatic choice", open=False, elem_id=f"{prefix}-agent"):
        with gr.Row():
            pick = gr.Dropdown(label="The agent is", choices=[], interactive=False, scale=3, elem_id=f"{prefix}-agent-pick")
            button = gr.Button("Score again with this speaker as the agent", scale=1, elem_id=f"{prefix}-agent-set")
    return pick, button


def build_app(coach: Coach, web=None) -> gr.Blocks:
    """The app's Blocks (not launched). Its API endpoints are listed under "Use via API" when logged in."""
    h = Handlers(coach, web)
    n_workers = max(1, coach.options.workers)
    with gr.Blocks(title="tonecoach", delete_cache=(3600, 6 * 3600)) as demo:
        with gr.Row(elem_id="tc-header"):
            gr.Markdown("## tonecoach")
            whoami = gr.Markdown(elem_id="tc-whoami")
            logout = gr.Button("Log out", size="sm", scale=0, elem_id="tc-logout")

        with gr.Tabs():
            # ------------------------------------------------------------------ Practice
            with gr.Tab("Practice", id="practice", elem_id="tab-practice"):
                with gr.Row():
                    audio_in = gr.Audio(sources=["upload", "microphone"], type="filepath", label="A call or a practice recording",
                                        elem_id="practice-audio")
                    with gr.Column():
                        analyze_btn = gr.Button("Analyse", variant="primary", elem_id="analyze-btn")
                        status = gr.Markdown(elem_id="practice-status")
                        history = gr.Dropdown(label="My recordings", choices=[], elem_id="my-recordings")
                current = gr.State(None)
                scores = gr.HTML(elem_id="practice-scores")
                timeline = gr.HTML(elem_id="practice-timeline")
                feedback = gr.Dataframe(headers=R.FEEDBACK_COLUMNS, value=[], interactive=False, wrap=True,
                                        column_widths=R.FEEDBACK_WIDTHS, label="Feedback", elem_id="practice-feedback")
                with gr.Row():
                    moment = gr.Dropdown(label="Play a moment", choices=[], elem_id="practice-moment")
                    moment_audio = gr.Audio(label="That moment", interactive=False, autoplay=True, elem_id="practice-moment-audio")
                comments = gr.Dataframe(headers=R.COMMENT_COLUMNS, value=[], interactive=False, wrap=True,
                                        label="Comments from your team lead", elem_id="practice-comments")
                with gr.Accordion("Tone metrics and their evidence", open=False):
                    details = gr.HTML()
                agent_pick, agent_btn = _agent_correction("practice")
                with gr.Accordion("Re-take drill: record a flagged line again", open=True, elem_id="retake"):
                    with gr.Row():
                        line = gr.Dropdown(label="Pick a flagged line", choices=[], elem_id="retake-line")
                        line_audio = gr.Audio(label="How it sounded", interactive=False, elem_id="retake-original")
                    take = gr.Audio(sources=["microphone", "upload"], type="filepath", label="Your new take", elem_id="retake-take")
                    compare_btn = gr.Button("Compare with the original", elem_id="retake-compare")
                    retake_md = gr.Markdown(elem_id="retake-summary")
                    retake_table = gr.Dataframe(headers=R.RETAKE_COLUMNS, value=[], interactive=False,
                                                label="Tone metrics, before and after", elem_id="retake-table")

            # ------------------------------------------------------------------ Review
            with gr.Tab("Review", id="review", visible=False, elem_id="tab-review") as review_tab:
                with gr.Row():
                    f_agent = gr.Dropdown(label="Agent", choices=[], elem_id="f-agent")
                    f_from = gr.Textbox(label="From (YYYY-MM-DD)", elem_id="f-from")
                    f_to = gr.Textbox(label="To (YYYY-MM-DD)", elem_id="f-to")
                    f_lang = gr.Dropdown(label="Language", choices=[], elem_id="f-lang")
                    f_min = gr.Number(value=None, label="Tone score from", minimum=0, maximum=100, elem_id="f-min")
                    f_max = gr.Number(value=None, label="to", minimum=0, maximum=100, elem_id="f-max")
                    f_rev = gr.Radio(["any", "not reviewed", "reviewed"], value="any", label="Reviewed", elem_id="f-rev")
                apply_btn = gr.Button("Apply filters", elem_id="f-apply")
                r_filter_status = gr.Markdown()
                table = gr.Dataframe(headers=R.ENTRY_COLUMNS, value=[], interactive=False, wrap=True,
                                     label="Your team's recordings", elem_id="review-table")
                pick = gr.Dropdown(label="Open a report", choices=[], elem_id="review-pick")
                r_current = gr.State(None)
                r_status = gr.Markdown(elem_id="review-status")
                r_scores = gr.HTML(elem_id="review-scores")
                r_timeline = gr.HTML(elem_id="review-timeline")
                r_feedback = gr.Dataframe(headers=R.FEEDBACK_COLUMNS, value=[], interactive=False, wrap=True,
                                          column_widths=R.FEEDBACK_WIDTHS, label="Feedback", elem_id="review-feedback")
                with gr.Row():
                    r_moment = gr.Dropdown(label="Play a moment", choices=[], elem_id="review-moment")
                    r_moment_audio = gr.Audio(label="That moment", interactive=False, autoplay=True)
                with gr.Accordion("Tone metrics and their evidence", open=False):
                    r_details = gr.HTML()
                r_agent_pick, r_agent_btn = _agent_correction("review")
                r_line = gr.Dropdown(visible=False)
                r_comments = gr.Dataframe(headers=R.COMMENT_COLUMNS, value=[], interactive=False, wrap=True,
                                          label="Comments", elem_id="review-comments")
                with gr.Row():
                    c_at = gr.Textbox(label="At (m:ss, blank for the whole call)", scale=1, elem_id="comment-at")
                    c_text = gr.Textbox(label="Comment", scale=4, elem_id="comment-text")
                with gr.Row():
                    c_add = gr.Button("Add comment", elem_id="comment-add")
                    reviewed_btn = gr.Button("Mark reviewed", interactive=False, elem_id="review-mark")
                with gr.Accordion("Trend: one agent's scores over time", open=True):
                    t_agent = gr.Dropdown(label="Agent", choices=[], elem_id="trend-agent")
                    plot = gr.LinePlot(x="date", y="score", color="score of", y_lim=[0, 100], label="Tone and content score",
                                       elem_id="trend-plot")

            # ------------------------------------------------------------------ Account
            with gr.Tab("Account", id="account", elem_id="tab-account"):
                old_pw = gr.Textbox(label="Current password", type="password")
                new_pw = gr.Textbox(label="New password (8 characters or more)", type="password")
                new_pw2 = gr.Textbox(label="New password again", type="password")
                pw_btn = gr.Button("Change password")
                pw_status = gr.Markdown()

        # hidden components for the /analyze API
        api_audio = gr.Audio(type="filepath", visible=False)
        api_out = gr.JSON(visible=False)
        api_btn = gr.Button(visible=False)

        # ---------------------------------------------------------------------- events
        shown = [current, scores, timeline, feedback, moment, details, line, comments, agent_pick]
        r_shown = [r_current, r_scores, r_timeline, r_feedback, r_moment, r_details, r_line, r_comments, r_agent_pick]
        private = {"api_visibility": "undocumented"}
        clip = {"concurrency_limit": CLIP_SLOTS, "concurrency_id": CLIPS}
        logout.click(None, None, None, js=LOGOUT_JS)

        demo.load(h.on_load, None, [whoami, review_tab, history, f_agent, f_lang, table, pick, t_agent],
                  api_name="ui_load", **private)
        analyze_btn.click(h.analyze, [audio_in], [status, *shown, history], api_name="ui_analyze",
                          concurrency_limit=n_workers, concurrency_id=ANALYSIS, **private).then(
            lambda: ("", []), None, [retake_md, retake_table], api_visibility="private")
        history.input(h.open_mine, [history], shown, api_name="ui_open_mine", **private)
        moment.input(h.play_moment, [current, moment], [moment_audio], api_name="ui_play_moment", **clip, **private)
        line.input(h.play_moment, [current, line], [line_audio], api_name="ui_play_line", **clip, **private)
        compare_btn.click(h.retake, [current, line, take], [retake_md, retake_table], api_name="ui_retake",
                          concurrency_limit=n_workers, concurrency_id=ANALYSIS, **private)
        agent_btn.click(h.set_agent, [current, agent_pick], [status, *shown], api_name="ui_set_agent",
                        concurrency_limit=n_workers, concurrency_id=ANALYSIS, **private)

        filters = [f_agent, f_from, f_to, f_lang, f_min, f_max, f_rev]
        apply_btn.click(h.review_refresh, filters, [table, pick, r_filter_status], api_name="ui_review_table", **private)
        pick.input(h.review_open, [pick], [*r_shown, reviewed_btn, r_status], api_name="ui_review_open", **private)
        r_moment.input(h.play_moment, [r_current, r_moment], [r_moment_audio], api_name="ui_review_play", **clip,
                       **private)
        r_moment.input(h.moment_time, [r_current, r_moment], [c_at], api_visibility="private")
        c_add.click(h.add_comment, [r_current, c_at, c_text], [r_comments, c_text, r_status], api_name="ui_add_comment",
                    **private)
        reviewed_btn.click(h.toggle_reviewed, [r_current], [reviewed_btn, r_status], api_name="ui_mark_reviewed",
                           **private).then(h.review_refresh, filters, [table, pick, r_filter_status], api_visibility="private")
        r_agent_btn.click(h.set_agent, [r_current, r_agent_pick], [r_status, *r_shown], api_name="ui_review_set_agent",
                          concurrency_limit=n_workers, concurrency_id=ANALYSIS, **private)
        t_agent.input(h.trend, [t_agent], [plot], api_name="ui_trend", **private)
        pw_btn.click(h.change_password, [old_pw, new_pw, new_pw2], [pw_status], api_name="ui_change_password",
                     **private).then(lambda: ("", "", ""), None, [old_pw, new_pw, new_pw2], api_visibility="private")

        api_btn.click(h.api_analyze, [api_audio], [api_out], api_name="analyze", concurrency_limit=n_workers,
                      concurrency_id=ANALYSIS)
        gr.api(h.api_reports, api_name="reports")
        gr.api(h.api_report, api_name="report")
        gr.api(h.api_comments, api_name="comments")
        gr.api(h.api_add_comment, api_name="add_comment")
        gr.api(h.api_set_agent, api_name="set_agent", concurrency_limit=n_workers, concurrency_id=ANALYSIS)
    return demo
