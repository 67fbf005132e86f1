"""View 5 — fully convolutional networks: class scores as bars (K×1×1) or as maps over the image (K×h×w).

A network ending in K×1×1 classifies into K classes: the K numbers are the class scores.
Run the same network on a larger image and it ends in K×h×w: one score vector per place,
each looking at one window of the image, which is what this view lays over the picture.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QSlider, QStackedWidget, QVBoxLayout, QWidget

from ....engine.explain import ScoreMaps, score_maps
from ....engine.infer import infer
from ....engine.labels import class_names
from ....errors import ConvStudioError
from ....wording import a
from ...messages import guarded
from ...panels.lazy import FollowsWhenShown
from ..controls import column_of, explain_page, follow_shape, labelled, rich_label, row_of, scrolled
from ..run_source import RunSnapshot, RunSource
from .score_plots import BEST, COLORMAPS, ScoreBars, ScoreMapView, legend_html
from ..text import esc, paragraphs, plain, shape

BARS, MAPS, MESSAGE = 0, 1, 2


def last_output(snap: RunSnapshot) -> str | None:
    """The network's result: the last node nobody reads."""
    report = infer(snap.net, input_shape=snap.image.shape if snap.image is not None else None)
    outs = [o for o in report.outputs if o in snap.acts]
    return outs[-1] if outs else None


def bars_html(node: str, out_shape, maps: ScoreMaps, labels: list[str], named: bool = False) -> str:
    """`named`: the network carries its class names, which training gives it (else its weights are
    most likely random and the answer means nothing yet)."""
    k = maps.classes
    best = maps.ranking(labels=labels, top=1)[0]
    example = " (dog, cat, horse, say)" if k == 3 and not named else ""
    form = "a Dense layer of" if len(out_shape) == 1 else f"{shape(out_shape)}, that is 1×1×{k}:"
    return paragraphs(
        f"<b>{esc(node)}</b> ends the network in {form} {k} numbers. Can a network ending in 1×1×{k} classify "
        f"{k} classes{example}? <b>Yes</b>: those {k} numbers are the class scores, exactly what {a(f'{k}-unit')} Dense "
        "layer would give; softmax turns them into probabilities and the largest is the answer.",
        f"Here the answer is <b>{esc(best.label)}</b> ({100 * best.probability:.1f} %). "
        + ("The network was trained on these classes: training adjusted its weights until the right bar was the "
           "longest for the training images." if named else
           "With random weights the guess means nothing yet: training adjusts the weights until the right bar is "
           "the longest (Run ▸ Train…)."))


def maps_html(node: str, out_shape, maps: ScoreMaps, field, image_shape, named: bool = False) -> str:
    k, (h, w) = maps.classes, maps.map_size
    where = ""
    if field is not None and not field.whole:
        where = (f" Each score looks at {a(f'{field.size[0]:.0f}×{field.size[1]:.0f}')} window (padding included); "
                 f"neighbouring scores are {field.jump[0]:.0f} pixels apart, so each coloured square sits on the "
                 "centre of its window.")
    size = f" on this {image_shape[1]}×{image_shape[0]} image" if image_shape else ""
    return paragraphs(
        f"<b>{esc(node)}</b> gives {shape(out_shape)}: {k} score maps of {h}×{w}{size}. The network is fully "
        "convolutional, so its filters slide over a larger image just as over a small one and give one set of "
        f"{k} class scores per place instead of one for the whole image.{where}",
        ("Trained on these classes, each class lights up where an object of that class is. " if named else
         "With random weights the maps show no real objects yet; a trained network's class lights up where that "
         "object is. ") + "Pick a class to see where it scores higher (colours span that map's own range; the colour "
        "bar gives the values), or “best class at each place” for a rough segmentation.")


class FcnView(FollowsWhenShown, QWidget):
    def __init__(self, doc, source: RunSource, parent=None):
        super().__init__(parent)
        self.setObjectName("explain-fcn-view")
        self.doc, self.source = doc, source
        self.maps: ScoreMaps | None = None
        self.labels: list[str] = []
        self.field = None
        self.image = None
        self.mode = MESSAGE
        self._build()
        source.changed.connect(self.follow)  # a new run: redrawn now if on screen, else when shown
        self.refresh()

    def _build(self) -> None:
        self.header = rich_label("fcn-header")
        self.chooser = QComboBox(objectName="fcn-class", toolTip="Which class's score map to lay over the image")
        self.value = QComboBox(objectName="fcn-value", toolTip="Probabilities (softmax over the classes at each "
                                                               "place, 0–1) or the raw scores")
        self.value.addItems(["probability", "raw score"])
        self.cmap = QComboBox(objectName="fcn-colormap", toolTip="Colours of the score map")
        self.cmap.addItems(list(COLORMAPS))
        self.opacity = QSlider(Qt.Orientation.Horizontal, objectName="fcn-opacity", minimum=0, maximum=100,
                               value=60, toolTip="How strongly the score map covers the image")
        self.opacity.setMaximumWidth(140)
        self.map_controls = QWidget()
        self.map_controls.setLayout(row_of(self.chooser, self.value, self.cmap, labelled("opacity", self.opacity),
                                           None))
        self.bars = ScoreBars()
        self.map_view = ScoreMapView()
        self.readout = rich_label("fcn-readout", "Scores at the place under the pointer")
        self.legend = rich_label("fcn-legend")
        self.message = rich_label("fcn-message")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        maps_page = QWidget()
        col = QVBoxLayout(maps_page)
        col.setContentsMargins(0, 0, 0, 0)
        col.addWidget(self.map_view, 1)
        col.addWidget(self.readout)
        col.addWidget(self.legend)
        self.pictures = QStackedWidget()
        for w in (self.bars, maps_page, self.message):
            self.pictures.addWidget(w)
        self.words = rich_label("fcn-text")
        text = column_of(self.words)
        self.split = explain_page(self, self.pictures, scrolled(text, "fcn-text-scroll"),
                                  row_of(self.header, stretch_at=0), self.map_controls)
        for box in (self.chooser, self.value, self.cmap):
            box.currentIndexChanged.connect(lambda _i: self._draw_map())
        self.opacity.valueChanged.connect(lambda v: self.map_view.overlay.setOpacity(v / 100))
        self.map_view.hovered.connect(self._show_place)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        follow_shape(self.split, self.width(), self.height(), 0.6)

    # -- following runs ---------------------------------------------------------------------------------
    @guarded
    def refresh(self) -> None:
        self.maps = None
        snap = self.source.snapshot()
        if snap is None:
            return self._say(esc(self.source.status()) or "No run yet.")
        node = last_output(snap)
        if node is None:
            return self._say("The last run has no output to show.")
        act = snap.acts[node]
        try:
            maps = score_maps(act, probabilities=snap.net.node(node).decl.outputs_probabilities)
        except ConvStudioError as exc:
            return self._say(f"<b>{esc(node)}</b>: {esc(exc)}. Class scores need a K×h×w or K-value output.")
        self.maps, self.labels, self.image = maps, class_names(snap.net, maps.classes), snap.image
        out_shape = act.shape[1:]
        self.header.setText(f"<b>Class scores</b> · {esc(node)} · output {shape(out_shape)}")
        if maps.map_size == (1, 1):
            self._show_bars(node, out_shape)
        else:
            report = infer(snap.net, input_shape=snap.image.shape if snap.image is not None else None)
            self.field = report.nodes[node].receptive_field
            self._show_maps(node, out_shape)

    def _say(self, html: str) -> None:
        self.mode = MESSAGE
        self.header.setText("<b>Class scores</b>")
        self.message.setText(html)
        self.words.setText("")
        self.map_controls.setVisible(False)
        self.pictures.setCurrentIndex(MESSAGE)

    def _show_bars(self, node: str, out_shape) -> None:
        self.mode = BARS
        self.bars.show_ranking(self.maps.ranking(labels=self.labels))
        self.words.setText(bars_html(node, out_shape, self.maps, self.labels, bool(self.doc.net.labels)))
        self.map_controls.setVisible(False)
        self.pictures.setCurrentIndex(BARS)

    def _show_maps(self, node: str, out_shape) -> None:
        self.mode = MAPS
        keep = self.chooser.currentData()
        self.chooser.blockSignals(True)
        self.chooser.clear()
        for i, label in enumerate(self.labels):
            self.chooser.addItem(label, i)
        self.chooser.addItem("best class at each place", BEST)
        index = self.chooser.findData(keep)
        self.chooser.setCurrentIndex(max(index, 0))
        self.chooser.blockSignals(False)
        image_shape = self.image.shape[1:] if self.image is not None else None
        self.words.setText(maps_html(node, out_shape, self.maps, self.field, image_shape, bool(self.doc.net.labels)))
        self.map_controls.setVisible(True)
        self.pictures.setCurrentIndex(MAPS)
        self._draw_map()

    def _draw_map(self) -> None:
        if self.mode != MAPS or self.maps is None:
            return
        choice = self.chooser.currentData()
        best = choice == BEST
        self.value.setEnabled(not best)
        self.cmap.setEnabled(not best)
        self.map_view.show_maps(self.image, self.maps, self.field, choice, self.opacity.value() / 100,
                                self.cmap.currentText(), self.value.currentIndex() == 0)
        self.legend.setText(legend_html(self.labels, self.map_view.best_legend) if best else "")
        self.readout.setText("Hover a square to read the scores at that place.")

    def _show_place(self, row: int, col: int) -> None:
        if self.maps is None:
            return
        top = self.maps.ranking(0, row, col, top=3, labels=self.labels)
        self.readout.setText(f"Place ({row}, {col}): " + ", ".join(
            f"{esc(r.label)} {100 * r.probability:.1f} %" for r in top))

    def text(self) -> str:
        return plain(self.header.text() + self.words.text() + self.message.text())
