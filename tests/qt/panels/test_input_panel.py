

def test_receptive_box_is_outlined_on_the_network_input(win):
    from convstudio.engine.explain import receptive_box

    panel = win._test_panels.input_panel
    box = receptive_box(win.doc.net, win.doc.net.ids()[1], 2, 3)
    panel.show_receptive_box(box)
    assert panel.prepared.box == (box.top, box.left, box.bottom, box.right)
    assert not panel.prepared.grab().isNull()
    panel.show_receptive_box(None)
    assert panel.prepared.box is None
