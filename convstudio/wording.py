"""Small English helpers for messages built from names and counts: "an Input", "1 layer", "2 layers"."""
from __future__ import annotations

import re

_VOWEL_SOUND_NUMBER = re.compile(r"8|1[18](?=(\d{3})*(\D|$))")  # eight…, eleven…, eighteen… (not 110, 180)


def a(word: str) -> str:
    """`word` with its indefinite article: a(“Input”) is "an Input", a("8×8") is "an 8×8"."""
    text = str(word)
    if _VOWEL_SOUND_NUMBER.match(text) or (text[:1].lower() in "aeiou" and text[:1]):
        return f"an {text}"
    return f"a {text}"


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """"1 layer", "3 layers", "1,024 channels"; `plural` for irregular nouns."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"
