"""lrcourse.compat.transformers against transformers itself: every schedule name over a grid,
every param group at every step (and past the end), a state_dict loaded mid-run, the errors."""
from __future__ import annotations

import copy
import warnings

import pytest
import torch
from transformers import optimization as tf
from transformers.trainer_utils import SchedulerType

from lrcourse.compat import transformers as C
from lrcourse.schedules import warmup_factor

# Both sides round the same formula in their own order (e.g. 1 - u/n against (n - u)/n): most
# steps are bit-equal, all agree to 1e-12 relative (the largest difference on this grid is ~1e-14).
REL = 1e-12


def sgd():
    groups = [{"params": [torch.zeros(2, requires_grad=True)]},
              {"params": [torch.zeros(3, requires_grad=True)], "lr": 0.03}]
    return torch.optim.SGD(groups, lr=0.1, momentum=0.9)


def lrs(opt):
    return [g["lr"] for g in opt.param_groups]


def wsd(W, D, T=None, S=None, **kw):
    kw = dict(num_decay_steps=D, **kw)
    if S is not None:
        kw["num_stable_steps"] = S
    return ("warmup_stable_decay", W, T, kw)


# (name, num_warmup_steps, num_training_steps, scheduler_specific_kwargs)
CASES = [("constant", None, None, None), ("constant", 3, 10, {"ignored": 1})]
CASES += [("constant_with_warmup", W, None, None) for W in (0, 1, 5, 20)]
for W, T in [(0, 10), (3, 10), (10, 10), (12, 10), (5, 40), (1, 1), (0, 1), (7, 8)]:
    CASES += [("linear", W, T, None), ("cosine", W, T, None), ("cosine_with_restarts", W, T, None)]
CASES += [("cosine", W, T, {"num_cycles": c}) for W, T in [(0, 30), (4, 25)] for c in (0.5, 1.5, 0.25, 1.0, 0, 3)]
CASES += [("cosine_with_restarts", W, T, {"num_cycles": c}) for W, T in [(0, 30), (4, 25), (3, 3)]
          for c in (1, 3, 2.5, 0.4, 0)]
CASES += [("polynomial", W, T, kw) for W, T in [(0, 20), (5, 20), (10, 7), (1, 2)]
          for kw in (None, {"power": 2.0}, {"power": 0.5, "lr_end": 0.01}, {"lr_end": 0.0, "power": 3},
                     {"power": 0})]
CASES += [("inverse_sqrt", W, None, kw) for W in (0, 1, 4, 10)
          for kw in (None, {"timescale": 10}, {"timescale": 3}, {"timescale": 7.5})]
CASES += [("cosine_with_min_lr", W, T, kw) for W, T in [(0, 20), (5, 30), (8, 8)]
          for kw in ({"min_lr": 0.01}, {"min_lr_rate": 0.1}, {"min_lr_rate": 0.0}, {"min_lr": 1e-3, "num_cycles": 1.5},
                     {"min_lr_rate": 0.2, "num_cycles": 0.3})]
CASES += [("cosine_warmup_with_min_lr", W, T, kw) for W, T in [(0, 20), (1, 20), (2, 20), (6, 30), (9, 9)]
          for kw in ({"min_lr_rate": 0.1}, {"min_lr": 0.01, "warmup_lr_rate": 0.1},
                     {"min_lr_rate": 0.0, "warmup_lr_rate": 0.0}, {"min_lr_rate": 0.05, "num_cycles": 1.25,
                                                                   "warmup_lr_rate": 0.5})]
CASES += [wsd(W, D, T=T, warmup_type=up, decay_type=down, min_lr_ratio=r)
          for W, D, T in [(5, 8, 30), (0, 10, 20), (4, 0, 12), (6, 14, 20)]
          for up in C.WSD_SHAPES for down in C.WSD_SHAPES for r in (0.0, 0.1)]
CASES += [wsd(W, D, S=S, decay_type=down, num_cycles=c, min_lr_ratio=r)
          for W, D, S in [(3, 6, 10), (0, 5, 0), (2, 1, 4)]
          for down in C.WSD_SHAPES for c in (0.5, 1.0, 0.3) for r in (0.0, 0.25)]
CASES += [wsd(4, 6, T=100, S=5, warmup_type="cosine"), wsd(3, 6, T=9, S=0, decay_type="1-sqrt")]  # S wins over T


def length(W, T, kw):
    kw = kw or {}
    return max(W or 0, T or 0, (W or 0) + kw.get("num_stable_steps", 0) + kw.get("num_decay_steps", 0), 15) + 6


def build(lib, name, opt, W, T, kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # WSD given both T and S warns (tested on its own below)
        return lib.get_scheduler(name, opt, W, T, copy.deepcopy(kw))


def assert_same(ours, ref, where):
    assert ours == pytest.approx(ref, rel=REL, abs=0.0), where


def case_id(case):
    name, W, T, kw = case
    return f"{name}-W{W}-T{T}-" + "-".join(f"{k}={v}" for k, v in (kw or {}).items())


@pytest.mark.parametrize("case", CASES, ids=map(case_id, CASES))
@pytest.mark.parametrize("resume", [None, "lrcourse", "transformers"])
def test_every_step_every_group(case, resume):
    """Step both libraries past the end; with ``resume``, a fresh lrcourse optimizer and scheduler take
    over mid-run from the state_dicts (lrcourse's own, or transformers'/torch's)."""
    name, W, T, kw = case
    ref_opt, our_opt = sgd(), sgd()
    ref, ours = build(tf, name, ref_opt, W, T, kw), build(C, name, our_opt, W, T, kw)
    n = length(W, T, kw)
    for t in range(n):
        if resume and t == n // 2:
            source_opt, source = (our_opt, ours) if resume == "lrcourse" else (ref_opt, ref)
            o_state, s_state = copy.deepcopy(source_opt.state_dict()), copy.deepcopy(source.state_dict())
            our_opt = sgd()  # Trainer's order: build both, then load both
            ours = build(C, name, our_opt, W, T, kw)
            our_opt.load_state_dict(o_state)
            ours.load_state_dict(s_state)
            assert_same(ours.get_last_lr(), ref.get_last_lr(), f"{name} loaded at step {t}")
        assert_same(lrs(our_opt), lrs(ref_opt), f"{name} step {t}")
        ref_opt.step(), our_opt.step()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # lrcourse's resumed optimizer: "scheduler before optimizer"
            ref.step(), ours.step()


def test_names_are_transformers_names_but_greedy():
    assert set(C.SCHEDULER_NAMES) == {s.value for s in SchedulerType} - {"greedy"}


@pytest.mark.parametrize("name", ["linear", "warmup_stable_decay", "reduce_lr_on_plateau"])
def test_name_may_be_the_enum(name):
    kw = {"num_decay_steps": 4} if name == "warmup_stable_decay" else None
    ours = build(C, SchedulerType(name), sgd(), 2, 10, kw)
    ref = build(tf, SchedulerType(name), sgd(), 2, 10, kw)
    assert type(ours).__name__ == type(ref).__name__


@pytest.mark.parametrize("last_epoch", [0, 4, 12])
def test_resume_with_last_epoch(last_epoch):
    """The get_* functions take last_epoch as torch's LambdaLR does (groups hold initial_lr)."""
    ref_opt, our_opt = sgd(), sgd()
    for opt in (ref_opt, our_opt):
        for g in opt.param_groups:
            g["initial_lr"] = g["lr"]
    ref = tf.get_cosine_schedule_with_warmup(ref_opt, 3, 10, last_epoch=last_epoch)
    ours = C.get_cosine_schedule_with_warmup(our_opt, 3, 10, last_epoch=last_epoch)
    for _ in range(6):
        assert_same(lrs(our_opt), lrs(ref_opt), last_epoch)
        ref_opt.step(), our_opt.step(), ref.step(), ours.step()


# ----------------------------------------------------------------------------- reduce_lr_on_plateau
def metric(t):
    """Falls, stalls, falls a little, stalls: every branch of the plateau logic gets used."""
    return [1.0, 0.8, 0.8, 0.81, 0.8, 0.79, 0.7999, 0.85, 0.6, 0.6, 0.6, 0.6, 0.59, 0.7, 0.7][t % 15] - 0.01 * (t // 15)


PLATEAUS = [{}, {"patience": 1, "factor": 0.5}, {"patience": 0, "threshold": 0.05, "threshold_mode": "abs"},
            {"mode": "max", "patience": 2, "cooldown": 1, "min_lr": [0.001, 0.02], "factor": 0.3},
            {"patience": 1, "factor": 0.9, "eps": 0.005, "min_lr": 0.01}]


@pytest.mark.parametrize("kw", PLATEAUS, ids=str)
@pytest.mark.parametrize("resume", [False, True])
def test_reduce_lr_on_plateau(kw, resume):
    ref_opt, our_opt = sgd(), sgd()
    ref = build(tf, "reduce_lr_on_plateau", ref_opt, None, None, kw)
    ours = build(C, "reduce_lr_on_plateau", our_opt, None, None, kw)
    seen = set()
    for t in range(60):
        if resume and t == 25:
            o_state, s_state = copy.deepcopy(our_opt.state_dict()), copy.deepcopy(ours.state_dict())
            our_opt = sgd()
            ours = build(C, "reduce_lr_on_plateau", our_opt, None, None, kw)
            our_opt.load_state_dict(o_state)
            ours.load_state_dict(s_state)
        ref_opt.step(), our_opt.step()
        ref.step(metric(t)), ours.step(metric(t))
        assert lrs(our_opt) == lrs(ref_opt), t
        seen.add(tuple(lrs(ref_opt)))
    assert len(seen) > 1


# ----------------------------------------------------------------------------- errors
# Refused by transformers: lrcourse refuses them with the same exception type, in one line.
SAME_ERRORS = [
    ("unknown-name", ("cosine_annealing", 2, 10, None), ValueError, ["name", "cosine_annealing"]),
    ("name-not-str", (3, 2, 10, None), ValueError, ["3"]),
    *[(f"{n}-no-warmup", (n, None, 10, kw), ValueError, ["num_warmup_steps", n])
      for n, kw in [("linear", None), ("cosine", None), ("cosine_with_restarts", None), ("polynomial", None),
                    ("constant_with_warmup", None), ("inverse_sqrt", None), ("cosine_with_min_lr", {"min_lr": 0.0}),
                    ("cosine_warmup_with_min_lr", {"min_lr": 0.0}), ("warmup_stable_decay", {"num_decay_steps": 2})]],
    *[(f"{n}-no-training", (n, 2, None, kw), ValueError, ["num_training_steps", n])
      for n, kw in [("linear", None), ("cosine", None), ("cosine_with_restarts", None), ("polynomial", None),
                    ("cosine_with_min_lr", {"min_lr": 0.0}), ("cosine_warmup_with_min_lr", {"min_lr": 0.0})]],
    ("wsd-no-length", ("warmup_stable_decay", 2, None, {"num_decay_steps": 2}), ValueError,
     ["num_training_steps", "num_stable_steps"]),
    ("wsd-no-decay", ("warmup_stable_decay", 2, 10, {}), TypeError, ["num_decay_steps"]),
    ("wsd-warmup-type", ("warmup_stable_decay", 2, 10, {"num_decay_steps": 2, "warmup_type": "exp"}), ValueError,
     ["warmup type", "exp", "1-sqrt"]),
    ("wsd-decay-type", ("warmup_stable_decay", 2, 10, {"num_decay_steps": 2, "decay_type": "cos"}), ValueError,
     ["decay type", "cos", "1-sqrt"]),
    ("min-lr-both", ("cosine_with_min_lr", 2, 10, {"min_lr": 0.0, "min_lr_rate": 0.1}), ValueError,
     ["min_lr", "min_lr_rate"]),
    ("min-lr-none", ("cosine_with_min_lr", 2, 10, None), ValueError, ["min_lr", "min_lr_rate"]),
    ("min-lr-none-warmup", ("cosine_warmup_with_min_lr", 2, 10, {"warmup_lr_rate": 0.1}), ValueError,
     ["min_lr", "min_lr_rate"]),
    ("poly-lr-end", ("polynomial", 2, 10, {"lr_end": 0.1}), ValueError, ["lr_end", "0.1"]),
    ("poly-lr-end-above", ("polynomial", 2, 10, {"lr_end": 0.5}), ValueError, ["lr_end", "0.5"]),
    ("unknown-kwarg", ("cosine", 2, 10, {"num_cycle": 2}), TypeError, ["num_cycle"]),
    ("plateau-factor", ("reduce_lr_on_plateau", None, None, {"factor": 1.5}), ValueError, ["factor", "1.5"]),
    ("plateau-mode", ("reduce_lr_on_plateau", None, None, {"mode": "up"}), ValueError, ["mode", "up"]),
    ("plateau-kwarg", ("reduce_lr_on_plateau", None, None, {"warmup": 2}), TypeError, ["warmup"]),
]


def assert_refused(case, exc, words):
    """lrcourse's ``get_scheduler`` raises ``exc`` on ``case``, in one line naming every one of ``words``."""
    name, W, T, kw = case
    with pytest.raises(exc) as info:
        C.get_scheduler(name, sgd(), W, T, copy.deepcopy(kw))
    message = str(info.value)
    assert "\n" not in message
    for word in words:
        assert word in message, (word, message)


@pytest.mark.parametrize("case,exc,words", [c[1:] for c in SAME_ERRORS], ids=[c[0] for c in SAME_ERRORS])
def test_refused_as_transformers_refuses(case, exc, words):
    name, W, T, kw = case
    with pytest.raises(exc):
        tf.get_scheduler(name, sgd(), W, T, copy.deepcopy(kw))
    assert_refused(case, exc, words)


def test_greedy_is_refused_with_the_names_that_work():
    tf.get_scheduler("greedy", sgd())  # transformers has it ...
    with pytest.raises(ValueError) as info:  # ... lrcourse says it has not, and what it has
        C.get_scheduler("greedy", sgd())
    assert "greedy" in str(info.value) and "warmup_stable_decay" in str(info.value)


def test_wsd_given_both_lengths_warns_as_transformers():
    kw = {"num_decay_steps": 2, "num_stable_steps": 3}
    with pytest.warns(UserWarning) as ref:
        tf.get_scheduler("warmup_stable_decay", sgd(), 2, 10, dict(kw))
    with pytest.warns(UserWarning) as ours:
        C.get_scheduler("warmup_stable_decay", sgd(), 2, 10, dict(kw))
    assert [str(w.message) for w in ours] == [str(w.message) for w in ref]


# What transformers accepts and then divides by zero on, or computes a negative or meaningless lr
# from: lrcourse refuses it up front, naming the argument and what is accepted.
STRICTER = [
    ("poly-T-equals-W", ("polynomial", 5, 5, None), ValueError, ["num_training_steps", "num_warmup_steps", "5"]),
    ("warmup-negative", ("linear", -1, 10, None), ValueError, ["num_warmup_steps", "-1", ">= 0"]),
    ("warmup-float", ("linear", 2.5, 10, None), TypeError, ["num_warmup_steps", "2.5", "int"]),
    ("training-negative", ("cosine", 0, -3, None), ValueError, ["num_training_steps", "-3"]),
    ("timescale-0", ("inverse_sqrt", 2, None, {"timescale": 0}), ValueError, ["timescale", "0", "(0, inf)"]),
    ("cycles-negative", ("cosine", 2, 10, {"num_cycles": -1}), ValueError, ["num_cycles", "-1", "[0, inf)"]),
    ("restarts-negative", ("cosine_with_restarts", 2, 10, {"num_cycles": -2}), ValueError, ["num_cycles", "-2"]),
    ("lr-end-negative", ("polynomial", 2, 10, {"lr_end": -0.01}), ValueError, ["lr_end", "-0.01"]),
    ("power-negative", ("polynomial", 2, 10, {"power": -1.0}), ValueError, ["power", "-1.0"]),
    ("min-lr-negative", ("cosine_with_min_lr", 2, 10, {"min_lr": -0.01}), ValueError, ["min_lr", "-0.01"]),
    ("min-lr-rate-negative", ("cosine_warmup_with_min_lr", 2, 10, {"min_lr_rate": -0.5}), ValueError,
     ["min_lr_rate", "-0.5"]),
    ("warmup-lr-rate-1", ("cosine_warmup_with_min_lr", 2, 10, {"min_lr_rate": 0.1, "warmup_lr_rate": 1.0}),
     ValueError, ["warmup_lr_rate", "1.0", "[0, 1)"]),
    ("wsd-no-stable", ("warmup_stable_decay", 6, 10, {"num_decay_steps": 5}), ValueError,
     ["num_warmup_steps + num_decay_steps", "10", "6 + 5"]),
    ("wsd-stable-negative", ("warmup_stable_decay", 2, None, {"num_decay_steps": 5, "num_stable_steps": -1}),
     ValueError, ["num_stable_steps", "-1"]),
    ("wsd-ratio-negative", ("warmup_stable_decay", 2, 10, {"num_decay_steps": 5, "min_lr_ratio": -0.1}),
     ValueError, ["min_lr_ratio", "-0.1"]),
]


@pytest.mark.parametrize("case,exc,words", [c[1:] for c in STRICTER], ids=[c[0] for c in STRICTER])
def test_refused_where_transformers_misbehaves(case, exc, words):
    assert_refused(case, exc, words)


def test_polynomial_with_T_equal_W_divides_by_zero_in_transformers():
    """Why ``num_training_steps == num_warmup_steps`` is refused: transformers fails at step W."""
    opt = sgd()
    sched = tf.get_scheduler("polynomial", opt, 3, 3)
    with pytest.raises(ZeroDivisionError):
        for _ in range(4):
            opt.step(), sched.step()


def test_warmup_factor_offset():
    """offset=0 is transformers' t / W; the default 1 is lrcourse's (t + 1) / W; outside [0, 1] refused."""
    assert [warmup_factor(4, offset=0.0)(t) for t in range(6)] == [0.0, 0.25, 0.5, 0.75, 1.0, 1.0]
    assert [warmup_factor(4)(t) for t in range(6)] == [0.25, 0.5, 0.75, 1.0, 1.0, 1.0]
    with pytest.raises(ValueError, match=r"offset must be a number in \[0, 1\], got -0.5"):
        warmup_factor(4, offset=-0.5)
