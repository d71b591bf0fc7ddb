"""Time of ``optimizer.step()``: lrcourse.optim vs torch.optim, as a ratio measured in one run.

For each optimizer configuration and each parameter set (LeNet's 62k parameters in 10
tensors; a ~9.5M-parameter MLP in 8 tensors) the same parameters and the same fixed random
gradients go to three optimizers: torch's default implementation (on the CPU that is the
per-tensor for-loop, ``foreach=None``), lrcourse's, and, for reference, torch's
``foreach=True`` path. Repeats are interleaved (torch, lrcourse, foreach, in rotating order)
so that load from other processes hits all three alike; the table reports medians, and
the ratios are medians of per-trial (paired) ratios.

    python benchmarks/optimizers.py            # full run (a few minutes on 2 cores)
    python benchmarks/optimizers.py --quick    # smoke run (seconds)
"""
from __future__ import annotations

import argparse
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
]

LENET_SHAPES = [  # Conv(1,6,5), Conv(6,16,5), Linear(400,120), Linear(120,84), Linear(84,10)
    (6, 1, 5, 5), (6,), (16, 6, 5, 5), (16,), (120, 400), (120,), (84, 120), (84,), (10, 84), (10,),
]
MLP_SHAPES = [  # Linear 3072 -> 2048 -> 1024 -> 1024 -> 10
    (2048, 3072), (2048,), (1024, 2048), (1024,), (1024, 1024), (1024,), (10, 1024), (10,),
]


def make_optimizer(kind: str, name: str, settings: dict, shapes, seed: int = 0):
    """Fresh parameters with fixed random gradients (identical for every kind) and an optimizer."""
    g = torch.Generator().manual_seed(seed)
    params = []
    for shape in shapes:
        p = torch.nn.Parameter(torch.randn(shape, generator=g) * 0.05)
        p.grad = torch.randn(shape, generator=g)
        params.append(p)
    if kind == "lrcourse":
        return getattr(lrcourse.optim, name)(params, **settings)
    foreach = {"torch": None, "torch foreach": True}[kind]
    return getattr(torch.optim, name)(params, **settings, foreach=foreach)


def seconds_per_step(opt, steps: int) -> float:
    start = time.perf_counter()
    for _ in range(steps):
        opt.step()
    return (time.perf_counter() - start) / steps


KINDS = ["torch", "lrcourse", "torch foreach"]


def measure(name, settings, shapes, trials: int, steps: int) -> dict[str, float]:
    """Median seconds per step for each implementation, and the median paired ratios.

    Each trial times ``steps`` steps of every implementation back to back, in rotating
    order, so a burst of load from other processes lands on all three; the ratio of a
    trial compares measurements taken within milliseconds of each other.
    """
    opts = {k: make_optimizer(k, name, settings, shapes) for k in KINDS}
    for opt in opts.values():  # warm-up: creates the state, touches the memory
        seconds_per_step(opt, 2)
    times = {k: [] for k in KINDS}
    for r in range(trials):
        for k in KINDS[r % 3:] + KINDS[: r % 3]:
            times[k].append(seconds_per_step(opts[k], steps))
    result = {k: statistics.median(v) for k, v in times.items()}
    result["ratio"] = statistics.median(a / b for a, b in zip(times["lrcourse"], times["torch"]))
    result["ratio foreach"] = statistics.median(a / b for a, b in zip(times["lrcourse"], times["torch foreach"]))
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few repeats, for a smoke run")
    parser.add_argument("--trials", type=int, default=None, help="interleaved trials per config (default 400 LeNet / 21 MLP; quick 20 / 3)")
    parser.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    lenet_trials, mlp_trials = (20, 3) if args.quick else (400, 21)
    sizes = [("LeNet", LENET_SHAPES, args.trials or lenet_trials, 5), ("MLP", MLP_SHAPES, args.trials or mlp_trials, 1)]

    rows = []
    jobs = [(size, cfg) for size in sizes for cfg in CONFIGS]
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
        ms = {k: t[k] * 1e3 for k in KINDS}
        print(f"| {size_name} ({n_params / 1e6:.2f}M) | {label} | {ms['torch']:.3f} | {ms['lrcourse']:.3f} | "
              f"**{t['ratio']:.2f}x** | {ms['torch foreach']:.3f} | {t['ratio foreach']:.2f}x |")
    worst = max(t["ratio"] for *_, t in rows)
    print(f"\nworst ratio lrcourse/torch default: {worst:.2f}x (target <= 1.2x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
