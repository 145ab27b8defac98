"""Joining two decodings of the same audio, and the same words heard on two channels, never doubles a word."""

from __future__ import annotations

import numpy as np

from tonecoach.analysis.asr import TranscribedSegment, dedupe_segments, replace_words
from tonecoach.analysis.channels import drop_echoed_words
from tonecoach.report import Word


def _seg(words: list[tuple[str, float, float]]) -> TranscribedSegment:
    ws = tuple(Word(t, a, b, 0.9) for t, a, b in words)
    return TranscribedSegment(ws[0].start_s, ws[-1].end_s, " ".join(w.text for w in ws), ws, -0.3, 0.01)


def _texts(segs) -> list[str]:
    return [w.text for s in sorted(segs, key=lambda s: s.start_s) for w in s.words]


# A first pass with one long segment (4-40 s) that reaches past a stretch (27-37 s) decoded again.
FIRST = [_seg([("Hi,", 4.0, 4.3), ("I'm", 4.4, 4.6), ("looking", 4.7, 5.0)]
              + [("can", 27.5, 27.8), ("you", 27.9, 28.1), ("check", 28.5, 29.0)]
              + [("Okay,", 38.0, 38.4), ("great.", 38.5, 39.0)])]
SECOND = [_seg([("Can", 27.5, 27.8), ("you", 27.9, 28.1), ("help", 28.1, 28.3), ("me", 28.3, 28.4), ("check", 28.5, 29.0),
                ("if", 29.1, 29.2), ("they", 29.2, 29.4), ("have", 29.4, 29.6), ("internet?", 29.7, 30.3)])]


def test_second_pass_replaces_only_the_words_of_its_stretch():
    out = replace_words(FIRST, SECOND, 27.2, 37.2)
    assert _texts(out) == ["Hi,", "I'm", "looking", "Can", "you", "help", "me", "check", "if", "they", "have", "internet?",
                           "Okay,", "great."]
    # the long first-pass segment was cut around the stretch, its texts follow its words
    assert [s.text for s in out] == ["Hi, I'm looking", SECOND[0].text, "Okay, great."]


def test_the_old_segment_merge_doubled_every_word():
    """What joining by segment midpoint did: the long segment's midpoint (21.5 s) is outside the stretch, so it stayed."""
    mid = (FIRST[0].start_s + FIRST[0].end_s) / 2
    assert not (27.2 <= mid <= 37.2)
    naive = sorted(FIRST + SECOND, key=lambda s: s.start_s)
    words = sorted((w for s in naive for w in s.words), key=lambda w: w.start_s)
    doubled = [a.text.lower() for a, b in zip(words, words[1:]) if a.text.lower().strip(",.?") == b.text.lower().strip(",.?")]
    assert doubled == ["can", "you", "check"]  # "can Can you you check check"
    assert _texts(dedupe_segments(naive)).count("check") == 1


def test_second_pass_with_few_more_words_is_not_taken():
    second = [_seg([("can", 27.5, 27.8), ("you", 27.9, 28.1), ("check", 28.5, 29.0), ("it", 29.1, 29.3)])]
    assert replace_words(FIRST, second, 27.2, 37.2) == FIRST


def test_dedupe_keeps_a_word_said_twice_in_a_row():
    segs = [_seg([("no,", 1.0, 1.3), ("no,", 1.4, 1.7), ("no.", 1.8, 2.1)])]
    assert _texts(dedupe_segments(segs)) == ["no,", "no,", "no."]


def test_dedupe_drops_overlapping_copies_across_segments():
    a = _seg([("That's", 10.0, 10.3), ("perfect.", 10.3, 10.9)])
    b = _seg([("that's", 10.05, 10.32), ("perfect", 10.35, 10.85), ("thanks", 11.0, 11.4)])
    out = dedupe_segments([a, b])
    assert _texts(out) == ["That's", "perfect.", "thanks"]
    assert out[1].text == "thanks" and out[1].start_s == 11.0


def test_a_word_on_both_channels_stays_on_the_louder_one():
    sr = 8000
    t = np.arange(3 * sr) / sr
    loud = (0.3 * np.sin(2 * np.pi * 200 * t)).astype(np.float32)
    faint = (0.03 * np.sin(2 * np.pi * 200 * t)).astype(np.float32)  # 20 dB down: not caught as bleed by the margin
    left = [Word("Sure,", 0.5, 0.9, 0.9), Word("address", 1.0, 1.5, 0.9)]
    right = [Word("sure", 0.52, 0.88, 0.8), Word("okay", 2.0, 2.4, 0.9)]
    kept_l, kept_r = drop_echoed_words(left, right, loud, faint, sr=sr)
    assert [w.text for w in kept_l] == ["Sure,", "address"]
    assert [w.text for w in kept_r] == ["okay"]
    kept_r2, kept_l2 = drop_echoed_words(right, left, faint, loud, sr=sr)
    assert [w.text for w in kept_r2] == ["okay"] and len(kept_l2) == 2


def _spread(a: float, b: float, per_s: float) -> list[tuple[float, float]]:
    """Words of 0.3 s, evenly through [a, b] at ``per_s`` words per second."""
    n = int(round((b - a) * per_s))
    step = (b - a) / n
    return [(a + i * step, a + i * step + 0.3) for i in range(n)]


def test_slow_speech_with_its_words_spread_through_it_is_not_decoded_again():
    # 17 s of hesitant speech at 1.5 words/s (under the 1.6 that once sent it to a second pass: 2.4 s of
    # decoding for nothing on a real call), each pause shorter than a second
    from tonecoach.analysis.asr import _looks_skipped

    voiced = [(37.0, 45.0), (45.6, 54.0)]
    assert not _looks_skipped(37.0, 54.0, _spread(37.2, 53.8, 1.5), voiced)


def test_a_hole_in_the_words_where_speech_was_heard_is_decoded_again():
    # the same rate of words, but 5 s of the speech has no word near it: what a skipped chunk start looks like
    from tonecoach.analysis.asr import _longest_wordless_speech, _looks_skipped

    voiced = [(37.0, 54.0)]
    words = _spread(42.5, 54.0, 2.2)
    assert 4.5 <= _longest_wordless_speech(37.0, 54.0, words, voiced) <= 5.6
    assert _looks_skipped(37.0, 54.0, words, voiced)
    # silence in the hole (no voice activity there) is no skip
    assert not _looks_skipped(37.0, 54.0, words, [(41.9, 54.0)])


def test_almost_no_words_in_detected_speech_is_decoded_again_whatever_the_holes():
    from tonecoach.analysis.asr import _looks_skipped

    assert _looks_skipped(330.4, 333.2, [(330.5, 330.8), (332.6, 332.9)], [(330.4, 333.2)])
    assert not _looks_skipped(10.0, 11.5, [], [(10.0, 11.5)])  # under 2 s: too short to tell
