"""Time of ``optimizer.step()``: lrcourse.optim vs torch.optim, as a ratio measured in one run.

For each optimizer configuration and each parameter set (LeNet's 62k parameters in 10
tensors; a ~9.5M-parameter MLP in 8 tensors) the same parameters and the same fixed random
gradients go to three optimizers: torch's default implementation (on the CPU that is the
per-tensor for-loop, ``foreach=None``), lrcourse's, and, for reference, torch's
``foreach=True`` path where torch has one. Muon takes the 2-D parameters only (what it is
for), SparseAdam an embedding table of the same size with sparse gradients of 256 looked-up
rows, and LBFGS a closure (a quadratic loss with its gradients) called by each ``step()``.
Optimizers whose reference is another package (``REFERENCE_PACKAGES``) are timed against
that package's class instead of torch's: its for-loop path (``foreach=False``, the form
lrcourse mirrors) as the baseline, its ``foreach=True`` path in the third column; the
schedule-free ones are put in train mode first. Repeats are interleaved (torch, lrcourse, foreach, in rotating order)
so that load from other processes hits all three alike; the table reports medians, and
the ratios are medians of per-trial (paired) ratios.

    python benchmarks/optimizers.py            # full run (a few minutes on 2 cores)
    python benchmarks/optimizers.py --quick    # smoke run (seconds)
"""
from __future__ import annotations

import argparse
import importlib
import inspect
import platform
import statistics
import time

import torch
from tqdm.auto import tqdm

import lrcourse.optim

CONFIGS = [  # (label, optimizer name, settings)
    ("SGD", "SGD", dict(lr=1e-3)),
    ("SGD momentum", "SGD", dict(lr=1e-3, momentum=0.9)),
    ("SGD nesterov", "SGD", dict(lr=1e-3, momentum=0.9, nesterov=True, weight_decay=1e-4)),
    ("Adagrad", "Adagrad", dict(lr=1e-3)),
    ("RMSprop", "RMSprop", dict(lr=1e-3)),
    ("RMSprop centered+momentum", "RMSprop", dict(lr=1e-3, momentum=0.9, centered=True)),
    ("Adadelta", "Adadelta", dict(lr=1.0)),
    ("Adam", "Adam", dict(lr=1e-3)),
    ("AdamW", "AdamW", dict(lr=1e-3, weight_decay=1e-2)),
    ("Adam amsgrad", "Adam", dict(lr=1e-3, amsgrad=True)),
    ("Adamax", "Adamax", dict(lr=1e-3)),
    ("NAdam", "NAdam", dict(lr=1e-3)),
    ("NAdam decoupled", "NAdam", dict(lr=1e-3, weight_decay=1e-2, decoupled_weight_decay=True)),
    ("RAdam", "RAdam", dict(lr=1e-3)),
    ("ASGD", "ASGD", dict(lr=1e-3)),
    ("Rprop", "Rprop", dict(lr=1e-3)),
    ("Adafactor", "Adafactor", dict(lr=1e-2)),
    ("Muon (2-D params)", "Muon", dict(lr=1e-3)),
    ("SparseAdam (sparse rows)", "SparseAdam", dict(lr=1e-3)),
    ("LBFGS (closure)", "LBFGS", dict(lr=1.0, max_iter=1)),
    ("SGDScheduleFree (vs schedulefree)", "SGDScheduleFree", dict(lr=1e-3)),
    ("AdamWScheduleFree (vs schedulefree)", "AdamWScheduleFree", dict(lr=1e-3, weight_decay=1e-2)),
    ("Prodigy (vs prodigyopt)", "Prodigy", dict(lr=1.0)),
    ("DAdaptAdam (vs dadaptation)", "DAdaptAdam", dict(lr=1.0)),
]
# Optimizers checked against a package other than torch.optim: name -> the package.
REFERENCE_PACKAGES = {"SGDScheduleFree": "schedulefree", "AdamWScheduleFree": "schedulefree",
                      "Prodigy": "prodigyopt", "DAdaptAdam": "dadaptation"}

LENET_SHAPES = [  # Conv(1,6,5), Conv(6,16,5), Linear(400,120), Linear(120,84), Linear(84,10)
    (6, 1, 5, 5), (6,), (16, 6, 5, 5), (16,), (120, 400), (120,), (84, 120), (84,), (10, 84), (10,),
]
MLP_SHAPES = [  # Linear 3072 -> 2048 -> 1024 -> 1024 -> 10
    (2048, 3072), (2048,), (1024, 2048), (1024,), (1024, 1024), (1024,), (10, 1024), (10,),
]


def sparse_grad(shape, g: torch.Generator, rows: int = 256) -> torch.Tensor:
    """A sparse gradient of ``rows`` looked-up rows (repeats allowed), as nn.Embedding(sparse=True) gives."""
    index = torch.randint(shape[0], (rows,), generator=g)
    values = torch.randn((rows, *shape[1:]), generator=g)
    return torch.sparse_coo_tensor(index[None], values, shape)


def make_params(name: str, shapes, g: torch.Generator) -> list:
    """The parameter set for ``name``: Muon gets the matrices, SparseAdam one embedding
    table with as many elements as ``shapes`` in all, with a sparse gradient."""
    if name == "Muon":
        shapes = [s for s in shapes if len(s) == 2]
    if name == "SparseAdam":
        numel = sum(torch.Size(s).numel() for s in shapes)
        shapes = [(numel // 64, 64)]
    params = []
    for shape in shapes:
        p = torch.nn.Parameter(torch.randn(shape, generator=g) * 0.05)
        p.grad = sparse_grad(shape, g) if name == "SparseAdam" else torch.randn(shape, generator=g)
        params.append(p)
    return params


def reference_class(name: str):
    """The class lrcourse's ``name`` is checked against: torch.optim's or its reference package's."""
    return getattr(importlib.import_module(REFERENCE_PACKAGES.get(name, "torch.optim")), name)


def make_optimizer(kind: str, name: str, settings: dict, shapes, seed: int = 0):
    """Fresh parameters with fixed random gradients (identical for every kind) and an optimizer."""
    params = make_params(name, shapes, torch.Generator().manual_seed(seed))
    if kind == "lrcourse":
        opt = getattr(lrcourse.optim, name)(params, **settings)
    else:
        loop = {"foreach": False} if name in REFERENCE_PACKAGES and has_foreach(name) else {}
        foreach = {"torch": loop, "torch foreach": {"foreach": True}}[kind]
        opt = reference_class(name)(params, **settings, **foreach)
    if hasattr(opt, "train"):  # schedule-free optimizers step in train mode only
        opt.train()
    return opt


def has_foreach(name: str) -> bool:
    return "foreach" in inspect.signature(reference_class(name)).parameters


def closure_for(opt):
    """LBFGS's closure: a fixed quadratic 1/2 sum a (p - c)^2 and its gradient, set by hand
    (no autograd graph, so the closure costs the same for every implementation)."""
    params = opt.param_groups[0]["params"]
    targets = [p.detach().clone().mul_(0.5) for p in params]

    def closure():
        loss = 0.0
        for p, c in zip(params, targets):
            diff = p.detach() - c
            p.grad = diff.clone()
            loss += 0.5 * float(diff.pow(2).sum())
        return torch.tensor(loss)

    return closure


def seconds_per_step(opt, steps: int) -> float:
    closure = closure_for(opt) if type(opt).__name__ == "LBFGS" else None
    start = time.perf_counter()
    for _ in range(steps):
        opt.step(closure) if closure is not None else opt.step()
    return (time.perf_counter() - start) / steps


KINDS = ["torch", "lrcourse", "torch foreach"]


def measure(name, settings, shapes, trials: int, steps: int) -> dict[str, float]:
    """Median seconds per step for each implementation, and the median paired ratios.

    Each trial times ``steps`` steps of every implementation back to back, in rotating
    order, so a burst of load from other processes lands on all three; the ratio of a
    trial compares measurements taken within milliseconds of each other.
    """
    kinds = KINDS if has_foreach(name) else KINDS[:2]
    opts = {k: make_optimizer(k, name, settings, shapes) for k in kinds}
    for opt in opts.values():  # warm-up: creates the state, touches the memory
        seconds_per_step(opt, 2)
    times = {k: [] for k in kinds}
    n = len(kinds)
    for r in range(trials):
        for k in kinds[r % n:] + kinds[: r % n]:
            times[k].append(seconds_per_step(opts[k], steps))
    result = {k: statistics.median(v) for k, v in times.items()}
    result["ratio"] = statistics.median(a / b for a, b in zip(times["lrcourse"], times["torch"]))
    if "torch foreach" in times:
        result["ratio foreach"] = statistics.median(a / b for a, b in zip(times["lrcourse"], times["torch foreach"]))
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few repeats, for a smoke run")
    parser.add_argument("--trials", type=int, default=None, help="interleaved trials per config (default 400 LeNet / 21 MLP; quick 20 / 3)")
    parser.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    parser.add_argument("--only", nargs="*", default=None, help="optimizer names to run (default: all)")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    lenet_trials, mlp_trials = (20, 3) if args.quick else (400, 21)
    sizes = [("LeNet", LENET_SHAPES, args.trials or lenet_trials, 5), ("MLP", MLP_SHAPES, args.trials or mlp_trials, 1)]

    rows = []
    configs = [c for c in CONFIGS if args.only is None or c[1] in args.only]
    jobs = [(size, cfg) for size in sizes for cfg in configs]
    for (size_name, shapes, trials, steps), (label, name, settings) in tqdm(jobs, desc="optimizers", unit="config"):
        t = measure(name, settings, shapes, trials, steps)
        n_params = sum(torch.Size(s).numel() for s in shapes)
        rows.append((size_name, n_params, label, t))

    print(f"\ntorch {torch.__version__}, {torch.get_num_threads()} threads, {platform.processor() or platform.machine()}, "
          "interleaved trials (LeNet: 5 steps each, MLP: 1 step each), median ms per step();\n"
          "ratios are medians of per-trial ratios\n")
    print("| params | optimizer | torch default (for-loop) | lrcourse | ratio lrcourse/torch | torch foreach=True | ratio lrcourse/foreach |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for size_name, n_params, label, t in rows:
        ms = {k: t[k] * 1e3 for k in KINDS if k in t}
        foreach = (f"{ms['torch foreach']:.3f} | {t['ratio foreach']:.2f}x" if "ratio foreach" in t else "n/a | n/a")
        print(f"| {size_name} ({n_params / 1e6:.2f}M) | {label} | {ms['torch']:.3f} | {ms['lrcourse']:.3f} | "
              f"**{t['ratio']:.2f}x** | {foreach} |")
    worst = max(t["ratio"] for *_, t in rows)
    print(f"\nworst ratio lrcourse/torch default: {worst:.2f}x (target <= 1.2x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
