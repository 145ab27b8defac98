"""The pipeline on real recordings nobody on this team made (skipped when ../shared/data is absent)."""

from __future__ import annotations

import pytest

from tonecoach.analysis import prosody as P
from tonecoach.evaluation import normalise_text as normalise

pytestmark = pytest.mark.shared_data

WER_CLIPS = [
    "speech_en/whisper_jfk.flac",
    "speech_en/librispeech-1995-1837-0001.wav",
    "speech_en/leopard_test_en.wav",
    "speech_en/OSR_us_000_0034_8k.wav",
]


@pytest.fixture(scope="module")
def reports(analyzer, shared_data):
    return {c: analyzer.analyze(str(shared_data / c)) for c in WER_CLIPS}


@pytest.mark.parametrize("clip", WER_CLIPS)
def test_word_error_rate_at_most_5_percent(reports, shared_data, clip):
    import jiwer

    ref = (shared_data / clip).with_suffix(".txt").read_text()
    hyp = reports[clip].transcript
    wer = jiwer.wer(normalise(ref), normalise(hyp))
    assert wer <= 0.05, f"WER {wer:.3f}: {hyp!r}"
    assert reports[clip].language.code == "en"


def test_harvard_sentences_give_nine_long_pauses(reports):
    r = reports["speech_en/OSR_us_000_0034_8k.wav"]
    words = [w for s in r.segments for w in s.words]
    stats = P.pause_stats(words, min_pause_s=0.8)
    assert stats.count >= 9, stats
    assert r.audio.sample_rate == 8000


def test_word_timestamps_match_reference(reports, shared_data):
    # "Americans" spans t=1.8 s in the JFK clip (asserted by Whisper's own tests)
    words = [w for s in reports["speech_en/whisper_jfk.flac"].segments for w in s.words]
    am = next(w for w in words if "Americans" in w.text)
    assert am.start_s <= 1.8 <= am.end_s + 0.2


def test_stereo_call_gives_two_speakers_with_the_right_text(analyzer, shared_data):
    r = analyzer.analyze(str(shared_data / "speech_en/faster_whisper_stereo_diarization.wav"))
    assert len(r.speakers) == 2 and {s.id for s in r.speakers} == {"left", "right"}
    text = {sp: normalise(" ".join(s.text for s in r.segments if s.speaker == sp)) for sp in ("left", "right")}
    assert text["left"] == normalise("He began a confused complaint against the wizard, who had vanished behind the curtain on the left.")
    assert text["right"] == normalise("The horizon seems extremely distant.")
    roles = {s.id: s.role for s in r.speakers}
    assert sorted(roles.values()) == ["agent", "customer"]
    assert r.agent.reason  # says how it decided


def test_forced_language_is_recorded(analyzer, shared_data):
    from dataclasses import replace

    from tonecoach.analyzer import Analyzer

    a = Analyzer(replace(analyzer.options, transcription=replace(analyzer.options.transcription, language="en")),
                 transcriber=None)
    a.transcriber._model, a.transcriber._pipeline, a.transcriber._pipelines, a.transcriber._resolved = (
        analyzer.transcriber._load(), analyzer.transcriber._pipeline, analyzer.transcriber._pipelines,
        analyzer.transcriber.resolved)
    r = a.analyze(str(shared_data / "speech_en/leopard_test_en.wav"))
    assert r.language.code == "en" and r.language.forced and r.language.probability == 1.0


@pytest.mark.parametrize("clip, lang, prompted", [("speech_multilingual/leopard_test_de.wav", "de", False),
                                                  ("speech_multilingual/leopard_test_es.wav", "es", False),
                                                  ("speech_en/leopard_test_en.wav", "en", True)])
def test_the_english_filler_prompt_is_used_only_on_speech_detected_as_english(analyzer, shared_data, clip, lang, prompted):
    """The language is found before decoding, so German or Spanish is never decoded after an English prompt."""
    from tonecoach.analysis.audio import load

    t = analyzer.transcriber
    seen = []
    real = t._decode

    def decode(samples, kwargs, *a, **kw):
        seen.append(kwargs)
        return real(samples, kwargs, *a, **kw)

    t._decode = decode
    try:
        tr = t.transcribe(load(str(shared_data / clip)).mono)
    finally:
        del t._decode
    assert tr.language == lang and tr.language_probability > 0.5
    assert seen[0]["language"] == lang  # decoded in the language found, not detected again
    assert (seen[0]["initial_prompt"] is not None) == prompted
    assert all(k["initial_prompt"] is None for k in seen[1:])  # a re-decode of skipped speech never has the prompt
