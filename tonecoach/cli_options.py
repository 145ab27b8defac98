"""Command-line options shared by more than one command (``analyze``, ``batch``)."""

from __future__ import annotations

import argparse

__all__ = ["add_beam_size", "beam_size"]


def beam_size(text: str) -> int:
    """``--beam-size``: a whole number in :data:`~tonecoach.analysis.asr.BEAM_SIZES`, or argparse's usage error."""
    from .analysis.asr import BEAM_SIZES

    try:
        n = int(text)
    except ValueError:
        n = None
    if n is None or not BEAM_SIZES[0] <= n <= BEAM_SIZES[1]:
        raise argparse.ArgumentTypeError(f"a whole number from {BEAM_SIZES[0]} to {BEAM_SIZES[1]}, not {text!r}")
    return n


def add_beam_size(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--beam-size", type=beam_size, default=5, metavar="N",
                        help="hypotheses the decoder keeps, 1-10 (default: 5). 3 is about 8%% faster on English calls "
                             "with about the same word error rate on tonecoach's ten real test calls, but keeps fewer "
                             "filler words (86%% against 93%%)")
