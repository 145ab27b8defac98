"""Who spoke when on a one-channel call: voice activity, voice embeddings, clustering, overlaps.

A mono recording carries every party in one signal. :class:`Diarizer` splits
it into speakers ``S1``, ``S2``... (numbered by first appearance):

1. **Voice activity**: Silero VAD, the one that ships inside faster-whisper
   (:func:`speech_regions`).
2. **Voice embeddings**: the GE2E speaker encoder of ``resemblyzer`` (weights
   inside the package) over sliding windows of the speech-only frames
   (:func:`window_embeddings`).
3. **How many voices, and whose is each window** (:func:`cluster_speakers`):
   windows are clustered on embeddings centred on the call's mean (that
   removes what the channel and the microphone add to every window), and a
   split is kept only when the clusters' raw mean embeddings are far apart
   (cosine under ``distinct_similarity``), or somewhat apart *and* the two
   voices take turns (each holds the floor at least ``min_turns`` times). A
   solo practice recording drifts with loudness and emphasis but does not
   take turns with itself, so it stays one speaker. The thresholds were set
   on the project's samples and the evaluation clips in ``../shared/data``
   (solo recordings measured 0.90-0.96, two voices 0.83-0.88; see
   ``benchmarks/bench_diarize.py``).
4. **Labels in time**: each 50 ms cell of speech gets the speaker whose
   centroid the covering windows resemble most, smoothed by a Viterbi pass
   that charges for every change of speaker (:func:`label_cells`); a
   change near a pause moves to the pause (:func:`snap_to_pauses`).
5. **Overlap**: cells whose windows are about as close to two speakers'
   centroids as to either alone (the embedding of two voices at once lies
   between them) are marked as overlap of those two (:func:`find_overlaps`),
   not silently given to one side.
6. **Words**: :func:`assign_words` gives each transcribed word the speaker
   that holds most of its span, so turns can be re-cut at word level.

Everything but the encoder is a pure function over arrays; the encoder is
passed in as a callable, so the clustering is tested with synthetic
embeddings.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

import numpy as np

from ..report import Word

if TYPE_CHECKING:
    from .channels import Channel

__all__ = [
    "DiarizationOptions",
    "Voices",
    "split_voices",
    "SpeakerTurn",
    "Overlap",
    "Diarization",
    "Diarizer",
    "silhouette",
    "speech_regions",
    "mel_frames",
    "window_embeddings",
    "cluster_speakers",
    "label_cells",
    "find_overlaps",
    "assign_words",
    "diarize_embeddings",
]

log = logging.getLogger("tonecoach")

#: Hop of the encoder's mel frames (resemblyzer: 10 ms), and of the label cells.
MEL_HOP_S = 0.01
CELL_S = 0.05
_SR = 16000

#: (batch, frames, 40 mel bands) -> (batch, dim) L2-normalised embeddings
Encoder = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class DiarizationOptions:
    """How a one-channel call is split into speakers.

    Attributes
    ----------
    enabled : bool
        Diarize mono calls at all (False: a mono call is one speaker, as before).
    max_speakers : int
        At most this many voices (1-4 in a contact-centre call).
    window_s, hop_s : float
        Length and step of the embedding windows over speech-only frames.
        Cost grows with ``window_s / hop_s``. 1.2 / 0.3 s gave the lowest
        diarization error on the evaluation call and the samples of the
        ones tried (windows of 1.0-1.5 s, steps of 0.25-0.6 s; see
        ``benchmarks/bench_diarize.py``); 1.5 s windows split one of its
        voices in two.
    vad_threshold, vad_min_silence_ms, vad_pad_ms
        Silero VAD settings: a finer cut than the transcriber's (which keeps
        pauses under 2 s inside one chunk).
    distinct_similarity : float
        Two clusters whose raw mean embeddings have a cosine below this are
        two voices, whatever their timing.
    turn_taking_similarity : float
        Below this (but above ``distinct_similarity``), two clusters are two
        voices only if they take turns: each holds the floor ``min_turns``
        times or more, for at least ``min_turn_s`` each time.
    min_speaker_s : float
        A voice needs this much speech; smaller clusters join the nearest.
    switch_penalty : float
        Viterbi cost of a change of speaker between 50 ms cells, in units of
        cosine similarity (larger: fewer, longer turns).
    pause_factor : float
        The cost is multiplied by this right after a pause.
    snap_s : float
        A change of speaker moves to the nearest pause within this many
        seconds (:func:`snap_to_pauses`); 0 turns it off.
    encoder_threads : int
        BLAS threads for the encoder while it runs (0: as they are). One
        thread: the LSTM's small batches gain nothing from more, it runs
        beside the transcription, and on a busy 2-core machine two threads
        ran 25x slower (5.9 s against 0.2 s).
    overlap_margin : float
        A cell is overlap when the two best speakers' similarities are within
        this margin and the best is under ``overlap_max_similarity``.
    overlap_max_similarity : float
    min_overlap_s : float
        Shortest overlap reported.
    """

    enabled: bool = True
    max_speakers: int = 4
    window_s: float = 1.2
    hop_s: float = 0.3
    vad_threshold: float = 0.5
    vad_min_silence_ms: int = 100
    vad_pad_ms: int = 30
    distinct_similarity: float = 0.78
    turn_taking_similarity: float = 0.90
    min_turns: int = 2
    min_turn_s: float = 0.5
    min_speaker_s: float = 1.5
    switch_penalty: float = 0.6
    pause_factor: float = 0.25
    snap_s: float = 0.6
    encoder_threads: int = 1
    overlap_margin: float = 0.08
    overlap_max_similarity: float = 0.45
    min_overlap_s: float = 0.3

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class SpeakerTurn:
    """A stretch of speech by one speaker (seconds)."""

    start_s: float
    end_s: float
    speaker: str


@dataclass(frozen=True)
class Overlap:
    """A stretch where two speakers talk at once."""

    start_s: float
    end_s: float
    speakers: tuple[str, ...]

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass(frozen=True)
class Diarization:
    """Who spoke when in one channel.

    Attributes
    ----------
    speakers : tuple of str
        ``("S1",)``, ``("S1", "S2")``... in order of first speech.
    turns : tuple of SpeakerTurn
        Contiguous speech of one speaker, in time order.
    overlaps : tuple of Overlap
    speech : tuple of (start_s, end_s)
        What the VAD heard as speech.
    cell_labels : np.ndarray, shape (n_cells,)
        Speaker index per 50 ms cell, -1 outside speech.
    evidence : mapping
        How the number of speakers was decided (similarities, turn counts).
    """

    speakers: tuple[str, ...]
    turns: tuple[SpeakerTurn, ...]
    overlaps: tuple[Overlap, ...]
    speech: tuple[tuple[float, float], ...]
    cell_labels: np.ndarray = field(repr=False, compare=False, default_factory=lambda: np.zeros(0, int))
    evidence: Mapping[str, Any] = field(default_factory=dict)

    @property
    def n_speakers(self) -> int:
        return len(self.speakers)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (no per-cell arrays)."""
        return {
            "method": "Silero VAD + resemblyzer GE2E window embeddings + centred clustering + Viterbi smoothing",
            "n_speakers": self.n_speakers,
            "speakers": list(self.speakers),
            "talk_time_s": {s: round(sum(t.end_s - t.start_s for t in self.turns if t.speaker == s), 2) for s in self.speakers},
            "speech_s": round(sum(b - a for a, b in self.speech), 2),
            "evidence": dict(self.evidence),
        }


# -- voice activity ---------------------------------------------------------------------


def speech_regions(y: np.ndarray, *, sr: int = _SR, threshold: float = 0.5, min_silence_ms: int = 100,
                   pad_ms: int = 30) -> list[tuple[float, float]]:
    """Speech stretches ``[(start_s, end_s), ...]`` by Silero VAD (bundled with faster-whisper).

    Parameters
    ----------
    y : np.ndarray, shape (n,), float32 at 16 kHz
    """
    if sr != _SR:
        raise ValueError("speech_regions needs 16 kHz samples")
    if y.size < 512:
        return []
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    opts = VadOptions(threshold=threshold, min_silence_duration_ms=min_silence_ms, speech_pad_ms=pad_ms)
    ts = get_speech_timestamps(np.ascontiguousarray(y, dtype=np.float32), opts, sampling_rate=sr)
    return [(s["start"] / sr, min(s["end"], len(y)) / sr) for s in ts]


# -- embeddings -------------------------------------------------------------------------


def mel_frames(y: np.ndarray, *, sr: int = _SR) -> np.ndarray:
    """The encoder's input: 40-band mel power frames every 10 ms, shape (n_frames, 40).

    Same recipe as ``resemblyzer.audio.wav_to_mel_spectrogram`` after its
    volume normalisation (raise quiet audio to -30 dBFS, never lower it).
    """
    import librosa

    y = np.asarray(y, dtype=np.float32)
    rms = float(np.sqrt(np.mean(y.astype(np.float64) ** 2))) if y.size else 0.0
    if rms > 0:
        gain_db = -30.0 - 20 * np.log10(rms)
        if gain_db > 0:
            y = y * np.float32(10 ** (gain_db / 20))
    n_fft, hop = int(sr * 0.025), int(sr * MEL_HOP_S)
    n_frames = 1 + len(y) // hop  # as librosa's centred frames
    # frame by frame the same as one melspectrogram call over the (zero-padded, centred) signal, but in blocks
    # of a minute, so a long call never holds its whole complex spectrogram (about 290 MB for 30 minutes)
    padded = np.pad(y, (n_fft // 2, n_fft // 2))
    fb = librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=40)
    out = np.empty((n_frames, 40), np.float32)
    step = max(1, int(60 / MEL_HOP_S))
    for f0 in range(0, n_frames, step):
        f1 = min(n_frames, f0 + step)
        seg = padded[f0 * hop: (f1 - 1) * hop + n_fft]
        power = np.abs(librosa.stft(seg, n_fft=n_fft, hop_length=hop, center=False)) ** 2
        out[f0:f1] = (fb @ power).T
    return out


def _mask_from_regions(regions: Sequence[tuple[float, float]], n: int, hop_s: float) -> np.ndarray:
    mask = np.zeros(n, bool)
    for a, b in regions:
        mask[max(0, int(a / hop_s)): min(n, int(np.ceil(b / hop_s)))] = True
    return mask


def window_embeddings(mel: np.ndarray, speech: Sequence[tuple[float, float]], encoder: Encoder, *, window_s: float = 1.2,
                      hop_s: float = 0.3, batch: int = 64) -> tuple[np.ndarray, list[np.ndarray]]:
    """Embed sliding windows over the speech frames only (pauses are cut out first).

    Windows of ``window_s`` every ``hop_s`` run over the concatenated speech
    frames, so each window holds ``window_s`` of voice. (Windows kept inside
    single VAD regions were tried: the many short regions of a lively call
    gave short, noisy embeddings that split one voice in two.)

    Returns
    -------
    embeddings : np.ndarray, shape (n_windows, dim)
    frames : list of np.ndarray
        For each window, the indices of the mel frames (in the whole call) it covers.
    """
    idx = np.flatnonzero(_mask_from_regions(speech, len(mel), MEL_HOP_S))
    w, h = max(1, round(window_s / MEL_HOP_S)), max(1, round(hop_s / MEL_HOP_S))
    if idx.size < max(20, w // 4):
        return np.zeros((0, 0), np.float32), []
    if idx.size <= w:
        starts = [0]
        w = idx.size
    else:
        starts = list(range(0, idx.size - w + 1, h))
        if starts[-1] + w < idx.size:
            starts.append(idx.size - w)
    spans = [idx[s: s + w] for s in starts]
    out = [encoder(np.stack([mel[sp] for sp in spans[i: i + batch]])) for i in range(0, len(spans), batch)]
    return np.concatenate(out).astype(np.float32), spans


# -- clustering -------------------------------------------------------------------------


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-9)


def _kmeans(x: np.ndarray, labels: np.ndarray, k: int, iters: int = 20) -> np.ndarray:
    """Spherical k-means from initial labels (x rows unit length)."""
    for _ in range(iters):
        c = np.stack([_unit(x[labels == j].mean(0)) if np.any(labels == j) else np.zeros(x.shape[1]) for j in range(k)])
        new = np.argmax(x @ c.T, axis=1)
        if np.array_equal(new, labels):
            break
        labels = new
    return labels


def _initial_labels(x: np.ndarray, k: int, max_points: int = 2000) -> np.ndarray:
    """Ward clustering into ``k`` groups; on long calls over an even subsample (its memory grows with the square)."""
    from scipy.cluster.hierarchy import fcluster, linkage

    if len(x) <= k:
        return np.arange(len(x)) % k
    sub = np.linspace(0, len(x) - 1, min(len(x), max_points)).round().astype(int)
    lab = fcluster(linkage(x[sub], method="ward"), t=k, criterion="maxclust") - 1
    if len(sub) == len(x):
        return lab
    c = np.stack([_unit(x[sub][lab == j].mean(0)) if np.any(lab == j) else np.zeros(x.shape[1]) for j in range(k)])
    return np.argmax(x @ c.T, axis=1)


def _cell_scores(sims: np.ndarray, spans: Sequence[np.ndarray], n_cells: int) -> tuple[np.ndarray, np.ndarray]:
    """Average window similarity per 50 ms cell: (n_cells, k) and the cover count per cell."""
    per = int(round(CELL_S / MEL_HOP_S))
    acc = np.zeros((n_cells, sims.shape[1]))
    cnt = np.zeros(n_cells)
    for s, sp in zip(sims, spans):
        cells = np.unique(sp // per)
        cells = cells[cells < n_cells]
        acc[cells] += s
        cnt[cells] += 1
    return acc / np.maximum(cnt, 1)[:, None], cnt


def label_cells(scores: np.ndarray, active: np.ndarray, *, switch_penalty: float = 0.6, pause_factor: float = 0.25) -> np.ndarray:
    """Viterbi over the active cells: the speaker path with the best total score less switch costs.

    Parameters
    ----------
    scores : np.ndarray, shape (n_cells, k)
        Similarity of each cell to each speaker.
    active : np.ndarray of bool, shape (n_cells,)
        Cells with speech; the others get -1 and do not break the path (a
        speaker keeps the floor across a pause unless the evidence says otherwise).
    pause_factor : float
        A change of speaker right after a pause costs ``switch_penalty * pause_factor``
        (the floor changes hands at pauses far more often than mid-speech).
    """
    n, k = scores.shape
    out = np.full(n, -1, int)
    act = np.flatnonzero(active)
    if act.size == 0 or k == 0:
        return out
    if k == 1:
        out[act] = 0
        return out
    s = scores[act]
    back = np.zeros((len(act), k), int)
    cost = s[0].copy()
    after_pause = np.diff(act) > 1
    for t in range(1, len(act)):
        stay = cost
        best_prev = int(np.argmax(cost))
        switch = cost[best_prev] - switch_penalty * (pause_factor if after_pause[t - 1] else 1.0)
        choose_switch = switch > stay
        back[t] = np.where(choose_switch, best_prev, np.arange(k))
        cost = np.where(choose_switch, switch, stay) + s[t]
    path = np.zeros(len(act), int)
    path[-1] = int(np.argmax(cost))
    for t in range(len(act) - 1, 0, -1):
        path[t - 1] = back[t, path[t]]
    out[act] = path
    return out


def snap_to_pauses(labels: np.ndarray, *, max_shift_cells: int) -> np.ndarray:
    """Move each change of speaker to the nearest pause within ``max_shift_cells``.

    A window that straddles a change of speaker carries both voices, so the
    change found from window scores lands a few tenths of a second off; the
    floor usually changes hands at a pause, so a change with a pause (a run of
    -1 cells) nearby is moved there. Changes with no pause nearby stay.

    Parameters
    ----------
    labels : np.ndarray of int, shape (n_cells,), speaker index or -1 (no speech)
    """
    out = labels.copy()
    if max_shift_cells <= 0:
        return out
    act = np.flatnonzero(labels >= 0)
    # pause boundaries: the first active cell after each run of inactive cells
    after_pause = {int(b) for a, b in zip(act[:-1], act[1:]) if b - a > 1}
    prev_of = {int(b): int(a) for a, b in zip(act[:-1], act[1:])}
    changes = [int(b) for a, b in zip(act[:-1], act[1:]) if labels[a] != labels[b] and b not in after_pause]
    for c in changes:
        near = [p for p in after_pause if abs(p - c) <= max_shift_cells]
        if not near:
            continue
        p = min(near, key=lambda q: (abs(q - c), q))
        a, b, who = (c, p, labels[prev_of[c]]) if p > c else (p, c, labels[c])
        # p > c: the earlier speaker keeps the floor up to the pause; else the later one takes it from the pause on
        span = out[a:b]
        span[labels[a:b] >= 0] = who
    return out


def _runs(labels: np.ndarray, min_cells: int) -> list[tuple[int, int, int]]:
    """(label, first cell, end cell) runs of one label over active cells, gaps of -1 bridged."""
    runs: list[tuple[int, int, int]] = []
    for i in np.flatnonzero(labels >= 0):
        lab = int(labels[i])
        if runs and runs[-1][0] == lab:
            runs[-1] = (lab, runs[-1][1], i + 1)
        else:
            runs.append((lab, i, i + 1))
    # count only runs long enough (a short run is a blip, not a turn)
    return [r for r in runs if sum(1 for j in range(r[1], r[2]) if labels[j] == r[0]) >= min_cells]


def _floor_turns(labels: np.ndarray, min_cells: int) -> dict[int, int]:
    """How many times each speaker takes the floor (runs of at least ``min_cells``, short runs ignored)."""
    kept = _runs(labels, min_cells)
    merged: list[int] = []
    for lab, _, _ in kept:
        if not merged or merged[-1] != lab:
            merged.append(lab)
    out: dict[int, int] = {}
    for lab in merged:
        out[lab] = out.get(lab, 0) + 1
    return out


def cluster_speakers(emb: np.ndarray, spans: Sequence[np.ndarray], active_cells: np.ndarray,
                     options: DiarizationOptions | None = None) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Decide how many voices (1..max_speakers) and label every speech cell.

    Each count k = 2, 3... is tried with k-means on the centred window
    embeddings; it qualifies when every pair of its clusters is distinct
    (``distinct_similarity``, or ``turn_taking_similarity`` with turn taking)
    and every cluster has ``min_speaker_s`` of speech. None qualifies: one
    voice. Several qualify: the one with the best mean :func:`silhouette`.

    Returns
    -------
    cell_labels : np.ndarray, shape (n_cells,), speaker index or -1
    cell_scores : np.ndarray, shape (n_cells, k), centred cosine per speaker
    evidence : dict, JSON-ready
    """
    o = options or DiarizationOptions()
    n_cells = len(active_cells)
    one = np.where(active_cells, 0, -1)
    if len(emb) < 3:
        return one, np.zeros((n_cells, 1)), {"decision": "too little speech to compare voices", "windows": int(len(emb))}
    raw = _unit(emb)
    x = _unit(emb - emb.mean(0))
    min_cells = max(1, int(round(o.min_turn_s / CELL_S)))
    per_window_s = o.hop_s
    accepted: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    tried = []
    for k in range(2, max(2, o.max_speakers) + 1):
        if len(emb) < 2 * k:
            break
        lab = _kmeans(x, _initial_labels(x, k), k)
        # every voice needs min_speaker_s of speech: a smaller cluster ends the search
        sizes = np.bincount(lab, minlength=k) * per_window_s
        if np.sum(sizes >= o.min_speaker_s) < k:
            tried.append({"k": k, "rejected": "a cluster has too little speech"})
            break
        c = _unit(np.stack([x[lab == j].mean(0) for j in range(k)]))
        scores, _ = _cell_scores(x @ c.T, spans, n_cells)
        cells = label_cells(scores, active_cells, switch_penalty=o.switch_penalty, pause_factor=o.pause_factor)
        cells = snap_to_pauses(cells, max_shift_cells=int(round(o.snap_s / CELL_S)))
        turns = _floor_turns(cells, min_cells)
        rc = _unit(np.stack([raw[lab == j].mean(0) for j in range(k)]))
        pairs = []
        ok = True
        for i in range(k):
            for j in range(i + 1, k):
                sim = float(rc[i] @ rc[j])
                ti, tj = turns.get(i, 0), turns.get(j, 0)
                distinct = sim < o.distinct_similarity or (sim < o.turn_taking_similarity and min(ti, tj) >= o.min_turns)
                pairs.append((i, j, round(sim, 3), ti, tj, distinct))
                ok &= distinct
        present = {int(v) for v in np.unique(cells[cells >= 0])}
        ok &= len(present) == k
        tried.append({"k": k, "pair_similarity": [p[2] for p in pairs], "turns": [turns.get(i, 0) for i in range(k)],
                      "accepted": bool(ok)})
        if not ok:
            break
        accepted[k] = (cells, scores, lab)
    ev: dict[str, Any] = {"windows": int(len(emb)), "tried": tried,
                          "thresholds": {"distinct_similarity": o.distinct_similarity,
                                         "turn_taking_similarity": o.turn_taking_similarity, "min_turns": o.min_turns}}
    if not accepted:
        ev["decision"] = "one voice: no split gave clusters that differ enough or take turns"
        return one, np.zeros((n_cells, 1)), ev
    k = max(accepted)
    if len(accepted) > 1:
        # several counts pass the thresholds: the one whose clusters are best separated (silhouette) wins.
        # On telephone-band speech one voice split in two can look as distinct as two voices, but the
        # windows of a true split sit clearly closer to their own cluster than to the next.
        sil = {j: silhouette(x, accepted[j][2]) for j in sorted(accepted)}
        ev["silhouette"] = {str(j): round(v, 3) for j, v in sil.items()}
        k = max(sil, key=lambda j: (round(sil[j], 6), -j))
        ev["decision"] = f"{k} voices (the best separated of {', '.join(str(j) for j in sorted(accepted))} by silhouette)"
    else:
        ev["decision"] = f"{k} voices"
    return accepted[k][0], accepted[k][1], ev


def silhouette(x: np.ndarray, labels: np.ndarray, *, max_points: int = 1500) -> float:
    """Mean silhouette (Rousseeuw 1987) of unit vectors ``x`` under ``labels``, with cosine distance.

    On at most ``max_points`` windows taken evenly across the call, so a long
    call costs a few MB, not a full distance matrix. A window alone in its
    cluster scores 0.
    """
    n = len(x)
    idx = np.linspace(0, n - 1, min(n, max_points)).round().astype(int) if n > max_points else np.arange(n)
    xs, ls = x[idx], np.asarray(labels)[idx]
    ks = np.unique(ls)
    if len(ks) < 2:
        return 0.0
    dist = 1.0 - xs @ xs.T
    mean_to = np.stack([dist[:, ls == c].sum(1) for c in ks], axis=1)  # (m, k) summed distance to each cluster
    sizes = np.array([np.sum(ls == c) for c in ks], float)
    own = np.searchsorted(ks, ls)
    rows = np.arange(len(ls))
    n_own = sizes[own] - 1.0
    a = np.where(n_own > 0, mean_to[rows, own] / np.maximum(n_own, 1.0), 0.0)
    other = mean_to / sizes[None, :]
    other[rows, own] = np.inf
    b = other.min(1)
    s = np.where(n_own > 0, (b - a) / np.maximum(np.maximum(a, b), 1e-12), 0.0)
    return float(np.mean(s))


# -- overlaps and words -----------------------------------------------------------------


def find_overlaps(cell_labels: np.ndarray, scores: np.ndarray, *, margin: float = 0.08, max_similarity: float = 0.45,
                  min_overlap_s: float = 0.3) -> list[tuple[float, float, tuple[int, int]]]:
    """Stretches where the windows sit between two speakers: ``[(start_s, end_s, (i, j)), ...]``.

    A cell is overlap when its two best speakers' similarities are within
    ``margin`` and the best is under ``max_similarity`` (a window of one clear
    voice resembles its own speaker far more than any other).
    """
    if scores.ndim != 2 or scores.shape[1] < 2:
        return []
    order = np.argsort(-scores, axis=1)
    top = np.take_along_axis(scores, order[:, :1], 1)[:, 0]
    second = np.take_along_axis(scores, order[:, 1:2], 1)[:, 0]
    flag = (cell_labels >= 0) & (top - second < margin) & (top < max_similarity)
    out = []
    i, n = 0, len(flag)
    min_cells = max(1, int(round(min_overlap_s / CELL_S)))
    while i < n:
        if not flag[i]:
            i += 1
            continue
        j = i
        while j < n and flag[j]:
            j += 1
        if j - i >= min_cells:
            pair_votes: dict[tuple[int, int], int] = {}
            for c in range(i, j):
                p = tuple(sorted((int(order[c, 0]), int(order[c, 1]))))
                pair_votes[p] = pair_votes.get(p, 0) + 1
            pair = max(pair_votes, key=pair_votes.get)
            out.append((round(i * CELL_S, 2), round(j * CELL_S, 2), pair))
        i = j
    return out


def assign_words(words: Sequence[Word], diarization: Diarization) -> dict[str, list[Word]]:
    """Give every word one speaker: the one holding most of the word's first part (the nearest speech if none).

    Returns the words per speaker, for the speakers that got any: a voice
    the transcript has no words for (music the VAD took for speech, a
    murmur in the background) is no party of the conversation.
    """
    out: dict[str, list[Word]] = {s: [] for s in diarization.speakers}
    labels = diarization.cell_labels
    if diarization.n_speakers <= 1 or labels.size == 0:
        return {diarization.speakers[0] if diarization.speakers else "S1": list(words)} if words else {}
    labelled = np.flatnonzero(labels >= 0)
    for w in words:
        # Whisper's word starts are more trustworthy than its ends: the last word of a
        # turn often ends where the next speech begins, so the word is judged by its start
        end = min(w.end_s, w.start_s + max(0.15, min(0.4, 0.5 * (w.end_s - w.start_s))))
        a = max(0, int(w.start_s / CELL_S))
        b = max(a + 1, int(np.ceil(end / CELL_S)))
        seg = labels[a:b]
        seg = seg[seg >= 0]
        if seg.size:
            k = int(np.bincount(seg).argmax())
        elif labelled.size:
            mid = (a + b) / 2
            k = int(labels[labelled[np.argmin(np.abs(labelled - mid))]])
        else:
            k = 0
        out[diarization.speakers[k]].append(w)
    return {s: ws for s, ws in out.items() if ws}


def _turns(cell_labels: np.ndarray, speech_cells: np.ndarray, names: Sequence[str]) -> list[SpeakerTurn]:
    out: list[SpeakerTurn] = []
    i, n = 0, len(cell_labels)
    while i < n:
        if cell_labels[i] < 0 or not speech_cells[i]:
            i += 1
            continue
        j = i
        while j < n and cell_labels[j] == cell_labels[i] and speech_cells[j]:
            j += 1
        out.append(SpeakerTurn(round(i * CELL_S, 2), round(j * CELL_S, 2), names[int(cell_labels[i])]))
        i = j
    return out


def diarize_embeddings(emb: np.ndarray, spans: Sequence[np.ndarray], speech: Sequence[tuple[float, float]], duration_s: float,
                       options: DiarizationOptions | None = None) -> Diarization:
    """The pure part of :meth:`Diarizer.diarize`: window embeddings and speech regions in, a :class:`Diarization` out."""
    o = options or DiarizationOptions()
    n_cells = max(1, int(np.ceil(duration_s / CELL_S)))
    speech_cells = _mask_from_regions(speech, n_cells, CELL_S)
    cells, scores, ev = cluster_speakers(emb, spans, speech_cells, o)
    k = int(cells.max()) + 1 if np.any(cells >= 0) else 0
    # name the voices S1, S2... by first speech
    first = {}
    for i in np.flatnonzero(cells >= 0):
        first.setdefault(int(cells[i]), i)
    order = sorted(range(k), key=lambda j: first.get(j, 10**12))
    remap = np.full(max(k, 1), -1, int)
    for new, old in enumerate(order):
        remap[old] = new
    cells = np.where(cells >= 0, remap[np.maximum(cells, 0)], -1)
    names = tuple(f"S{i + 1}" for i in range(max(k, 1)))
    if k >= 2:
        scores = scores[:, order]
        ovl = find_overlaps(cells, scores, margin=o.overlap_margin, max_similarity=o.overlap_max_similarity,
                            min_overlap_s=o.min_overlap_s)
        overlaps = tuple(Overlap(a, b, (names[i], names[j])) for a, b, (i, j) in ovl)
    else:
        overlaps = ()
    turns = _turns(cells, speech_cells, names) if k else []
    return Diarization(speakers=names, turns=tuple(turns), overlaps=overlaps,
                       speech=tuple((round(a, 3), round(b, 3)) for a, b in speech), cell_labels=cells, evidence=ev)


# -- the encoder ------------------------------------------------------------------------


class Diarizer:
    """Split mono calls into speakers. Thread-safe; the voice encoder loads on first use."""

    def __init__(self, options: DiarizationOptions | None = None, *, encoder: Encoder | None = None):
        self.options = options or DiarizationOptions()
        self._encoder = encoder
        self._model = None
        self._lock = threading.Lock()

    @property
    def model_name(self) -> str:
        return "resemblyzer GE2E (bundled weights, run in numpy)" if self._encoder is None else "custom encoder"

    def _encode(self, mels: np.ndarray) -> np.ndarray:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    from ..speaker_encoder import GE2EEncoder

                    self._model = GE2EEncoder(threads=self.options.encoder_threads)
        return self._model(mels)

    def diarize(self, y: np.ndarray, *, sr: int = _SR, speech: Sequence[tuple[float, float]] | None = None) -> Diarization:
        """Who spoke when in mono 16 kHz samples ``y`` (shape (n,))."""
        o = self.options
        duration = len(y) / sr
        if speech is None:
            speech = speech_regions(y, sr=sr, threshold=o.vad_threshold, min_silence_ms=o.vad_min_silence_ms, pad_ms=o.vad_pad_ms)
        if not o.enabled or not speech:
            return diarize_embeddings(np.zeros((0, 0)), [], speech, duration, o)
        mel = mel_frames(y, sr=sr)
        emb, spans = window_embeddings(mel, speech, self._encoder or self._encode, window_s=o.window_s, hop_s=o.hop_s)
        d = diarize_embeddings(emb, spans, speech, duration, o)
        log.info("diarization: %d speaker(s), %d overlap(s) (%s)", d.n_speakers, len(d.overlaps), d.evidence.get("decision"))
        return d


# -- the stage: each word of a mono call to one voice ---------------------------------------


@dataclass(frozen=True)
class Voices:
    """The call's speakers after diarization: each one's words and audio (the diarize stage's result).

    Attributes
    ----------
    words : dict speaker id -> list of Word
    channels : tuple of Channel
        One per speaker; the voices diarized from one mono track share its samples.
    diarization : Diarization or None
        Who spoke when, where a mono call was diarized.
    warnings : tuple of str
    """

    words: dict[str, list[Word]]
    channels: tuple[Channel, ...]
    diarization: Diarization | None = None
    warnings: tuple[str, ...] = ()


def split_voices(words: dict[str, list[Word]], channels: Sequence[Channel], diarization: Diarization | None) -> Voices:
    """The speakers of a call: on a diarized mono track each word goes to its voice (:func:`assign_words`),
    one channel per voice heard; otherwise (or when one voice was heard) the channels as they are."""
    if diarization is None:
        return Voices(words, tuple(channels))
    (track,) = channels
    by_voice = assign_words(words[track.id], diarization)
    if len(by_voice) > 1:
        return Voices(by_voice, tuple(replace(track, id=s) for s in by_voice), diarization)
    return Voices(words, tuple(channels), diarization)
