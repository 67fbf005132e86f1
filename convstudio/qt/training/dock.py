"""The Train dock: choose a dataset and settings, Start / Pause / Step / Stop, and watch the network learn."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (QComboBox, QDoubleSpinBox, QFileDialog, QGridLayout, QHBoxLayout, QLabel,
                               QProgressBar, QPushButton, QScrollArea, QSizePolicy, QSpinBox, QTabWidget,
                               QVBoxLayout, QWidget)

from ...engine.datasets import dataset_names
from ...engine.training import TrainConfig
from ...wording import counted
from ..messages import guarded
from .. import style
from .charts import CurvesChart, GradientChart
from .gallery import ConfusionTable, MistakesGrid, SampleStrip
from .session import TrainSession
from .worker import Parcel

FOLDER = "Folder…"
OPTIMIZERS = {"Adam": "adam", "AdamW": "adamw", "SGD (momentum 0.9)": "sgd"}
SCHEDULES = {"constant": None, "step (÷10 every third)": "step", "cosine (down to 0)": "cosine"}
ERROR_STYLE = f"color:{style.REFUSED}"
REDRAW_MS = 250  # charts are redrawn at most four times a second


def _spin(name: str, tip: str, low: int, high: int, value: int) -> QSpinBox:
    box = QSpinBox(objectName=name, minimum=low, maximum=high, toolTip=tip, keyboardTracking=False)
    box.setValue(value)
    return box


def _button(text: str, name: str, tip: str) -> QPushButton:
    return QPushButton(text, objectName=name, toolTip=tip)


def fmt_time(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"


class TrainPanel(QWidget):
    """Dataset chooser, settings, the four buttons, live status and the charts."""

    def __init__(self, session: TrainSession, parent=None):
        super().__init__(parent)
        self.setObjectName("train-panel")
        self.session = session
        self.folder: str | None = None
        self.latest_epoch = None      # the last EpochEnd: confusion matrix and mistakes
        self.last_event = None        # the last BatchEvent
        self._dirty: set[str] = set()  # tabs whose pictures are behind the figures
        self._redraw_timer = QTimer(self, singleShot=True, interval=REDRAW_MS)
        self._redraw_timer.timeout.connect(self.redraw)
        self._build()
        self._connect()
        self._show_state("idle")

    # -- construction --------------------------------------------------------------------------------
    def _build(self) -> None:
        self.dataset = QComboBox(objectName="train-dataset",
                                 toolTip="What to train on: a built-in dataset, or a folder with one subfolder of "
                                         "images per class (the subfolders' names become the class names)")
        self.dataset.addItems(dataset_names() + [FOLDER])
        self.count = _spin("train-count", "How many images to use (0 = the dataset's default: 3,000 drawn shapes, "
                                          "all digits or all of a folder's images); 20 % go to validation",
                           0, 100_000, 0)
        self.count.setSpecialValueText("default")
        self.pipeline = QLabel(objectName="train-pipeline", wordWrap=True)
        self.pipeline.setToolTip("How every image is prepared for the network's Input (as for --image)")
        self.epochs = _spin("train-epochs", "How many times to go through all the training images", 1, 1000, 8)
        self.batch = _spin("train-batch", "Images per step: the gradient is averaged over a batch", 1, 4096, 32)
        self.optimizer = QComboBox(objectName="train-optimizer",
                                   toolTip="How a gradient becomes a weight update: Adam and AdamW adapt the step "
                                           "per weight; SGD uses momentum 0.9")
        self.optimizer.addItems(list(OPTIMIZERS))
        self.lr = QDoubleSpinBox(objectName="train-lr", decimals=6, minimum=1e-6, maximum=10.0, value=1e-3,
                                 keyboardTracking=False,
                                 toolTip="Learning rate: the size of each step. It can be changed while training; "
                                         "the next batch uses it")
        self.lr.setStepType(QDoubleSpinBox.StepType.AdaptiveDecimalStepType)
        self.schedule = QComboBox(objectName="train-schedule",
                                  toolTip="How the learning rate changes over the run: constant; step (divided by "
                                          "10 after each third of the batches); cosine (falls smoothly to 0 at the "
                                          "last batch). A learning rate typed while training replaces the "
                                          "schedule from the next batch on")
        self.schedule.addItems(list(SCHEDULES))
        self.decay = QDoubleSpinBox(objectName="train-weight-decay", decimals=6, minimum=0.0, maximum=1.0, value=0.0,
                                    keyboardTracking=False,
                                    toolTip="Weight decay: pulls every weight a little towards 0 at each step, "
                                            "which keeps weights small and can reduce overfitting (an L2 penalty; "
                                            "AdamW decays the weights directly). 0 = none; 0.0001–0.0005 is "
                                            "common")
        self.decay.setStepType(QDoubleSpinBox.StepType.AdaptiveDecimalStepType)
        self.decay.setSingleStep(1e-4)
        self.decay.setSpecialValueText("none")
        self.seed = _spin("train-seed", "Seed of the batch order and dropout: the same seed trains the same way",
                          0, 999_999, 0)
        self.start = _button("Start", "train-start", "Train the network on the dataset from its current weights "
                                                     "(Ctrl+T opens this dock)")
        self.pause = _button("Pause", "train-pause", "Pause between two batches; Resume goes on")
        self.step = _button("Step", "train-step", "Train on one batch, then wait (paused)")
        self.stop = _button("Stop", "train-stop", "Stop now: the network keeps the weights learned so far "
                                                  "(one Undo brings back the ones from before)")
        self.progress_bar = QProgressBar(objectName="train-progress", textVisible=True)
        self.progress_bar.setFormat("not started")
        self.progress_bar.setValue(0)
        self.status = QLabel(objectName="train-status", wordWrap=True)
        self.status.setMinimumHeight(2 * self.status.fontMetrics().lineSpacing())  # new text, same layout
        self.refusal = QLabel(objectName="train-refusal", wordWrap=True, styleSheet=ERROR_STYLE)
        self.refusal.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.refusal.setVisible(bool(self.session.refusal))
        self.refusal.setText(self.session.refusal)
        self.samples = SampleStrip()
        self.curves = CurvesChart()
        self.gradients = GradientChart()
        self.confusion = ConfusionTable()
        self.mistakes = MistakesGrid()
        self.mistakes_note = QLabel(objectName="train-mistakes-note", wordWrap=True)
        self.confusion_note = QLabel("Validation images after the latest epoch: each row a true class, each "
                                     "column the class the network chose; the diagonal is what it got right.",
                                     objectName="train-confusion-note", wordWrap=True)

        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(6)
        grid.setVerticalSpacing(3)
        rows = [("&Dataset", self.dataset, "&Images", self.count),
                ("&Epochs", self.epochs, "&Batch size", self.batch),
                ("&Optimizer", self.optimizer, "&Learning rate", self.lr),
                ("Sc&hedule", self.schedule, "&Weight decay", self.decay),
                ("S&eed", self.seed, None, None)]
        for r, row in enumerate(rows):
            for c in range(0, 4, 2):
                if row[c] is None:
                    continue
                label = QLabel(row[c])
                label.setBuddy(row[c + 1])
                label.setToolTip(row[c + 1].toolTip())
                grid.addWidget(label, r, c)
                grid.addWidget(row[c + 1], r, c + 1)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        buttons = QHBoxLayout()
        buttons.setSpacing(4)
        for b in (self.start, self.pause, self.step, self.stop):
            b.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)
            buttons.addWidget(b)

        data_page = QWidget()
        data_col = QVBoxLayout(data_page)
        data_col.addWidget(self.pipeline)
        data_col.addWidget(self.samples)
        data_col.addStretch(1)
        data_scroll = QScrollArea(objectName="train-data-scroll", widgetResizable=True)
        data_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        data_scroll.setWidget(data_page)
        self.mistakes_page = mistakes_page = QWidget()
        mistakes_col = QVBoxLayout(mistakes_page)
        mistakes_col.setContentsMargins(0, 0, 0, 0)
        mistakes_col.addWidget(self.mistakes_note)
        mistakes_col.addWidget(self.mistakes, 1)
        self.confusion_page = confusion_page = QWidget()
        confusion_col = QVBoxLayout(confusion_page)
        confusion_col.setContentsMargins(0, 0, 0, 0)
        confusion_col.addWidget(self.confusion_note)
        confusion_col.addWidget(self.confusion, 1)
        self.tabs = QTabWidget(objectName="train-tabs")
        self.tabs.setDocumentMode(True)
        for page, title, tip in ((data_scroll, "Data", "Sample images per class and how they are prepared"),
                                 (self.curves, "Curves", "Loss and accuracy while training"),
                                 (self.gradients, "Gradients", "Each layer's gradient and update size"),
                                 (confusion_page, "Confusion", "Which classes are mistaken for which"),
                                 (mistakes_page, "Mistakes", "Misclassified validation images")):
            self.tabs.setTabToolTip(self.tabs.addTab(page, title), tip)

        col = QVBoxLayout(self)
        col.setContentsMargins(6, 6, 6, 6)
        col.setSpacing(4)
        col.addLayout(grid)
        col.addLayout(buttons)
        col.addWidget(self.progress_bar)
        col.addWidget(self.status)
        col.addWidget(self.refusal)
        col.addWidget(self.tabs, 1)

    def _connect(self) -> None:
        s = self.session
        self.dataset.activated.connect(lambda _i: self._dataset_chosen())
        self.count.valueChanged.connect(lambda _v: self._dataset_chosen())
        self.batch.valueChanged.connect(lambda v: None if s.busy else s.check(v))
        s.batch_size = self.batch.value()
        self.lr.valueChanged.connect(s.set_lr)
        self.start.clicked.connect(self._start_or_resume)
        self.pause.clicked.connect(s.pause)
        self.step.clicked.connect(lambda: s.step(self.config()))
        self.stop.clicked.connect(lambda: s.stop())
        s.state_changed.connect(self._show_state)
        s.data_changed.connect(self._show_data)
        s.refusal_changed.connect(self._show_refusal)
        s.message.connect(self.status.setText)
        s.started.connect(self._started)
        s.progress.connect(self._on_progress)
        s.ended.connect(self._ended)
        self.tabs.currentChanged.connect(lambda _i: self.redraw())

    # -- settings -----------------------------------------------------------------------------------
    def config(self) -> TrainConfig:
        return TrainConfig(epochs=self.epochs.value(), batch_size=self.batch.value(),
                           optimizer=OPTIMIZERS[self.optimizer.currentText()], lr=self.lr.value(),
                           weight_decay=self.decay.value(), schedule=SCHEDULES[self.schedule.currentText()],
                           seed=self.seed.value())

    def source(self) -> str:
        text = self.dataset.currentText()
        return self.folder if text == FOLDER and self.folder else text

    @guarded
    def _dataset_chosen(self) -> None:
        if self.dataset.currentText() == FOLDER and not self.folder:
            self.choose_folder()
            return
        self.session.choose_data(self.source(), self.count.value() or None)

    def choose_folder(self, path: str | None = None) -> None:
        """A folder of class subfolders (asks with a directory dialog when `path` is None)."""
        path = path or QFileDialog.getExistingDirectory(self, "Folder of class subfolders", str(Path.home()))
        if not path:
            self.dataset.setCurrentIndex(0)
            return
        self.folder = path
        self.dataset.setItemText(self.dataset.count() - 1, FOLDER)
        self.dataset.setCurrentText(FOLDER)
        self.dataset.setToolTip(f"Training on the folder {path}")
        self.session.choose_data(path, self.count.value() or None)

    def select_dataset(self, name: str) -> None:
        """Built-in dataset by name (as the menu would)."""
        self.dataset.setCurrentText(name)
        self._dataset_chosen()

    # -- buttons -------------------------------------------------------------------------------------
    @guarded
    def _start_or_resume(self) -> None:
        if self.session.state == "paused":
            self.session.resume()
        elif self.session.state == "idle":
            self.session.start(self.config())

    def _show_state(self, state: str) -> None:
        busy = state in ("training", "paused")
        self.start.setText("Resume" if state == "paused" else "Start")
        self.start.setToolTip("Go on training from where it paused" if state == "paused" else
                              "Train the network on the dataset from its current weights (Ctrl+T opens this dock)")
        self.start.setEnabled(state in ("idle", "paused") and not (state == "idle" and self.session.refusal))
        self.pause.setEnabled(state == "training")
        self.step.setEnabled(state == "paused" or (state == "idle" and not self.session.refusal))
        self.stop.setEnabled(busy)
        for w in (self.dataset, self.count, self.epochs, self.batch, self.optimizer, self.schedule, self.decay,
                  self.seed):
            w.setEnabled(not busy)
        if state == "loading":
            self.start.setEnabled(True)  # starts as soon as the data is there

    def _show_refusal(self, text: str) -> None:
        self.refusal.setText(text)
        self.refusal.setVisible(bool(text))
        self._show_state(self.session.state)

    def _show_data(self, data) -> None:
        self.samples.show_data(data)
        if data is None:
            self.pipeline.setText("")
            return
        total = len(data.y_train) + len(data.y_val)
        warn = f"<br><span style='color:{style.WARNING_TEXT}'>{counted(len(data.warnings), 'warning')}: {data.warnings[0]}</span>" \
            if data.warnings else ""
        self.pipeline.setText(f"<b>{data.name}</b>: {total:,} images in {len(data.labels)} classes "
                              f"({len(data.y_train):,} for training, {len(data.y_val):,} for validation).<br>"
                              f"<span style='color:{style.NOTE_TEXT}'>Pipeline: {data.pipeline}</span>{warn}")

    # -- training ------------------------------------------------------------------------------------
    def _started(self, config: TrainConfig) -> None:
        self.latest_epoch = None
        self._dirty.clear()
        self.curves.clear()
        self.gradients.clear()
        self.confusion.setRowCount(0)
        self.mistakes.clear()
        self.mistakes_note.setText("Misclassified validation images appear after the first epoch.")
        self.progress_bar.setValue(0)
        self.status.setText(f"Training {config.epochs} epoch{'s' * (config.epochs != 1)} on "
                            f"{self.session.data.name}…")
        if self.tabs.currentIndex() == 0:
            self.tabs.setCurrentWidget(self.curves)

    def _on_progress(self, parcel: Parcel) -> None:
        """Take the figures in; only the tab on screen is drawn, at most every REDRAW_MS."""
        self.curves.add_events(parcel.events, draw=False)
        self.gradients.add_events(parcel.events, draw=False)
        for end in parcel.epochs:
            step = end.record.epoch * (parcel.events[-1].steps_per_epoch if parcel.events else 1)
            self.curves.add_epoch(end.record, step, draw=False)
            self.latest_epoch = end
        self._dirty.update(("curves", "gradients", "confusion", "mistakes") if parcel.epochs else
                           ("curves", "gradients"))
        if not self._redraw_timer.isActive():
            self._redraw_timer.start()
        if parcel.events:
            self.last_event = parcel.events[-1]
            self._dirty.add("status")

    def _ended(self, text: str) -> None:
        self.redraw()
        self.status.setText(text)

    def _show_status(self) -> None:
        e = self.last_event
        self.progress_bar.setMaximum(e.total_steps)
        self.progress_bar.setValue(e.step)
        self.progress_bar.setFormat(f"epoch {e.epoch}/{e.total_steps // e.steps_per_epoch} · "
                                    f"batch {e.step}/{e.total_steps}")
        self.status.setText(f"loss {e.smoothed_loss:.3f} · accuracy {100 * e.accuracy:.0f} % · "
                            f"{e.images_per_second:,.0f} images/s · {fmt_time(e.seconds_left)} left · "
                            f"learning rate {e.lr:g}")

    def redraw(self) -> None:
        """Draw the tab on screen if what it shows has changed (the others wait until they are chosen)."""
        if "status" in self._dirty and self.last_event is not None:
            self._dirty.discard("status")
            self._show_status()
        page = {self.curves: "curves", self.gradients: "gradients", self.confusion_page: "confusion",
                self.mistakes_page: "mistakes"}.get(self.tabs.currentWidget())
        if page not in self._dirty or not self.isVisible():
            return
        self._dirty.discard(page)
        end, data = self.latest_epoch, self.session.data
        if page == "curves":
            self.curves.draw()
        elif page == "gradients" and not self.gradients.draw():
            self._dirty.add(page)  # more layers' lines to add: in the next redraw
            self._redraw_timer.start()
        elif page == "confusion" and end is not None:
            self.confusion.show_confusion(end.evaluation.confusion, data.labels)
        elif page == "mistakes" and end is not None:
            wrong = self.mistakes.show_mistakes(data, end.evaluation.predictions)
            self.mistakes_note.setText(f"After epoch {end.record.epoch}: {wrong} of {len(data.y_val)} validation "
                                       f"images misclassified (validation accuracy "
                                       f"{100 * end.record.val_accuracy:.1f} %).")

    def showEvent(self, event) -> None:
        super().showEvent(event)
        QTimer.singleShot(0, self, self.redraw)
