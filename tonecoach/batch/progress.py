"""The batch progress bar: files done, audio done, throughput in audio hours per wall hour, ETA."""

from __future__ import annotations

import time
from typing import TextIO

__all__ = ["BatchProgress"]


class BatchProgress:
    """A tqdm bar on stderr counted in audio seconds: files done, audio hours, audio h per wall h, ETA.

    Counting audio (not files) makes tqdm's rate the throughput in audio
    seconds per wall second, which is audio hours per wall hour, and its ETA
    the time left for the audio left.
    """

    def __init__(self, stream: TextIO, n_files: int, total_audio_s: float):
        from tqdm import tqdm

        self.n_files, self.done_files, self.done_s, self.t0 = n_files, 0, 0.0, time.monotonic()
        self.bar = tqdm(total=max(1.0, round(total_audio_s, 1)), file=stream, unit="audio s", smoothing=0.0,
                        dynamic_ncols=True, mininterval=0.5,
                        bar_format="{percentage:3.0f}%|{bar}| {desc} [{elapsed}<{remaining}]")
        self._desc()

    def _desc(self) -> None:
        el = max(1e-9, time.monotonic() - self.t0)
        total = self.bar.total
        if total < 360:
            audio = f"{self.done_s / 60:.1f}/{total / 60:.1f} min"
        else:
            audio = f"{self.done_s / 3600:.2f}/{total / 3600:.2f} h"
        self.bar.set_description_str(f"{self.done_files}/{self.n_files} files, {audio} of audio, "
                                     f"{self.done_s / el:.1f} audio h/h", refresh=False)

    def advance(self, audio_s: float, estimate_s: float) -> None:
        self.done_files += 1
        if audio_s != estimate_s:  # the header's duration was missing or wrong: correct the total
            self.bar.total = max(1.0, round(self.bar.total + audio_s - estimate_s, 1))
        self.done_s += audio_s
        self._desc()
        self.bar.update(audio_s)

    def write(self, line: str) -> None:
        self.bar.write(line, file=self.bar.fp)

    def close(self) -> None:
        self.bar.close()
