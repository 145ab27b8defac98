"""End-to-end analysis on synthetic and bundled input: reports carry values and evidence, not just keys."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest
from conftest import SAMPLES

from tonecoach.report import CallReport

SR = 16000
REQUIRED = {"schema_version", "audio", "language", "models", "speakers", "segments", "tone", "feedback", "warnings", "timings_s"}


def test_digital_silence_gives_no_words_and_a_warning(analyzer):
    r = analyzer.analyze(np.zeros(30 * SR, np.float32), sample_rate=SR)
    assert r.segments == ()
    assert "no speech detected" in r.warnings
    assert r.tone.score is None  # nothing measured, nothing invented


def test_white_noise_gives_no_invented_words(analyzer):
    y = (0.3 * np.random.default_rng(1).standard_normal(30 * SR)).astype(np.float32)
    r = analyzer.analyze(y, sample_rate=SR)
    words = [w for s in r.segments for w in s.words]
    assert len(words) <= 2, r.transcript  # at most a stray token, never sentences
    if not words:
        assert "no speech detected" in r.warnings


def test_int16_array_and_nan_array(analyzer, sample_reports):
    from tonecoach.analysis.audio import load

    a = load(str(__import__("pathlib").Path(__file__).resolve().parents[1] / "samples" / "warm_agent.flac"))
    y = a.mono.copy()
    y[1000:1010] = np.nan
    r = analyzer.analyze(y, sample_rate=SR)
    assert any("non-finite" in w for w in r.warnings) and len(r.segments) > 0
    r16 = analyzer.analyze((SR, (a.mono * 32767).astype(np.int16)))
    assert len(r16.transcript.split()) > 20


def test_report_json_has_the_documented_keys_and_round_trips(sample_reports):
    r = sample_reports["warm_agent.flac"]
    d = json.loads(r.to_json())
    assert REQUIRED <= set(d)
    assert set(d["audio"]) >= {"path", "duration_s", "sample_rate", "channels"}
    assert set(d["language"]) >= {"code", "probability"}
    assert set(d["speakers"][0]) >= {"id", "role", "talk_time_s"}
    seg = d["segments"][0]
    assert set(seg) >= {"start_s", "end_s", "speaker", "text", "words", "prosody"}
    assert set(seg["words"][0]) == {"text", "start_s", "end_s", "probability"}
    assert set(d["tone"]) >= {"score", "metrics"}
    again = CallReport.from_dict(d)
    assert again == CallReport.from_dict(json.loads(again.to_json()))
    assert again.tone.score == r.tone.score and len(again.segments) == len(r.segments)


def test_every_metric_shows_its_evidence(sample_reports):
    for r in sample_reports.values():
        for m in r.tone.metrics:
            assert m.source and m.evidence and "target" in m.evidence
            if m.value is not None:
                assert m.score is not None and 0 <= m.score <= 100


def test_warm_agent_scores_better_than_flat_rushed_agent(sample_reports):
    warm, flat = sample_reports["warm_agent.flac"], sample_reports["flat_rushed_agent.flac"]
    assert warm.tone.score > flat.tone.score + 15, (warm.tone.score, flat.tone.score)
    cats = {f.category for f in flat.feedback}
    assert "too_fast" in cats and "monotone" in cats
    wm = {m.name: m for m in warm.tone.metrics}
    fm = {m.name: m for m in flat.tone.metrics}
    assert fm["speaking_rate"].value > wm["speaking_rate"].value
    assert fm["pitch_variability"].value < wm["pitch_variability"].value
    for f in flat.feedback:
        assert f.evidence and "value" in f.evidence and f.end_s >= f.start_s


def test_fillers_are_kept(sample_reports):
    words = [w.text.lower().strip(",.?!") for s in sample_reports["warm_agent.flac"].segments for w in s.words]
    assert any(w in {"um", "uh", "umm", "uhm"} for w in words), words


def test_stereo_sample_agent_on_left_and_no_bleed(sample_reports):
    import json as _json
    from pathlib import Path

    r = sample_reports["stereo_call_8k.wav"]
    assert r.agent.speaker == "left" and r.agent.method == "phrases" and r.agent.confidence >= 0.8
    roles = {s.id: s.role for s in r.speakers}
    assert roles == {"left": "agent", "right": "customer"}
    manifest = _json.loads((Path(__file__).resolve().parents[1] / "samples" / "manifest.json").read_text())
    entry = next(e for e in manifest["files"] if e["path"].endswith("stereo_call_8k.wav"))
    # every recognised word lies inside a turn of its own speaker: bleed is not counted as speech
    turns = [(t["speaker"], t["start"], t["end"]) for t in entry["turns"]]
    side = {"agent": "left", "customer": "right"}
    for seg in r.segments:
        for w in seg.words:
            mid = (w.start_s + w.end_s) / 2
            owners = {side.get(s, s) for s, a, b in turns if a - 0.5 <= mid <= b + 0.5}
            assert seg.speaker in owners, (seg.speaker, w, owners)


def test_customer_first_call_still_finds_agent_by_its_phrases(sample_reports):
    r = sample_reports["customer_first_stereo.wav"]
    assert r.agent.speaker == "right"
    assert r.agent.method == "phrases" and r.agent.reason.startswith("right:")


def test_agent_channel_option_overrides(analyzer):
    from dataclasses import replace
    from pathlib import Path

    from tonecoach.analyzer import Analyzer

    a = Analyzer(replace(analyzer.options, agent_channel="right"), transcriber=analyzer.transcriber)
    r = a.analyze(str(Path(__file__).resolve().parents[1] / "samples" / "customer_first_stereo.wav"))
    assert r.agent.method == "option" and {s.id: s.role for s in r.speakers}["right"] == "agent"


def test_redaction_applies_to_stored_segment_text_and_words():
    from tonecoach.analysis.turns import redacted
    from tonecoach.report import Segment, Word

    toks = "my card is 4111 1111 1111 1111 and mail anna@example.com".split()
    words = tuple(Word(t, i * 0.5, i * 0.5 + 0.4, 0.9) for i, t in enumerate(toks))
    seg = Segment(0.0, 6.0, "S1", " ".join(toks), words)
    (out,) = redacted([seg])
    assert "4111" not in out.text and "anna@example.com" not in out.text
    assert "[CARD]" in out.text and "[EMAIL]" in out.text
    assert all("4111" not in w.text for w in out.words)
    assert [w.start_s for w in out.words] == [w.start_s for w in words]  # timestamps kept


def test_target_ranges_read_naturally():
    from tonecoach.report import format_target

    assert format_target(120.0, 160.0, "wpm") == "120-160 wpm"
    assert format_target(-32.0, -10.0, "dBFS") == "-32 to -10 dBFS"
    assert format_target(0.0, 0.0, "count") == "0 count"


def test_long_turns_are_cut_into_phrases_at_sentence_ends():
    from tonecoach.analysis.turns import split_phrases
    from tonecoach.report import Word

    # 60 words, 0.4 s apart, a sentence end every 9th word: 24 s with no pause anywhere
    words = [Word(f"w{i}" + ("." if i % 9 == 8 else ""), i * 0.4, i * 0.4 + 0.3, 1.0) for i in range(60)]
    phrases = split_phrases(words, max_s=12.0, min_s=3.0)
    assert [len(p) for p in phrases] == [9, 9, 9, 9, 9, 9, 6]
    assert [w for p in phrases for w in p] == words
    # no sentence end and no pause: cut before the phrase passes max_s
    plain = [Word("w", i * 0.4, i * 0.4 + 0.3, 1.0) for i in range(60)]
    assert all(p[-1].end_s - p[0].start_s <= 12.0 for p in split_phrases(plain, max_s=12.0))
    assert split_phrases(words[:10], max_s=12.0) == [words[:10]]


def test_flat_rushed_feedback_points_at_phrases_and_groups_runs(sample_reports):
    r = sample_reports["flat_rushed_agent.flac"]
    flat = [f for f in r.feedback if f.category == "monotone"]
    assert len(flat) == 1, "consecutive flat phrases are told once"
    moments = flat[0].evidence["moments"]
    assert len(moments) >= 3 and all(m["end_s"] - m["start_s"] <= 12.0 for m in moments)
    assert all(m["value"] < 1.5 for m in moments)
    assert "phrases in a row" in flat[0].message


class _HeardText:
    """A transcriber that hears the same words on every channel, in a given language (no Whisper)."""

    def __init__(self, text: str, language: str):
        from tonecoach.report import Word

        self.language = language
        self.words = tuple(Word(t, 0.5 + i * 0.45, 0.5 + i * 0.45 + 0.35, 0.95) for i, t in enumerate(text.split()))

    def transcribe(self, samples, *, language=None, **kw):
        from tonecoach.analysis.asr import TranscribedSegment, Transcript

        seg = TranscribedSegment(self.words[0].start_s, self.words[-1].end_s, " ".join(w.text for w in self.words),
                                 self.words, -0.2, 0.01)
        return Transcript((seg,), self.language, 0.99)

    def describe(self) -> dict:
        return {"name": "heard-text"}


def test_syllables_are_counted_by_the_calls_language():
    from dataclasses import replace

    from tonecoach.analysis import prosody as P
    from tonecoach.analysis.diarize import DiarizationOptions
    from tonecoach.analysis.prosody import phrases
    from tonecoach.analyzer import Analyzer, AnalyzerOptions
    from tonecoach.wording.call import WordingOptions

    opts = AnalyzerOptions(diarization=DiarizationOptions(enabled=False), wording=WordingOptions(enabled=False),
                           scorecard=False)
    t = np.arange(int(SR * 8.0)) / SR
    voice = (0.2 * np.sin(2 * np.pi * 160 * t) * (0.6 + 0.4 * np.sin(2 * np.pi * 3 * t))).astype(np.float32)
    calls = {"en": "please make sure the line is fine and make it safe", "pl": "proszę poczekać chwilę które miejsce wybrać"}
    for lang, text in calls.items():
        fake = _HeardText(text, lang)
        rep = Analyzer(opts, transcriber=fake).analyze(voice, sample_rate=SR)
        assert rep.language.code == lang
        ws = fake.words
        span = ws[-1].end_s - ws[0].start_s
        mine = sum(P.count_syllables(w.text, language=lang) for w in ws)
        other = sum(P.count_syllables(w.text, language="pl" if lang == "en" else "en") for w in ws)
        assert mine != other  # the two rules disagree on these words, so the test tells them apart
        (seg,) = rep.segments
        assert seg.prosody["syllables_per_s"] * span == pytest.approx(mine, abs=1e-3)
        (sp,) = rep.speakers
        assert sp.prosody["syllables_per_s"] * sp.talk_time_s == pytest.approx(mine, abs=0.01)
        # long turns cut into phrases for feedback count by the same rule
        first, nxt, *_ = phrases([replace(seg, words=ws)], seg.speaker, {seg.speaker: type("C", (), {"raw": voice})},
                                  {seg.speaker: (P.pitch_track(voice, sr=SR), P.energy_track(voice, sr=SR))}, SR, 1.5,
                                  language=lang)
        n_syl = sum(P.count_syllables(w.text, language=lang) for w in first.words)
        assert first.prosody["syllables_per_s"] * (nxt.start_s - first.start_s) == pytest.approx(n_syl)


# -- work run ahead, beside the transcription ---------------------------------------------


def _same_analysis(a: CallReport, b: CallReport) -> None:
    da, db = a.to_dict(), b.to_dict()
    for d in (da, db):
        d.pop("timings_s"), d.pop("created_at"), d["options"].pop("run_ahead")
    assert da == db


@pytest.mark.parametrize("name", ["two_voice_mono.flac", "stereo_call_8k.wav"])
def test_running_ahead_changes_nothing_in_the_report(analyzer, name):
    """Speaker separation, pitch and energy and the encoder load run beside Whisper or in their place: one report."""
    import threading

    from tonecoach.analyzer import Analyzer, AnalyzerOptions

    path = str(SAMPLES / name)
    ahead = Analyzer(AnalyzerOptions(run_ahead=True), transcriber=analyzer.transcriber, wording_model=analyzer.wording_model)
    inline = Analyzer(AnalyzerOptions(run_ahead=False), transcriber=analyzer.transcriber, wording_model=analyzer.wording_model)
    r_ahead, r_inline = ahead.analyze(path), inline.analyze(path)
    _same_analysis(r_ahead, r_inline)
    assert "waited_for_ahead" in r_ahead.timings_s and "waited_for_ahead" not in r_inline.timings_s
    assert r_ahead.timings_s["pitch_energy"] > 0
    if name.startswith("two_voice"):
        assert len(r_ahead.speakers) == 2 and r_ahead.timings_s["diarize"] > 0
    assert not [t for t in threading.enumerate() if t.name.startswith("tonecoach-ahead")]  # none outlives the call


def test_a_call_longer_than_the_run_ahead_limit_runs_nothing_beside_the_transcription(analyzer, monkeypatch):
    """Past ``run_ahead_max_s`` the background work (whose memory grows with the call) runs in its place instead."""
    import threading

    from tonecoach.analyzer import Analyzer, AnalyzerOptions

    started = []
    real = threading.Thread.start

    def seen(self):
        started.append(self.name)
        return real(self)

    monkeypatch.setattr(threading.Thread, "start", seen)
    path = str(SAMPLES / "two_voice_mono.flac")  # 38 s
    short = Analyzer(AnalyzerOptions(run_ahead_max_s=60.0), transcriber=analyzer.transcriber,
                     wording_model=analyzer.wording_model).analyze(path)
    assert "waited_for_ahead" in short.timings_s and any(n.startswith("tonecoach-ahead") for n in started)
    started.clear()
    long = Analyzer(AnalyzerOptions(run_ahead_max_s=30.0), transcriber=analyzer.transcriber,
                    wording_model=analyzer.wording_model).analyze(path)
    assert "waited_for_ahead" not in long.timings_s and not any(n.startswith("tonecoach-ahead") for n in started)
    assert long.timings_s["diarize"] > 0 and long.timings_s["pitch_energy"] > 0 and len(long.speakers) == 2
    da, db = short.to_dict(), long.to_dict()
    for d in (da, db):
        d.pop("timings_s"), d.pop("created_at"), d["options"].pop("run_ahead_max_s")
    assert da == db


def test_a_speaker_separation_that_fails_ahead_fails_the_analysis_as_before(analyzer):
    from tonecoach.analyzer import Analyzer, AnalyzerOptions
    from tonecoach.errors import ModelNotAvailableError

    a = Analyzer(AnalyzerOptions(run_ahead=True), transcriber=analyzer.transcriber, wording_model=analyzer.wording_model)

    def broken(*args, **kwargs):
        raise ModelNotAvailableError("could not load the speaker encoder (resemblyzer): test")

    a.diarizer.diarize = broken
    with pytest.raises(ModelNotAvailableError, match="speaker encoder"):
        a.analyze(str(SAMPLES / "two_voice_mono.flac"))
    # faint noise has no words: the separation started ahead is never needed, and its failure is no error
    r = a.analyze((0.01 * np.random.default_rng(2).standard_normal(4 * SR)).astype(np.float32), sample_rate=SR)
    assert "no speech detected" in r.warnings


def _may_idle() -> tuple[bool, bool]:
    """Whether a thread here may take SCHED_IDLE, and then leave it again (a container may refuse either)."""
    import os
    import threading

    out = []

    def probe():
        tid = threading.get_native_id()
        try:
            os.sched_setscheduler(tid, os.SCHED_IDLE, os.sched_param(0))
        except OSError:
            return out.append((False, False))
        try:
            os.sched_setscheduler(tid, os.SCHED_OTHER, os.sched_param(0))
            out.append((True, True))
        except OSError:
            out.append((True, False))

    t = threading.Thread(target=probe)
    t.start()
    t.join()
    return out[0]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread scheduling policy is a Linux feature")
def test_work_run_ahead_yields_the_cores_to_the_transcription():
    """Background jobs run only on cores nothing else wants (SCHED_IDLE; where that is refused, at a higher
    niceness), so on a busy machine the decoder is not slowed by them; a job started before them keeps the normal
    priority; waiting for one gives it that back where the process may."""
    import os
    import threading
    import time

    from tonecoach.analyzer import _Ahead

    def priority():
        tid = threading.get_native_id()
        return os.sched_getscheduler(tid), os.getpriority(os.PRIO_PROCESS, tid)

    def priority_later():
        time.sleep(0.5)  # the analysis is waiting for it by now
        return priority()

    idle, back = _may_idle()
    mine = priority()
    with _Ahead(True) as ahead:
        ahead.start("normal", priority)
        ahead.start("background", priority, background=True)
        ahead.start("waited for", priority_later, background=True)
        assert ahead.result("normal")[0] == mine
        while not ahead._jobs["background"].done():  # not waited for: it keeps the background priority
            time.sleep(0.01)
        bg = ahead.result("background")[0]
        waited, _ = ahead.result("waited for")
    if idle:
        assert bg[0] == os.SCHED_IDLE
        assert waited[0] == (os.SCHED_OTHER if back else os.SCHED_IDLE)
    else:
        assert bg[1] > mine[1]
    assert priority() == mine  # the analysis's own thread keeps its priority


def test_voice_activity_is_found_once_and_the_decoder_hears_what_the_pipeline_would(analyzer, monkeypatch):
    """Silero VAD runs once per channel (the batched pipeline is given its windows instead of finding them again),
    and the words and their times are those of faster-whisper's pipeline running its own VAD."""
    from faster_whisper.vad import SileroVADModel

    from tonecoach.analysis.asr import FILLER_PROMPTS
    from tonecoach.analysis.audio import load

    t = analyzer.transcriber
    x = np.ascontiguousarray(load(str(SAMPLES / "warm_agent.flac")).mono)
    runs = []
    real = SileroVADModel.__call__

    def counted(self, audio, *a, **kw):
        runs.append(len(audio))
        return real(self, audio, *a, **kw)

    monkeypatch.setattr(SileroVADModel, "__call__", counted)
    ours = t.transcribe(x, language="en")
    assert len(runs) == 1
    theirs, _ = t._pipeline.transcribe(x, batch_size=t.options.batch_size, language="en", beam_size=t.options.beam_size,
                                       word_timestamps=True, vad_filter=True,
                                       vad_parameters={"min_silence_duration_ms": t.options.vad_min_silence_ms},
                                       initial_prompt=FILLER_PROMPTS["en"])
    theirs = [(w.word.strip(), round(w.start, 2), round(w.end, 2)) for s in theirs for w in s.words]
    assert len(runs) == 2  # the pipeline left to itself runs VAD again
    assert [(w.text, round(w.start_s, 2), round(w.end_s, 2)) for w in ours.words] == theirs
    assert len(theirs) > 10


def test_the_language_costs_no_encoder_pass_of_its_own(analyzer, monkeypatch):
    """The language is read off the decoder's first batch of windows, and the decoder reuses that encoding: a call
    left to detect its language runs the encoder as often as one whose language is given, and hears the same words."""
    from faster_whisper import WhisperModel

    from tonecoach.analysis.audio import load

    t = analyzer.transcriber
    x = np.ascontiguousarray(load(str(SAMPLES / "warm_agent.flac")).mono)
    passes = []
    real = WhisperModel.encode

    def counted(self, features):
        passes.append(features.shape[0] if features.ndim == 3 else 1)
        return real(self, features)

    monkeypatch.setattr(WhisperModel, "encode", counted)
    given = t.transcribe(x, language="en")
    n_given = len(passes)
    found = t.transcribe(x)
    assert found.language == "en" and found.language_probability > 0.5
    assert n_given >= 1 and len(passes) - n_given == n_given  # before: one more pass, for the language alone
    assert [(w.text, w.start_s, w.end_s) for w in found.words] == [(w.text, w.start_s, w.end_s) for w in given.words]


def test_a_kept_encoding_is_only_ever_used_for_the_features_it_was_made_from():
    """The pipeline's next encoder call gets the kept encoding only for the very same features; other features are
    encoded afresh, and the kept one is used once."""
    from tonecoach.analysis.asr import _KeptEncoding

    class Model:
        calls = 0
        name = "whisper"

        def encode(self, features):
            Model.calls += 1
            return ("fresh", float(features.sum()))

    kept = _KeptEncoding(Model())
    a, b = np.zeros((2, 80, 3000), np.float32), np.ones((2, 80, 3000), np.float32)
    kept.keep(a, "kept")
    assert kept.encode(b) == ("fresh", b.sum()) and Model.calls == 1  # other audio: never the kept encoding
    kept.keep(a, "kept")
    assert kept.encode(a.copy()) == "kept" and Model.calls == 1
    assert kept.encode(a) == ("fresh", 0.0) and Model.calls == 2  # used once
    assert kept.name == "whisper"  # the rest is the model's own
