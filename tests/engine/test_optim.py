"""Optimizers and schedules: steps equal torch.optim's, state round trips, live lr changes, clear refusals."""
import io

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convstudio.engine.optim import SGD, Adam, make_optimizer, lr_schedule
from convstudio.errors import ConvStudioError

# (300, 150) is larger than one slice of a step, so sliced and whole-array paths both run
SHAPES = {"conv": {"weight": (4, 3, 3, 3), "bias": (4,)}, "fc": {"weight": (300, 150), "bias": (300,)}}


def fresh_weights(seed: int = 0):
    rng = np.random.default_rng(seed)
    weights = {nid: {name: rng.normal(0, 1, shape).astype(np.float32) for name, shape in arrays.items()}
               for nid, arrays in SHAPES.items()}
    weights["bn"] = {"weight": np.ones(4, np.float32), "running_mean": np.zeros(4, np.float32)}
    return weights


def gradient_stream(steps: int, seed: int = 1):
    rng = np.random.default_rng(seed)
    return [{nid: {name: rng.normal(0, 1, shape).astype(np.float32) for name, shape in arrays.items()}
             for nid, arrays in SHAPES.items()} for _ in range(steps)]


def copy(weights):
    return {nid: {name: arr.copy() for name, arr in arrays.items()} for nid, arrays in weights.items()}


def torch_run(torch, name: str, kwargs: dict, weights, grads, lrs):
    """The same run with torch.optim: one parameter per array, its lr set before each step."""
    params = {(nid, n): torch.nn.Parameter(torch.tensor(weights[nid][n])) for nid in SHAPES for n in SHAPES[nid]}
    opt = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW}[name](
        list(params.values()), lr=lrs[0], **kwargs)
    for g, lr in zip(grads, lrs):
        opt.param_groups[0]["lr"] = lr
        for (nid, n), p in params.items():
            p.grad = torch.tensor(g[nid][n])
        opt.step()
    return {key: p.detach().numpy() for key, p in params.items()}


def our_run(opt, weights, grads, lrs):
    for g, lr in zip(grads, lrs):
        opt.lr = lr
        opt.step(weights, g)
    return weights


def assert_close_to(ours, theirs):
    for (nid, n), want in theirs.items():
        got = ours[nid][n]
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6 * float(np.abs(want).max()),
                                   err_msg=f"{nid}/{n}")


CONFIGS = [
    ("sgd", {}),
    ("sgd", {"momentum": 0.9, "weight_decay": 1e-2}),
    ("sgd", {"momentum": 0.9, "nesterov": True, "weight_decay": 5e-4}),
    ("sgd", {"momentum": 0.8, "dampening": 0.3}),
    ("adam", {}),
    ("adam", {"weight_decay": 1e-2}),
    ("adam", {"betas": (0.3, 0.99), "eps": 1e-6}),  # β1 < 0.5 takes the other side of torch's lerp
    ("adamw", {}),
    ("adamw", {"weight_decay": 0.1, "betas": (0.8, 0.9)}),
]


@pytest.mark.parametrize("name, kwargs", CONFIGS)
def test_steps_equal_torch_optim(name, kwargs):
    torch = pytest.importorskip("torch")
    weights, grads = fresh_weights(), gradient_stream(8)
    lrs = [0.05] * 8
    want = torch_run(torch, name, kwargs, weights, grads, lrs)
    got = our_run(make_optimizer(name, lrs[0], **kwargs), copy(weights), grads, lrs)
    assert_close_to(got, want)


@pytest.mark.parametrize("name, kwargs", [CONFIGS[2], CONFIGS[5], CONFIGS[8]])
def test_a_learning_rate_changed_between_steps_is_used_as_torch_uses_it(name, kwargs):
    torch = pytest.importorskip("torch")
    weights, grads = fresh_weights(), gradient_stream(7)
    lrs = [0.1, 0.1, 0.1, 0.02, 0.02, 0.3, 0.3]
    want = torch_run(torch, name, kwargs, weights, grads, lrs)
    got = our_run(make_optimizer(name, lrs[0], **kwargs), copy(weights), grads, lrs)
    assert_close_to(got, want)


@settings(max_examples=15)
@given(momentum=st.sampled_from([0.0, 0.5, 0.9]), dampening=st.sampled_from([0.0, 0.1]),
       nesterov=st.booleans(), weight_decay=st.sampled_from([0.0, 1e-3, 0.1]), lr=st.floats(1e-3, 1.0))
def test_any_valid_sgd_setting_equals_torch(momentum, dampening, nesterov, weight_decay, lr):
    torch = pytest.importorskip("torch")
    if nesterov and (momentum == 0 or dampening):
        nesterov = False
    kwargs = {"momentum": momentum, "dampening": dampening, "nesterov": nesterov, "weight_decay": weight_decay}
    weights, grads = fresh_weights(), gradient_stream(5)
    want = torch_run(torch, "sgd", kwargs, weights, grads, [lr] * 5)
    assert_close_to(our_run(SGD(lr, **kwargs), copy(weights), grads, [lr] * 5), want)


def test_only_arrays_with_gradients_change():
    weights = fresh_weights()
    before = copy(weights)
    opt = Adam(0.01)
    grads = gradient_stream(1)[0]
    grads["bn"] = {"weight": np.ones(4, np.float32)}
    ids = {(nid, n): id(a) for nid, arrays in weights.items() for n, a in arrays.items()}
    opt.step(weights, grads)
    np.testing.assert_array_equal(weights["bn"]["running_mean"], before["bn"]["running_mean"])
    assert not np.array_equal(weights["bn"]["weight"], before["bn"]["weight"])
    assert ids == {(nid, n): id(a) for nid, arrays in weights.items() for n, a in arrays.items()}  # in place
    assert not any(k.startswith("bn/running_mean") for k in opt.state())


def test_float64_gradients_leave_weights_and_state_float32():
    weights = fresh_weights()
    grads = {nid: {n: g.astype(np.float64) for n, g in arrays.items()} for nid, arrays in gradient_stream(1)[0].items()}
    opt = Adam(0.01)
    opt.step(weights, grads)
    assert all(a.dtype == np.float32 for arrays in weights.values() for a in arrays.values())
    assert all(v.dtype == np.float32 for k, v in opt.state().items() if not k.endswith("step"))


@pytest.mark.parametrize("name, kwargs", [CONFIGS[1], CONFIGS[2], CONFIGS[5], CONFIGS[8]])
def test_state_saved_after_three_steps_resumes_as_five_straight(name, kwargs):
    grads = gradient_stream(5)
    straight = our_run(make_optimizer(name, 0.05, **kwargs), fresh_weights(), grads, [0.05] * 5)

    first = make_optimizer(name, 0.05, **kwargs)
    weights = our_run(first, fresh_weights(), grads[:3], [0.05] * 3)
    buffer = io.BytesIO()
    np.savez(buffer, **first.state())
    buffer.seek(0)
    second = make_optimizer(name, 0.05, **kwargs)
    with np.load(buffer, allow_pickle=False) as saved:
        second.load_state(saved)
    assert second.steps == 3
    resumed = our_run(second, weights, grads[3:], [0.05] * 2)
    for nid, arrays in straight.items():
        for n, arr in arrays.items():
            np.testing.assert_array_equal(resumed[nid][n], arr)
    assert second.steps == 5


def test_state_is_flat_and_keyed_by_node_name_and_slot():
    weights, grads = fresh_weights(), gradient_stream(2)
    adam, sgd = Adam(0.01), SGD(0.1, momentum=0.9)
    our_run(adam, weights, grads, [0.01] * 2)
    our_run(sgd, weights, grads, [0.1] * 2)
    arrays = [f"{nid}/{n}" for nid in SHAPES for n in SHAPES[nid]]
    assert set(adam.state()) == {"step"} | {f"{a}/{s}" for a in arrays for s in ("exp_avg", "exp_avg_sq", "step")}
    assert set(sgd.state()) == {"step"} | {f"{a}/momentum_buffer" for a in arrays}
    assert int(adam.state()["step"]) == 2 and int(adam.state()["fc/weight/step"]) == 2
    assert set(SGD(0.1).state()) == {"step"}


def test_state_from_another_optimizer_or_incomplete_is_refused_and_changes_nothing():
    adam = Adam(0.01)
    adam.step(fresh_weights(), gradient_stream(1)[0])
    state = adam.state()
    sgd = SGD(0.1, momentum=0.9)
    with pytest.raises(ConvStudioError, match="'conv/weight/exp_avg' is not SGD state .SGD keeps momentum_buffer"):
        sgd.load_state(state)
    assert sgd.state() == {"step": 0}
    with pytest.raises(ConvStudioError, match="Adam state of fc/bias lacks exp_avg_sq"):
        Adam(0.01).load_state({k: v for k, v in state.items() if k != "fc/bias/exp_avg_sq"})
    with pytest.raises(ConvStudioError, match="has no 'step' entry"):
        Adam(0.01).load_state({k: v for k, v in state.items() if k != "step"})
    with pytest.raises(ConvStudioError, match="is not '<node id>/<name>/<slot>'"):
        Adam(0.01).load_state({"step": np.array(1), "weights": np.zeros(3)})
    with pytest.raises(ConvStudioError, match="'step' must be one whole number ≥ 0, not -2"):
        Adam(0.01).load_state({**state, "step": np.array(-2)})
    with pytest.raises(ConvStudioError, match="exp_avg_sq must be a float array of shape 4"):
        Adam(0.01).load_state({**state, "conv/bias/exp_avg_sq": np.zeros(5, np.float32)})


def test_state_of_a_changed_network_is_refused_before_any_weight_moves():
    opt = SGD(0.1, momentum=0.9)
    opt.step(fresh_weights(), gradient_stream(1)[0])
    weights = fresh_weights()
    weights["fc"]["weight"] = np.zeros((10, 150), np.float32)
    grads = gradient_stream(1)[0]
    grads["fc"]["weight"] = np.ones((10, 150), np.float32)
    before = copy(weights)
    with pytest.raises(ConvStudioError, match="state of fc/weight is 300×150 but the weight is 10×150"):
        opt.step(weights, grads)
    for nid, arrays in before.items():
        for n, arr in arrays.items():
            np.testing.assert_array_equal(weights[nid][n], arr)
    assert opt.steps == 1


@pytest.mark.parametrize("grads, message", [
    ({"nope": {"weight": np.zeros(3, np.float32)}}, "gradient for nope/weight but no such weight"),
    ({"conv": {"bias": np.zeros(5, np.float32)}}, "gradient of conv/bias is 5 but the weight is 4"),
])
def test_gradients_that_do_not_fit_the_weights_are_refused(grads, message):
    with pytest.raises(ConvStudioError, match=message):
        SGD(0.1).step(fresh_weights(), grads)


def test_weights_that_cannot_be_updated_in_place_are_refused():
    weights = fresh_weights()
    weights["conv"]["bias"].flags.writeable = False
    with pytest.raises(ConvStudioError, match="weight conv/bias is read-only"):
        SGD(0.1).step(weights, {"conv": {"bias": np.ones(4, np.float32)}})
    weights["conv"]["bias"] = np.zeros(4)
    with pytest.raises(ConvStudioError, match="weight conv/bias must be float32 to be updated in place, not float64"):
        SGD(0.1).step(weights, {"conv": {"bias": np.ones(4, np.float32)}})


@pytest.mark.parametrize("make, message", [
    (lambda: SGD(0), "learning rate must be a finite number > 0, not 0"),
    (lambda: SGD(float("nan")), "learning rate must be a finite number > 0"),
    (lambda: SGD("0.1"), "learning rate must be a finite number > 0, not '0.1'"),
    (lambda: SGD(0.1, momentum=1.0), r"momentum must be a number in \[0, 1\), not 1.0"),
    (lambda: SGD(0.1, dampening=-0.1), r"dampening must be a number in \[0, 1\]"),
    (lambda: SGD(0.1, nesterov=True), "Nesterov momentum needs a momentum > 0 and zero dampening"),
    (lambda: SGD(0.1, momentum=0.9, dampening=0.1, nesterov=True), "Nesterov momentum needs"),
    (lambda: SGD(0.1, weight_decay=-1), "weight decay must be a finite number ≥ 0"),
    (lambda: Adam(betas=(1.0, 0.999)), r"beta1 must be a number in \[0, 1\), not 1.0"),
    (lambda: Adam(betas=(0.9, -0.5)), r"beta2 must be a number in \[0, 1\)"),
    (lambda: Adam(betas=(0.9,)), r"betas must be two numbers in \[0, 1\)"),
    (lambda: Adam(betas=0.9), r"betas must be two numbers in \[0, 1\), not 0.9"),
    (lambda: Adam(eps=0), "eps must be a finite number > 0"),
    (lambda: make_optimizer("rmsprop", 0.1), "optimizer 'rmsprop' is not one of sgd, adam, adamw"),
    (lambda: make_optimizer("adam", 0.1, momentum=0.9), "adam does not take momentum; it takes betas, eps"),
])
def test_bad_settings_are_refused_in_one_line(make, message):
    with pytest.raises(ConvStudioError, match=message) as info:
        make()
    assert "\n" not in str(info.value)


def test_learning_rate_set_live_is_checked():
    opt = Adam(0.01)
    opt.lr = 0.5
    assert opt.lr == 0.5
    with pytest.raises(ConvStudioError, match="learning rate"):
        opt.lr = -0.1
    assert opt.lr == 0.5


def test_make_optimizer_builds_the_named_kind():
    assert isinstance(make_optimizer("SGD", 0.1, momentum=0.9), SGD)
    adamw = make_optimizer("adamw", 1e-3)
    assert isinstance(adamw, Adam) and adamw.decoupled and adamw.weight_decay == 0.01  # torch's AdamW default
    assert not make_optimizer("adam", 1e-3).decoupled


def torch_schedule(torch, kind, base_lr, total, step_size, gamma, warmup):
    """The lr torch.optim.lr_scheduler gives before each of `total` steps."""
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=base_lr)
    sched = torch.optim.lr_scheduler

    def main():
        if kind == "step":
            return sched.StepLR(opt, step_size=step_size, gamma=gamma)
        if kind == "cosine":
            return sched.CosineAnnealingLR(opt, T_max=total - warmup)
        return sched.ConstantLR(opt, factor=1.0)

    if warmup:
        ramp = sched.LinearLR(opt, start_factor=1 / (warmup + 1), total_iters=warmup)
        schedule = sched.SequentialLR(opt, [ramp, main()], milestones=[warmup])
    else:
        schedule = main()
    out = []
    for _ in range(total):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        schedule.step()
    return out


@pytest.mark.parametrize("kind", [None, "constant", "step", "cosine"])
@pytest.mark.parametrize("warmup", [0, 4])
def test_schedules_equal_torch_lr_schedulers(kind, warmup):
    torch = pytest.importorskip("torch")
    want = torch_schedule(torch, kind, 0.3, 40, 7, 0.5, warmup)
    schedule = lr_schedule(kind, 0.3, 40, step_size=7, gamma=0.5, warmup=warmup)
    np.testing.assert_allclose([schedule(i) for i in range(40)], want, rtol=1e-12)


def test_step_schedule_defaults_to_thirds_and_cosine_ends_near_zero():
    step = lr_schedule("step", 1.0, 30)
    assert [step(i) for i in (0, 9, 10, 19, 20, 29)] == pytest.approx([1, 1, 0.1, 0.1, 0.01, 0.01])
    cosine = lr_schedule("cosine", 1.0, 100)
    assert cosine(0) == 1.0 and 0 < cosine(99) < 1e-3 and cosine(100) == cosine(500) == 0.0


@settings(max_examples=30)
@given(total=st.integers(2, 500), data=st.data())
def test_cosine_with_warmup_rises_then_never_rises(total, data):
    warmup = data.draw(st.integers(0, total - 1))
    schedule = lr_schedule("cosine", 0.1, total, warmup=warmup)
    lrs = [schedule(i) for i in range(total)]
    assert all(a < b for a, b in zip(lrs[:warmup], lrs[1:warmup + 1]))
    assert all(a >= b for a, b in zip(lrs[warmup:], lrs[warmup + 1:]))
    assert max(lrs) == pytest.approx(0.1) and all(0 < lr <= 0.1 for lr in lrs)


@pytest.mark.parametrize("call, message", [
    (lambda: lr_schedule("linear", 0.1, 10), "schedule 'linear' is not one of constant, step, cosine"),
    (lambda: lr_schedule("cosine", 0.1, 10, warmup=10), "warm-up of 10 steps leaves none of the 10"),
    (lambda: lr_schedule("step", 0.1, 10, step_size=0), "step size must be a whole number ≥ 1"),
    (lambda: lr_schedule("step", 0.1, 10, gamma=0), r"gamma must be a number in \(0, 1\]"),
    (lambda: lr_schedule(None, 0.1, 0), "number of training steps must be a whole number ≥ 1"),
    (lambda: lr_schedule(None, -0.1, 10), "learning rate must be a finite number > 0"),
    (lambda: lr_schedule(None, 0.1, 10)(-1), "step index must be a whole number ≥ 0"),
])
def test_bad_schedules_are_refused(call, message):
    with pytest.raises(ConvStudioError, match=message):
        call()
