"""Editors generated from Param declarations: one widget per parameter kind.

Spin boxes commit on Enter, focus-out and arrow/wheel steps, never per keystroke: typing 384
must not run through 3 and 38 (each an edit, an inference, perhaps an error).

Each editor emits `edited(value)` with the value in the parameter's canonical JSON form
([h, w] for pairs, "same"/"valid" or [h, w] for padding, None for "= kernel size"), and
`set_value` updates it from the graph without emitting, so a refresh never becomes an edit.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QGridLayout, QHBoxLayout, QLabel,
                               QSpinBox, QWidget)

from ...layers import Param

INT_LIMIT = 2**31 - 1


def _int_range(param: Param) -> tuple[int, int]:
    low = int(param.minimum) if param.minimum is not None else -INT_LIMIT
    high = int(param.maximum) if param.maximum is not None else INT_LIMIT
    if param.exclusive_maximum:
        high -= 1
    return max(low, -INT_LIMIT), min(high, INT_LIMIT)


class LeaveUndoToTheApp(QObject):
    """Ctrl+Z in a spin box undoes the graph edit (Edit ▸ Undo), not the box's own typing."""

    KEYS = (QKeySequence.StandardKey.Undo, QKeySequence.StandardKey.Redo)

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and (
                any(event.matches(k) for k in self.KEYS) or event.keyCombination().toCombined() in REDO_KEYS):
            event.ignore()
            return True
        return False


REDO_KEYS = {QKeySequence("Ctrl+Y")[0].toCombined(), QKeySequence("Ctrl+Shift+Z")[0].toCombined()}
_undo_filter: LeaveUndoToTheApp | None = None


def leave_undo_to_the_app(spin) -> None:
    global _undo_filter
    if _undo_filter is None:
        _undo_filter = LeaveUndoToTheApp()
    spin.installEventFilter(_undo_filter)  # whichever of the two has focus is asked first
    spin.lineEdit().installEventFilter(_undo_filter)


def make_spin(param: Param, name: str, tip: str) -> QSpinBox:
    spin = QSpinBox()
    leave_undo_to_the_app(spin)
    spin.setObjectName(name)
    spin.setRange(*_int_range(param))
    spin.setToolTip(tip)
    spin.setAccelerated(True)
    spin.setKeyboardTracking(False)
    spin.setMinimumWidth(56)
    return spin


def _quiet_set(widget, setter, value) -> None:
    """Set a widget's value without emitting, and only when it differs (keeps the cursor while typing)."""
    widget.blockSignals(True)
    try:
        setter(value)
    finally:
        widget.blockSignals(False)


class ParamEditor(QWidget):
    edited = Signal(object)

    def __init__(self, param: Param, parent=None):
        super().__init__(parent)
        self.param = param
        self.setObjectName(f"param-{param.name}")
        self.setToolTip(param.help)

    def set_value(self, value: Any, params: dict) -> None:
        raise NotImplementedError

    def _hold(self, widget: QWidget) -> None:
        """The single value widget, left-aligned in the form row."""
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(widget)
        layout.addStretch()


class IntEditor(ParamEditor):
    def __init__(self, param: Param, parent=None):
        super().__init__(param, parent)
        self.spin = make_spin(param, f"param-{param.name}-value", param.help)
        self._hold(self.spin)
        self.spin.valueChanged.connect(self.edited.emit)

    def set_value(self, value, params) -> None:
        if self.spin.value() != value:
            _quiet_set(self.spin, self.spin.setValue, value)


class FloatEditor(ParamEditor):
    def __init__(self, param: Param, parent=None):
        super().__init__(param, parent)
        tiny = param.minimum is not None and 0 < param.minimum < 1e-3
        self.spin = QDoubleSpinBox()
        leave_undo_to_the_app(self.spin)
        self.spin.setObjectName(f"param-{param.name}-value")
        self.spin.setDecimals(6 if tiny else 3)
        step = 10 ** -self.spin.decimals()
        low = param.minimum if param.minimum is not None else -1e9
        high = param.maximum if param.maximum is not None else 1e9
        self.spin.setRange(max(low, step) if tiny else low, high - step if param.exclusive_maximum else high)
        self.spin.setSingleStep(step if tiny else 0.01)
        self.spin.setKeyboardTracking(False)
        self.spin.setToolTip(param.help)
        self.spin.setMinimumWidth(90)
        self._hold(self.spin)
        self.spin.valueChanged.connect(self.edited.emit)

    def set_value(self, value, params) -> None:
        if abs(self.spin.value() - value) > 10 ** -(self.spin.decimals() + 2):
            _quiet_set(self.spin, self.spin.setValue, value)


class BoolEditor(ParamEditor):
    def __init__(self, param: Param, parent=None):
        super().__init__(param, parent)
        self.box = QCheckBox()
        self.box.setObjectName(f"param-{param.name}-value")
        self.box.setToolTip(param.help)
        self._hold(self.box)
        self.box.toggled.connect(self.edited.emit)

    def set_value(self, value, params) -> None:
        if self.box.isChecked() != value:
            _quiet_set(self.box, self.box.setChecked, value)


class PairSpins(QWidget):
    """Height and width spin boxes with a "square" lock that keeps them equal."""

    changed = Signal(list)

    def __init__(self, param: Param, parent=None):
        super().__init__(parent)
        prefix = f"param-{param.name}"
        self.h = make_spin(param, f"{prefix}-h", f"{param.help} (height)")
        self.w = make_spin(param, f"{prefix}-w", f"{param.help} (width)")
        self.square = QCheckBox("square")
        self.square.setObjectName(f"{prefix}-square")
        self.square.setToolTip("Keep height and width equal")
        self.square.setChecked(True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.h)
        layout.addWidget(QLabel("×"))
        layout.addWidget(self.w)
        layout.addWidget(self.square)
        layout.addStretch()
        self.h.valueChanged.connect(lambda v: self._spun(v, self.w))
        self.w.valueChanged.connect(lambda v: self._spun(v, self.h))
        self.square.toggled.connect(self._squared)

    def _spun(self, value: int, other: QSpinBox) -> None:
        if self.square.isChecked() and other.value() != value:
            _quiet_set(other, other.setValue, value)
        self.changed.emit([self.h.value(), self.w.value()])

    def _squared(self, on: bool) -> None:
        if on and self.h.value() != self.w.value():
            _quiet_set(self.w, self.w.setValue, self.h.value())
            self.changed.emit([self.h.value(), self.w.value()])

    def value(self) -> list[int]:
        return [self.h.value(), self.w.value()]

    def set_value(self, value: list[int]) -> None:
        for spin, v in zip((self.h, self.w), value):
            if spin.value() != v:
                _quiet_set(spin, spin.setValue, v)
        if value[0] != value[1] and self.square.isChecked():
            _quiet_set(self.square, self.square.setChecked, False)

    def set_editable(self, on: bool) -> None:
        for widget in (self.h, self.w, self.square):
            widget.setEnabled(on)


class PairEditor(ParamEditor):
    """[h, w]; a nullable pair (pool stride) adds "= kernel size", which stores null."""

    def __init__(self, param: Param, parent=None):
        super().__init__(param, parent)
        self.spins = PairSpins(param)
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.spins, 0, 0)
        self.follow: QCheckBox | None = None
        if param.nullable:
            self.follow = QCheckBox(f"= {param.null_means or 'default'}")
            self.follow.setObjectName(f"param-{param.name}-null")
            self.follow.setToolTip(f"Leave empty: use the {param.null_means}")
            layout.addWidget(self.follow, 1, 0)
            self.follow.toggled.connect(self._follow_toggled)
        self.spins.changed.connect(self.edited.emit)

    def _follow_toggled(self, on: bool) -> None:
        self.spins.set_editable(not on)
        self.edited.emit(None if on else self.spins.value())

    def set_value(self, value, params) -> None:
        if self.follow is not None:
            if self.follow.isChecked() != (value is None):
                _quiet_set(self.follow, self.follow.setChecked, value is None)
            self.spins.set_editable(value is not None)
        if value is None:
            value = params.get("kernel_size", self.spins.value())  # what "= kernel size" means here
        self.spins.set_value(value)


class PaddingEditor(ParamEditor):
    """Numbers per axis, or the words "same" / "valid"."""

    MODES = ("numbers", "same", "valid")

    def __init__(self, param: Param, parent=None):
        super().__init__(param, parent)
        self.mode = QComboBox()
        self.mode.setObjectName(f"param-{param.name}-mode")
        self.mode.addItems(["pixels", "same", "valid"])
        self.mode.setItemData(0, "Zeros added on each border, per axis", Qt.ItemDataRole.ToolTipRole)
        self.mode.setItemData(1, "Pad so the output is ⌈input / stride⌉ (same size at stride 1)",
                              Qt.ItemDataRole.ToolTipRole)
        self.mode.setItemData(2, "No padding: the window stays inside the image", Qt.ItemDataRole.ToolTipRole)
        self.mode.setToolTip(param.help)
        self.spins = PairSpins(param)
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.mode, 0, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.spins, 1, 0)
        self.mode.currentIndexChanged.connect(self._mode_changed)
        self.spins.changed.connect(self.edited.emit)

    def _mode_changed(self, index: int) -> None:
        self.spins.set_editable(index == 0)
        self.edited.emit(self.spins.value() if index == 0 else self.MODES[index])

    def set_value(self, value, params) -> None:
        index = self.MODES.index(value) if isinstance(value, str) else 0
        if self.mode.currentIndex() != index:
            _quiet_set(self.mode, self.mode.setCurrentIndex, index)
        self.spins.set_editable(index == 0)
        if index == 0:
            self.spins.set_value(value)


class Pad4Editor(ParamEditor):
    """[top, bottom, left, right] with an "all equal" lock."""

    SIDES = ("top", "bottom", "left", "right")

    def __init__(self, param: Param, parent=None):
        super().__init__(param, parent)
        self.spins = [make_spin(param, f"param-{param.name}-{s}", f"{param.help} ({s})") for s in self.SIDES]
        self.equal = QCheckBox("all equal")
        self.equal.setObjectName(f"param-{param.name}-equal")
        self.equal.setToolTip("Keep the four sides equal")
        self.equal.setChecked(True)
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for i, (side, spin) in enumerate(zip(self.SIDES, self.spins)):
            layout.addWidget(QLabel(side), i // 2, (i % 2) * 2)
            layout.addWidget(spin, i // 2, (i % 2) * 2 + 1)
            spin.valueChanged.connect(lambda v, s=spin: self._spun(v, s))
        layout.addWidget(self.equal, 2, 0, 1, 4)

    def _spun(self, value: int, source: QSpinBox) -> None:
        if self.equal.isChecked():
            for spin in self.spins:
                if spin is not source and spin.value() != value:
                    _quiet_set(spin, spin.setValue, value)
        self.edited.emit([s.value() for s in self.spins])

    def set_value(self, value, params) -> None:
        for spin, v in zip(self.spins, value):
            if spin.value() != v:
                _quiet_set(spin, spin.setValue, v)
        if len(set(value)) > 1 and self.equal.isChecked():
            _quiet_set(self.equal, self.equal.setChecked, False)


EDITORS = {"int": IntEditor, "float": FloatEditor, "bool": BoolEditor, "pair": PairEditor,
           "padding": PaddingEditor, "pad4": Pad4Editor}


def editor_for(param: Param) -> ParamEditor:
    return EDITORS[param.kind](param)
