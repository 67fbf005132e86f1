"""Parameter declarations: name, teaching letter, kind, default, range and help.

The inspector, the JSON schema and the loader all read these, so a parameter is
described once. `coerce` turns any accepted spelling into the canonical JSON value
and explains a bad one in plain words.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class ParamError(ValueError):
    """A bad parameter value; `where` is the sub-path inside the value (e.g. "[0]")."""

    def __init__(self, message: str, where: str = ""):
        super().__init__(message)
        self.message = message
        self.where = where


KINDS = ("int", "float", "bool", "pair", "padding", "pad4")
PADDING_WORDS = ("same", "valid")


@dataclass(frozen=True)
class Param:
    """One layer parameter as the user sees it (`kernel size (F)`)."""

    name: str
    kind: str
    default: Any
    help: str
    letter: str = ""
    minimum: float | None = None
    maximum: float | None = None
    exclusive_maximum: bool = False
    nullable: bool = False
    null_means: str = ""
    label: str = field(default="")

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown parameter kind {self.kind!r}")
        if not self.label:
            object.__setattr__(self, "label", self.name.replace("_", " "))

    @property
    def title(self) -> str:
        """Label with the teaching letter, as written in the app: `kernel size (F)`."""
        return f"{self.label} ({self.letter})" if self.letter else self.label

    def coerce(self, value: Any) -> Any:
        """Return the canonical value or raise ParamError saying what is wrong."""
        if value is None:
            if self.nullable:
                return None
            raise ParamError(f"must be {self._expected()}, got null")
        return getattr(self, f"_coerce_{self.kind}")(value)

    def _expected(self) -> str:
        return {
            "int": "a whole number",
            "float": "a number",
            "bool": "true or false",
            "pair": "a whole number or a pair [height, width]",
            "padding": 'a whole number, a pair [height, width], "same" or "valid"',
            "pad4": "a whole number, [height, width] or [top, bottom, left, right]",
        }[self.kind]

    def _check_range(self, v: float, where: str = "") -> None:
        if self.minimum is not None and v < self.minimum:
            raise ParamError(f"must be ≥ {_fmt(self.minimum)}, got {_fmt(v)}", where)
        if self.maximum is not None:
            if self.exclusive_maximum and v >= self.maximum:
                raise ParamError(f"must be < {_fmt(self.maximum)}, got {_fmt(v)}", where)
            if v > self.maximum:
                raise ParamError(f"must be ≤ {_fmt(self.maximum)}, got {_fmt(v)}", where)

    def _int(self, value: Any, where: str = "") -> int:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            expected = "a whole number" if where else self._expected()
            raise ParamError(f"must be {expected}, got {_show(value)}", where)
        if isinstance(value, float) and not value.is_integer():
            raise ParamError(f"must be a whole number, got {_fmt(value)}", where)
        self._check_range(value, where)
        return int(value)

    def _coerce_int(self, value: Any) -> int:
        return self._int(value)

    def _coerce_float(self, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ParamError(f"must be a number, got {_show(value)}")
        if value != value or value in (float("inf"), float("-inf")):
            raise ParamError(f"must be a finite number, got {value}")
        self._check_range(value)
        return float(value)

    def _coerce_bool(self, value: Any) -> bool:
        if not isinstance(value, bool):
            raise ParamError(f"must be true or false, got {_show(value)}")
        return value

    def _coerce_pair(self, value: Any) -> list[int]:
        if isinstance(value, (list, tuple)):
            if len(value) != 2:
                raise ParamError(f"must have 2 entries [height, width], got {len(value)}")
            return [self._int(v, f"[{i}]") for i, v in enumerate(value)]
        v = self._int(value)
        return [v, v]

    def _coerce_padding(self, value: Any) -> list[int] | str:
        if isinstance(value, str):
            if value in PADDING_WORDS:
                return value
            raise ParamError(f'must be a number, [height, width], "same" or "valid", got {_show(value)}')
        return self._coerce_pair(value)

    def _coerce_pad4(self, value: Any) -> list[int]:
        if isinstance(value, (list, tuple)) and len(value) == 4:
            return [self._int(v, f"[{i}]") for i, v in enumerate(value)]
        if isinstance(value, (list, tuple)) and len(value) not in (2, 4):
            raise ParamError(f"must have 2 or 4 entries, got {len(value)}")
        h, w = self._coerce_pair(value)
        return [h, h, w, w]

    def json_schema(self) -> dict:
        """The JSON Schema fragment for this parameter's accepted spellings."""
        num = {"type": "integer"} if self.kind != "float" else {"type": "number"}
        if self.minimum is not None:
            num["minimum"] = self.minimum
        if self.maximum is not None:
            num["exclusiveMaximum" if self.exclusive_maximum else "maximum"] = self.maximum
        schema = {
            "int": num,
            "float": num,
            "bool": {"type": "boolean"},
            "pair": {"anyOf": [num, _array(num, 2)]},
            "padding": {"anyOf": [num, _array(num, 2), {"enum": list(PADDING_WORDS)}]},
            "pad4": {"anyOf": [num, _array(num, 2), _array(num, 4)]},
        }[self.kind]
        if self.nullable:
            schema = {"anyOf": [schema, {"type": "null"}]}
        return {"description": self.help, **schema}


def _array(item: dict, n: int) -> dict:
    return {"type": "array", "items": item, "minItems": n, "maxItems": n}


def _fmt(v: float) -> str:
    if isinstance(v, int):  # may be too large for a float (JSON allows 10**400)
        text = str(v)
        return text if len(text) <= 40 else text[:37] + "..."
    return str(int(v)) if float(v).is_integer() and abs(v) < 1e15 else repr(v)


def _show(value: Any) -> str:
    import json

    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
