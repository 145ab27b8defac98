"""Every HTML and text rendering of tonecoach's results, and the formatting they share.

:mod:`~tonecoach.render.fmt` (clock times, escaping, score bands, atomic file
writes) imports nothing else of tonecoach, so any layer may format with it.
The renderers read results and return strings:

- :mod:`~tonecoach.render.report`: one call's self-contained HTML page, built
  from :mod:`~tonecoach.render.content` (wording), :mod:`~tonecoach.render.conversation`
  and :mod:`~tonecoach.render.scorecard`;
- :mod:`~tonecoach.render.summary`: one call's plain-text summary in the terminal;
- :mod:`~tonecoach.render.batch`: a batch run's text summary and HTML page;
- :mod:`~tonecoach.render.evaluate`: the evaluation report, text and HTML;
- :mod:`~tonecoach.render.web` and :mod:`~tonecoach.render.web_qa`: the web app's fragments.

This ``__init__`` imports none of them: importing ``tonecoach.render.fmt`` stays cheap.
"""
