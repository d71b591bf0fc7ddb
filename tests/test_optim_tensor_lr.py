"""A 0-dim Tensor ``lr`` (and Tensor ``betas``) is taken wherever torch's for-loop path takes it.

The cases are torch's own: every configuration in ``optim_db`` (torch's table of optimizer
inputs) that passes a Tensor ``lr`` or ``betas``, for each optimizer lrcourse implements,
less torch's kernel switches (``capturable``, ``foreach``, ...), which lrcourse does not have:
without them torch runs its for-loop path on the CPU. Both libraries run the same float64
problem; every step's parameters and the state must agree, and the param groups must store
the same values with the same types (a Tensor ``lr`` stays the caller's Tensor).
"""
from __future__ import annotations

import copy
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

import lrcourse.lr_scheduler
import lrcourse.optim
from optim_oracle import ATOL, RTOL, assert_same_state, checkpoint

STEPS = 10
SWITCHES = {"capturable", "foreach", "fused", "differentiable"}


# Run in a child process: importing torch's test utilities changes this process (it freezes the
# torch.backends flags, wraps TorchScript calls, adds warning filters). They import ``expecttest``
# (torch's test-only dependency) for a TestCase base the table does not use: a stand-in serves.
READ_OPTIM_DB = """
import sys, types, unittest
try:
    import expecttest
except ModuleNotFoundError:
    sys.modules["expecttest"] = types.SimpleNamespace(TestCase=unittest.TestCase)
import torch
from torch.testing._internal.common_optimizers import optim_db

def has_tensor(kwargs):
    values = [v for value in kwargs.values() for v in (value if isinstance(value, (tuple, list)) else [value])]
    return any(isinstance(v, torch.Tensor) for v in values)

rows = [(info.optim_cls.__name__, given.desc, {k: v for k, v in given.kwargs.items() if k not in SWITCHES})
        for info in optim_db for device in ("cpu", "cuda")
        for given in info.optim_inputs_func(device=device, dtype=torch.float64)]
torch.save([row for row in rows if has_tensor(row[2])], sys.argv[1])
"""


def tensor_configs(tmp_file) -> list:
    """(optimizer name, kwargs) for every optim_db input with a Tensor hyperparameter, for each
    optimizer lrcourse has. The "cuda" inputs are asked for too: torch lists most Tensor-lr inputs
    there, with ``capturable=True``; the same settings without the switch are its CPU for-loop path."""
    code = f"SWITCHES = {sorted(SWITCHES)!r}\n" + READ_OPTIM_DB
    done = subprocess.run([sys.executable, "-c", code, str(tmp_file)], capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"reading torch's optim_db failed:\n{done.stderr[-3000:]}")
    cases = {}  # the same settings listed twice (for both devices) run once
    for name, desc, kwargs in torch.load(tmp_file, weights_only=True):
        if hasattr(lrcourse.optim, name):
            cases.setdefault(f"{name}{kwargs}", pytest.param(name, kwargs, id=f"{name}-{desc}"))
    return list(cases.values())


def one_dim(kwargs: dict) -> dict:
    """The same settings with a 1-element, 1-dim Tensor ``lr``: torch squeezes it (``_to_scalar``)."""
    lr = kwargs.get("lr")
    return {**kwargs, "lr": lr.reshape(1)} if isinstance(lr, torch.Tensor) else kwargs


with tempfile.TemporaryDirectory() as folder:
    CASES = tensor_configs(Path(folder) / "optim_db.pt")
# torch's table has no Tensor-lr input for Adafactor, though its for-loop path takes one
CASES += [pytest.param("Adafactor", {"lr": torch.tensor(0.01)}, id="Adafactor-Tensor lr (not in optim_db)")]
CASES_ONE_DIM = [pytest.param(c.values[0], one_dim(c.values[1]), id=f"{c.id}-lr[1]") for c in CASES]
_g = torch.Generator().manual_seed(3)
SHAPES = {"Muon": [(3, 4), (5, 2)]}  # Muon takes matrices only
DEFAULT_SHAPES = [(3, 4), (5,), ()]
VOCAB, DIM = 7, 3  # SparseAdam: an embedding table with sparse gradients
TARGET = torch.randn(VOCAB, DIM, generator=_g, dtype=torch.float64)


def make_params(name: str) -> list[torch.nn.Parameter]:
    g = torch.Generator().manual_seed(0)
    shapes = [(VOCAB, DIM)] if name == "SparseAdam" else SHAPES.get(name, DEFAULT_SHAPES)
    return [torch.nn.Parameter(torch.randn(s, generator=g, dtype=torch.float64)) for s in shapes]


def loss_fn(name: str, params, t: int) -> torch.Tensor:
    """A quadratic plus softplus per tensor (rows ``t`` and ``t + 2`` of the table for SparseAdam)."""
    if name == "SparseAdam":
        idx = torch.tensor([t % VOCAB, (t + 2) % VOCAB])
        return ((F.embedding(idx, params[0], sparse=True) - TARGET[idx]) ** 2).sum()
    return sum(0.5 * ((p - 0.3) ** 2).sum() + 0.1 * F.softplus(p).sum() for p in params)


def run(module, name: str, kwargs: dict, resume_at: int | None = None):
    """``STEPS`` closure steps; returns (params after each step, the optimizer)."""
    params, kwargs = make_params(name), copy.deepcopy(kwargs)  # each run its own Tensors
    opt = getattr(module, name)(params, **kwargs)
    trajectory = []
    for t in range(STEPS):
        def closure():
            opt.zero_grad()
            loss = loss_fn(name, params, t)
            loss.backward()
            return loss

        opt.step(closure)
        if t == resume_at:  # a fresh optimizer, built with the same settings, continues from a checkpoint
            saved = checkpoint(opt.state_dict())
            opt = getattr(module, name)(params, **copy.deepcopy(kwargs))
            opt.load_state_dict(saved)
        trajectory.append([p.detach().clone() for p in params])
    return trajectory, opt


def stored(value):
    """What a param group holds, as (type, shape, dtype) down to tuples' entries."""
    if isinstance(value, (tuple, list)):
        return type(value), [stored(v) for v in value]
    if isinstance(value, torch.Tensor):
        return torch.Tensor, tuple(value.shape), value.dtype
    return type(value)


def check_same_run(name: str, kwargs: dict, resume_at: int | None = None) -> None:
    ours, opt_ours = run(lrcourse.optim, name, kwargs, resume_at)
    theirs, opt_theirs = run(torch.optim, name, kwargs, resume_at)
    for t, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        torch.testing.assert_close(a, b, rtol=RTOL, atol=ATOL, msg=lambda m: f"step {t}: {m}")
    assert_same_state(opt_ours, opt_theirs)
    for g_ours, g_theirs in zip(opt_ours.param_groups, opt_theirs.param_groups, strict=True):
        for key in ("lr", "betas"):
            if key in g_theirs:
                assert stored(g_ours[key]) == stored(g_theirs[key]), key


def test_torch_lists_tensor_configurations_for_every_optimizer_it_shares():
    """If torch's table moved or shrank this file would test nothing: at least the 18 inputs of torch 2.14."""
    assert len(CASES) >= 18
    names = {case.values[0] for case in CASES}
    assert {"SGD", "Adam", "AdamW", "Adagrad", "RMSprop", "LBFGS", "SparseAdam", "Muon"} <= names


@pytest.mark.parametrize("name, kwargs", CASES + CASES_ONE_DIM)
def test_tensor_hyperparameters_match_torch(name, kwargs):
    check_same_run(name, kwargs)


RESUMED = [case for case in CASES if case.values[0] in ("SGD", "Adam", "Adagrad", "RMSprop")]


@pytest.mark.parametrize("name, kwargs", RESUMED)
def test_tensor_hyperparameters_survive_a_checkpoint(name, kwargs):
    check_same_run(name, kwargs, resume_at=STEPS // 2)


@pytest.mark.parametrize("name", ["Yogi", "SGDScheduleFree", "AdamWScheduleFree"])
def test_tensor_lr_steps_as_its_value_where_torch_has_no_counterpart(name):
    """No torch oracle here: a Tensor lr gives the trajectory its value gives as a float (to the
    float32 rounding of the lr arithmetic that torch's Tensor-lr path does too)."""
    ends = []
    for lr in (torch.tensor(0.01), 0.01):
        params = make_params(name)
        opt = getattr(lrcourse.optim, name)(params, lr=lr)
        getattr(opt, "train", lambda: None)()  # schedule-free: training mode
        for t in range(STEPS):
            opt.zero_grad()
            loss_fn(name, params, t).backward()
            opt.step()
        assert isinstance(opt.param_groups[0]["lr"], type(lr))
        ends.append([p.detach() for p in params])
    torch.testing.assert_close(ends[0], ends[1], rtol=1e-7, atol=0)


@pytest.mark.parametrize("name", sorted({case.values[0] for case in CASES}))
def test_tensor_lr_with_more_than_one_element_is_refused_as_torch_refuses_it(name):
    """torch: ``ValueError("Tensor lr must be 1-element")``; lrcourse adds the shape it got."""
    lr = torch.tensor([0.001, 0.001])
    for module in (torch.optim, lrcourse.optim):
        with pytest.raises(ValueError, match="Tensor lr must be 1-element") as info:
            getattr(module, name)(make_params(name), lr=lr)
    assert "(2,)" in str(info.value)


@pytest.mark.parametrize("name", ["Adam", "AdamW"])
@pytest.mark.parametrize("betas", [(0.9, torch.tensor(0.99)), (torch.tensor(0.9), 0.99)],
                         ids=["float-tensor", "tensor-float"])
def test_adam_betas_are_both_floats_or_both_tensors_as_in_torch(name, betas):
    for module in (torch.optim, lrcourse.optim):
        with pytest.raises(ValueError, match="betas must be either both floats or both Tensors"):
            getattr(module, name)(make_params(name), betas=betas)


@pytest.mark.parametrize("name", ["SGD", "Adam"])
@pytest.mark.parametrize("schedulers", ["torch", "lrcourse"])
def test_a_scheduler_fills_the_tensor_lr_in_place_as_torch_does(name, schedulers):
    """torch's schedulers ``fill_`` a Tensor lr (the optimizer keeps the caller's Tensor); the
    lrcourse optimizer under either library's OneCycleLR steps as torch's under torch's."""
    ours = {"torch": torch.optim.lr_scheduler, "lrcourse": lrcourse.lr_scheduler}[schedulers]
    runs = []
    for optim, sched in ((torch.optim, torch.optim.lr_scheduler), (lrcourse.optim, ours)):
        params, lr = make_params(name), torch.tensor(0.01)
        opt = getattr(optim, name)(params, lr=lr)
        scheduler = sched.OneCycleLR(opt, max_lr=0.05, total_steps=STEPS)
        for t in range(STEPS):
            opt.zero_grad()
            loss_fn(name, params, t).backward()
            opt.step()
            scheduler.step()
            assert opt.param_groups[0]["lr"] is lr
        runs.append(([p.detach() for p in params], lr.item()))
    torch.testing.assert_close(runs[0], runs[1], rtol=RTOL, atol=ATOL)
