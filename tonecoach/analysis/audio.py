"""The one audio boundary: everything that enters tonecoach as sound passes :func:`load`.

Paths, bytes, file objects, numpy arrays and Gradio's ``(sample_rate, array)``
tuples are decoded (PyAV, so no system ffmpeg is needed), validated and turned
into float32 samples at 16 kHz. One- and two-channel audio keeps its channels
(a stereo call has one party per channel); three or more channels are mixed
down to mono with a warning. Empty, non-finite, too short, too long and
undecodable input is decided here, once. :func:`load_window` decodes only a
stretch of a file (seeking when the container allows), to play a moment of a
long call without decoding all of it.
"""

from __future__ import annotations

import io
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Union

import numpy as np

from ..errors import AudioDecodeError, AudioError, AudioTooLongError, AudioTooShortError

__all__ = ["Audio", "AudioOptions", "load", "load_window", "SUPPORTED_FORMATS", "TARGET_SAMPLE_RATE"]

log = logging.getLogger("tonecoach")

TARGET_SAMPLE_RATE = 16_000
SUPPORTED_FORMATS = "wav, flac, mp3, ogg, opus, m4a"
#: Peak below this (about -80 dBFS) counts as digital silence.
SILENCE_PEAK = 1e-4

AudioSource = Union[str, os.PathLike, bytes, bytearray, BinaryIO, np.ndarray, tuple]


@dataclass(frozen=True)
class AudioOptions:
    """Options of the audio boundary.

    Attributes
    ----------
    max_duration_s : float
        Longest input accepted (default 3 hours); longer input raises
        :class:`AudioTooLongError` before it is fully decoded.
    min_duration_s : float
        Shortest input accepted (default 0.5 s).
    target_sample_rate : int
        Rate of the returned samples (16 kHz, what Whisper and the prosody
        functions expect).
    max_nonfinite_ratio : float
        Arrays with up to this share of NaN/inf samples are repaired (set to
        zero, with a warning); more is an error.
    """

    max_duration_s: float = 3 * 3600.0
    min_duration_s: float = 0.5
    target_sample_rate: int = TARGET_SAMPLE_RATE
    max_nonfinite_ratio: float = 0.01


@dataclass(frozen=True)
class Audio:
    """Decoded audio.

    Attributes
    ----------
    samples : np.ndarray, shape (channels, n), float32 in [-1, 1]
        One row per kept channel (1 or 2) at ``sample_rate``.
    sample_rate : int
        Rate of ``samples`` (16 kHz).
    source_sample_rate, source_channels : int
        What the input had before resampling and down-mixing.
    """

    samples: np.ndarray
    sample_rate: int
    source_sample_rate: int
    source_channels: int
    path: str | None = None
    codec: str | None = None
    warnings: tuple[str, ...] = field(default_factory=tuple)

    @property
    def channels(self) -> int:
        return int(self.samples.shape[0])

    @property
    def duration_s(self) -> float:
        return self.samples.shape[1] / float(self.sample_rate)

    @property
    def mono(self) -> np.ndarray:
        """Shape (n,): the channels averaged."""
        if self.channels == 1:
            return self.samples[0]
        return self.samples.mean(axis=0).astype(np.float32)

    @property
    def is_silent(self) -> bool:
        return bool(self.samples.size == 0 or max(float(self.samples.max()), -float(self.samples.min())) < SILENCE_PEAK)


def load(source: AudioSource, *, sample_rate: int | None = None, options: AudioOptions | None = None) -> Audio:
    """Decode and validate audio from any supported source.

    Parameters
    ----------
    source : path, bytes, binary file object, np.ndarray or (sample_rate, array)
        Arrays are (n,) mono, or (n, channels) as soundfile and Gradio give
        them; (channels, n) is accepted when channels <= 8 < n. Integer arrays
        are scaled by their type's full scale (int16 / 32768).
    sample_rate : int, optional
        Required with a bare array.
    options : AudioOptions, optional

    Raises
    ------
    AudioError
        With a message that says what is wrong and what is supported.
    """
    opts = options or AudioOptions()
    if isinstance(source, tuple):
        if len(source) != 2:
            raise AudioError("an audio tuple must be (sample_rate, samples)")
        sr, arr = source
        if isinstance(sr, np.ndarray) and not isinstance(arr, np.ndarray):
            sr, arr = arr, sr  # (samples, sr) order, as some libraries return
        return _from_array(np.asarray(arr), int(sr), opts, path=None)
    if isinstance(source, np.ndarray):
        if sample_rate is None:
            raise AudioError("an array needs its sample_rate, e.g. load(samples, sample_rate=16000)")
        return _from_array(source, int(sample_rate), opts, path=None)
    if isinstance(source, (bytes, bytearray, memoryview)):
        if len(source) == 0:
            raise AudioDecodeError("could not decode the audio: it is empty (0 bytes)")
        return _decode(io.BytesIO(bytes(source)), "<bytes>", opts)
    if hasattr(source, "read"):
        return _decode(source, getattr(source, "name", "<stream>"), opts)
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.exists():
            raise AudioError(f"no such file: '{path}'")
        if path.is_dir():
            raise AudioError(f"'{path}' is a directory, not an audio file")
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise AudioError(f"cannot read '{path}': {exc.strerror}") from None
        if size == 0:
            raise AudioDecodeError(f"could not decode '{path}': the file is empty (0 bytes)")
        try:
            fh = open(path, "rb")
        except OSError as exc:
            raise AudioError(f"cannot read '{path}': {exc.strerror}") from None
        with fh:
            return _decode(fh, str(path), opts)
    raise AudioError(f"cannot read audio from a {type(source).__name__}; give a path, bytes or an array")


# -- arrays -----------------------------------------------------------------------------


def _to_float(arr: np.ndarray) -> np.ndarray:
    if arr.dtype.kind == "i":
        return arr.astype(np.float32) / float(-np.iinfo(arr.dtype).min)
    if arr.dtype.kind == "u":
        info = np.iinfo(arr.dtype)
        mid = (info.max + 1) / 2.0
        return (arr.astype(np.float32) - mid) / mid
    if arr.dtype.kind == "f":
        return arr.astype(np.float32, copy=False)
    if arr.dtype.kind == "b":
        raise AudioError("a boolean array is not audio")
    raise AudioError(f"cannot use an array of dtype {arr.dtype} as audio")


def _from_array(arr: np.ndarray, sr: int, opts: AudioOptions, *, path: str | None) -> Audio:
    if sr < 1000 or sr > 384_000:
        raise AudioError(f"implausible sample rate {sr} Hz (expected 8000-48000)")
    if arr.ndim == 1:
        data = arr[np.newaxis, :]
    elif arr.ndim == 2:
        rows, cols = arr.shape
        data = arr if (rows <= 8 < cols) else arr.T
    else:
        raise AudioError(f"audio arrays must have 1 or 2 dimensions, got shape {arr.shape}")
    warnings: list[str] = []
    data = _to_float(np.ascontiguousarray(data))
    bad = ~np.isfinite(data)
    if bad.any():
        ratio = float(bad.mean())
        if ratio > opts.max_nonfinite_ratio:
            raise AudioError(
                f"the audio has {ratio:.1%} non-finite samples (NaN or inf); "
                f"at most {opts.max_nonfinite_ratio:.0%} can be repaired"
            )
        data = np.where(bad, 0.0, data).astype(np.float32)
        warnings.append(f"{int(bad.sum())} non-finite samples (NaN/inf) were set to zero")
    peak = float(np.max(np.abs(data))) if data.size else 0.0
    if peak > 1.0 + 1e-6:
        if arr.dtype.kind == "f" and peak > 2.0:
            # float data in integer scale (e.g. int16 values stored as float)
            data = data / 32768.0 if peak <= 32768.0 else data / peak
            warnings.append(f"float samples exceeded full scale (peak {peak:.1f}); rescaled")
        else:
            data = np.clip(data, -1.0, 1.0)
    source_channels = int(data.shape[0])
    return _finish(data, sr, sr, source_channels, opts, path=path, codec=None, warnings=warnings)


def _finish(data, sr, source_sr, source_channels, opts, *, path, codec, warnings) -> Audio:
    """Validate duration, mix down >2 channels, resample from ``sr`` to the target rate."""
    duration = data.shape[1] / float(sr)
    where = f"'{path}'" if path else "the audio"
    if duration > opts.max_duration_s:
        raise AudioTooLongError(
            f"{where} is {duration / 60:.1f} min long; the limit is {opts.max_duration_s / 60:.1f} min "
            "(raise it with --max-duration)"
        )
    if duration < opts.min_duration_s:
        raise AudioTooShortError(
            f"{where} is {duration:.2f} s long; at least {opts.min_duration_s:.2f} s of audio is needed"
        )
    if data.shape[0] > 2:
        warnings.append(
            f"{data.shape[0]} channels were mixed down to mono; only 1- and 2-channel calls are split by channel"
        )
        data = data.mean(axis=0, keepdims=True)
    if sr != opts.target_sample_rate:
        import soxr

        data = np.stack([soxr.resample(ch, sr, opts.target_sample_rate, quality="HQ") for ch in data]).astype(
            np.float32
        )
    audio = Audio(
        samples=np.ascontiguousarray(data, dtype=np.float32),
        sample_rate=opts.target_sample_rate,
        source_sample_rate=int(source_sr),
        source_channels=int(source_channels),
        path=path,
        codec=codec,
        warnings=tuple(warnings),
    )
    if audio.is_silent:
        audio = _with_warning(audio, "the audio is digital silence (peak below -80 dBFS)")
    return audio


def _with_warning(audio: Audio, message: str) -> Audio:
    from dataclasses import replace

    return replace(audio, warnings=audio.warnings + (message,))


# -- containers (PyAV) ------------------------------------------------------------------


def _decode(fh: Any, name: str, opts: AudioOptions) -> Audio:
    import av

    try:
        container = av.open(fh, mode="r", metadata_errors="ignore")
    except (av.error.FFmpegError, ValueError, UnicodeDecodeError) as exc:
        raise AudioDecodeError(
            f"could not decode '{name}': not an audio file (PyAV: {_reason(exc)}). Supported: {SUPPORTED_FORMATS}."
        ) from None
    with container:
        if not container.streams.audio:
            raise AudioDecodeError(f"could not decode '{name}': it has no audio stream. Supported: {SUPPORTED_FORMATS}.")
        stream = container.streams.audio[0]
        ctx = stream.codec_context
        src_rate = int(ctx.sample_rate or stream.rate or 0)
        src_channels = int(getattr(ctx, "channels", 0) or len(getattr(ctx.layout, "channels", ())) or 1)
        codec = ctx.name
        # Refuse over-long files from the header, before decoding hours of audio.
        declared = None
        if stream.duration is not None and stream.time_base is not None:
            declared = float(stream.duration * stream.time_base)
        elif container.duration is not None:
            declared = container.duration / 1_000_000.0
        if declared is not None and declared > opts.max_duration_s * 1.02:
            raise AudioTooLongError(
                f"'{name}' is {declared / 60:.1f} min long; the limit is {opts.max_duration_s / 60:.1f} min "
                "(raise it with --max-duration)"
            )
        keep = src_channels if src_channels in (1, 2) else 1
        resampler = av.AudioResampler(
            format="fltp", layout="stereo" if keep == 2 else "mono", rate=opts.target_sample_rate
        )
        limit = int(opts.max_duration_s * opts.target_sample_rate) + 1
        # decoded straight into one preallocated buffer: a list of thousands of small
        # frame arrays would fragment the heap and keep its peak resident long after
        buf = _Buffer(keep, int((declared or 60.0) * opts.target_sample_rate * 1.02) + 16_000)
        warnings: list[str] = []
        if src_channels > 2:
            warnings.append(
                f"{src_channels} channels were mixed down to mono; only 1- and 2-channel calls are split by channel"
            )
        try:
            for frame in container.decode(stream):
                if frame.sample_rate and not src_rate:
                    src_rate = int(frame.sample_rate)
                for out in resampler.resample(frame):
                    buf.append(out.to_ndarray())
                if buf.n > limit:
                    raise AudioTooLongError(
                        f"'{name}' is longer than the limit of {opts.max_duration_s / 60:.1f} min "
                        "(raise it with --max-duration)"
                    )
            for out in resampler.resample(None):
                buf.append(out.to_ndarray())
        except AudioTooLongError:
            raise
        except (av.error.FFmpegError, ValueError, EOFError) as exc:
            if not buf.n:
                raise AudioDecodeError(
                    f"could not decode '{name}': {_reason(exc)}. Supported: {SUPPORTED_FORMATS}."
                ) from None
            got = buf.n / opts.target_sample_rate
            warnings.append(f"decoding stopped after {got:.1f} s ({_reason(exc)}); the file may be truncated")
    if not buf.n:
        raise AudioDecodeError(f"could not decode '{name}': no audio frames in it. Supported: {SUPPORTED_FORMATS}.")
    data = buf.result()
    if declared is not None and declared - data.shape[1] / opts.target_sample_rate > 1.0 and not warnings:
        warnings.append(
            f"the header says {declared:.1f} s but only {data.shape[1] / opts.target_sample_rate:.1f} s "
            "could be decoded; the file may be truncated"
        )
    if not np.isfinite(data.max()) or not np.isfinite(data.min()):  # NaN or inf, without a full-size mask
        np.nan_to_num(data, copy=False, nan=0.0, posinf=0.0, neginf=0.0)
        warnings.append("non-finite decoded samples were set to zero")
    np.clip(data, -1.0, 1.0, out=data)
    # Already resampled by PyAV: finish at the target rate.
    return _finish(
        data, opts.target_sample_rate, src_rate or opts.target_sample_rate, src_channels, opts,
        path=name, codec=codec, warnings=warnings,
    )


def load_window(path: str | os.PathLike, start_s: float, end_s: float, *,
                options: AudioOptions | None = None) -> Audio:
    """Decode only ``start_s`` to ``end_s`` of an audio file, at the target rate, keeping 1 or 2 channels.

    The container is seeked to just before ``start_s`` when it can be; either
    way only the frames of the window are kept, so memory is that of the
    window, whatever the file's length. A window past the end is cut at the
    end. No duration limits apply (this reads audio that was accepted before).

    Raises
    ------
    AudioDecodeError
        The file cannot be decoded, or the window holds no audio.
    """
    import av

    opts = options or AudioOptions()
    start_s, end_s = max(0.0, float(start_s)), float(end_s)
    name = str(path)
    if not end_s > start_s:
        raise AudioDecodeError(f"an empty window of '{name}' ({start_s:.2f}-{end_s:.2f} s)")
    try:
        container = av.open(name, mode="r", metadata_errors="ignore")
    except (av.error.FFmpegError, ValueError, UnicodeDecodeError, OSError) as exc:
        raise AudioDecodeError(f"could not decode '{name}': {_reason(exc)}") from None
    with container:
        if not container.streams.audio:
            raise AudioDecodeError(f"could not decode '{name}': it has no audio stream")
        stream = container.streams.audio[0]
        ctx = stream.codec_context
        src_channels = int(getattr(ctx, "channels", 0) or len(getattr(ctx.layout, "channels", ())) or 1)
        keep = src_channels if src_channels in (1, 2) else 1
        rate = opts.target_sample_rate
        sought = False
        if start_s > 1.0 and stream.time_base is not None and not isinstance(path, _NoSeek):
            try:
                container.seek(int((start_s - 1.0) / stream.time_base), stream=stream, backward=True)
                sought = True
            except (av.error.FFmpegError, ValueError):
                sought = False
        resampler = av.AudioResampler(format="fltp", layout="stereo" if keep == 2 else "mono", rate=rate)
        buf = _Buffer(keep, int((end_s - start_s + 1.0) * rate) + 16_000)
        first_t: float | None = None
        t = 0.0  # the time of the next frame when the container gives none (only without a seek)
        try:
            for frame in container.decode(stream):
                ft = float(frame.time) if frame.time is not None else (None if sought else t)
                if ft is None:  # sought, and the frames carry no times: start again from the top
                    return load_window(_NoSeek(name), start_s, end_s, options=opts)
                dur = frame.samples / float(frame.sample_rate or ctx.sample_rate or rate)
                t = ft + dur
                if ft + dur <= start_s:
                    continue
                if ft >= end_s:
                    break
                if first_t is None:
                    first_t = ft
                for out in resampler.resample(frame):
                    buf.append(out.to_ndarray())
            if first_t is not None:
                for out in resampler.resample(None):
                    buf.append(out.to_ndarray())
        except (av.error.FFmpegError, ValueError, EOFError) as exc:
            if not buf.n:
                raise AudioDecodeError(f"could not decode '{name}': {_reason(exc)}") from None
    if first_t is None or not buf.n:
        raise AudioDecodeError(f"'{name}' has no audio between {start_s:.2f} and {end_s:.2f} s")
    data = buf.result()
    a = max(0, int(round((start_s - first_t) * rate)))
    b = min(data.shape[1], a + int(round((end_s - start_s) * rate)))
    data = np.clip(np.nan_to_num(data[:, a:b], nan=0.0, posinf=0.0, neginf=0.0), -1.0, 1.0)
    if data.shape[1] == 0:
        raise AudioDecodeError(f"'{name}' has no audio between {start_s:.2f} and {end_s:.2f} s")
    return Audio(samples=np.ascontiguousarray(data, dtype=np.float32), sample_rate=rate,
                 source_sample_rate=int(ctx.sample_rate or rate), source_channels=src_channels, path=name,
                 codec=ctx.name)


class _NoSeek(str):
    """A path that :func:`load_window` decodes from the start (its frames carry no times to seek by)."""


class _Buffer:
    """A (channels, n) float32 array filled chunk by chunk, growing by half when full."""

    def __init__(self, channels: int, capacity: int):
        self.data = np.empty((channels, max(capacity, 1)), dtype=np.float32)
        self.n = 0

    def append(self, chunk: np.ndarray) -> None:
        k = chunk.shape[1]
        if self.n + k > self.data.shape[1]:
            grown = np.empty((self.data.shape[0], max(self.n + k, int(self.data.shape[1] * 1.5))), dtype=np.float32)
            grown[:, : self.n] = self.data[:, : self.n]
            self.data = grown
        self.data[:, self.n: self.n + k] = chunk
        self.n += k

    def result(self) -> np.ndarray:
        """The filled part; copied only when much of the buffer is unused."""
        if self.n < 0.9 * self.data.shape[1]:
            return self.data[:, : self.n].copy()
        return np.ascontiguousarray(self.data[:, : self.n])


def _reason(exc: BaseException) -> str:
    msg = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return msg.split(":")[-1].strip() if msg.startswith("[Errno") else msg

