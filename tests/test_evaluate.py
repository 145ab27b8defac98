"""tonecoach evaluate: labels, references and yardsticks, and the command as a QA team runs it."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from tonecoach import cli
from tonecoach.errors import ToneCoachError
from tonecoach.evaluate import parse_agent_label, read_labels, read_reference
from tonecoach.evaluate.metrics import calibration, correlation, doubled_words, labelled_agent
from tonecoach.report import AgentDecision, AudioInfo, CallReport, LanguageInfo, Segment, Speaker, ToneResult, Word

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


@pytest.mark.parametrize("text, kind, value", [
    ("left", "channel", "left"), ("Right", "channel", "right"), ("second speaker", "order", 2), ("first", "order", 1),
    ("at:0:12", "at", 12.0), ("at:4.5", "at", 4.5), ("[CSR]", "ref", "CSR"), ("ref:B", "ref", "B"), ("S2", "name", "S2"),
    ("see .txt", "unknown", "see .txt"), ("ChrisL", "unknown", "ChrisL"),
])
def test_agent_labels(text, kind, value):
    lab = parse_agent_label(text)
    assert (lab.kind, lab.value) == (kind, value) and lab.usable == (kind != "unknown")


def test_labels_file_errors_name_the_line(tmp_path):
    p = tmp_path / "l.csv"
    p.write_text("file,agent,tone_rating\na.wav,left,4\nb.wav,right,9\n")
    with pytest.raises(ToneCoachError, match="line 3: a rating must be from 1 to 5"):
        read_labels(p)
    p.write_text("name,who\na.wav,left\n")
    with pytest.raises(ToneCoachError, match="must name at least the columns 'file' and 'agent'"):
        read_labels(p)
    p.write_text("file,agent\na.wav,left,extra\n")
    with pytest.raises(ToneCoachError, match="line 2: more fields than the header"):
        read_labels(p)
    (tmp_path / "e.csv").write_text("")
    with pytest.raises(ToneCoachError, match="empty"):
        read_labels(tmp_path / "e.csv")


def test_reference_formats(tmp_path):
    (tmp_path / "a.srt").write_text("1\n00:00:01,000 --> 00:00:03,500\n[CSR] Hello, how can I help?\n\n"
                                    "2\n00:00:04,000 --> 00:00:06,000\n[Customer] My order\nis late.\n")
    srt = read_reference(tmp_path / "a.srt")
    assert [(t.start_s, t.end_s, t.speaker, t.text) for t in srt.turns] == [
        (1.0, 3.5, "CSR", "Hello, how can I help?"), (4.0, 6.0, "Customer", "My order is late.")]
    (tmp_path / "b.json").write_text(json.dumps([{"speaker": "A", "word": "hi", "start": 0.1, "end": 0.3},
                                                 {"speaker": "B", "word": "hello", "start": 0.5, "end": 0.9},
                                                 {"speaker": "B", "word": "there", "start": 0.9, "end": 1.2}]))
    woz = read_reference(tmp_path / "b.json")
    assert [(t.speaker, t.text, t.start_s, t.end_s) for t in woz.turns] == [("A", "hi", 0.1, 0.3), ("B", "hello there", 0.5, 1.2)]
    (tmp_path / "c.rttm").write_text("SPEAKER c 1 0.50 2.00 <NA> <NA> spk1 <NA> <NA>\n")
    assert read_reference(tmp_path / "c.rttm").turns[0].end_s == 2.5
    (tmp_path / "d.stm").write_text(";; comment\nd 1 alice 0.0 2.0 <o,f0,female> good morning\n")
    assert read_reference(tmp_path / "d.stm").turns[0].text == "good morning"
    (tmp_path / "e.txt").write_text("Summary\nnotes\n\nEN transcription\n\n00:00:02\nHello?\n\n00:01:04\nYes.\n\n"
                                    "PL transcription\n\n00:00:02\nHalo?\n")
    en, pl = read_reference(tmp_path / "e.txt", language="en"), read_reference(tmp_path / "e.txt", language="pl")
    assert [(t.start_s, t.text) for t in en.turns] == [(2.0, "Hello?"), (64.0, "Yes.")] and pl.text == "Halo?"
    (tmp_path / "f.json").write_text('{"something": 1}')
    with pytest.raises(ToneCoachError, match="word timings or hold 'phrases'"):
        read_reference(tmp_path / "f.json")


def _report(segs, agent: str, conf: float = 0.9) -> CallReport:
    ids = list(dict.fromkeys(s.speaker for s in segs))
    return CallReport(audio=AudioInfo("x.wav", 20.0, 8000, 1, "pcm"), language=LanguageInfo("en", 1.0, False), models={},
                      speakers=tuple(Speaker(i, "unknown", 1.0) for i in ids), segments=tuple(segs),
                      tone=ToneResult(None, (), "1"), feedback=(), warnings=(), timings_s={},
                      agent=AgentDecision(agent, "phrases", "test", conf))


def _seg(spk, a, b, text):
    toks = text.split()
    step = (b - a) / len(toks)
    return Segment(a, b, spk, text, tuple(Word(t, a + i * step, a + (i + 1) * step, 0.9) for i, t in enumerate(toks)))


def test_labelled_agent_by_time_order_and_reference(tmp_path):
    r = _report([_seg("S1", 0.0, 2.0, "hello there"), _seg("S2", 2.5, 6.0, "thank you for calling how can i help"),
                 _seg("S1", 6.5, 8.0, "my order")], "S2")
    assert labelled_agent(r, parse_agent_label("second"), None)[0] == "S2"
    assert labelled_agent(r, parse_agent_label("at:3.0"), None)[0] == "S2"
    assert labelled_agent(r, parse_agent_label("at:60"), None) == (None, "no speech within 3 s of 60.0 s")
    (tmp_path / "r.srt").write_text("1\n00:00:02,400 --> 00:00:06,100\n[CSR] thank you for calling\n\n"
                                    "2\n00:00:00,000 --> 00:00:02,000\n[Customer] hello there\n")
    ref = read_reference(tmp_path / "r.srt")
    got, how = labelled_agent(r, parse_agent_label("[CSR]"), ref)
    assert got == "S2" and "overlaps S2 most" in how
    assert labelled_agent(r, parse_agent_label("[Boss]"), ref)[0] is None


def test_doubled_words_count_only_the_same_word_at_the_same_moment():
    r = _report([_seg("S1", 0.0, 1.0, "right right"), _seg("S1", 0.05, 0.5, "right")], "S1")
    assert doubled_words(r) == 1  # the overlapping copy, not the word said twice


def test_calibration_and_correlation():
    c = calibration([(0.95, True), (0.92, True), (0.55, False), (0.6, True)])
    b = {x["from"]: x for x in c["bins"]}
    assert b[0.9]["n"] == 2 and b[0.9]["accuracy"] == 1.0 and b[0.5]["accuracy"] == 0.0 and b[0.6]["accuracy"] == 1.0
    assert c["ece"] == pytest.approx((2 * 0.065 + 0.55 + 0.4) / 4, abs=1e-3)
    assert correlation([50, 60, 70, 80], [1, 2, 3, 5])["spearman"] == 1.0
    assert correlation([50, 60], [1, 2]) is None


def test_evaluate_command_on_kept_reports(sample_reports, tmp_path):
    """The command as a QA team runs it: a folder, a labels CSV, JSON and HTML out; kept reports read back."""
    folder, kept = tmp_path / "calls", tmp_path / "kept"
    folder.mkdir()
    kept.mkdir()
    names = ("stereo_call_8k.wav", "customer_first_stereo.wav")
    for n in names:
        (folder / n).symlink_to(SAMPLES / n)
        (kept / f"{n}.json").write_text(sample_reports[n].to_json())
    manifest = json.loads((SAMPLES / "manifest.json").read_text())
    entry = next(f for f in manifest["files"] if f["file"] == "stereo_call_8k.wav")
    def ts(t: float) -> str:  # SubRip's clock: milliseconds after a comma
        return f"{int(t // 3600):02d}:{int(t % 3600 // 60):02d}:{t % 60:06.3f}".replace(".", ",")

    srt = "".join(f"{i + 1}\n{ts(t['start'])} --> {ts(t['end'])}\n[{t['speaker']}] {t['text']}\n\n"
                  for i, t in enumerate(entry["turns"]))
    (folder / "stereo_call_8k.srt").write_text(srt)
    (folder / "labels.csv").write_text("file,agent,tone_rating\nstereo_call_8k.wav,left,4\n"
                                       "customer_first_stereo.wav,right,3\nmissing.wav,left,\n")
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(["evaluate", str(folder), "--reports", str(kept), "--reuse", "--json", str(tmp_path / "e.json"),
                     "--html", str(tmp_path / "e.html")], stdout=out, stderr=err)
    assert code == 0, err.getvalue()
    res = json.loads((tmp_path / "e.json").read_text())
    by = {c["file"]: c for c in res["calls"]}
    assert by["missing.wav"]["error"] == "file not found"
    assert by["stereo_call_8k.wav"]["reused_report"] is True
    assert by["stereo_call_8k.wav"]["agent"]["correct"] is True and by["customer_first_stereo.wav"]["agent"]["correct"] is True
    assert 0.0 < by["stereo_call_8k.wav"]["wer"]["wer"] < 0.4  # espeak voices at 8 kHz, numbers redacted in the report
    assert by["stereo_call_8k.wav"]["der"]["der"] < 0.25
    assert res["summary"]["agent"]["stereo"] == {"n": 2, "correct": 2, "accuracy": 1.0}
    assert res["summary"]["failed"] == 1
    text = out.getvalue()
    assert "Agent decision: 2/2 (100%) right" in text and "Word error rate: mean" in text
    page = (tmp_path / "e.html").read_text()
    assert page.startswith("<!doctype html>") and "stereo_call_8k.wav" in page and "<script" not in page
