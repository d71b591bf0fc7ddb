"""Adafactor and Muon against torch.optim, their bad arguments, and ``state_bytes``.

The checker is ``optim_oracle``'s, with its own parameter shapes:
Adafactor gets a matrix, a batch of matrices (3-D, factored over the last two dims), a
vector and a scalar; Muon only takes matrices (wide, tall, square: NS transposes tall
ones). One table of cases, one checker: float64, 30 steps; every step's parameters, the
losses, the final state and the param groups agree with torch to 1e-9 relative.

Muon's Newton–Schulz runs in bfloat16 in both libraries. lrcourse performs torch's bf16
operations in torch's order (``test_newton_schulz_is_torchs_bit_for_bit``), so the
float64 trajectories agree to 1e-9 as well: the tolerance that fits. A single bf16 rounding
done differently moves the update by ~1e-2 relative (``test_addmm_form_matters``), so a
tight tolerance hides nothing and a loose one would.
"""
from __future__ import annotations

import doctest
import importlib

import pytest
import torch
import torch.nn.functional as F
import optim_oracle as oracle
from optim_oracle import Case, grid

import lrcourse.optim
from lrcourse.optim import Adafactor, Adam, Muon, newton_schulz, state_bytes

SHAPES = {"Adafactor": [(3, 4), (2, 3, 4), (5,), ()], "Muon": [(3, 4), (5, 2), (4, 4)]}


def make_params(opt: str, seed: int = 0) -> list[torch.nn.Parameter]:
    g = torch.Generator().manual_seed(seed)
    return [torch.nn.Parameter(torch.randn(s, generator=g, dtype=torch.float64)) for s in SHAPES[opt]]


def loss_fn(params, active) -> torch.Tensor:
    """Quadratic (uneven curvature, targets drawn with seed 1) + softplus per tensor, plus a
    coupling of the first two."""
    total = torch.zeros((), dtype=torch.float64)
    g = torch.Generator().manual_seed(1)
    for i, p in enumerate(params):
        c = torch.randn(p.shape, generator=g, dtype=torch.float64)
        if i in active:
            a = torch.linspace(0.1, 2.0, p.numel(), dtype=torch.float64).reshape(p.shape)
            total = total + 0.5 * (a * (p - c) ** 2).sum() + 0.1 * F.softplus(p).sum()
    if 0 in active and 1 in active:
        total = total + 0.05 * params[0].sum() * params[1].sum()
    return total


# optim_oracle's checker on these parameter shapes
PROBLEM = oracle.Problem(lambda case: make_params(case.opt), loss_fn)


FLAG_CASES = [
    # lr 0.5 > 1/sqrt(t) for t < 4: both sides of rho_t = min(lr, 1/sqrt(t)); eps2 = 0.5 > RMS(theta)
    # for some tensors; eps1 = 1e-2 clamps sqrt(V); d = 1 clips U, d = 3 rarely does.
    *grid("Adafactor", lr=[0.01, 0.5], beta2_decay=[-0.8, -0.3], eps=[(None, 1e-3), (1e-2, 0.5)], d=[1.0, 3.0],
          weight_decay=[0.0, 0.1], maximize=[False, True]),
    *grid("Muon", lr=[0.02], weight_decay=[0.0, 0.1], momentum=[0.95, 0.5], nesterov=[True, False],
          ns_coefficients=[(3.4445, -4.7750, 2.0315), (2.0, -1.5, 0.5)], ns_steps=[5, 2],
          adjust_lr_fn=[None, "original", "match_rms_adamw", "spectral_unclamped"]),
    Case("Adafactor", dict(lr=0.1, beta2_decay=0.0, eps=(0.0, 0.0))),  # degenerate but valid: torch accepts
    Case("Muon", dict(lr=0.02, momentum=0.0, ns_steps=0, eps=1e-3)),  # plain normalised gradient
]
REPRESENTATIVE = [
    Case("Adafactor", dict(lr=0.05, eps=(1e-3, 1e-3), d=1.0, weight_decay=0.1)),
    Case("Muon", dict(lr=0.02, adjust_lr_fn="match_rms_adamw")),
    Case("Muon", dict(lr=0.02, nesterov=False, adjust_lr_fn="spectral_unclamped")),
]
SCENARIOS = ["two_groups", "grad_none", "zero_grad_keep", "closure", "add_param_group",
             "StepLR", "CosineAnnealingLR", "OneCycleLR"]
PROTOCOL_CASES = [Case(c.opt, c.kwargs, s) for c in REPRESENTATIVE for s in SCENARIOS]


@pytest.mark.parametrize("case", FLAG_CASES + PROTOCOL_CASES, ids=str)
def test_matches_torch(case):
    oracle.check_against_torch(case, PROBLEM)


@pytest.mark.parametrize("case", REPRESENTATIVE, ids=str)
def test_resume_from_state_dict_is_identical(case):
    oracle.check_resume(case, PROBLEM)


@pytest.mark.parametrize("case", REPRESENTATIVE, ids=str)
@oracle.BOTH_WAYS
def test_state_dict_moves_between_torch_and_lrcourse(case, source, target):
    oracle.check_state_moves(case, source, target, PROBLEM)


@pytest.mark.parametrize("module", ["adafactor", "muon", "state"])
def test_docstring_examples_run(module):
    mod = importlib.import_module(f"lrcourse.optim.{module}")
    result = doctest.testmod(mod, extraglobs={"torch": torch}, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize("cls", [Adafactor, Muon], ids=lambda c: c.__name__)
def test_never_calls_torch_optim_implementations(cls, monkeypatch):
    """Break torch's Adafactor and Muon update functions; lrcourse's still step."""

    def forbidden(*args, **kwargs):
        raise AssertionError("lrcourse called into torch.optim's implementation")

    for module in (torch.optim._adafactor, torch.optim._muon):
        for attr in dir(module):
            if attr.startswith(("_single_tensor_", "_multi_tensor_", "_zeropower")) or attr in ("adafactor", "muon"):
                monkeypatch.setattr(module, attr, forbidden)
    p = torch.nn.Parameter(torch.ones(2, 3))
    p.grad = torch.ones(2, 3)
    cls([p], lr=0.1).step()
    assert not torch.equal(p.detach(), torch.ones(2, 3))


@pytest.mark.parametrize("default_dtype", [torch.float32, torch.float64], ids=str)
def test_adafactor_step_counter_stored_as_torch_stores_it(default_dtype):
    """``state['step']``: a 0-d float tensor whose dtype follows torch's rule (Muon keeps none)."""
    previous = torch.get_default_dtype()
    torch.set_default_dtype(default_dtype)
    try:
        steps = []
        for library in (lrcourse.optim, torch.optim):
            p = torch.nn.Parameter(torch.ones(2, 3, dtype=torch.float32))
            p.grad = torch.ones_like(p)
            opt = library.Adafactor([p])
            opt.step()
            steps.append(opt.state[p]["step"])
    finally:
        torch.set_default_dtype(previous)
    assert steps[0].dtype == steps[1].dtype and steps[0].shape == () and steps[0].item() == 1


# ---- Newton–Schulz -------------------------------------------------------------------------

NS_CASES = [((3, 4), 5), ((5, 2), 5), ((64, 32), 5), ((32, 64), 3), ((16, 16), 0), ((8, 8), 7)]


@pytest.mark.parametrize("shape, steps", NS_CASES, ids=str)
def test_newton_schulz_is_torchs_bit_for_bit(shape, steps):
    from torch.optim._muon import _zeropower_via_newtonschulz

    G = torch.randn(shape, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    coefficients = (3.4445, -4.7750, 2.0315)
    ours = newton_schulz(G, coefficients, steps, 1e-7)
    assert ours.dtype == torch.bfloat16 and ours.shape == G.shape
    assert torch.equal(ours, _zeropower_via_newtonschulz(G, coefficients, steps, 1e-7))


def test_newton_schulz_leaves_its_input_alone_and_maps_zero_to_zero():
    G = torch.randn(4, 6, dtype=torch.bfloat16)
    before = G.clone()
    newton_schulz(G)
    assert torch.equal(G, before)
    assert torch.equal(newton_schulz(torch.zeros(3, 5)), torch.zeros(3, 5, dtype=torch.bfloat16))


@pytest.mark.parametrize("shape", [(64, 32), (128, 128), (256, 512)], ids=str)
def test_addmm_form_matters(shape):
    """``b*A + c*(A@A)`` in bf16 lands ~3e-2 (relative) from torch's fused addmm result."""
    a, b, c = 3.4445, -4.7750, 2.0315
    G = torch.randn(shape, generator=torch.Generator().manual_seed(4), dtype=torch.float64)
    X = G.bfloat16().T if shape[0] > shape[1] else G.bfloat16()
    X = X / X.norm()
    for _ in range(5):
        A = X @ X.T
        X = a * X + (b * A + c * (A @ A)) @ X
    X = X.T if shape[0] > shape[1] else X
    reference = newton_schulz(G).double()
    assert 1e-2 < ((X.double() - reference).norm() / reference.norm()).item() < 6e-2


def test_newton_schulz_singular_values_land_near_one():
    """Singular values spread over 1e-2..1 all end near 1 (not at 1: 5 cheap steps, not convergence)."""
    g = torch.Generator().manual_seed(5)
    U, _ = torch.linalg.qr(torch.randn(32, 32, generator=g, dtype=torch.float64))
    V, _ = torch.linalg.qr(torch.randn(16, 16, generator=g, dtype=torch.float64))
    G = U[:, :16] @ torch.diag(torch.logspace(-2, 0, 16, dtype=torch.float64)) @ V.T
    s = torch.linalg.svdvals(newton_schulz(G).double())
    assert s.min() > 0.5 and s.max() < 1.5


# ---- bad arguments ---------------------------------------------------------------------------

ERROR_ROWS = [
    *[
        row
        for cls in (Adafactor, Muon)
        for row in [
            (cls, dict(lr=-0.1), ValueError, ["lr", "-0.1", "[0, inf)"]),
            (cls, dict(lr="0.1"), TypeError, ["lr", "'0.1'", "str"]),
            (cls, dict(weight_decay=-0.1), ValueError, ["weight_decay", "-0.1", "[0, inf)"]),
            (cls, dict(foreach=True), TypeError, ["foreach"]),
            (cls, dict(fused=True), TypeError, ["fused"]),
            (cls, dict(capturable=True), TypeError, ["capturable"]),
            (cls, dict(differentiable=True), TypeError, ["differentiable"]),
        ]
    ],
    (Adafactor, dict(beta2_decay=0.5), ValueError, ["beta2_decay", "0.5", "(-inf, 0]"]),
    (Adafactor, dict(eps=(-1e-30, 1e-3)), ValueError, ["eps[0]", "-1e-30", "[0, inf)"]),
    (Adafactor, dict(eps=(None, -1e-3)), ValueError, ["eps[1]", "-0.001", "[0, inf)"]),
    (Adafactor, dict(eps=(None, None)), TypeError, ["eps[1]", "None", "a number"]),
    (Adafactor, dict(eps=1e-3), ValueError, ["eps", "0.001", "pair"]),
    (Adafactor, dict(d=0.5), ValueError, ["d", "0.5", "[1, inf)"]),
    (Adafactor, dict(maximize="yes"), TypeError, ["maximize", "'yes'", "True or False"]),
    (Muon, dict(momentum=-0.1), ValueError, ["momentum", "-0.1", "[0, 1]"]),
    (Muon, dict(momentum=1.5), ValueError, ["momentum", "1.5", "[0, 1]"]),
    (Muon, dict(nesterov=1), TypeError, ["nesterov", "1", "True or False"]),
    (Muon, dict(eps=-1e-7), ValueError, ["eps", "-1e-07", "[0, inf)"]),
    (Muon, dict(ns_steps=100), ValueError, ["ns_steps", "100", "[0, 100)"]),
    (Muon, dict(ns_steps=-1), ValueError, ["ns_steps", "-1", "[0, 100)"]),
    (Muon, dict(ns_steps=2.5), ValueError, ["ns_steps", "2.5", "integer"]),
    (Muon, dict(ns_coefficients=(3.4, -4.7)), ValueError, ["ns_coefficients", "(3.4, -4.7)", "three"]),
    (Muon, dict(adjust_lr_fn="adamw"), ValueError, ["adjust_lr_fn", "'adamw'", "match_rms_adamw", "None"]),
    (Muon, dict(adjust_lr_fn=["original"]), ValueError, ["adjust_lr_fn", "['original']", "spectral_unclamped"]),
    (Muon, dict(maximize=True), TypeError, ["maximize"]),  # torch's Muon has no maximize
]


@pytest.mark.parametrize("cls, kwargs, exc, pieces", ERROR_ROWS, ids=[f"{r[0].__name__}-{r[1]}" for r in ERROR_ROWS])
def test_bad_argument_raises_clear_error(cls, kwargs, exc, pieces):
    with pytest.raises(exc) as info:
        cls([torch.nn.Parameter(torch.zeros(2, 3))], **kwargs)
    for piece in pieces:
        assert piece in str(info.value), f"{piece!r} missing from: {info.value}"


def test_adafactor_maximize_is_keyword_only():
    with pytest.raises(TypeError, match="positional"):
        Adafactor([torch.nn.Parameter(torch.zeros(2))], 1e-2, -0.8, (None, 1e-3), 1.0, 0.0, True)


@pytest.mark.parametrize("shape", [(3,), (2, 3, 4), ()], ids=str)
def test_muon_refuses_non_matrices_at_construction_and_in_add_param_group(shape):
    with pytest.raises(ValueError) as info:
        Muon([torch.nn.Parameter(torch.zeros(2, 2)), torch.nn.Parameter(torch.zeros(shape))])
    assert "2-D" in str(info.value) and str(shape) in str(info.value)
    opt = Muon([torch.nn.Parameter(torch.zeros(2, 2))])
    with pytest.raises(ValueError, match="2-D"):
        opt.add_param_group({"params": [torch.nn.Parameter(torch.zeros(shape))]})
    assert len(opt.param_groups) == 1  # the bad group was not kept


@pytest.mark.parametrize("cls, shape", [(Adafactor, (3,)), (Adafactor, (2, 3)), (Muon, (2, 3))], ids=str)
def test_complex_parameters_are_refused_as_torch_refuses_them(cls, shape):
    p = torch.nn.Parameter(torch.zeros(shape, dtype=torch.complex128))
    p.grad = torch.ones_like(p)
    for library in (torch.optim, lrcourse.optim):
        with pytest.raises(RuntimeError, match=f"{cls.__name__} does not support complex parameters"):
            getattr(library, cls.__name__)([p]).step()


@pytest.mark.parametrize("cls", [Adafactor, Muon], ids=lambda c: c.__name__)
def test_sparse_gradient_is_refused_by_name(cls):
    p = torch.nn.Parameter(torch.zeros(2, 3))
    p.grad = torch.zeros(2, 3).to_sparse()
    with pytest.raises(RuntimeError, match=f"{cls.__name__} does not support sparse gradients"):
        cls([p], lr=0.1).step()


# ---- state_bytes ----------------------------------------------------------------------------


def _stepped(opt_cls, model):
    opt = opt_cls(model.parameters())
    model(torch.ones(1, 10)).sum().backward()
    opt.step()
    return opt


@pytest.mark.parametrize(
    "opt_cls, expected",
    [
        # Linear(10, 5) in float32: weight 5x10 and bias 5, 4 bytes each; ``step``: a 0-d float32 each.
        (Adam, 2 * (50 + 5) * 4 + 2 * 4),  # exp_avg, exp_avg_sq for every entry
        (torch.optim.Adam, 2 * (50 + 5) * 4 + 2 * 4),
        (Adafactor, (5 + 10 + 5) * 4 + 2 * 4),  # row_var 5x1, col_var 1x10, the bias's variance 5
        (torch.optim.Adafactor, (5 + 10 + 5) * 4 + 2 * 4),
    ],
    ids=["Adam", "torch.Adam", "Adafactor", "torch.Adafactor"],
)
def test_state_bytes_counts_every_state_tensor(opt_cls, expected):
    assert state_bytes(_stepped(opt_cls, torch.nn.Linear(10, 5))) == expected


def test_state_bytes_counts_lists_of_tensors_and_skips_numbers():
    p = torch.nn.Parameter(torch.zeros(2))
    opt = Adam([p])
    opt.state[p] = {"a": torch.zeros(3, dtype=torch.float64), "hist": [torch.zeros(2), torch.zeros(2)], "n": 5}
    assert state_bytes(opt) == 3 * 8 + 2 * 2 * 4
    assert state_bytes(Adam([p])) == 0  # no step taken, no state
