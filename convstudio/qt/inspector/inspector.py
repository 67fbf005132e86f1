"""The inspector: the selected layer's id, type, parameters, shapes, formulas and diagnostics.

Parameter widgets are generated from the layer's Param declarations. Every edit is a
SetParams command (merged while a spin box is being spun); the document's change then
flows back here, so what the inspector shows is always what the graph holds. With
nothing selected it shows the network's name, description and totals.
"""
from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from shiboken6 import isValid
from PySide6.QtWidgets import (QFormLayout, QFrame, QLabel, QLineEdit, QPlainTextEdit, QScrollArea,
                               QVBoxLayout, QWidget)

from ... import layers
from ...engine.explain import formula
from ...errors import ConvStudioError
from ...graph import Rename, SetMeta, SetParams
from ...layers import fmt_shape
from ...wording import counted
from .. import style
from ..canvas.scene import CanvasScene
from ..document.document import Document
from ..messages import guarded, notify
from .param_editors import ParamEditor, editor_for


def heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setStyleSheet(f"font-weight: 600; color: {style.HEADING_TEXT}; margin-top: 8px;")
    return label


def wrapped(text: str = "", name: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if name:
        label.setObjectName(name)
    return label


class CommitOnFocusOut(QPlainTextEdit):
    """A multi-line field that commits when the user leaves it (no command per keystroke)."""

    def __init__(self, commit, parent=None):
        super().__init__(parent)
        self._commit = commit

    def focusOutEvent(self, event) -> None:
        super().focusOutEvent(event)
        self._commit(self.toPlainText())


class Inspector(QScrollArea):
    def __init__(self, doc: Document, scene: CanvasScene, parent=None):
        super().__init__(parent)
        self.setObjectName("inspector")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.doc, self.scene = doc, scene
        self.node_id: str | None = None
        self.editors: dict[str, ParamEditor] = {}
        self.error = wrapped(name="inspector-error")
        self.error.setStyleSheet(f"color: {style.ERROR.name()};")
        self._mode: str | None = None
        doc.changed.connect(self.refresh)
        scene.selectionChanged.connect(self.follow_selection)
        self.follow_selection()

    # -- which page -------------------------------------------------------------------------------
    @guarded
    def follow_selection(self) -> None:
        if not isValid(self.scene) or not isValid(self):
            return  # the window is being torn down
        ids = self.scene.selected_ids()
        if len(ids) == 1:
            self._show_node(ids[0])
        elif ids:
            self._show_many(ids)
        else:
            self._show_network()

    @guarded
    def refresh(self, change=None) -> None:
        if self.node_id is not None and self.node_id not in self.doc.net:
            self.follow_selection()
        elif self.node_id is not None:
            self._update_node()
        elif self._mode == "network":
            self._update_network()
        else:
            self.follow_selection()

    def _page(self) -> QVBoxLayout:
        """A fresh page to fill; `_install` then replaces the old one (and its editors) with it."""
        page = self._next_page = QWidget()  # referenced until installed, or Python would collect it
        page.setObjectName("inspector-page")
        layout = QVBoxLayout(page)
        layout.setContentsMargins(8, 6, 8, 8)
        self.error = wrapped(name="inspector-error")
        self.error.setStyleSheet(f"color: {style.ERROR.name()};")
        self.error.hide()
        self.editors = {}
        return layout

    def _install(self, layout: QVBoxLayout) -> None:
        layout.addStretch()
        old = self.takeWidget()
        if old is not None:
            old.deleteLater()
        self.setWidget(self._next_page)
        self._next_page = None

    # -- one layer ----------------------------------------------------------------------------------
    def _show_node(self, node_id: str) -> None:
        if self._mode == "node" and node_id == self.node_id:
            self._update_node()
            return
        node = self.doc.net.node(node_id)
        decl = layers.get(node.type)
        self._mode, self.node_id = "node", node_id
        layout = self._page()
        title = QLabel(f"<span style='color:{style.family_color(decl.family).name()}'>■</span> "
                       f"<b>{escape(decl.name)}</b> <span style='color:{style.MUTED_TEXT}'>· {escape(decl.family)}</span>")
        layout.addWidget(title)
        layout.addWidget(wrapped(decl.summary, "inspector-summary"))
        self.diagnostics = wrapped(name="inspector-diagnostics")  # on top: a problem is seen without scrolling
        layout.addWidget(self.diagnostics)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.id_edit = QLineEdit(node_id)
        self.id_edit.setObjectName("inspector-id")
        self.id_edit.setToolTip("The layer's id: used in files, weights and messages. Press Enter to rename.")
        self.id_edit.editingFinished.connect(self._rename)
        form.addRow("id", self.id_edit)
        layout.addLayout(form)
        if decl.params:
            layout.addWidget(heading("Parameters"))
            params_form = QFormLayout()
            for param in decl.params:
                editor = editor_for(param)
                editor.edited.connect(lambda value, name=param.name: self._edit(name, value))
                label = QLabel(param.title)
                label.setToolTip(param.help)
                params_form.addRow(label, editor)
                self.editors[param.name] = editor
            layout.addLayout(params_form)
        layout.addWidget(self.error)
        layout.addWidget(heading("Shapes and costs"))
        self.facts = wrapped(name="inspector-facts")
        layout.addWidget(self.facts)
        self.formula_heading = heading("Output size")
        self.formula = wrapped(name="inspector-formula")
        layout.addWidget(self.formula_heading)
        layout.addWidget(self.formula)
        self._install(layout)
        self._update_node()

    def _update_node(self) -> None:
        node = self.doc.net.node(self.node_id)
        rep = self.doc.report.nodes.get(self.node_id)
        if not self.id_edit.hasFocus():
            self.id_edit.setText(node.id)
        for name, editor in self.editors.items():
            editor.set_value(node.params[name], node.params)
        self.facts.setText(self._facts_html(node, rep))
        lines = formula.output_size_lines(node, rep)
        self.formula_heading.setVisible(bool(lines))
        self.formula.setVisible(bool(lines))
        self.formula.setText("<br>".join(
            f"<span style='color:{style.MUTED_TEXT}'>{escape(label)}:</span><br>"
            f"<span style='font-family:monospace'>{escape(text).replace(chr(10), '<br>')}</span>"
            for label, text in lines))
        problems = self._diagnostics_html(rep)
        self.diagnostics.setText(problems)
        self.diagnostics.setVisible(bool(problems))
        if problems:
            error = bool(rep.errors)
            self.diagnostics.setStyleSheet(
                f"QLabel {{ background: {style.ERROR_BACK if error else style.WARNING_BACK}; padding: 4px 6px; "
                f"border-left: 4px solid {(style.ERROR if error else style.WARNING).name()}; }}")

    @staticmethod
    def _facts_html(node, rep) -> str:
        if rep is None:
            return ""
        ins = ", ".join(fmt_shape(s) for s in rep.input_shapes) or ("—" if node.decl.is_input else "?")
        rows = [f"in {ins} → out <b>{fmt_shape(rep.shape)}</b>"]
        if rep.params is not None:
            rows.append(f"parameters: <b>{rep.params:,}</b>")
            rows += [f"<span style='color:{style.FORMULA_TEXT}'>{escape(t)}</span>" for t in formula.parameter_lines(node, rep)]
        if rep.macs:
            rows.append(f"MACs: <b>{rep.macs:,}</b>")
        if rep.receptive_field is not None:
            rows.append(f"receptive field: {rep.receptive_field.describe()}")
        return "<br>".join(rows)

    @staticmethod
    def _diagnostics_html(rep) -> str:
        if rep is None:
            return ""
        rows = [f"<span style='color:{style.ERROR.name()}'><b>Error:</b> {escape(d.text)}</span>" for d in rep.errors]
        rows += [f"<span style='color:{style.WARNING_TEXT}'><b>Warning:</b> {escape(d.text)}</span>" for d in rep.warnings]
        if rep.blocked_by:
            rows.append(f"Shape unknown until <b>{escape(rep.blocked_by)}</b> is fixed.")
        return "<br>".join(rows)

    def _edit(self, name: str, value) -> None:
        """One parameter change from a widget; a refused value is explained and the widget restored."""
        try:
            self.doc.push(SetParams(self.node_id, {name: value}, merge=True))
        except ConvStudioError as exc:
            self._refuse(str(exc))
            self._update_node()
            return
        self.error.hide()

    def _rename(self) -> None:
        new = self.id_edit.text().strip()
        old = self.node_id
        if old is None or new == old:
            return
        try:
            self.doc.push(Rename(old, new))
        except ConvStudioError as exc:
            self._refuse(str(exc))
            self.id_edit.setText(old)
            return
        self.error.hide()
        self.node_id = new
        self.scene.select_ids([new])

    def _refuse(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()
        notify(text, "error")

    # -- several layers / the network -----------------------------------------------------------------
    def _show_many(self, ids: list[str]) -> None:
        self._mode, self.node_id = "many", None
        layout = self._page()
        layout.addWidget(QLabel(f"<b>{len(ids)} layers selected</b>"))
        total = sum(self.doc.report.nodes[i].params or 0 for i in ids if i in self.doc.report.nodes)
        layout.addWidget(wrapped(", ".join(ids)))
        layout.addWidget(wrapped(f"parameters together: <b>{total:,}</b>"))
        layout.addWidget(wrapped(f"<span style='color:{style.MUTED_TEXT}'>Drag to move them together; "
                                 "Ctrl+D duplicates, Delete removes them.</span>"))
        self._install(layout)

    def _show_network(self) -> None:
        self._mode, self.node_id = "network", None
        layout = self._page()
        layout.addWidget(QLabel("<b>Network</b>"))
        form = QFormLayout()
        self.name_edit = QLineEdit(self.doc.net.name)
        self.name_edit.setObjectName("inspector-network-name")
        self.name_edit.setToolTip("The network's name, saved in the file")
        self.name_edit.editingFinished.connect(lambda: self._set_meta(name=self.name_edit.text().strip()))
        form.addRow("name", self.name_edit)
        self.description_edit = CommitOnFocusOut(lambda text: self._set_meta(description=text))
        self.description_edit.setObjectName("inspector-network-description")
        self.description_edit.setPlainText(self.doc.net.description)
        self.description_edit.setToolTip("Free text shown with the network, saved in the file")
        self.description_edit.setMaximumHeight(110)
        form.addRow("description", self.description_edit)
        layout.addLayout(form)
        layout.addWidget(self.error)
        self.totals = wrapped(name="inspector-totals")
        layout.addWidget(heading("Totals"))
        layout.addWidget(self.totals)
        layout.addWidget(wrapped(f"<span style='color:{style.MUTED_TEXT}'>Select a layer to edit it. "
                                 "Drag layers from the palette; drag from a card's bottom port to another "
                                 "card's top port to connect them.</span>"))
        self._install(layout)
        self._update_network()

    def _update_network(self) -> None:
        net, report = self.doc.net, self.doc.report
        if not self.name_edit.hasFocus():
            self.name_edit.setText(net.name)
        if not self.description_edit.hasFocus() and self.description_edit.toPlainText() != net.description:
            self.description_edit.setPlainText(net.description)
        outputs = ", ".join(fmt_shape(report.nodes[i].shape) for i in report.outputs) or "—"
        self.totals.setText(f"{len(net)} layers<br>output: <b>{outputs}</b><br>parameters: "
                            f"<b>{report.total_params:,}</b><br>MACs: <b>{report.total_macs:,}</b> "
                            f"<span style='color:{style.MUTED_TEXT}'>(FLOPs = 2 × MACs)</span><br>"
                            f"{counted(len(report.errors), 'error')}, {counted(len(report.warnings), 'warning')}")

    @guarded
    def _set_meta(self, **fields) -> None:
        current = {k: getattr(self.doc.net, k) for k in fields}
        if fields == current or fields.get("name") == "":
            if fields.get("name") == "":
                self.name_edit.setText(self.doc.net.name)
            return
        self.doc.push(SetMeta(**fields))
