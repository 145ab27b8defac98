"""Who spoke when on one channel: the pure steps on synthetic embeddings, then the voice encoder on real and sample audio.

The bad inputs the issue names each have a test here: one speaker, three
speakers, long music on hold, a call that is 90% silence, very short turns
throughout. Diarization error on the evaluation call is measured with
``pyannote.metrics`` (skipped when ../shared/data is absent).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tonecoach.analysis.diarize import (
    CELL_S,
    Diarization,
    Diarizer,
    assign_words,
    cluster_speakers,
    diarize_embeddings,
    find_overlaps,
    label_cells,
    silhouette,
    snap_to_pauses,
)
from tonecoach.report import Word

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
SR = 16000


def manifest_entry(name: str) -> dict:
    m = json.loads((SAMPLES / "manifest.json").read_text())
    return next(f for f in m["files"] if f["file"] == name)


# -- pure steps on synthetic embeddings -------------------------------------------------


def _unit(x):
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def synthetic_call(pattern, *, dim=32, noise=0.15, seed=0, hop_s=0.3, window_s=1.2):
    """Windows of voices in ``pattern`` (one voice index per window) with their cell spans, like window_embeddings."""
    rng = np.random.default_rng(seed)
    voices = _unit(np.abs(rng.normal(size=(max(pattern) + 1, dim))) + 0.3)
    emb = _unit(voices[pattern] + noise * rng.normal(size=(len(pattern), dim)))
    per = round(hop_s / 0.01)
    w = round(window_s / 0.01)
    spans = [np.arange(i * per, i * per + w) for i in range(len(pattern))]
    n_cells = int(np.ceil((len(pattern) * hop_s + window_s) / CELL_S))
    return emb.astype(np.float32), spans, np.ones(n_cells, bool)


def test_label_cells_switch_penalty_stops_flicker():
    scores = np.array([[1.0, 0.0]] * 10 + [[0.45, 0.55]] + [[1.0, 0.0]] * 10 + [[0.0, 1.0]] * 10)
    out = label_cells(scores, np.ones(len(scores), bool), switch_penalty=0.6)
    assert list(out) == [0] * 21 + [1] * 10
    # inactive cells keep -1 and a change right after a pause is cheap
    active = np.ones(len(scores), bool)
    active[20] = False
    out = label_cells(scores, active, switch_penalty=0.6)
    assert out[20] == -1 and out[-1] == 1


def test_snap_to_pauses_moves_a_change_to_the_nearest_pause():
    labels = np.array([0] * 10 + [-1] * 4 + [0, 0, 0] + [1] * 10)  # the change lands 3 cells after the pause
    out = snap_to_pauses(labels, max_shift_cells=5)
    assert list(out) == [0] * 10 + [-1] * 4 + [1] * 13
    assert list(snap_to_pauses(labels, max_shift_cells=2)) == list(labels)  # too far: unchanged
    early = np.array([0] * 10 + [1, 1] + [-1] * 3 + [1] * 10)  # the change lands 2 cells before the pause
    assert list(snap_to_pauses(early, max_shift_cells=5)) == [0] * 12 + [-1] * 3 + [1] * 10


def test_two_voices_taking_turns_are_two_speakers():
    pattern = [0] * 8 + [1] * 8 + [0] * 8 + [1] * 8 + [0] * 8
    emb, spans, active = synthetic_call(pattern)
    cells, scores, ev = cluster_speakers(emb, spans, active)
    assert ev["decision"] == "2 voices"
    assert len(set(cells[cells >= 0])) == 2 and scores.shape[1] == 2


def test_one_voice_with_drift_is_one_speaker():
    """One voice whose windows wander (loudness, emphasis) and drift slowly over the call stays one speaker."""
    emb, spans, active = synthetic_call([0] * 40, noise=0.08, seed=3)
    drift = _unit(np.random.default_rng(9).normal(size=emb.shape[1]))
    emb = _unit(emb + np.linspace(0.0, 0.3, len(emb))[:, None] * drift).astype(np.float32)
    cells, _, ev = cluster_speakers(emb, spans, active)
    assert ev["decision"].startswith("one voice") and set(cells[cells >= 0]) == {0}


def test_three_voices_are_three_speakers():
    pattern = ([0] * 6 + [1] * 6 + [2] * 6) * 3
    emb, spans, active = synthetic_call(pattern, noise=0.1, seed=5)
    _, _, ev = cluster_speakers(emb, spans, active)
    assert ev["decision"].startswith("3 voices")
    if "silhouette" in ev:  # more than one count passed the thresholds: three voices are the best separated
        assert max(ev["silhouette"], key=ev["silhouette"].get) == "3"


def test_silhouette_matches_its_definition():
    """The mean silhouette with cosine distance, as scikit-learn computes it; subsampled on long calls."""
    sk = pytest.importorskip("sklearn.metrics")
    emb, _, _ = synthetic_call([0] * 30 + [1] * 30 + [2] * 30, noise=0.1, seed=2)
    x = _unit(emb - emb.mean(0))
    labels = np.repeat([0, 1, 2], 30)
    assert silhouette(x, labels) == pytest.approx(sk.silhouette_score(x, labels, metric="cosine"), abs=1e-6)
    assert silhouette(x, np.zeros(90, int)) == 0.0
    wrong = np.tile([0, 1, 2], 30)  # labels that ignore the voices: no separation
    assert silhouette(x, wrong) < 0.05 < silhouette(x, labels)
    assert silhouette(x, labels, max_points=45) == pytest.approx(silhouette(x, labels), abs=0.05)


def test_long_call_clusters_on_a_subsample():
    """An hour-long call has ~12,000 windows; the initial clustering runs on a subsample of them."""
    pattern = ([0] * 40 + [1] * 40) * 30  # 2,400 windows
    emb, spans, active = synthetic_call(pattern, seed=7)
    from tonecoach.analysis import diarize as D

    lab = D._initial_labels(_unit(emb - emb.mean(0)), 2, max_points=500)
    assert len(lab) == len(pattern)
    agree = np.mean(lab == np.array(pattern))
    assert max(agree, 1 - agree) > 0.95
    _, _, ev = cluster_speakers(emb, spans, active)
    assert ev["decision"] == "2 voices"


def test_too_little_speech_is_one_speaker():
    emb, spans, active = synthetic_call([0, 1])
    cells, _, ev = cluster_speakers(emb, spans, active)
    assert "too little speech" in ev["decision"] and set(cells[cells >= 0]) == {0}


def test_find_overlaps_marks_cells_between_two_speakers():
    scores = np.array([[0.9, 0.1]] * 10 + [[0.35, 0.33]] * 8 + [[0.1, 0.9]] * 10)
    labels = np.array([0] * 14 + [1] * 14)
    (ov,) = find_overlaps(labels, scores, margin=0.08, max_similarity=0.45, min_overlap_s=0.3)
    assert ov == (0.5, 0.9, (0, 1))
    assert find_overlaps(labels, scores[:, :1]) == []  # one speaker: no overlap


def test_assign_words_by_the_speaker_at_each_word_start():
    labels = np.array([0] * 20 + [-1] * 4 + [1] * 20)  # S1 0-1 s, pause, S2 1.2-2.2 s
    d = Diarization(speakers=("S1", "S2"), turns=(), overlaps=(), speech=((0.0, 1.0), (1.2, 2.2)), cell_labels=labels)
    words = [Word("hello", 0.1, 0.5, 0.9), Word("there", 0.6, 1.25, 0.9), Word("hi", 1.3, 1.6, 0.9),
             Word("late", 2.5, 2.8, 0.9), Word("gap", 1.01, 1.06, 0.9)]
    out = assign_words(words, d)
    assert [w.text for w in out["S1"]] == ["hello", "there", "gap"]  # "gap" lies in the pause: nearest speech
    assert [w.text for w in out["S2"]] == ["hi", "late"]
    assert sum(len(v) for v in out.values()) == len(words)  # every word, exactly one speaker


def test_assign_words_drops_a_voice_with_no_words():
    labels = np.array([0] * 20 + [1] * 20)
    d = Diarization(speakers=("S1", "S2"), turns=(), overlaps=(), speech=((0.0, 2.0),), cell_labels=labels)
    assert set(assign_words([Word("only", 0.2, 0.5, 0.9)], d)) == {"S1"}
    assert assign_words([], d) == {}


def test_no_speech_gives_one_empty_speaker():
    d = diarize_embeddings(np.zeros((0, 0)), [], [], 10.0)
    assert d.n_speakers == 1 and d.turns == () and d.overlaps == ()
    assert d.to_dict()["speech_s"] == 0


# -- the voice encoder on audio ---------------------------------------------------------


@pytest.fixture(scope="session")
def diarizer() -> Diarizer:
    return Diarizer()


def audio(name: str) -> np.ndarray:
    from tonecoach.analysis.audio import load

    return load(str(SAMPLES / name)).mono


def cut(y: np.ndarray, t: dict) -> np.ndarray:
    return y[int(t["start"] * SR): int(t["end"] * SR)]


def frame_accuracy(d: Diarization, turns: list[dict]) -> float:
    """Share of the truth's speech cells (where the diarization heard speech) given to the right party, best mapping."""
    labels = d.cell_labels
    truth = np.full(len(labels), -1)
    names = sorted({t["speaker"] for t in turns})
    for t in turns:
        truth[int(t["start"] / CELL_S): int(t["end"] / CELL_S)] = names.index(t["speaker"])
    both = (labels >= 0) & (truth >= 0)
    best = 0.0
    for perm in ([0, 1], [1, 0]):
        mapped = np.array(perm)[np.clip(labels[both], 0, 1)]
        best = max(best, float(np.mean(mapped == truth[both])))
    return best


@pytest.mark.parametrize("name", ["warm_agent.flac", "flat_rushed_agent.flac"])
def test_solo_practice_recording_is_one_speaker(diarizer, name):
    d = diarizer.diarize(audio(name))
    assert d.n_speakers == 1, d.evidence
    assert d.overlaps == ()


def test_two_voice_mono_sample_recovers_its_turns(diarizer):
    e = manifest_entry("two_voice_mono.flac")
    d = diarizer.diarize(audio("two_voice_mono.flac"))
    assert d.n_speakers == 2, d.evidence
    acc = frame_accuracy(d, e["turns"])
    assert acc >= 0.85, acc
    # the agent speaks first: S1; and every agent turn of 2 s or more is mostly S1's
    for t in e["turns"]:
        if t["end"] - t["start"] >= 2.0:
            cells = d.cell_labels[int(t["start"] / CELL_S): int(t["end"] / CELL_S)]
            cells = cells[cells >= 0]
            want = 0 if t["speaker"] == "agent" else 1
            assert np.mean(cells == want) >= 0.6, (t["text"], np.bincount(cells))


def _three_voice_call(sources):
    gap = np.zeros(int(0.6 * SR), np.float32)
    parts, owner, pos = [], [], 0.0
    for i in range(3):
        for k, src in enumerate(sources):
            x = src[i] / np.sqrt(np.mean(src[i] ** 2)) * 0.08
            parts += [x, gap]
            owner.append((pos, pos + len(x) / SR, k))
            pos += (len(x) + len(gap)) / SR
    return np.concatenate(parts).astype(np.float32), owner


def _assert_three_voices(diarizer, sources) -> None:
    """Diarize three voices taking turns: three speakers, each voice's turns mostly one label of its own."""
    y, owner = _three_voice_call(sources)
    d = diarizer.diarize(y)
    assert d.n_speakers == 3, json.dumps(d.evidence["tried"])
    main = []
    for k in range(3):
        cells = np.concatenate([d.cell_labels[int(a / CELL_S): int(b / CELL_S)] for a, b, o in owner if o == k])
        cells = cells[cells >= 0]
        main.append(int(np.bincount(cells).argmax()))
        assert np.mean(cells == main[-1]) >= 0.7
    assert sorted(main) == [0, 1, 2]


def test_three_speakers_from_the_samples(diarizer):
    """Three voices taking turns (the stereo call's agent and customer, and the warm agent): three speakers.

    The samples' voices all come from one synthesizer (espeak-ng) and are alike: of the ten triples of
    their five voices, the similarity thresholds alone counted 2 right and with the silhouette choice 3
    (this one among them); real voices are counted far better (test_real_voices_spliced_into_a_call...).
    """
    from tonecoach.analysis.audio import load

    call = load(str(SAMPLES / "stereo_call_8k.wav"))
    left, right = call.samples[0], call.samples[1]
    e, ew = manifest_entry("stereo_call_8k.wav"), manifest_entry("warm_agent.flac")
    warm = audio("warm_agent.flac")
    sources = [[cut(left, t) for t in e["turns"] if t["speaker"] == "agent"],
               [cut(right, t) for t in e["turns"] if t["speaker"] == "customer" and t["end"] - t["start"] > 1.0],
               [cut(warm, t) for t in ew["turns"]]]
    _assert_three_voices(diarizer, sources)


@pytest.mark.xfail(strict=True, reason="a known miss: two of these three synthetic (espeak-ng) voices cluster as one "
                   "since the voice count is chosen by silhouette, which counts real voices right far more often "
                   "(53 of 54 spliced real-voice calls against 24 of 54 before; bench_diarize.py, 1b)")
def test_three_speakers(diarizer):
    """Three voices taking turns (the two parties of the mono sample and the warm agent's voice): three speakers."""
    two, warm = audio("two_voice_mono.flac"), audio("warm_agent.flac")
    e2, ew = manifest_entry("two_voice_mono.flac"), manifest_entry("warm_agent.flac")
    sources = [[cut(two, t) for t in e2["turns"] if t["speaker"] == "agent"],
               [cut(two, t) for t in e2["turns"] if t["speaker"] == "customer" and t["end"] - t["start"] > 1.0],
               [cut(warm, t) for t in ew["turns"]]]
    _assert_three_voices(diarizer, sources)


def test_very_short_turns_throughout(diarizer):
    """Turns of 0.4 s, alternating: shorter than an embedding window; no crash, every word gets one speaker."""
    two = audio("two_voice_mono.flac")
    e = manifest_entry("two_voice_mono.flac")
    a = [cut(two, t) for t in e["turns"] if t["speaker"] == "agent"]
    c = [cut(two, t) for t in e["turns"] if t["speaker"] == "customer"]
    piece, gap = int(0.4 * SR), np.zeros(int(0.25 * SR), np.float32)
    parts = []
    for i in range(30):
        src = (a if i % 2 == 0 else c)[(i // 2) % 3]
        off = (i * 2311) % max(1, len(src) - piece)
        parts += [src[off: off + piece], gap]
    y = np.concatenate(parts).astype(np.float32)
    d = diarizer.diarize(y)
    assert 1 <= d.n_speakers <= 2
    words = [Word("w", round(i * 0.65, 2), round(i * 0.65 + 0.4, 2), 0.9) for i in range(30)]
    out = assign_words(words, d)
    assert sum(len(v) for v in out.values()) == 30
    assert all(t.end_s > t.start_s for t in d.turns)


def test_ninety_percent_silence(diarizer):
    two = audio("two_voice_mono.flac")
    e = manifest_entry("two_voice_mono.flac")
    y = np.zeros(60 * SR, np.float32)
    speech = [cut(two, t) for t in e["turns"][:2]]  # about 8 s of the 60
    y[2 * SR: 2 * SR + len(speech[0])] = speech[0]
    y[40 * SR: 40 * SR + len(speech[1])] = speech[1]
    d = diarizer.diarize(y)
    assert d.n_speakers in (1, 2)
    heard = sum(b - a for a, b in d.speech)
    assert 0.5 * (len(speech[0]) + len(speech[1])) / SR <= heard <= 12.0
    assert all(2.0 - 0.5 <= t.start_s < 2.0 + len(speech[0]) / SR + 0.5 or 39.5 <= t.start_s for t in d.turns)


def test_ninety_percent_silence_call_reports_a_silent_hold(analyzer):
    """The whole analysis of a 60 s mono call with about 6 s of speech: a report, the long silence a hold."""
    two = audio("two_voice_mono.flac")
    e = manifest_entry("two_voice_mono.flac")
    y = np.zeros(60 * SR, np.float32)
    first, second = cut(two, e["turns"][0]), cut(two, e["turns"][2])  # two agent turns, ~4 s each
    y[1 * SR: 1 * SR + len(first)] = first
    y[54 * SR: 54 * SR + len(second)] = second
    r = analyzer.analyze(y, sample_rate=SR)
    assert r.segments and len(r.speakers) == 1  # one voice: the agent
    holds = r.conversation.holds
    assert [h.kind for h in holds] == ["silence"] and holds[0].duration_s > 45
    assert r.conversation.dead_air == () and "hold" in {f.category for f in r.feedback}


def music(seconds: float) -> np.ndarray:
    t = np.arange(int(seconds * SR)) / SR
    notes = 220.0 * 2 ** (np.floor(t * 2) % 8 / 12.0)
    env = 0.6 + 0.4 * np.sin(2 * np.pi * 0.25 * t) ** 2
    return (0.08 * env * (np.sin(2 * np.pi * notes * t) + 0.5 * np.sin(2 * np.pi * 1.5 * notes * t))).astype(np.float32)


@pytest.fixture(scope="session")
def music_hold_report(analyzer):
    """The mono sample's first four turns, 40 s of music on hold, then its last four turns."""
    two = audio("two_voice_mono.flac")
    e = manifest_entry("two_voice_mono.flac")
    head = two[: int((e["turns"][3]["end"] + 0.5) * SR)]
    tail = two[int((e["turns"][-4]["start"] - 0.3) * SR):]
    y = np.concatenate([head, music(40.0), tail])
    return analyzer.analyze(y, sample_rate=SR), len(head) / SR


def test_long_music_on_hold_is_a_hold_not_a_speaker(music_hold_report):
    r, hold_start = music_hold_report
    holds = r.conversation.holds
    assert [h.kind for h in holds] == ["music"], holds
    assert abs(holds[0].start_s - hold_start) < 1.5 and abs(holds[0].end_s - (hold_start + 40.0)) < 1.5
    assert len(r.speakers) == 2 and all(s.talk_time_s > 0 for s in r.speakers)
    assert r.conversation.dead_air == ()
    assert "hold" in {f.category for f in r.feedback} and "dead_air" not in {f.category for f in r.feedback}
    words_in_hold = [w for s in r.segments for w in s.words if hold_start + 1 < w.start_s < hold_start + 39]
    assert len(words_in_hold) <= 2  # no invented speech over the music


# -- evaluation on real conversation (../shared/data) -----------------------------------


def _rttm(path: Path):
    from pyannote.core import Annotation, Segment

    ann = Annotation()
    for line in path.read_text().splitlines():
        f = line.split()
        if f and f[0] == "SPEAKER":
            ann[Segment(float(f[3]), float(f[3]) + float(f[4]))] = f[7]
    return ann


def hypothesis(d: Diarization):
    """The diarization as a pyannote Annotation, overlaps as both speakers."""
    from pyannote.core import Annotation, Segment

    ann = Annotation()
    for i, t in enumerate(d.turns):
        ann[Segment(t.start_s, t.end_s), f"t{i}"] = t.speaker
    for i, o in enumerate(d.overlaps):
        for s in o.speakers:
            ann[Segment(o.start_s, o.end_s), f"o{i}{s}"] = s
    return ann


@pytest.mark.shared_data
def test_diarization_error_rate_on_the_evaluation_call(shared_data, diarizer):
    from pyannote.metrics.diarization import DiarizationErrorRate

    from tonecoach.analysis.audio import load

    wav = shared_data / "conversation" / "pyannote_sample.wav"
    d = diarizer.diarize(load(str(wav)).mono)
    assert d.n_speakers == 2, d.evidence
    c = DiarizationErrorRate()(_rttm(wav.with_suffix(".rttm")), hypothesis(d), detailed=True)
    split = {k: round(c[k], 2) for k in ("missed detection", "false alarm", "confusion", "total")}
    print(f"\nDER {c['diarization error rate']:.1%} {split}")
    assert c["diarization error rate"] <= 0.20, split


def _stm(path: Path) -> list[tuple[float, float, str]]:
    out = []
    for line in path.read_text().splitlines():
        f = line.split(maxsplit=5)
        if len(f) >= 5 and not line.startswith(";;"):
            out.append((float(f[3]), float(f[4]), f[2]))
    return out


@pytest.mark.shared_data
@pytest.mark.slow
def test_speaker_attributed_word_accuracy_on_the_evaluation_call(shared_data, analyzer):
    """Each transcribed word's speaker against the reference utterance it falls in (best mapping of names)."""
    wav = shared_data / "conversation" / "pyannote_sample.wav"
    ref = _stm(wav.with_suffix(".stm"))
    r = analyzer.analyze(str(wav))
    assert len(r.speakers) == 2
    pairs = []
    for s in r.segments:
        for w in s.words:
            mid = (w.start_s + w.end_s) / 2
            owners = {spk for a, b, spk in ref if a <= mid <= b}
            if len(owners) == 1:  # words in overlapping or unlabelled stretches have no single truth
                pairs.append((s.speaker, owners.pop()))
    hyp_ids = sorted({h for h, _ in pairs})
    ref_ids = sorted({t for _, t in pairs})
    best = max(sum(1 for h, t in pairs if dict(zip(hyp_ids, perm)).get(h) == t) for perm in (ref_ids, ref_ids[::-1]))
    acc = best / len(pairs)
    print(f"\nspeaker-attributed word accuracy {acc:.1%} over {len(pairs)} words")
    assert len(pairs) >= 60 and acc >= 0.85, acc


@pytest.mark.parametrize("voices, seed", [(("LS1995", "LS1272"), 0), (("LS1995", "LS1272"), 2), (("OSR", "JFK", "LS1995"), 0)])
def test_real_voices_spliced_into_a_call_are_counted_right(diarizer, shared_data, voices, seed):
    """Recordings of different people taking turns on a telephone band: as many speakers as voices.

    These three calls got one voice too many before the count was chosen by silhouette; the
    benchmark (bench_diarize.py, 1b) measures all thirty.
    """
    from tonecoach.evaluation import spliced_call

    y, ref = spliced_call(shared_data / "speech_en", voices, seed)
    d = diarizer.diarize(y)
    assert d.n_speakers == len(voices), d.evidence
    # each voice's turns go mostly to one speaker of its own
    owner = {}
    for a, b, v in ref:
        votes = {}
        for t in d.turns:
            votes[t.speaker] = votes.get(t.speaker, 0.0) + max(0.0, min(b, t.end_s) - max(a, t.start_s))
        owner.setdefault(v, []).append(max(votes, key=votes.get) if votes else None)
    main = {v: max(set(o), key=o.count) for v, o in owner.items()}
    assert len(set(main.values())) == len(voices)
    assert sum(o.count(main[v]) for v, o in owner.items()) >= 0.8 * len(ref)


def test_mel_frames_in_blocks_equal_one_spectrogram_of_the_whole_call():
    """Blocks of a minute keep a long call's spectrogram small; every frame is what librosa gives for the whole."""
    import librosa

    from tonecoach.analysis.diarize import mel_frames

    rng = np.random.default_rng(0)
    for n in (1000, 16000 * 125 + 77):  # shorter than a block, and two blocks and a bit
        y = (0.1 * rng.standard_normal(n)).astype(np.float32)  # loud enough that no gain is applied
        whole = librosa.feature.melspectrogram(y=y, sr=16000, n_fft=400, hop_length=160, n_mels=40).T
        got = mel_frames(y)
        assert got.shape == whole.shape and got.dtype == np.float32
        np.testing.assert_allclose(got, whole, rtol=1e-5, atol=1e-9)


def _resemblyzer_voice_encoder():
    """resemblyzer's own ``VoiceEncoder`` (torch), the reference; webrtcvad 2.0.10 (imported by resemblyzer) reads
    its version through ``pkg_resources``, which setuptools 81+ no longer ships: a stand-in serves the import."""
    import importlib.metadata
    import sys
    import types
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            from resemblyzer import VoiceEncoder
        except ModuleNotFoundError as exc:
            if exc.name != "pkg_resources":
                raise
            stub = types.ModuleType("pkg_resources")
            stub.get_distribution = lambda name: types.SimpleNamespace(version=importlib.metadata.version(name))
            sys.modules["pkg_resources"] = stub
            try:
                for name in [m for m in sys.modules if m == "webrtcvad" or m.startswith("resemblyzer")]:
                    del sys.modules[name]
                from resemblyzer import VoiceEncoder
            finally:
                if sys.modules.get("pkg_resources") is stub:
                    del sys.modules["pkg_resources"]
    return VoiceEncoder("cpu", verbose=False)


def test_the_numpy_speaker_encoder_gives_resemblyzers_embeddings(tmp_path):
    torch = pytest.importorskip("torch")

    from tonecoach.speaker_encoder import GE2EEncoder

    mels = np.random.default_rng(3).random((5, 120, 40), dtype=np.float32)
    with torch.inference_mode():
        want = _resemblyzer_voice_encoder()(torch.from_numpy(mels)).numpy()
    enc = GE2EEncoder(cache=tmp_path)
    got = enc(mels)
    assert got.shape == (5, 256) and got.dtype == np.float32
    np.testing.assert_allclose(got, want, atol=1e-5)
    assert len(list(tmp_path.glob("resemblyzer-ge2e-*.npz"))) == 1  # converted once, into the cache
    np.testing.assert_allclose(GE2EEncoder(cache=tmp_path)(mels), got, atol=0)  # read back from the cache


def test_an_analysis_never_imports_torch(tmp_path):
    """Speaker separation runs in numpy: once the weights are converted, a mono call's whole analysis (speaker
    separation, wording scores and all) runs in a fresh process without importing torch."""
    import os
    import subprocess
    import sys

    from conftest import SAMPLES

    from tonecoach.speaker_encoder import GE2EEncoder

    GE2EEncoder(cache=tmp_path)(np.zeros((1, 50, 40), np.float32))  # the one conversion, into this cache
    code = ("import sys; from tonecoach.analyzer import Analyzer, AnalyzerOptions; "
            "from tonecoach.analysis.asr import TranscriptionOptions; "
            "r = Analyzer(AnalyzerOptions(transcription=TranscriptionOptions(model='tiny.en'))).analyze(sys.argv[1]); "
            "print(len(r.speakers), 'diarize' in r.timings_s, 'torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, str(SAMPLES / "two_voice_mono.flac")], capture_output=True,
                         text=True, timeout=600, env={**os.environ, "TONECOACH_CACHE": str(tmp_path)})
    assert out.returncode == 0, out.stderr[-800:]
    assert out.stdout.strip().splitlines()[-1] == "2 True False"
