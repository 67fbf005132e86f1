"""Optimizers and learning-rate schedules with torch.optim's update rules (NumPy, float32, no Qt).

Each step repeats torch.optim's single-tensor CPU code operation by operation, each scalar
rounded to float32 as torch rounds it, so weights trained here stay within float32 round-off
of the same run in PyTorch. A step works through large arrays in cache-sized slices with a
few float32 scratch buffers, never float64 copies.

State is flat and .npz-ready: "<node id>/<name>/<slot>" -> array, plus "step", so training
can stop, be saved beside the weights and resume exactly.
"""
from __future__ import annotations

import math
from typing import Callable, Mapping

import numpy as np

from ..errors import ConvStudioError
from ..layers import fmt_shape
from .weights import WeightSet

__all__ = ["Optimizer", "SGD", "Adam", "make_optimizer", "lr_schedule", "OPTIMIZERS", "SCHEDULES", "WeightSet"]

_SLICE = 1 << 15  # elements per slice: a step's ~6 arrays of a slice stay in L2 cache
_Key = tuple[str, str]  # (node id, array name)


def _real(value, what: str, ok: Callable[[float], bool], need: str) -> float:
    """`value` as a float when it is a finite number satisfying `ok`; else one line saying what is needed."""
    try:
        number = float(value) if not isinstance(value, (bool, str)) else math.nan
    except (TypeError, ValueError):
        number = math.nan
    if not (math.isfinite(number) and ok(number)):
        raise ConvStudioError(f"{what} must be {need}, not {_shown(value)}")
    return number


def _whole(value, what: str, low: int) -> int:
    """`value` as an int ≥ `low`; else one line saying so."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ConvStudioError(f"{what} must be a whole number ≥ {low}, not {_shown(value)}")
    return int(value)


def _shown(value) -> str:
    """A short rendering of a bad value for a one-line message."""
    if isinstance(value, np.ndarray):
        return str(value.item()) if value.size == 1 else f"{value.dtype} values of shape {fmt_shape(value.shape)}"
    return repr(value) if isinstance(value, str) else str(value)


def _slices(*arrays: np.ndarray):
    """Matching slices of same-shaped arrays: flat cache-sized pieces when all are contiguous."""
    if all(a.flags.c_contiguous for a in arrays):
        flat = [a.reshape(-1) for a in arrays]
        for start in range(0, flat[0].size, _SLICE):
            yield [f[start:start + _SLICE] for f in flat]
    else:
        yield list(arrays)


def _scratch(buf: np.ndarray, like: np.ndarray) -> np.ndarray:
    """A float32 work array shaped like `like`, inside `buf` when it is large enough."""
    return buf[:like.size].reshape(like.shape) if buf.size >= like.size else np.empty_like(like)


class Optimizer:
    """Updates weights in place from gradients; `lr` may change between steps.

    Subclasses name their per-array state `slots` and implement `_update`."""

    name = ""
    slots: tuple[str, ...] = ()

    def __init__(self, lr: float):
        self.lr = lr
        self.steps = 0  # step() calls so far; restored by load_state
        self._state: dict[_Key, dict[str, np.ndarray]] = {}

    @property
    def lr(self) -> float:
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        self._lr = _real(value, "learning rate", lambda v: v > 0, "a finite number > 0")

    def step(self, weights: WeightSet, grads: WeightSet) -> None:
        """Update in place every array named in `grads`; all are checked before any changes."""
        work = [(key, w, g, self._state.get(key)) for key, w, g in self._pairs(weights, grads)]
        scratch = [np.empty(min(_SLICE, max((w.size for _, w, _, _ in work), default=0)), np.float32)
                   for _ in range(2)]
        for key, w, g, state in work:
            if state is None:
                state = self._state[key] = self._fresh(w)
            self._update(w, g, state, scratch)
        self.steps += 1

    def _pairs(self, weights: WeightSet, grads: WeightSet) -> list[tuple[_Key, np.ndarray, np.ndarray]]:
        """(key, weight, float32 gradient) for every gradient, or one line on the first mismatch."""
        pairs = []
        for nid, named in grads.items():
            for name, grad in named.items():
                w = weights.get(nid, {}).get(name)
                where = f"{nid}/{name}"
                if not isinstance(w, np.ndarray):
                    raise ConvStudioError(f"there is a gradient for {where} but no such weight")
                if w.dtype != np.float32:
                    raise ConvStudioError(f"weight {where} must be float32 to be updated in place, not {w.dtype}")
                if not w.flags.writeable:
                    raise ConvStudioError(f"weight {where} is read-only and cannot be updated in place")
                g = np.ascontiguousarray(grad, dtype=np.float32)
                if g.shape != w.shape:
                    raise ConvStudioError(f"gradient of {where} is {fmt_shape(g.shape)} "
                                          f"but the weight is {fmt_shape(w.shape)}")
                for slot, arr in self._state.get((nid, name), {}).items():
                    if slot != "step" and arr.shape != w.shape:
                        raise ConvStudioError(f"optimizer state of {where} is {fmt_shape(arr.shape)} but the "
                                              f"weight is {fmt_shape(w.shape)}; the network changed since the "
                                              "state was saved")
                pairs.append(((nid, name), w, g))
        return pairs

    def _fresh(self, w: np.ndarray) -> dict[str, np.ndarray]:
        raise NotImplementedError

    def _update(self, w: np.ndarray, g: np.ndarray, state: dict, scratch: list[np.ndarray]) -> None:
        raise NotImplementedError

    def state(self) -> dict[str, np.ndarray]:
        """Copies of every state array keyed "<node id>/<name>/<slot>", plus "step" (step() calls)."""
        out = {f"{nid}/{name}/{slot}": np.array(arr) for (nid, name), slots in self._state.items()
               for slot, arr in slots.items()}
        out["step"] = np.array(self.steps, dtype=np.int64)
        return out

    def load_state(self, state: Mapping[str, np.ndarray]) -> None:
        """Resume from `state()`'s output (e.g. an .npz); nothing changes unless all of it fits."""
        if "step" not in state:
            raise ConvStudioError(f"{self.name} state has no 'step' entry")
        steps = _state_count(state["step"], "step")
        loaded: dict[_Key, dict[str, np.ndarray]] = {}
        for key, arr in state.items():
            if key == "step":
                continue
            nid, name, slot = _state_key(key)
            if slot not in self.slots:
                raise ConvStudioError(f"optimizer state entry {key!r} is not {self.name} state "
                                      f"({self.name} keeps {', '.join(self.slots) or 'no state'})")
            loaded.setdefault((nid, name), {})[slot] = np.array(arr)
        for (nid, name), slots in loaded.items():
            self._check_loaded(f"{nid}/{name}", slots)
        self._state, self.steps = loaded, steps

    def _check_loaded(self, where: str, slots: dict[str, np.ndarray]) -> None:
        """Converts one array's loaded slots in place; a missing or odd one is refused."""
        missing = [s for s in self.slots if s not in slots]
        if missing:
            raise ConvStudioError(f"{self.name} state of {where} lacks {', '.join(missing)}")
        shape = slots[self.slots[0]].shape
        for slot in self.slots:
            if slot == "step":
                slots[slot] = np.array(_state_count(slots[slot], f"{where}/step"), dtype=np.int64)
            elif slots[slot].shape != shape or not np.issubdtype(slots[slot].dtype, np.floating):
                raise ConvStudioError(f"{self.name} state {where}/{slot} must be a float array of shape "
                                      f"{fmt_shape(shape)}, not {slots[slot].dtype} {fmt_shape(slots[slot].shape)}")
            else:
                slots[slot] = slots[slot].astype(np.float32, copy=False)


def _state_key(key: str) -> tuple[str, str, str]:
    parts = key.rsplit("/", 2)
    if len(parts) != 3 or not all(parts):
        raise ConvStudioError(f"optimizer state entry {key!r} is not '<node id>/<name>/<slot>'")
    return parts[0], parts[1], parts[2]


def _state_count(value, what: str) -> int:
    arr = np.asarray(value)
    if arr.shape != () or not np.issubdtype(arr.dtype, np.integer) or arr < 0:
        raise ConvStudioError(f"optimizer state {what!r} must be one whole number ≥ 0, not {_shown(arr)}")
    return int(arr)


class SGD(Optimizer):
    """torch.optim.SGD: g += wd·w; b = μ·b + (1 − dampening)·g (b = g at first);
    Nesterov g += μ·b, else g = b; w −= lr·g."""

    name = "SGD"
    slots = ("momentum_buffer",)

    def __init__(self, lr: float, momentum: float = 0.0, dampening: float = 0.0, nesterov: bool = False,
                 weight_decay: float = 0.0):
        super().__init__(lr)
        self.momentum = _real(momentum, "momentum", lambda v: 0 <= v < 1, "a number in [0, 1)")
        self.dampening = _real(dampening, "dampening", lambda v: 0 <= v <= 1, "a number in [0, 1]")
        self.weight_decay = _real(weight_decay, "weight decay", lambda v: v >= 0, "a finite number ≥ 0")
        self.nesterov = bool(nesterov)
        if self.nesterov and (self.momentum <= 0 or self.dampening != 0):
            raise ConvStudioError("Nesterov momentum needs a momentum > 0 and zero dampening")

    def _fresh(self, w: np.ndarray) -> dict[str, np.ndarray]:
        return {}

    def _update(self, w, g, state, scratch) -> None:
        wd, mu = np.float32(self.weight_decay), np.float32(self.momentum)
        keep, lr = np.float32(1 - self.dampening), np.float32(self.lr)
        first = bool(mu) and "momentum_buffer" not in state
        if first:
            state["momentum_buffer"] = np.empty_like(w)
        buf = state.get("momentum_buffer") if mu else None
        for part in _slices(w, g) if buf is None else _slices(w, g, buf):
            pw, src = part[0], part[1]
            d, t = (_scratch(s, pw) for s in scratch)
            if wd:  # g + wd·w
                np.multiply(pw, wd, out=d)
                d += src
                src = d
            if buf is not None:
                pb = part[2]
                if first:
                    pb[...] = src
                else:  # b·μ + (1 − dampening)·g
                    pb *= mu
                    if keep == 1:
                        pb += src
                    else:
                        np.multiply(src, keep, out=t)
                        pb += t
                if self.nesterov:  # g + μ·b
                    np.multiply(pb, mu, out=t)
                    t += src
                    src = t
                else:
                    src = pb
            np.multiply(src, lr, out=d)
            pw -= d


class Adam(Optimizer):
    """torch.optim.Adam, and AdamW when `decoupled`: moments m, v with bias correction;
    weight decay adds wd·w to the gradient (Adam) or shrinks w by lr·wd first (AdamW)."""

    name = "Adam"
    slots = ("exp_avg", "exp_avg_sq", "step")

    def __init__(self, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, decoupled: bool = False):
        super().__init__(lr)
        try:
            beta1, beta2 = (betas,) if isinstance(betas, str) else betas
        except (TypeError, ValueError):
            raise ConvStudioError(f"betas must be two numbers in [0, 1), not {_shown(betas)}") from None
        self.betas = (_real(beta1, "beta1", lambda v: 0 <= v < 1, "a number in [0, 1)"),
                      _real(beta2, "beta2", lambda v: 0 <= v < 1, "a number in [0, 1)"))
        self.eps = _real(eps, "eps", lambda v: v > 0, "a finite number > 0")
        self.weight_decay = _real(weight_decay, "weight decay", lambda v: v >= 0, "a finite number ≥ 0")
        self.decoupled = bool(decoupled)
        if self.decoupled:
            self.name = "AdamW"

    def _fresh(self, w: np.ndarray) -> dict[str, np.ndarray]:
        return {"exp_avg": np.zeros_like(w), "exp_avg_sq": np.zeros_like(w), "step": np.array(0, np.int64)}

    def _update(self, w, g, state, scratch) -> None:
        beta1, beta2 = self.betas
        state["step"] = np.array(int(state["step"]) + 1, np.int64)
        t = int(state["step"])
        step_size = self.lr / (1 - beta1 ** t)
        bias2_sqrt = (1 - beta2 ** t) ** 0.5
        wd = np.float32(self.weight_decay)
        shrink = np.float32(1 - self.lr * self.weight_decay)
        lerp = np.float32(1 - beta1)
        f32 = np.float32
        for pw, src, m, v in _slices(w, g, state["exp_avg"], state["exp_avg_sq"]):
            a, b = (_scratch(s, pw) for s in scratch)
            if wd and self.decoupled:  # w·(1 − lr·wd)
                pw *= shrink
            elif wd:  # g + wd·w
                np.multiply(pw, wd, out=a)
                a += src
                src = a
            np.subtract(src, m, out=b)  # m.lerp(g, 1 − β1), torch's two-sided formula
            if lerp < 0.5:
                b *= lerp
                m += b
            else:
                b *= f32(1) - lerp
                np.subtract(src, b, out=m)
            v *= f32(beta2)  # v·β2 + (1 − β2)·g·g
            np.multiply(src, f32(1 - beta2), out=b)
            b *= src
            v += b
            np.sqrt(v, out=b)  # √v / √(1 − β2ᵗ) + eps
            b /= f32(bias2_sqrt)
            b += f32(self.eps)
            np.multiply(m, f32(step_size), out=a)  # w − step_size·m / denominator
            a /= b
            pw -= a


_OPTIONS = {
    "sgd": ("momentum", "dampening", "nesterov", "weight_decay"),
    "adam": ("betas", "eps", "weight_decay"),
    "adamw": ("betas", "eps", "weight_decay"),
}
OPTIMIZERS = tuple(_OPTIONS)


def make_optimizer(name: str, lr: float, **options) -> Optimizer:
    """The optimizer called `name` ("sgd", "adam" or "adamw"); AdamW's weight decay defaults to torch's 0.01."""
    key = name.lower() if isinstance(name, str) else ""
    if key not in _OPTIONS:
        raise ConvStudioError(f"optimizer {name!r} is not one of {', '.join(OPTIMIZERS)}")
    unknown = sorted(set(options) - set(_OPTIONS[key]))
    if unknown:
        raise ConvStudioError(f"{key} does not take {', '.join(unknown)}; it takes {', '.join(_OPTIONS[key])}")
    if key == "sgd":
        return SGD(lr, **options)
    if key == "adamw":
        return Adam(lr, decoupled=True, **{"weight_decay": 1e-2, **options})
    return Adam(lr, **options)


SCHEDULES = ("constant", "step", "cosine")


def lr_schedule(kind: str | None, base_lr: float, total_steps: int, *, step_size: int | None = None,
                gamma: float = 0.1, warmup: int = 0) -> Callable[[int], float]:
    """The learning rate for each 0-based step of a run of `total_steps` steps.

    "constant" (or None); "step": torch's StepLR, × gamma every `step_size` steps (default: a third of the
    run after warm-up); "cosine": torch's CosineAnnealingLR from base_lr to 0 over the run after warm-up.
    `warmup` > 0 first ramps linearly, base_lr·(i + 1)/(warmup + 1) for i < warmup (torch's LinearLR with
    start_factor 1/(warmup + 1)); steps past the end keep the last schedule's value at total_steps."""
    kind = "constant" if kind is None else kind
    if kind not in SCHEDULES:
        raise ConvStudioError(f"learning-rate schedule {kind!r} is not one of {', '.join(SCHEDULES)}")
    base_lr = _real(base_lr, "learning rate", lambda v: v > 0, "a finite number > 0")
    total_steps = _whole(total_steps, "the number of training steps", 1)
    warmup = _whole(warmup, "warm-up steps", 0)
    if warmup >= total_steps:
        raise ConvStudioError(f"warm-up of {warmup} steps leaves none of the {total_steps} training steps")
    span = total_steps - warmup
    gamma = _real(gamma, "gamma", lambda v: 0 < v <= 1, "a number in (0, 1]")
    every = max(1, span // 3) if step_size is None else _whole(step_size, "step size", 1)

    def main(j: int) -> float:
        if kind == "step":
            return base_lr * gamma ** (j // every)
        if kind == "cosine":
            return base_lr * (1 + math.cos(math.pi * min(j, span) / span)) / 2
        return base_lr

    def lr_at(i: int) -> float:
        i = _whole(i, "step index", 0)
        return base_lr * (i + 1) / (warmup + 1) if i < warmup else main(i - warmup)

    return lr_at
