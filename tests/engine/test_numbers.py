"""How numbers are written everywhere (status bar, cards, summary, explain views)."""
from __future__ import annotations

from convstudio.engine.numbers import count, num, short, signed


def test_short_figures_use_si_prefixes():
    assert short(1_234_567) == "1.23 M"
    assert short(999) == "999" and short(None) == "?"
    assert short(15_470_264_320, "MAC", ".2f") == "15.47 GMAC"  # VGG-16
    assert short(416_520, "MAC", ".2f") == "416.52 kMAC" and short(520, "MAC", ".2f") == "520 MAC"
    assert short(416_520, prefixes="GM", always=True) == "0.417 M"  # LeNet-5 in millions


def test_signs_and_thousands():
    assert num(-0.123456) == "−0.1235" and signed(-0.5) == "(−0.5)" and signed(0.25) == "0.25"
    assert count(138_357_544) == "138,357,544" and count(None) == "?"
