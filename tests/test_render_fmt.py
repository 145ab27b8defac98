"""tonecoach.render.fmt: the one clock, escaping, score bands and atomic writes every renderer shares."""

from __future__ import annotations

import math
import os

import pytest

from tonecoach.render import fmt


@pytest.mark.parametrize(("seconds", "shown"), [
    (0, "0:00"), (7.9, "0:07"), (125, "2:05"), (599.99, "9:59"), (3599.5, "59:59"),
    (3600, "1:00:00"), (3725, "1:02:05"), (36000 + 61, "10:01:01"), (-3, "0:00"),
])
def test_clock_is_m_ss_under_an_hour_and_h_mm_ss_from_one(seconds, shown):
    assert fmt.clock(seconds) == shown


@pytest.mark.parametrize("bad", [None, math.nan, math.inf, "12", True])
def test_clock_of_a_missing_time_is_empty(bad):
    assert fmt.clock(bad) == fmt.MISSING == ""


def test_esc_escapes_markup_and_quotes():
    assert fmt.esc('<b a="1">&\'') == "&lt;b a=&quot;1&quot;&gt;&amp;&#x27;"
    assert fmt.esc(None) == "" and fmt.esc(3) == "3"


@pytest.mark.parametrize(("score", "name", "label"), [
    (100, "good", "good"), (80, "good", "good"), (79.9, "ok", "getting there"), (60, "ok", "getting there"),
    (59.5, "low", "needs work"), (0, "low", "needs work"), (None, "none", "not measured"), (math.nan, "none", "not measured"),
])
def test_band_uses_the_reports_thresholds(score, name, label):
    b = fmt.band(score)
    assert (b.name, b.label) == (name, label)


def test_write_atomic_writes_text_and_bytes_and_leaves_no_temporary_file(tmp_path):
    p = tmp_path / "out" / "r.html"
    assert fmt.write_atomic(p, "é\r\nx\n") == str(p)
    assert p.read_bytes() == "é\r\nx\n".encode()  # newlines as given
    fmt.write_atomic(p, b"\x00\x01")
    assert p.read_bytes() == b"\x00\x01"
    assert sorted(os.listdir(p.parent)) == ["r.html"]


def test_write_atomic_streams_a_private_file_whatever_the_umask(tmp_path):
    """The store writes recordings through it: owner-only, streamed in blocks, its temporary name sweepable."""
    p = tmp_path / "audio" / "ab" / "call.wav"
    seen = []

    def write(fh):
        seen.extend(n for n in os.listdir(p.parent))  # the temporary file, while it is written
        for block in (b"RIFF", b"data"):
            fh.write(block)

    old = os.umask(0o022)
    try:
        fmt.write_atomic(p, write, private=True, temp_prefix=".tmp-")
        public = fmt.write_atomic(tmp_path / "report.html", "<p>")
    finally:
        os.umask(old)
    assert p.read_bytes() == b"RIFFdata"
    assert p.stat().st_mode & 0o777 == 0o600
    assert os.stat(public).st_mode & 0o777 == 0o644  # a report follows the umask
    assert len(seen) == 1 and seen[0].startswith(".tmp-")
    assert os.listdir(p.parent) == ["call.wav"]


def test_write_atomic_keeps_the_old_file_when_the_write_fails(tmp_path, monkeypatch):
    p = tmp_path / "r.json"
    p.write_text("old", encoding="utf-8")

    def boom(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(fmt.os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        fmt.write_atomic(p, "new")
    assert p.read_text(encoding="utf-8") == "old" and os.listdir(tmp_path) == ["r.json"]
