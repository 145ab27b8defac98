"""The stages of one call's analysis, one module each, composed in order by :class:`tonecoach.analyzer.Analyzer`.

:mod:`.audio` (decode) -> :mod:`.channels` (one party per channel, bleed muted) -> :mod:`.asr` (words) ->
:mod:`.diarize` (who spoke when, on a mono call) -> :mod:`.turns` -> :mod:`.agent` (which speaker is the agent)
-> :mod:`.prosody` -> :mod:`.conversation` -> :mod:`.scoring` (tone) -> :mod:`.wording` (what was said).
:mod:`.steps` names the steps and each one's share of the progress bar. Importing this package imports no stage.
"""
