"""Shared fixtures: one Analyzer (one Whisper model) for the whole session, and the evaluation data."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# the web app's fixtures (a running server with test users), kept beside their helpers
pytest_plugins = ("web_support",)

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"


#: Fixtures that load a Whisper model, start the web app, drive a browser or read the evaluation recordings: a test
#: that needs one (directly or through another fixture) is marked ``slow`` and left out of ``make test-fast``.
#: Tests that do so without a fixture carry ``@pytest.mark.slow`` themselves.
SLOW_FIXTURES = frozenset({"analyzer", "sample_reports", "tiny", "web_server", "served", "browser", "playwright",
                           "shared_data"})


def pytest_collection_modifyitems(config, items):
    for item in items:
        if SLOW_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


def shared_data_dir() -> Path | None:
    """../shared/data beside the repository, or $TONECOACH_SHARED_DATA; None when absent."""
    env = os.environ.get("TONECOACH_SHARED_DATA")
    p = Path(env) if env else ROOT.parent / "shared" / "data"
    return p if p.is_dir() else None


@pytest.fixture(scope="session")
def shared_data() -> Path:
    d = shared_data_dir()
    if d is None:
        pytest.skip("../shared/data is absent")
    return d


@pytest.fixture(scope="session")
def analyzer():
    from tonecoach.analyzer import Analyzer

    return Analyzer()


@pytest.fixture(scope="session")
def sample_reports(analyzer):
    """Reports of the bundled samples, computed once."""
    out = {}
    for name in ("warm_agent.flac", "flat_rushed_agent.flac", "stereo_call_8k.wav", "customer_first_stereo.wav"):
        path = SAMPLES / name
        if path.exists():
            out[name] = analyzer.analyze(str(path))
    return out


@pytest.fixture(scope="session")
def wording_model(analyzer):
    """The analyzer's wording model (one MiniLM encoder for the session)."""
    return analyzer.wording_model
