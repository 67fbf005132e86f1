"""Weight controls: seed, Randomize, filter presets for the shown conv layer, Load/Save .npz."""
from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMenu, QPushButton, QSizePolicy, QSpinBox, QToolButton, QWidget

from ... import layers
from ...engine import presets
from ...engine.weights import expected_shapes, save_weights
from ..jobs import start_job
from ..messages import guarded, notify
from . import file_dialogs
from .run_controller import RunController

MAX_SEED = 2**31 - 1


class WeightsBar(QWidget):
    def __init__(self, controller: RunController, parent=None):
        super().__init__(parent)
        self.setObjectName("weights-bar")
        self.controller = controller
        self.node_id: str | None = None
        self.seed = QSpinBox(objectName="weights-seed", minimum=0, maximum=MAX_SEED, keyboardTracking=False,
                             toolTip="Seed of the random weights: the same seed always gives the same "
                                     "weights; changing it draws every layer afresh (presets are dropped)")
        self.seed.setValue(controller.seed)
        self.randomize = QPushButton("Randomize", objectName="weights-randomize",
                                     toolTip="Pick a new seed and draw every layer's weights from it")
        self.preset = QToolButton(text="Filter preset", objectName="weights-preset",
                                  popupMode=QToolButton.ToolButtonPopupMode.InstantPopup)
        self.preset.setMenu(self._preset_menu())
        self.load = QPushButton("Load…", objectName="weights-load",
                                toolTip="Read weights from an .npz (keys \"<layer id>/<name>\"); "
                                        "layers that do not fit keep random weights")
        self.save = QPushButton("Save…", objectName="weights-save", toolTip="Write the current weights to an .npz")
        self.origin = QLabel(objectName="weights-origin")
        self.origin.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.origin.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)  # long lists never widen
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(4)
        row.addWidget(QLabel("Seed", toolTip=self.seed.toolTip()))
        for w in (self.seed, self.randomize, self.preset, self.load, self.save):
            row.addWidget(w)
        row.addWidget(self.origin, 1)
        self._tips = [w.toolTip() for w in (self.seed, self.randomize, self.load, self.save)]
        self.seed.valueChanged.connect(self._seed_edited)
        self.randomize.clicked.connect(controller.randomize)
        self.load.clicked.connect(self.load_file)
        self.save.clicked.connect(self.save_file)
        controller.seed_changed.connect(self._show_seed)
        controller.weights_changed.connect(self._show_origin)
        self.set_node(None)
        self._show_origin()

    def _preset_menu(self) -> QMenu:
        menu = QMenu(self)
        menu.setToolTipsVisible(True)
        for name in presets.preset_names():
            act = menu.addAction(name, lambda n=name: self.apply_preset(n))
            act.setToolTip(presets.preset_description(name))
        menu.addSeparator()
        act = menu.addAction("Random (from the seed)", self.reset_node)
        act.setToolTip("Back to random weights for this layer")
        return menu

    def set_node(self, node_id: str | None, node_type: str | None = None) -> None:
        """Presets apply to this layer (a Conv2D) only. Seed, Randomize, Load and Save act on the whole
        network's weights: they are offered when the shown layer has weights, or no layer is shown and
        some layer has; beside a ReLU they would suggest that it has weights to draw."""
        self.node_id = node_id if node_type is not None and layers.get(node_type).has_filters else None
        self.preset.setEnabled(self.node_id is not None)
        self.preset.setToolTip(f"Give {self.node_id} hand-made filters (edges, blur, stripes…) instead of random ones"
                               if self.node_id else "Select a Conv2D layer to give it hand-made filters")
        doc = self.controller.doc
        weighted = {nid for nid, shapes in expected_shapes(doc.net, doc.report).items() if shapes}
        shown = node_id if node_type is not None else None
        usable = shown in weighted if shown is not None else bool(weighted)
        for widget, tip in zip((self.seed, self.randomize, self.load, self.save), self._tips):
            widget.setEnabled(usable)
            widget.setToolTip(tip if usable else
                              f"{shown} has no weights" if shown is not None else "The network has no weights")

    @guarded
    def apply_preset(self, name: str) -> None:
        if self.node_id is not None:
            self.controller.apply_preset(self.node_id, name)
            notify(f"{self.node_id}: filters set to the “{name}” preset.")

    @guarded
    def reset_node(self) -> None:
        if self.node_id is not None:
            self.controller.reset_node(self.node_id)

    def _seed_edited(self, value: int) -> None:
        if value != self.controller.seed:
            self.controller.set_seed(value)

    def _show_seed(self, seed: int) -> None:
        self.seed.blockSignals(True)
        self.seed.setValue(seed)
        self.seed.blockSignals(False)

    def _show_origin(self) -> None:
        text = self.controller.book.describe()
        self.origin.setText(text)
        self.origin.setToolTip(f"Where the weights come from: {text}")

    def _folder(self) -> str:
        path = self.controller.doc.path
        return str(Path(path).parent) if path else os.getcwd()

    @guarded
    def load_file(self, path: str | None = None) -> None:
        path = path or file_dialogs.open_weights(self, self._folder())
        if path:
            self.controller.load_weights_file(path)

    @guarded
    def save_file(self, path: str | None = None) -> None:
        path = path or file_dialogs.save_file(self, "Save weights", f"{self._folder()}/weights.npz",
                                              file_dialogs.WEIGHTS)
        if not path:
            return
        self.controller.complete_now()
        arrays = dict(self.controller.weights)

        def write() -> str:
            save_weights(path, arrays)
            return f"Saved the weights of {len(arrays)} layers to {Path(path).name}."
        start_job(lambda _job: write(), on_finished=notify, on_failed=lambda text: notify(text, "error"))
