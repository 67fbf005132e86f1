"""Numbers as the app and the command line write them: a true minus sign, thousands commas,
compact figures with an SI prefix."""
from __future__ import annotations

MINUS = "−"
PREFIXES = {"G": 1e9, "M": 1e6, "k": 1e3}


def num(v: float, digits: int = 4) -> str:
    """0.1234, −0.5, 1.2e+03: short, with a real minus sign."""
    return f"{v:.{digits}g}".replace("-", MINUS)


def signed(v: float, digits: int = 4) -> str:
    """A term inside a sum: negative values in brackets, `(−0.4)`."""
    text = num(v, digits)
    return f"({text})" if v < 0 else text


def count(n: int | None) -> str:
    """1,234,567; "?" when unknown."""
    return "?" if n is None else f"{n:,}"


def short(n: float | None, unit: str = "", fmt: str = ".3g", prefixes: str = "GMk", always: bool = False) -> str:
    """1234567 → "1.23 M"; with unit="MAC" and fmt=".2f", 15470264320 → "15.47 GMAC".

    Below the smallest prefix the plain number is written, unless `always` uses that prefix anyway.
    """
    if n is None:
        return "?"
    for i, p in enumerate(prefixes):
        if n >= PREFIXES[p] or (always and i == len(prefixes) - 1):
            return f"{n / PREFIXES[p]:{fmt}} {p}{unit}"
    return f"{n} {unit}".rstrip()
