"""Shape and cost inference: exact diagnostics, unknowns downstream of an error, never an exception."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from convstudio import layers
from convstudio.engine.infer import Diagnostic, infer
from convstudio.errors import GraphError
from convstudio.graph import AddNode, Network, Node, UndoStack


def build(*specs) -> Network:
    """specs: (type, id, inputs, params)."""
    net = Network("test")
    stack = UndoStack(net)
    for type_name, nid, inputs, params in specs:
        stack.push(AddNode(type_name, params, node_id=nid, inputs=inputs))
    return net


def messages(report, level=None):
    return [d.message for d in report.diagnostics if level is None or d.level == level]


# -- the explanations, word for word -------------------------------------------------------------
def test_kernel_that_does_not_fit():
    net = build(("Input", "image", [], {"channels": 3, "height": 20, "width": 5}),
                ("Conv2D", "conv3", ["image"], {"filters": 8, "kernel_size": 7, "dilation": 2, "padding": 1}))
    assert messages(infer(net)) == [
        "conv3: kernel 7 (dilated to 13) needs 13 pixels but the padded input is only 7 wide (5 + 2×1)"]


def test_stride_that_leaves_a_column():
    net = build(("Input", "image", [], {"channels": 16, "height": 8, "width": 7}),
                ("MaxPool2D", "pool2", ["image"], {"kernel_size": 2}))
    report = infer(net)
    assert messages(report, "warning") == ["pool2: stride 2 leaves the last column of the 7-wide input unvisited"]
    assert report.errors == [] and report.nodes["pool2"].shape == (16, 4, 3)


def test_add_of_different_shapes():
    net = build(("Input", "a", [], {"channels": 64, "height": 56, "width": 56}),
                ("Input", "b", [], {"channels": 128, "height": 28, "width": 28}),
                ("Add", "add1", ["a", "b"], {}))
    assert messages(infer(net)) == ["add1: inputs 64×56×56 and 128×28×28 differ"]


def test_dense_on_an_image():
    net = build(("Input", "image", [], {"channels": 3, "height": 8, "width": 8}),
                ("Dense", "dense1", ["image"], {"units": 10}))
    assert messages(infer(net)) == ["dense1: expects a flat input; add Flatten or use GlobalAvgPool2D"]


def test_missing_inputs():
    net = build(("Conv2D", "conv1", [], {}), ("Input", "image", [], {}), ("Add", "add1", ["image"], {}))
    assert messages(infer(net)) == ["conv1: needs 1 input but has none; connect a layer to it",
                                    "add1: needs at least 2 inputs but has 1; connect a layer to it"]


def test_diagnostic_message_joins_node_and_text():
    d = Diagnostic("error", "conv1", "something")
    assert d.message == "conv1: something"


# -- what an error does downstream ---------------------------------------------------------------
def chain_with_error() -> Network:
    return build(("Input", "image", [], {"channels": 3, "height": 4, "width": 4}),
                 ("Conv2D", "conv1", ["image"], {"filters": 4, "kernel_size": 5}),
                 ("ReLU", "relu1", ["conv1"], {}),
                 ("Input", "other", [], {"channels": 4, "height": 4, "width": 4}),
                 ("Add", "add1", ["other", "relu1"], {}),
                 ("Flatten", "flat", ["add1"], {}),
                 ("Dense", "fc", ["flat"], {"units": 2}),
                 ("Conv2D", "side", ["other"], {"filters": 2, "kernel_size": 3}))


def test_error_marks_everything_downstream_unknown():
    report = infer(chain_with_error())
    assert messages(report, "error") == ["conv1: kernel 5 needs 5 pixels but the padded input is only 4 tall (4 + 2×0)"]
    for nid in ("relu1", "add1", "flat", "fc"):
        r = report.nodes[nid]
        assert (r.shape, r.params, r.macs, r.receptive_field, r.blocked_by) == (None, None, None, None, "conv1")
        assert r.diagnostics == [] and not r.ok
    assert report.nodes["conv1"].blocked_by is None and not report.nodes["conv1"].ok
    # an independent branch is still computed, and counted
    assert report.nodes["side"].shape == (2, 2, 2)
    assert report.total_params == report.nodes["side"].params == 2 * (4 * 9 + 1)
    assert report.total_macs == report.nodes["side"].macs


def test_warnings_do_not_block():
    net = build(("Input", "image", [], {"channels": 1, "height": 7, "width": 7}),
                ("MaxPool2D", "pool", ["image"], {"kernel_size": 2}),
                ("Flatten", "flat", ["pool"], {}))
    report = infer(net)
    assert len(report.warnings) == 2 and report.errors == []
    assert report.nodes["flat"].shape == (9,)


def test_input_shape_override():
    net = build(("Input", "image", [], {"channels": 1, "height": 32, "width": 32}),
                ("Conv2D", "conv", ["image"], {"filters": 2, "kernel_size": 5}))
    report = infer(net, input_shape=(3, 64, 48))
    assert report.nodes["image"].shape == (3, 64, 48)
    assert report.nodes["conv"].shape == (2, 60, 44)
    assert report.nodes["conv"].params == 2 * (3 * 25 + 1)
    assert net.node("image").params == {"channels": 1, "height": 32, "width": 32}


def test_report_summary_properties():
    report = infer(chain_with_error())
    assert report.name == "test"
    assert report.inputs == ["image", "other"]
    assert report.outputs == ["side", "fc"]  # in run order
    assert report.nodes["add1"].inputs == ["other", "relu1"]
    assert report.nodes["side"].input_shapes == [(4, 4, 4)]


def test_a_cycle_is_reported_not_raised():
    """Commands and the loader refuse cycles; a hand-built Network may still have one."""
    net = Network("loop", nodes=[
        Node("image", "Input", layers.get("Input").defaults()),
        Node("a", "Add", {}, ["image", "c"]),
        Node("b", "ReLU", {}, ["a"]),
        Node("c", "ReLU", {}, ["b"]),
        Node("after", "ReLU", {}, ["c"]),
    ])
    report = infer(net)
    assert report.order[:1] == ["image"] and set(report.order) == set(net.ids())
    assert messages(report) == [f"{i}: sits on a loop of connections (or after one); remove the connection that leads back"
                                for i in ("a", "b", "c", "after")]


def test_a_dangling_input_is_reported_not_raised():
    net = Network("dangling", nodes=[Node("r", "ReLU", {}, ["gone"])])
    assert messages(infer(net)) == ["r: reads from 'gone', which does not exist"]


# -- never raises --------------------------------------------------------------------------------
def param_value(p: layers.Param):
    lo = int(p.minimum or 0)
    if p.kind == "bool":
        return st.booleans()
    if p.kind == "float":
        return st.sampled_from([0.0, 0.1, 0.5]) if p.minimum == 0 else st.just(p.default)
    ints = st.integers(lo, lo + 5)
    if p.kind == "int":
        return ints
    pair = ints | st.lists(ints, min_size=2, max_size=2)
    if p.kind == "padding":
        return pair | st.sampled_from(["same", "valid"])
    if p.kind == "pad4":
        return pair | st.lists(ints, min_size=4, max_size=4)
    return (st.none() | pair) if p.nullable else pair


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_infer_never_raises_on_random_networks(data):
    net = Network("random")
    stack = UndoStack(net)
    for _ in range(data.draw(st.integers(1, 12))):
        type_name = data.draw(st.sampled_from(layers.names()))
        decl = layers.get(type_name)
        params = {p.name: data.draw(param_value(p)) for p in decl.params}
        ids = net.ids()
        inputs = [] if not ids or decl.max_inputs == 0 else data.draw(
            st.lists(st.sampled_from(ids), max_size=decl.max_inputs or 3))
        try:
            stack.push(AddNode(type_name, params, inputs=inputs))
        except GraphError:
            pass
    shape = data.draw(st.none() | st.tuples(st.integers(1, 4), st.integers(1, 20), st.integers(1, 20)))
    report = infer(net, input_shape=shape)
    assert report.order == net.topological_order()[0]
    for r in report.nodes.values():
        assert r.ok != bool(r.errors or r.blocked_by), r
        if r.ok:
            assert r.params >= 0 and r.macs >= 0
        if r.blocked_by:
            assert not report.nodes[r.blocked_by].ok and report.nodes[r.blocked_by].errors
    assert report.total_params == sum(r.params for r in report.nodes.values() if r.ok)
