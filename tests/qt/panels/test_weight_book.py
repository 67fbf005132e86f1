"""Completing weights in the worker: keep what fits, re-apply presets, share random draws, cancel."""
from __future__ import annotations

import numpy as np
import pytest

from convstudio.engine.infer import infer
from convstudio.engine.weights import init_weights, refresh_weights
from convstudio.errors import RunCancelled
from convstudio.graph import SetParams
from convstudio.engine.weight_book import InitCache, WeightBook, complete_weights

from .conftest import panels_network


def test_matches_the_engine_s_refresh_weights():
    net = panels_network()
    old = init_weights(net, 4)
    SetParams("conv1", {"filters": 4}).redo(net)
    report = infer(net)
    mine = complete_weights(net, report, old, 4, {}).arrays
    engine = refresh_weights(net, old, 4, report)
    assert mine.keys() == engine.keys()
    for nid in mine:
        for name in mine[nid]:
            assert np.array_equal(mine[nid][name], engine[nid][name])


def test_presets_follow_a_new_kernel_size_and_are_dropped_when_impossible():
    net = panels_network()
    SetParams("conv1", {"kernel_size": 1, "padding": 0}).redo(net)
    done = complete_weights(net, infer(net), {}, 0, {"conv1": "laplacian"})  # needs at least 3×3
    assert done.dropped_presets == {"conv1"} and "conv1" in done.reinitialised


def test_a_cancelled_completion_leaves_its_draws_in_the_cache():
    net = panels_network()
    report = infer(net)
    cache = InitCache()
    calls = iter([False, True])
    with pytest.raises(RunCancelled):
        complete_weights(net, report, {}, 0, {}, cancel=lambda: next(calls), cache=cache)
    assert len(cache) == 1
    first = complete_weights(net, report, {}, 0, {}, cache=cache).arrays["conv1"]["weight"]
    assert first is complete_weights(net, report, {}, 0, {}, cache=cache).arrays["conv1"]["weight"]


def test_book_provenance():
    book = WeightBook()
    assert book.pristine and book.describe() == "random, seed 0"
    book.set_preset("conv1", "sobel-x", {"weight": np.zeros((1, 1, 3, 3), np.float32)})
    assert not book.pristine and book.origin("conv1") == "preset “sobel-x”"
    book.forget("conv1")
    assert book.pristine


def test_dense_weights_refold_into_the_equivalent_convolution_and_back():
    import numpy as np

    from convstudio.engine.infer import infer
    from convstudio.engine.transforms import fc_to_conv
    from convstudio.graph import AddNode, Network, UndoStack
    from convstudio.engine.weight_book import complete_weights

    net = Network("fc")
    stack = UndoStack(net)
    stack.push(AddNode("Input", {"channels": 2, "height": 3, "width": 3}, node_id="x"))
    stack.push(AddNode("Flatten", inputs=["x"], node_id="flat"))
    stack.push(AddNode("Dense", {"units": 4}, inputs=["flat"], node_id="fc"))
    dense = complete_weights(net, infer(net), {}, seed=1, presets={}).arrays
    conv_net, _ = fc_to_conv(net)
    conv = complete_weights(conv_net, infer(conv_net), dense, seed=1, presets={})
    assert conv.arrays["fc"]["weight"].shape == (4, 2, 3, 3) and "fc" not in conv.reinitialised
    np.testing.assert_array_equal(conv.arrays["fc"]["weight"].reshape(4, 18), dense["fc"]["weight"])
    back = complete_weights(net, infer(net), conv.arrays, seed=1, presets={}).arrays
    np.testing.assert_array_equal(back["fc"]["weight"], dense["fc"]["weight"])
