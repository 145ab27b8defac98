"""Prosody features on signals with known truth, and pitch against Praat on real speech."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pytest

from tonecoach.analysis import prosody as P
from tonecoach.evaluation import praat_pitch

SR = 16000


@dataclass(frozen=True)
class W:
    text: str
    start_s: float
    end_s: float


def tone(freq_hz, seconds, *, sr=SR, amp=0.5):
    t = np.arange(int(seconds * sr)) / sr
    return (amp * np.sin(2 * np.pi * freq_hz * t)).astype(np.float32)


def harmonic(f0_hz, seconds, *, sr=SR, amp=0.3):
    """A voice-like signal: f0 (array or scalar) with falling harmonics."""
    n = int(seconds * sr)
    f0 = np.broadcast_to(np.asarray(f0_hz, dtype=np.float64), (n,))
    phase = 2 * np.pi * np.cumsum(f0) / sr
    y = sum((0.7 ** k) * np.sin((k + 1) * phase) for k in range(6))
    return (amp * y / np.max(np.abs(y))).astype(np.float32)


def semitones(a, b):
    return 12 * math.log2(a / b)


# -- pitch -------------------------------------------------------------------------------


@pytest.mark.parametrize("sr", [8000, 16000, 44100])
def test_220_hz_tone_measures_220_hz(sr):
    st = P.pitch_stats(P.pitch_track(tone(220.0, 2.0, sr=sr), sr=sr))
    assert abs(semitones(st.median_hz, 220.0)) < 0.2
    assert st.sd_semitones < 0.2
    assert st.voiced_ratio > 0.9


@pytest.mark.parametrize("f0", [80.0, 120.0, 210.0, 350.0])
def test_harmonic_voice_pitch_across_the_range(f0):
    st = P.pitch_stats(P.pitch_track(harmonic(f0, 1.5), sr=SR))
    assert abs(semitones(st.median_hz, f0)) < 0.2


def test_chirp_pitch_range_is_known():
    # a glide from 100 to 200 Hz, one octave, evenly in log-frequency: the 5-95% span is 0.9 * 12 st
    n = 3 * SR
    f0 = 100.0 * 2 ** (np.arange(n) / n)
    st = P.pitch_stats(P.pitch_track(harmonic(f0, 3.0), sr=SR))
    assert st.range_semitones == pytest.approx(0.9 * 12, abs=0.6)
    # SD of a uniform spread of 12 st is 12 / sqrt(12)
    assert st.sd_semitones == pytest.approx(12 / math.sqrt(12), abs=0.3)


def test_noise_and_silence_are_unvoiced():
    rng = np.random.default_rng(0)
    noise = (0.1 * rng.standard_normal(2 * SR)).astype(np.float32)
    assert P.pitch_stats(P.pitch_track(noise, sr=SR)).voiced_ratio < 0.05
    silent = P.pitch_track(np.zeros(SR, np.float32), sr=SR)
    assert not silent.voiced.any() and math.isnan(P.pitch_stats(silent).median_hz)


def test_pitch_track_of_empty_input_is_empty():
    tr = P.pitch_track(np.zeros(0, np.float32), sr=SR)
    assert tr.f0_hz.size == 0 and math.isnan(P.pitch_stats(tr).sd_semitones)


def test_end_intonation_rising_falling_flat():
    up = np.linspace(150, 250, SR)
    down = np.linspace(250, 150, SR)
    assert P.end_intonation(P.pitch_track(harmonic(up, 1.0), sr=SR))[0] == "rising"
    assert P.end_intonation(P.pitch_track(harmonic(down, 1.0), sr=SR))[0] == "falling"
    direction, slope = P.end_intonation(P.pitch_track(harmonic(180.0, 1.0), sr=SR))
    assert direction == "flat" and abs(slope) < 1.0


# -- energy, clipping, noise ---------------------------------------------------------------


def test_full_scale_sine_is_minus_3_dbfs():
    st = P.energy_stats(P.energy_track(tone(440.0, 1.0, amp=1.0), sr=SR))
    assert st.level_dbfs == pytest.approx(-3.01, abs=0.1)
    half = P.energy_stats(P.energy_track(tone(440.0, 1.0, amp=0.5), sr=SR))
    assert half.level_dbfs == pytest.approx(-9.03, abs=0.1)


def test_energy_variability_of_alternating_levels():
    y = np.concatenate([tone(300, 0.5, amp=0.5), tone(300, 0.5, amp=0.05)] * 3)
    st = P.energy_stats(P.energy_track(y, sr=SR))
    assert st.sd_db > 8.0  # two levels 20 dB apart


def test_clipping_ratio():
    y = np.clip(2.0 * tone(200.0, 1.0, amp=1.0), -1.0, 1.0)
    assert P.clipping_ratio(y) > 0.3
    assert P.clipping_ratio(tone(200.0, 1.0, amp=0.5)) == 0.0
    # clipped before a gain change: flat tops below full scale still count
    assert P.clipping_ratio(0.5 * y) > 0.3
    assert math.isnan(P.clipping_ratio(np.zeros(0)))


def test_snr_estimate_tracks_the_noise_floor():
    rng = np.random.default_rng(1)
    speechlike = np.concatenate([harmonic(150.0, 0.6), np.zeros(int(0.4 * SR), np.float32)] * 5)
    for target in (10.0, 30.0):
        rms_signal = np.sqrt(np.mean(speechlike[speechlike != 0] ** 2))
        noise = rng.standard_normal(len(speechlike)) * rms_signal / 10 ** (target / 20)
        est = P.snr_estimate_db(speechlike + noise.astype(np.float32), sr=SR)
        assert abs(est - target) < 4.0, (target, est)


# -- words: rate and pauses -----------------------------------------------------------------


def test_syllable_counts():
    assert P.count_syllables("hello") == 2
    assert P.count_syllables("understanding") == 4
    assert P.count_syllables("make", language="en") == 1
    assert P.count_syllables("hmm") == 1
    assert P.count_syllables("paldies") == 2  # Latvian
    assert P.count_syllables("dziękuję") == 3  # Polish, nasal vowels folded
    assert P.count_syllables("") == 0


def test_speaking_rate_and_pauses_from_known_timings():
    # 10 words, 0.3 s each, 0.1 s gaps, with one inserted 2.5 s pause after word 5
    words, t = [], 0.0
    for i in range(10):
        words.append(W("word", t, t + 0.3))
        t += 0.4 + (2.5 if i == 4 else 0.0)
    r = P.speaking_rate(words)
    span = words[-1].end_s - words[0].start_s
    assert r.words_per_minute == pytest.approx(10 * 60 / span)
    assert r.articulation_rate_syl_per_s == pytest.approx(10 / (span - 2.6))
    ps = P.pause_stats(words)
    assert ps.count == 1 and ps.longest_s == pytest.approx(2.6) and ps.count_over_2s == 1
    assert P.pause_stats(words, min_pause_s=0.05).count == 9


def test_rate_of_no_words_is_nan_not_an_error():
    r = P.speaking_rate([])
    assert r.n_words == 0 and math.isnan(r.words_per_minute)
    assert math.isnan(P.pause_stats([]).longest_s)


def test_turn_prosody_round_trips_to_plain_json_values():
    y = np.concatenate([np.zeros(SR // 2, np.float32), harmonic(np.linspace(120, 220, SR), 1.0), np.zeros(SR // 2, np.float32)])
    words = [W("hello", 0.5, 0.9), W("there", 1.1, 1.5)]
    tp = P.turn_prosody(y, sr=SR, words=words, start_s=0.4, end_s=1.6)
    d = tp.to_dict()
    assert d["n_words"] == 2 and d["end_intonation"] == "rising"
    assert all(v is None or isinstance(v, (int, float, str)) for v in d.values())
    assert 120 <= d["pitch_median_hz"] <= 220


# -- real speech against Praat ---------------------------------------------------------------

PRAAT_CLIPS = ["whisper_jfk.flac", "librispeech-1995-1837-0001.wav", "leopard_test_en.wav", "OSR_us_000_0034_8k.wav"]


@pytest.mark.shared_data
@pytest.mark.parametrize("clip", PRAAT_CLIPS)
def test_pitch_variability_and_voicing_agree_with_praat(shared_data, clip):
    from tonecoach.analysis.audio import load

    a = load(str(shared_data / "speech_en" / clip))
    track = P.pitch_track(a.mono, sr=a.sample_rate)
    pytest.importorskip("parselmouth")
    times, f0_praat = praat_pitch(a.mono, a.sample_rate, hop_s=track.hop_s)  # two-pass, speaker-adapted (Hirst 2011)
    voiced_praat = f0_praat > 0
    sd_praat = float(np.std(12 * np.log2(f0_praat[voiced_praat])))
    sd_ours = P.pitch_stats(track).sd_semitones
    assert abs(sd_ours - sd_praat) <= 0.5, (sd_ours, sd_praat)
    idx = np.clip(np.round(times / track.hop_s).astype(int), 0, len(track.voiced) - 1)
    agreement = float(np.mean(track.voiced[idx] == voiced_praat))
    assert agreement >= 0.85, agreement
    both = track.voiced[idx] & voiced_praat
    # gross pitch error (off by more than 20%, the usual definition): where both hear a voice, they agree on its pitch
    gross = np.mean(np.abs(track.f0_hz[idx][both] / f0_praat[both] - 1.0) > 0.2)
    assert gross < 0.05, gross


def test_yin_gives_the_same_frames_whatever_its_block_size():
    """YIN runs over blocks of frames to bound its memory on long calls; the block size changes nothing."""
    from tonecoach.analysis.prosody import _yin

    sr = 16000
    t = np.arange(int(2.3 * sr)) / sr
    y = (0.3 * np.sin(2 * np.pi * (140 + 30 * t) * t) + 0.01 * np.random.default_rng(5).standard_normal(t.size))
    a = _yin(y.astype(np.float32), sr, 40, 246, 160, 0.1, chunk=4096)
    b = _yin(y.astype(np.float32), sr, 40, 246, 160, 0.1, chunk=37)
    for x, z in zip(a, b):
        np.testing.assert_allclose(x, z, rtol=1e-9, atol=1e-12)  # the FFTs of different blocks round alike
