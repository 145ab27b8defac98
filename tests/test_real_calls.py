"""Real phone calls nobody here made (../shared/data/realcalls): the agent, the words, the speakers.

Three calls keep this quick: two SpokenWOZ stereo calls (8 kHz, word
timings, the caller says "hello" first) and a mono call with [CSR] turns.
``tonecoach evaluate`` runs on them as a QA team would run it.
"""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.shared_data, pytest.mark.slow]

CALLS = ("spokenwoz_SNG0072.wav", "spokenwoz_SNG0480.wav", "callytics_call01.wav")


@pytest.fixture(scope="module")
def result(analyzer, shared_data, tmp_path_factory):
    from dataclasses import replace

    from tonecoach.analyzer import Analyzer
    from tonecoach.evaluate import evaluate_calls

    folder = shared_data / "realcalls"
    labels = tmp_path_factory.mktemp("labels") / "labels.csv"
    roles = {ln.split("\t")[0]: ln.split("\t")[1] for ln in (folder / "roles.tsv").read_text().splitlines()[1:]}
    labels.write_text("file,agent\n" + "".join(f"{c},{roles[c]}\n" for c in CALLS))

    def factory():  # the session's Whisper model, without redaction so that words can be compared
        return Analyzer(replace(analyzer.options, redact=False), transcriber=analyzer.transcriber,
                        wording_model=analyzer.wording_model)

    return evaluate_calls(folder, labels, factory, reports_dir=tmp_path_factory.mktemp("reports"))


def test_the_agent_is_found_on_each_call_and_the_choice_is_sure(result):
    for c in result["calls"]:
        a = c["agent"]
        assert a["correct"] is True, (c["file"], a)
        assert a["confidence"] >= 0.9 and not a["unsure"], (c["file"], a)
    assert result["summary"]["agent"]["all"] == {"n": 3, "correct": 3, "accuracy": 1.0}


def test_no_word_is_transcribed_twice(result):
    """Two decodings of the same audio once gave 'address address would would be be right right'."""
    for c in result["calls"]:
        assert c["doubled_words"] == 0, c["file"]
        # words repeating the word before them: no more than the people who made the references heard
        assert c["repeated_words"] <= c["reference"]["repeated_words"] + 3, (c["file"], c["repeated_words"])


def test_word_error_rate_and_speaker_turns_against_the_references(result):
    by = {c["file"]: c for c in result["calls"]}
    # Whisper base on 8 kHz phone audio, text normalised as in the Whisper paper (numbers, contractions)
    assert by["spokenwoz_SNG0072.wav"]["wer"]["wer"] <= 0.28
    assert by["spokenwoz_SNG0480.wav"]["wer"]["wer"] <= 0.20
    assert by["callytics_call01.wav"]["wer"]["wer"] <= 0.33
    for c in result["calls"]:
        assert c["der"]["der"] <= 0.30, (c["file"], c["der"])
        assert c["voices"] == c["reference"]["voices"] == 2


def test_evaluate_reads_the_call_sets_own_formats(shared_data):
    from tonecoach.evaluate import read_labels, read_reference

    folder = shared_data / "realcalls"
    labels = {x.file: x.agent for x in read_labels(folder / "roles.tsv")}
    assert labels["spokenwoz_SNG0072.wav"].kind == "channel" and labels["google_commercial_mono.wav"].kind == "order"
    assert labels["callytics_call01.wav"].kind == "ref" and labels["callytics_call01.wav"].value == "CSR"
    assert not labels["axon_en_1735404531_support.mp3"].usable  # "see .txt": the results say it was not judged
    woz = read_reference(folder / "spokenwoz_SNG0072.json")
    assert woz.speakers == ("A", "B") and woz.has_speaker_times and woz.turns[1].text.startswith("hi customer service")
    srt = read_reference(folder / "callytics_call01.srt")
    assert srt.speakers == ("CSR", "Customer") and srt.turns[0].text.startswith("Hello and welcome")
    ms = read_reference(folder / "msft_fasttranscription_test_call.json")
    assert ms.speakers == ("0", "1") and ms.note == "machine transcription"
    pl = read_reference(folder / "axon_pl_1735556115_custservice.txt", language="pl")
    assert pl.note == "the pl section" and pl.turns[0].start_s == 2.0 and not pl.has_speaker_times
