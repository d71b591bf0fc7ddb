"""Prodigy and DAdaptAdam against their references, ``prodigyopt`` 1.1.2 and ``dadaptation`` 3.2.

One table of cases (optimizer, settings, scenario) and one checker: both libraries run the
scenario from the same float64 start on ``optim_oracle``'s loss, and after every
step the parameters, every param group's keys (``d``, ``d_max``, ``d_numerator``, ``d_hat``,
``numerator_weighted``, ``k``, ...) and every parameter's state must be the reference's to
the last bit: lrcourse performs the reference's float operations in the reference's order.
Adding a case is one line.
"""
from __future__ import annotations

import doctest
import importlib
import inspect
import logging

import dadaptation
import prodigyopt
import pytest
import torch
from optim_oracle import STEPS, Case, checkpoint, grid, loss_fn, make_params

import lrcourse.optim

REFERENCE = {"Prodigy": prodigyopt.Prodigy, "DAdaptAdam": dadaptation.DAdaptAdam}
OURS = {name: getattr(lrcourse.optim, name) for name in REFERENCE}
INF = float("inf")
# What the second param group of the "two_groups" scenario sets for itself (the per-group keys).
SECOND_GROUP = {
    "Prodigy": dict(weight_decay=0.05, eps=1e-3, safeguard_warmup=True, slice_p=2, d0=1e-5),
    "DAdaptAdam": dict(weight_decay=0.05, eps=1e-3, layer_scale=0.5),
}


def param_groups(case: Case, params):
    """The params argument a scenario builds its optimizer from (the last tensor is params[2])."""
    s = case.scenario
    if s == "two_groups":
        return [{"params": params[:2]}, {"params": params[2:], **SECOND_GROUP[case.opt]}]
    if s == "frozen_group":  # lr 0 in one group: the only other lr the references accept
        return [{"params": params[:2]}, {"params": params[2:], "lr": 0.0}]
    return params[:2] if s == "add_param_group" else params


def make_scheduler(opt, case: Case):
    if case.scenario == "CosineAnnealingLR":  # the references multiply their step by the group lr
        return torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=STEPS)
    if case.scenario == "lr_pause":  # lr 0 in every group for three steps: nothing moves, d waits
        return torch.optim.lr_scheduler.LambdaLR(opt, lambda t: 0.0 if 8 <= t < 11 else 1.0)
    return None


def snapshot(opt, params):
    """Copies of the parameters, the param groups' keys and the state, as they are now."""
    groups = [{k: v for k, v in g.items() if k != "params"} for g in opt.param_groups]
    state = [{k: v.clone() if isinstance(v, torch.Tensor) else v for k, v in opt.state[p].items()}
             for p in params]
    return [p.detach().clone() for p in params], groups, state


def run(cls, case: Case, resume_at: int | None = None):
    """Run ``case`` with ``cls``; return one snapshot per step."""
    params = make_params()
    if case.scenario == "zero_init":  # an all-zero tensor: the references keep x_0 as a 0-d 0
        params[1].data.zero_()
    opt = cls(param_groups(case, params), **case.kwargs)
    scheduler = make_scheduler(opt, case)
    assert scheduler is None or resume_at is None, "resume with a scheduler is not part of this checker"
    last = len(params) - 1
    snapshots = []
    for t in range(STEPS):
        everything, all_but_last = range(last + 1), range(last)
        active = {
            "grad_none": all_but_last,  # the last parameter never gets a gradient
            "zero_grad_keep": everything if t == 0 else all_but_last,  # later: zero grads, not None
        }.get(case.scenario, everything)
        scale = 0.0 if case.scenario == "zero_first" and t < 2 else 1.0  # all-zero gradients at first

        def closure():
            opt.zero_grad(set_to_none=case.scenario != "zero_grad_keep")
            loss = scale * loss_fn(params, active)
            loss.backward()
            return loss

        if case.scenario == "closure":
            assert opt.step(closure) is not None
        else:
            closure()
            opt.step()
        if scheduler is not None:
            scheduler.step()
        if case.scenario == "add_param_group" and t == 9:  # the new group starts at d0, k = 0
            opt.add_param_group({"params": params[2:]})
        if t == resume_at:  # a fresh optimizer with the same groups continues from a checkpoint
            saved = checkpoint(opt.state_dict())
            opt = cls([{"params": g["params"]} for g in opt.param_groups], **case.kwargs)
            opt.load_state_dict(saved)
        snapshots.append(snapshot(opt, params))
    return snapshots


def assert_identical(ours, theirs, t):
    (p_ours, g_ours, s_ours), (p_theirs, g_theirs, s_theirs) = ours, theirs
    for i, (a, b) in enumerate(zip(p_ours, p_theirs, strict=True)):
        assert torch.equal(a, b), f"step {t}, param {i}: max diff {(a - b).abs().max().item():.3g}"
    assert g_ours == g_theirs, f"step {t}: param groups differ"  # d, d_max, k, ... exactly
    for i, (a, b) in enumerate(zip(s_ours, s_theirs, strict=True)):
        assert a.keys() == b.keys(), f"step {t}, param {i}: state keys {list(a)} vs {list(b)}"
        for key in b:
            if isinstance(b[key], torch.Tensor):
                assert a[key].dtype == b[key].dtype and torch.equal(a[key], b[key]), f"step {t}, param {i}, {key}"
            else:
                assert type(a[key]) is type(b[key]) and a[key] == b[key], f"step {t}, param {i}, {key}"


def check_against_reference(case: Case):
    ours, theirs = run(OURS[case.opt], case), run(REFERENCE[case.opt], case)
    for t, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        assert_identical(a, b, t)
    # The run must exercise the estimate: d left d0 and the parameters moved (finitely).
    params, groups, _ = theirs[-1]
    assert groups[0]["d"] > case.kwargs.get("d0", 1e-6)
    assert not torch.equal(params[0], make_params()[0]) and all(p.isfinite().all() for p in params)


PRODIGY_GRID = [
    *grid("Prodigy", betas=[(0.9, 0.999), (0.5, 0.9), (0.0, 0.99)], weight_decay=[0, 0.1], decouple=[True, False],
          use_bias_correction=[False, True], safeguard_warmup=[False, True]),
    *grid("Prodigy", beta3=[None, 0.7], eps=[1e-8, 0.1], d0=[1e-6, 1e-2], d_coef=[1.0, 0.5], growth_rate=[INF, 1.05]),
    Case("Prodigy", dict(lr=0.5)),
    Case("Prodigy", dict(lr=2.0, slice_p=3)),
    Case("Prodigy", dict(betas=(0.0, 0.9), weight_decay=0.1, decouple=False, slice_p=2)),
]
DADAPT_GRID = [
    *grid("DAdaptAdam", betas=[(0.9, 0.999), (0.5, 0.9), (0.0, 0.99)], weight_decay=[0, 0.1], decouple=[False, True],
          use_bias_correction=[False, True]),
    *grid("DAdaptAdam", lr=[1.0, 0.5], eps=[1e-8, 0.1], d0=[1e-6, 1e-2], growth_rate=[INF, 1.05]),
]
REPRESENTATIVE = [
    Case("Prodigy", dict(weight_decay=0.01, use_bias_correction=True)),
    Case("Prodigy", dict(betas=(0.0, 0.99), weight_decay=0.01, decouple=False, safeguard_warmup=True, growth_rate=1.1)),
    Case("DAdaptAdam", dict(weight_decay=0.01, use_bias_correction=True)),
    Case("DAdaptAdam", dict(weight_decay=0.01, decouple=True, growth_rate=1.1)),
]
SCENARIOS = ["two_groups", "frozen_group", "grad_none", "zero_grad_keep", "zero_first", "zero_init", "closure",
             "add_param_group", "CosineAnnealingLR", "lr_pause"]
PROTOCOL_CASES = [Case(c.opt, c.kwargs, s) for c in REPRESENTATIVE for s in SCENARIOS]
RESUME_CASES = [Case(c.opt, c.kwargs, s) for c in REPRESENTATIVE
                for s in ["plain", "two_groups", "frozen_group", "grad_none", "add_param_group"]]


@pytest.mark.parametrize("case", PRODIGY_GRID + DADAPT_GRID + PROTOCOL_CASES, ids=str)
def test_matches_reference_at_every_step(case):
    check_against_reference(case)


@pytest.mark.parametrize("case", RESUME_CASES, ids=str)
def test_resume_from_state_dict_is_identical(case):
    """A checkpoint loaded into a fresh instance mid-run: the run goes on as without it, in
    both libraries, and the two resumed runs agree at every step."""
    ours, theirs = run(OURS[case.opt], case), run(REFERENCE[case.opt], case)
    ours_resumed = run(OURS[case.opt], case, resume_at=STEPS // 2)
    theirs_resumed = run(REFERENCE[case.opt], case, resume_at=STEPS // 2)
    for t in range(STEPS):
        assert_identical(ours_resumed[t], theirs_resumed[t], t)
        assert_identical(ours_resumed[t], ours[t], t)
        assert_identical(theirs_resumed[t], theirs[t], t)


@pytest.mark.parametrize("case", REPRESENTATIVE, ids=str)
@pytest.mark.parametrize("direction", ["reference->lrcourse", "lrcourse->reference"])
def test_state_dict_moves_between_reference_and_lrcourse(case, direction):
    """Half a run in one library, a checkpoint, the other half in the other: the reference's run."""
    source, target = OURS[case.opt], REFERENCE[case.opt]
    if direction == "reference->lrcourse":
        source, target = target, source
    params = make_params()
    opt = source(params, **case.kwargs)
    for t in range(STEPS):
        if t == STEPS // 2:
            saved = checkpoint(opt.state_dict())
            opt = target(params, **case.kwargs)
            opt.load_state_dict(saved)
        opt.zero_grad()
        loss_fn(params, range(len(params))).backward()
        opt.step()
    assert_identical(snapshot(opt, params), run(REFERENCE[case.opt], case)[-1], STEPS - 1)


def test_log_every_logs_the_references_lines(caplog):
    """``log_every=4``: the same INFO lines at the same steps (logger name aside)."""
    lines = []
    for cls in (OURS["DAdaptAdam"], REFERENCE["DAdaptAdam"]):
        caplog.clear()
        with caplog.at_level(logging.INFO):
            run(cls, Case("DAdaptAdam", dict(log_every=4)))
        lines.append([r.getMessage() for r in caplog.records if "d_hat" in r.getMessage()])
    assert lines[0] == lines[1] and len(lines[0]) == (STEPS + 3) // 4


@pytest.mark.parametrize("name", list(REFERENCE))
def test_grad_is_left_alone(name):
    """With coupled weight decay the references add lambda x to ``p.grad`` in place; lrcourse
    does not (the trajectories agree: see the grid)."""
    grads = []
    for cls in (OURS[name], REFERENCE[name]):
        p = torch.nn.Parameter(torch.tensor([1.0, -2.0], dtype=torch.float64))
        p.grad = torch.tensor([0.5, 0.25], dtype=torch.float64)
        cls([p], weight_decay=0.1, decouple=False).step()
        grads.append(p.grad)
    assert torch.equal(grads[0], torch.tensor([0.5, 0.25], dtype=torch.float64))
    assert not torch.equal(grads[1], grads[0])  # the reference's, changed


# ---- what the references refuse ---------------------------------------------------------------

def two_tensors(dtype=torch.float64):
    return [torch.nn.Parameter(torch.ones(2, dtype=dtype)), torch.nn.Parameter(torch.ones(3, dtype=dtype))]


REFUSED = [  # (settings, the pieces of our one-line message) for both classes
    (dict(lr=0.0), ["lr", "0.0", "(0, inf)"]),
    (dict(lr=-1.0), ["lr", "-1.0", "(0, inf)"]),
    (dict(eps=0.0), ["eps", "0.0", "(0, inf)"]),
    (dict(d0=0.0), ["d0", "0.0", "(0, inf)"]),
    (dict(d0=-1e-6), ["d0", "-1e-06", "(0, inf)"]),
    (dict(betas=(1.0, 0.999)), ["betas[0]", "1.0", "[0, 1)"]),
    (dict(betas=(-0.1, 0.999)), ["betas[0]", "-0.1", "[0, 1)"]),
    (dict(betas=(0.9, 1.0)), ["betas[1]", "1.0", "[0, 1)"]),
    (dict(fsdp_in_use=True), ["fsdp_in_use", "True", "False"]),  # the references need torch.distributed
]
PRODIGY_REFUSED = [  # the reference fails at its first step
    (dict(slice_p=0), ["slice_p", "0", "int >= 1"]),
    (dict(slice_p=1.5), ["slice_p", "1.5", "int >= 1"]),
]
ROWS = [(name, kwargs, pieces) for name in REFERENCE for kwargs, pieces in REFUSED] + \
       [("Prodigy", kwargs, pieces) for kwargs, pieces in PRODIGY_REFUSED]


def reference_refuses(name, tensors, groups=None, **kwargs) -> bool:
    """True when the reference raises on these settings, at construction or at its first step."""
    try:
        opt = REFERENCE[name](tensors if groups is None else groups, **kwargs)
        for p in tensors:
            p.grad = torch.ones_like(p)
        opt.step()
    except Exception:
        return True
    return False


def assert_refused(name, kwargs, exc, pieces):
    """lrcourse's ``name`` raises ``exc`` at construction, in one line naming every one of ``pieces``."""
    with pytest.raises(exc) as info:
        OURS[name](two_tensors(), **kwargs)
    message = str(info.value)
    assert "\n" not in message and all(piece in message for piece in pieces), message


@pytest.mark.parametrize("name, kwargs, pieces", ROWS, ids=str)
def test_refuses_what_the_reference_refuses(name, kwargs, pieces):
    assert reference_refuses(name, two_tensors(), **kwargs)
    assert_refused(name, kwargs, ValueError, pieces)


@pytest.mark.parametrize("name", list(REFERENCE))
def test_different_lrs_per_group_are_refused(name):
    """Groups share one lr or have lr 0: refused at construction, and at the step after a change."""
    a, b = two_tensors()
    groups = [{"params": [a]}, {"params": [b], "lr": 0.5}]
    assert reference_refuses(name, [a, b], groups)
    with pytest.raises(ValueError, match=r"^lr must be the same in every param group, or 0 .* lr=0.5 in param group 1"):
        OURS[name](groups)
    for cls, exc in ((OURS[name], ValueError), (REFERENCE[name], RuntimeError)):
        a, b = two_tensors()
        opt = cls([{"params": [a]}, {"params": [b], "lr": 0.0}])  # lr 0 is accepted ...
        a.grad, b.grad = torch.ones_like(a), torch.ones_like(b)
        opt.step()
        opt.param_groups[1]["lr"] = 0.25  # ... another lr is not
        with pytest.raises(exc):
            opt.step()


@pytest.mark.parametrize("name", list(REFERENCE))
def test_complex_parameters_and_sparse_gradients_are_refused(name):
    for cls, exc in ((OURS[name], TypeError), (REFERENCE[name], TypeError)):
        p = torch.nn.Parameter(torch.ones(3, dtype=torch.complex128))
        opt = cls([p])
        p.grad = torch.ones_like(p)
        with pytest.raises(exc, match="complex" if cls is OURS[name] else None):
            opt.step(); opt.step()
    for cls in (OURS[name], REFERENCE[name]):
        embedding = torch.nn.Embedding(5, 3, sparse=True)
        opt = cls(embedding.parameters())
        embedding(torch.tensor([1, 2])).sum().backward()
        with pytest.raises(RuntimeError, match="sparse" if cls is OURS[name] else None):
            opt.step()


STRICTER = [  # accepted by the references, refused here: flags are real bools, as everywhere in lrcourse
    ("Prodigy", dict(decouple=1), TypeError, ["decouple", "1", "True or False"]),
    ("Prodigy", dict(safeguard_warmup="yes"), TypeError, ["safeguard_warmup", "'yes'", "True or False"]),
    ("Prodigy", dict(beta3="0.9"), TypeError, ["beta3", "'0.9'", "str"]),
    ("DAdaptAdam", dict(use_bias_correction="False"), TypeError, ["use_bias_correction", "'False'", "True or False"]),
    ("DAdaptAdam", dict(log_every=-1), ValueError, ["log_every", "-1", "int >= 0"]),
    ("DAdaptAdam", dict(log_every=2.0), ValueError, ["log_every", "2.0", "int >= 0"]),
]


@pytest.mark.parametrize("name, kwargs, exc, pieces", STRICTER, ids=str)
def test_settings_that_would_mislead_are_refused(name, kwargs, exc, pieces):
    assert_refused(name, kwargs, exc, pieces)


# ---- the shape of the classes -----------------------------------------------------------------

@pytest.mark.parametrize("name", list(REFERENCE))
def test_signature_and_defaults_are_the_references(name):
    """Same argument names, defaults, order and kinds; the same param-group keys and values."""
    ours, theirs = (inspect.signature(cls).parameters.values() for cls in (OURS[name], REFERENCE[name]))
    assert [(p.name, p.default, p.kind) for p in ours] == [(p.name, p.default, p.kind) for p in theirs]
    assert OURS[name](two_tensors()).defaults == REFERENCE[name](two_tensors()).defaults
    assert OURS[name](two_tensors(), d0=1e-3).d0 == 1e-3


@pytest.mark.parametrize("module", ["prodigy", "dadapt_adam"])
def test_docstring_examples_run(module):
    mod = importlib.import_module(f"lrcourse.optim.{module}")
    result = doctest.testmod(mod, extraglobs={"torch": torch}, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize("name", list(REFERENCE))
def test_never_calls_the_reference(name, monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("lrcourse called into the reference package")

    monkeypatch.setattr(REFERENCE[name], "step", forbidden)
    monkeypatch.setattr(REFERENCE[name], "__init__", forbidden)
    p = torch.nn.Parameter(torch.ones(2, 3))
    p.grad = torch.ones(2, 3)
    opt = OURS[name]([p])
    opt.step()
    assert opt.param_groups[0]["k"] == 1 and not torch.equal(p.detach(), torch.ones(2, 3))


def test_exported():
    assert {"Prodigy", "DAdaptAdam"} <= set(lrcourse.optim.__all__)
