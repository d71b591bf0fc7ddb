"""lrcourse.train.swa_utils against torch.optim.swa_utils, on a small conv net with BatchNorm.

One table of averaging settings, one checker: a source model trains with SGD and, every few
steps, both libraries' AveragedModel average it in; their parameters, buffers and n_averaged
must be bit-identical after every update. Then update_bn, state_dicts across the two
libraries, the equations themselves, and the errors.
"""
from __future__ import annotations

import doctest
import io
from copy import deepcopy

import pytest
import torch
import torch.nn.functional as F
import torch.optim.swa_utils as T
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

import lrcourse.train.swa_utils as L
from lrcourse.lr_scheduler import SWALR

UPDATES, STEPS_BETWEEN = 5, 3
_g = torch.Generator().manual_seed(1)
X = torch.randn(24, 2, 6, 6, generator=_g, dtype=torch.float64)
Y = torch.randint(0, 2, (24,), generator=_g)
BATCHES = [(X[i:i + 6], Y[i:i + 6]) for i in range(0, 24, 6)]


def make_model(dtype=torch.float64, bn_momentum=0.1):
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(2, 3, 3), nn.BatchNorm2d(3, momentum=bn_momentum), nn.ReLU(), nn.Flatten(),
        nn.Linear(3 * 4 * 4, 5), nn.BatchNorm1d(5), nn.ReLU(), nn.Linear(5, 2),
    ).to(dtype)


def train(model, opt, steps, start):
    """``steps`` SGD steps in train mode (BatchNorm statistics move too), cycling the batches."""
    model.train()
    for t in range(start, start + steps):
        x, y = BATCHES[t % len(BATCHES)]
        opt.zero_grad()
        F.cross_entropy(model(x.to(next(model.parameters()).dtype)), y).backward()
        opt.step()


def assert_same(ours, theirs, where=""):
    """Same keys in the same order, same dtypes, bit-identical values."""
    a, b = ours.state_dict(), theirs.state_dict()
    assert list(a) == list(b), where
    for key in a:
        assert a[key].dtype == b[key].dtype, f"{key} {where}"
        assert torch.equal(a[key], b[key]), f"{key} {where}: max diff {(a[key] - b[key]).abs().max()}"


def recording_multi_avg_fn(calls):
    """A user's multi_avg_fn: records what it is given, then averages the floating tensors 1:3."""

    def update(averaged, current, n):
        calls.append((len(averaged), averaged[0].dtype, n.dtype, n.device, int(n)))
        for a, c in zip(averaged, current):
            if a.is_floating_point():
                a.mul_(0.25).add_(c, alpha=0.75)

    return update


# (id, AveragedModel keyword arguments built from the module M, also with use_buffers=True?)
CASES = [
    ("swa", lambda M, calls: {}, True),
    ("swa-avg_fn", lambda M, calls: {"avg_fn": M.get_swa_avg_fn()}, True),
    ("swa-multi", lambda M, calls: {"multi_avg_fn": M.get_swa_multi_avg_fn()}, False),  # True: see ERRORS
    ("ema-0.9", lambda M, calls: {"avg_fn": M.get_ema_avg_fn(0.9)}, True),
    ("ema-default", lambda M, calls: {"avg_fn": M.get_ema_avg_fn()}, True),
    ("ema-0", lambda M, calls: {"avg_fn": M.get_ema_avg_fn(0.0)}, True),
    ("ema-1", lambda M, calls: {"avg_fn": M.get_ema_avg_fn(1)}, True),
    ("ema-multi-0.9", lambda M, calls: {"multi_avg_fn": M.get_ema_multi_avg_fn(0.9)}, True),
    ("ema-multi-default", lambda M, calls: {"multi_avg_fn": M.get_ema_multi_avg_fn()}, True),
    ("ema-multi-0.3", lambda M, calls: {"multi_avg_fn": M.get_ema_multi_avg_fn(0.3)}, True),
    ("user-avg_fn", lambda M, calls: {"avg_fn": lambda a, c, n: a + (c - a) * 0.6 / (n + 0.5)}, True),
    ("user-multi_avg_fn", lambda M, calls: {"multi_avg_fn": recording_multi_avg_fn(calls)}, True),
    ("swa-device-cpu", lambda M, calls: {"device": torch.device("cpu")}, True),
    ("ema-device-cpu", lambda M, calls: {"device": "cpu", "multi_avg_fn": M.get_ema_multi_avg_fn(0.8)}, True),
]
GRID = [pytest.param(kwargs, buffers, id=f"{name}-buffers={buffers}")
        for name, kwargs, with_buffers in CASES for buffers in ([False, True] if with_buffers else [False])]
# Which library's AveragedModel and which library's averaging functions; torch's pair is the oracle.
PAIRINGS = {"lrcourse": (L, L), "lrcourse-class-torch-fns": (L, T), "torch-class-lrcourse-fns": (T, L)}


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("pairing", PAIRINGS)
@pytest.mark.parametrize("kwargs, use_buffers", GRID)
def test_averaged_model_equals_torch_after_every_update(kwargs, use_buffers, pairing, dtype):
    cls, fns = PAIRINGS[pairing]
    model = make_model(dtype)
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    our_calls, their_calls = [], []
    ours = cls.AveragedModel(model, use_buffers=use_buffers, **kwargs(fns, our_calls))
    theirs = T.AveragedModel(model, use_buffers=use_buffers, **kwargs(T, their_calls))
    assert_same(ours, theirs, "before any update")
    for update in range(UPDATES):
        train(model, opt, STEPS_BETWEEN, start=update * STEPS_BETWEEN)
        ours.update_parameters(model)
        theirs.update_parameters(model)
        assert_same(ours, theirs, f"after update {update + 1}")
    assert our_calls == their_calls
    assert ours.n_averaged.item() == UPDATES
    ours.eval(), theirs.eval()
    x = X[:4].to(dtype)
    assert torch.equal(ours(x), theirs(x))


def test_the_grid_averages_something():
    """The checker would pass for two copies that never move: make sure the averages move,
    differ from the model and (with use_buffers=False) copy its buffers."""
    model = make_model()
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    swa, ema = L.AveragedModel(model), L.AveragedModel(model, multi_avg_fn=L.get_ema_multi_avg_fn(0.5), use_buffers=True)
    start = deepcopy(swa.state_dict())
    for update in range(3):
        train(model, opt, STEPS_BETWEEN, start=update * STEPS_BETWEEN)
        swa.update_parameters(model), ema.update_parameters(model)
    w = "module.0.weight"
    assert not torch.equal(swa.state_dict()[w], start[w])
    assert not torch.equal(swa.module[0].weight, model[0].weight)
    assert not torch.equal(swa.module[0].weight, ema.module[0].weight)
    assert torch.equal(swa.module[1].running_mean, model[1].running_mean)  # copied
    assert not torch.equal(ema.module[1].running_mean, model[1].running_mean)  # averaged


def snapshots(updates=UPDATES):
    """The source model's parameters and buffers at each update, from the training loop alone."""
    model = make_model()
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    out = []
    for update in range(updates):
        train(model, opt, STEPS_BETWEEN, start=update * STEPS_BETWEEN)
        out.append({k: v.clone() for k, v in model.state_dict().items()})
    return out


def averaged_run(**kwargs):
    model = make_model()
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    avg = L.AveragedModel(model, **kwargs)
    for update in range(UPDATES):
        train(model, opt, STEPS_BETWEEN, start=update * STEPS_BETWEEN)
        avg.update_parameters(model)
    return avg


def test_swa_is_the_mean_of_the_weights_visited():
    """With use_buffers=True the BatchNorm statistics are averaged too."""
    avg, snaps = averaged_run(use_buffers=True), snapshots()
    for name, value in list(avg.module.named_parameters()) + list(avg.module.named_buffers()):
        if value.is_floating_point():
            mean = torch.stack([s[name] for s in snaps]).mean(0)
            torch.testing.assert_close(value.detach(), mean, rtol=1e-12, atol=1e-14)


def test_in_place_swa_is_the_mean_up_to_its_float32_weight():
    """get_swa_multi_avg_fn's weight 1/(n+1) is a float32 tensor (as torch): the mean holds to
    float32's precision in the weight, not to float64's."""
    avg, snaps = averaged_run(multi_avg_fn=L.get_swa_multi_avg_fn()), snapshots()
    for name, value in avg.module.named_parameters():
        mean = torch.stack([s[name] for s in snaps]).mean(0)
        torch.testing.assert_close(value.detach(), mean, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("decay", [0.0, 0.5, 0.9, 1.0])
@pytest.mark.parametrize("multi", [False, True])
def test_ema_is_the_exponentially_weighted_sum(decay, multi):
    """theta_ema after n updates = decay^(n-1) theta_1 + sum_{k>=2} (1-decay) decay^(n-k) theta_k."""
    fn = {"multi_avg_fn": L.get_ema_multi_avg_fn(decay)} if multi else {"avg_fn": L.get_ema_avg_fn(decay)}
    avg, snaps = averaged_run(**fn), snapshots()
    n = len(snaps)
    for name, value in avg.module.named_parameters():
        expected = decay ** (n - 1) * snaps[0][name] + sum(
            (1 - decay) * decay ** (n - k) * snaps[k - 1][name] for k in range(2, n + 1))
        torch.testing.assert_close(value.detach(), expected, rtol=1e-12, atol=1e-14)


@pytest.fixture
def foreach_cpu(monkeypatch):
    """Pretend the CPU is a device with foreach kernels (cuda, xpu, ...), in both libraries: there
    torch's default SWA is get_swa_multi_avg_fn instead of the per-tensor division."""
    monkeypatch.setattr(torch.optim.swa_utils, "_get_foreach_kernels_supported_devices", lambda: ["cpu"])
    monkeypatch.setattr(L, "_get_foreach_kernels_supported_devices", lambda: ["cpu"])


@pytest.fixture(params=[torch.float32, torch.float64], ids=["default-float32", "default-float64"])
def default_dtype(request):
    """The dtype of the in-place weight 1/(n+1) (n_averaged is a long tensor)."""
    old = torch.get_default_dtype()
    torch.set_default_dtype(request.param)
    yield request.param
    torch.set_default_dtype(old)


def test_default_on_a_foreach_device_is_the_in_place_form_as_torch(foreach_cpu, default_dtype):
    model = make_model()
    ours, theirs = L.AveragedModel(model), T.AveragedModel(model)
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    for update in range(UPDATES):
        train(model, opt, STEPS_BETWEEN, start=update * STEPS_BETWEEN)
        ours.update_parameters(model), theirs.update_parameters(model)
        assert_same(ours, theirs, f"after update {update + 1}")
    model = make_model()
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    per_tensor = T.AveragedModel(model, avg_fn=T.get_swa_avg_fn())
    for update in range(UPDATES):
        train(model, opt, STEPS_BETWEEN, start=update * STEPS_BETWEEN)
        per_tensor.update_parameters(model)
    w = "module.0.weight"  # the two forms round differently: the dispatch is observable
    assert not torch.equal(per_tensor.state_dict()[w], ours.state_dict()[w])


def test_default_on_a_foreach_device_fails_on_integer_buffers_as_torch(foreach_cpu):
    """With use_buffers=True, BatchNorm's num_batches_tracked (int64) breaks torch's in-place form."""
    model = make_model()
    ours, theirs = L.AveragedModel(model, use_buffers=True), T.AveragedModel(model, use_buffers=True)
    ours.update_parameters(model), theirs.update_parameters(model)
    with pytest.raises(RuntimeError):
        theirs.update_parameters(model)
    with pytest.raises(RuntimeError, match="int64"):
        ours.update_parameters(model)


def checkpoint(sd):
    buf = io.BytesIO()
    torch.save(sd, buf)
    buf.seek(0)
    return torch.load(buf, weights_only=True)


RESUME_CASES = {
    "swa": lambda M: {},
    "ema-multi": lambda M: {"multi_avg_fn": M.get_ema_multi_avg_fn(0.9)},
    "ema": lambda M: {"avg_fn": M.get_ema_avg_fn(0.7)},
}


@pytest.mark.parametrize("direction", ["lrcourse->torch", "torch->lrcourse"])
@pytest.mark.parametrize("use_buffers", [False, True])
@pytest.mark.parametrize("case", RESUME_CASES)
def test_state_dict_loads_across_libraries_and_resumes_exactly(case, use_buffers, direction):
    """Save one library's AveragedModel mid-run, load it into a fresh one of the other library
    (strict), carry on: equal to torch's uninterrupted run at every later update."""
    first, second = (L, T) if direction == "lrcourse->torch" else (T, L)
    model = make_model()
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    oracle = T.AveragedModel(model, use_buffers=use_buffers, **RESUME_CASES[case](T))
    saved = first.AveragedModel(model, use_buffers=use_buffers, **RESUME_CASES[case](first))
    resumed = None
    for update in range(UPDATES):
        train(model, opt, STEPS_BETWEEN, start=update * STEPS_BETWEEN)
        oracle.update_parameters(model)
        if update < 2:
            saved.update_parameters(model)
            continue
        if resumed is None:
            resumed = second.AveragedModel(make_model(), use_buffers=use_buffers, **RESUME_CASES[case](second))
            resumed.load_state_dict(checkpoint(saved.state_dict()))
            assert resumed.n_averaged.item() == 2
        resumed.update_parameters(model)
        assert_same(resumed, oracle, f"after update {update + 1}")


# update_bn: loader forms torch accepts (made fresh per call: a generator is consumed once)
LOADERS = {
    "tensors": lambda: [x for x, _ in BATCHES],
    "tuples": lambda: [(x, y) for x, y in BATCHES],
    "lists": lambda: [[x, y] for x, y in BATCHES],
    "dataloader": lambda: DataLoader(TensorDataset(X, Y), batch_size=5),  # a last, smaller batch
    "generator": lambda: (x for x, _ in BATCHES),
}


def trained(bn_momentum=0.1, averaged=False):
    """A model after some training (stale statistics), or its SWA average."""
    model = make_model(bn_momentum=bn_momentum)
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    avg = T.AveragedModel(model)
    for update in range(UPDATES):
        train(model, opt, STEPS_BETWEEN, start=update * STEPS_BETWEEN)
        avg.update_parameters(model)
    return avg if averaged else model


@pytest.mark.parametrize("device", [None, "cpu"])
@pytest.mark.parametrize("mode", ["train", "eval"])
@pytest.mark.parametrize("target", ["model", "averaged-model", "bn-momentum-0.3"])
@pytest.mark.parametrize("loader", LOADERS)
def test_update_bn_equals_torch(loader, target, mode, device):
    net = trained(bn_momentum=0.3 if target == "bn-momentum-0.3" else 0.1, averaged=target == "averaged-model")
    net.train(mode == "train")
    ours, theirs = deepcopy(net), deepcopy(net)
    L.update_bn(LOADERS[loader](), ours, device=device)
    T.update_bn(LOADERS[loader](), theirs, device=device)
    assert_same(ours, theirs)
    for a, b in zip(ours.modules(), theirs.modules()):
        assert a.training == b.training == (mode == "train")
        assert getattr(a, "momentum", None) == getattr(b, "momentum", None)
    bns = [m for m in ours.modules() if isinstance(m, nn.BatchNorm1d | nn.BatchNorm2d)]
    before = [m for m in net.modules() if isinstance(m, nn.BatchNorm1d | nn.BatchNorm2d)]
    assert [m.momentum for m in bns] == [m.momentum for m in before]  # restored
    assert None not in [m.momentum for m in bns]
    assert all(not torch.equal(m.running_mean, s.running_mean) for m, s in zip(bns, before))  # recomputed


def test_update_bn_is_the_cumulative_average_of_batch_statistics():
    """running mean / var of the first BatchNorm = mean over batches of each batch's channel
    mean / unbiased variance of the conv output, computed here from the definition."""
    net = trained()
    L.update_bn(LOADERS["tuples"](), net)
    with torch.no_grad():
        conv = [net[0](x) for x, _ in BATCHES]
    mean = torch.stack([h.mean(dim=(0, 2, 3)) for h in conv]).mean(0)
    var = torch.stack([h.var(dim=(0, 2, 3), unbiased=True) for h in conv]).mean(0)
    torch.testing.assert_close(net[1].running_mean, mean, rtol=1e-12, atol=1e-14)
    torch.testing.assert_close(net[1].running_var, var, rtol=1e-12, atol=1e-14)
    assert net[1].num_batches_tracked.item() == len(BATCHES)


@pytest.mark.parametrize("M", [L, T], ids=["lrcourse", "torch"])
def test_update_bn_without_batchnorm_reads_nothing(M):
    def loader():
        raise AssertionError("the loader was read")
        yield

    net = nn.Sequential(nn.Linear(2, 2), nn.ReLU()).eval()
    M.update_bn(loader(), net)
    assert not net.training


def test_swalr_is_lrcourses():
    assert L.SWALR is SWALR
    assert set(L.__all__) == set(T.__all__)


# (id, action(M), exception, words lrcourse's message must contain); torch raises the same type.
def _two_updates(M, **kwargs):
    model = make_model()
    avg = M.AveragedModel(model, **kwargs)
    train(model, torch.optim.SGD(model.parameters(), lr=0.05), 1, start=0)
    avg.update_parameters(model), avg.update_parameters(model)


ERRORS = [
    ("both-fns", lambda M: M.AveragedModel(make_model(), avg_fn=M.get_swa_avg_fn(),
                                           multi_avg_fn=M.get_swa_multi_avg_fn()), AssertionError, ["avg_fn", "multi_avg_fn"]),
    ("ema-decay-negative", lambda M: M.get_ema_avg_fn(-0.1), ValueError, ["decay", "-0.1", "[0, 1]"]),
    ("ema-decay-big", lambda M: M.get_ema_avg_fn(1.5), ValueError, ["decay", "1.5", "[0, 1]"]),
    ("ema-multi-decay-negative", lambda M: M.get_ema_multi_avg_fn(-1e-3), ValueError, ["decay", "-0.001", "[0, 1]"]),
    ("ema-multi-decay-big", lambda M: M.get_ema_multi_avg_fn(2), ValueError, ["decay", "2", "[0, 1]"]),
    ("ema-decay-string", lambda M: M.get_ema_avg_fn("0.9"), TypeError, ["decay", "'0.9'", "number"]),
    ("swa-multi-integer-buffers", lambda M: _two_updates(M, multi_avg_fn=M.get_swa_multi_avg_fn(), use_buffers=True),
     RuntimeError, ["get_swa_multi_avg_fn", "torch.int64", "avg_fn=get_swa_avg_fn()"]),
    ("avg-fn-not-callable", lambda M: _two_updates(M, avg_fn=0.5), TypeError, ["avg_fn", "0.5", "function"]),
    ("multi-avg-fn-not-callable", lambda M: _two_updates(M, multi_avg_fn=0.5), TypeError, ["multi_avg_fn", "0.5", "function"]),
]


@pytest.mark.parametrize("action, exc, words", [pytest.param(*c[1:], id=c[0]) for c in ERRORS])
def test_errors_as_torch(action, exc, words):
    with pytest.raises(exc):
        action(T)
    with pytest.raises(exc) as info:
        action(L)
    message = str(info.value)
    assert "\n" not in message
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"


# Where torch accepts nonsense and fails later (or never), lrcourse refuses at once.
STRICTER = [
    ("model-not-a-module", lambda: L.AveragedModel("net"), TypeError, ["model", "torch.nn.Module", "str"]),
    ("use-buffers-string", lambda: L.AveragedModel(make_model(), use_buffers="False"), TypeError, ["use_buffers", "'False'"]),
    ("ema-decay-nan", lambda: L.get_ema_multi_avg_fn(float("nan")), ValueError, ["decay", "nan", "[0, 1]"]),
]


@pytest.mark.parametrize("action, exc, words", [pytest.param(*c[1:], id=c[0]) for c in STRICTER])
def test_errors_where_lrcourse_is_stricter(action, exc, words):
    with pytest.raises(exc) as info:
        action()
    for word in words:
        assert word in str(info.value), f"{word!r} not in {str(info.value)!r}"


def test_docstring_examples():
    result = doctest.testmod(L)
    assert result.attempted > 0 and result.failed == 0
