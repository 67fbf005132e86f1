

def test_receptive_box_is_outlined_on_the_network_input(win):
    from convstudio.engine.explain import receptive_box

    panel = win._test_panels.input_panel
    box = receptive_box(win.doc.net, win.doc.net.ids()[1], 2, 3)
    panel.show_receptive_box(box, "conv1 channel 0, row 2, column 3")
    assert panel.prepared.box == (box.top, box.left, box.bottom, box.right)
    assert panel.box_caption.text().startswith("Yellow box: the input pixels that can change conv1 channel 0, row 2")
    assert panel.box_caption.isVisibleTo(panel)
    assert not panel.prepared.grab().isNull()
    panel.show_receptive_box(None)
    assert panel.prepared.box is None and not panel.box_caption.isVisibleTo(panel)


def test_an_image_dropped_anywhere_on_the_window_becomes_the_input(win, tmp_path):
    from PIL import Image
    from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
    from PySide6.QtGui import QDropEvent

    path = tmp_path / "photo.png"
    Image.new("RGB", (40, 30), (200, 30, 30)).save(path)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    win.dropEvent(event)
    assert win._test_panels.controller.source == str(path)


def test_a_picture_resized_out_of_proportion_is_said_to_be_stretched(win):
    from convstudio.qt.panels.input_panel import stretch_note

    assert "stretched to 64×64" in stretch_note((480, 640), (64, 64))
    assert "the 640×480 picture" in stretch_note((480, 640), (64, 64))
    assert stretch_note((512, 512), (64, 64)) == ""  # same proportions: only resized
    assert stretch_note((224, 225), (224, 224)) == ""  # a pixel off is not worth a word
    assert "stretched" not in win._test_panels.input_panel.prepared_caption.text()  # the square sample
