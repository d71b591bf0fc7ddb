"""Per-step overhead of each lrcourse scheduler against torch's, as a ratio in one run.

For every class: build torch's and lrcourse's scheduler on identical SGD optimizers
(momentum 0.9, two param groups), call ``scheduler.step()`` N times (no optimizer step
inside the timed loop; one before it so no warning fires). Torch and lrcourse alternate in
chunks of 50 steps within each repeat (who goes first alternates too); the table reports
the median over repeats of the time per step and of the paired ratio lrcourse / torch
(< 1 means lrcourse is faster). Times are CPU time of this process (``time.process_time``),
so other jobs on a shared machine do not count against either side.

    .venv/bin/python benchmarks/schedulers.py            # full: N=2000, 15 repeats
    .venv/bin/python benchmarks/schedulers.py --quick    # N=300, 5 repeats
"""
from __future__ import annotations

import argparse
import platform
import statistics
import time

import torch
import torch.optim.lr_scheduler as torch_lr_scheduler
from torch.optim.swa_utils import SWALR
from tqdm.auto import tqdm

import lrcourse.lr_scheduler as L

T = argparse.Namespace(**vars(torch_lr_scheduler), SWALR=SWALR)  # torch's, with swa_utils.SWALR


def cases(n: int):
    """(name, build(module, optimizer), step(scheduler, i))."""
    plain = lambda s, i: s.step()  # noqa: E731
    return [
        ("StepLR", lambda M, o: M.StepLR(o, 30, 0.5), plain),
        ("MultiStepLR", lambda M, o: M.MultiStepLR(o, [n // 4, n // 2, 3 * n // 4]), plain),
        ("ConstantLR", lambda M, o: M.ConstantLR(o, 0.5, n // 2), plain),
        ("LinearLR", lambda M, o: M.LinearLR(o, 0.1, 1.0, n // 2), plain),
        ("ExponentialLR", lambda M, o: M.ExponentialLR(o, 0.999), plain),
        ("PolynomialLR", lambda M, o: M.PolynomialLR(o, n + 10, 2.0), plain),
        ("CosineAnnealingLR", lambda M, o: M.CosineAnnealingLR(o, n // 3, 1e-4), plain),
        ("LambdaLR", lambda M, o: M.LambdaLR(o, lambda t: 0.999 ** t), plain),
        ("MultiplicativeLR", lambda M, o: M.MultiplicativeLR(o, lambda t: 0.999), plain),
        ("CyclicLR", lambda M, o: M.CyclicLR(o, 0.01, 0.1, 100), plain),
        ("OneCycleLR", lambda M, o: M.OneCycleLR(o, 0.1, total_steps=n + 10), plain),
        ("CosineAnnealingWarmRestarts", lambda M, o: M.CosineAnnealingWarmRestarts(o, 50, 2), plain),
        ("ReduceLROnPlateau", lambda M, o: M.ReduceLROnPlateau(o, patience=5), lambda s, i: s.step(1.0 / (1 + i % 50))),
        ("SequentialLR", lambda M, o: M.SequentialLR(o, [M.LinearLR(o, 0.1, total_iters=100),
                                                         M.CosineAnnealingLR(o, n)], [100]), plain),
        ("SWALR", lambda M, o: M.SWALR(o, 0.01, n // 2), plain),
        ("ChainedScheduler", lambda M, o: M.ChainedScheduler([M.ConstantLR(o, 0.5, 100), M.ExponentialLR(o, 0.999)]), plain),
    ]


def optimizer():
    groups = [{"params": [torch.zeros(10, requires_grad=True)], "lr": lr} for lr in (0.1, 0.05)]
    return torch.optim.SGD(groups, lr=0.1, momentum=0.9)


def time_pair(build, step, n: int, chunk: int = 50) -> tuple[float, float]:
    """Seconds per step (lrcourse, torch) over n steps each, timed in alternating chunks of
    ``chunk`` steps so that load changes on the machine hit both alike."""
    scheds = []
    for M in (L, T):
        opt = optimizer()
        scheds.append(build(M, opt))
        opt.step()
    spent = [0.0, 0.0]
    for c, start in enumerate(range(0, n, chunk)):
        for k in ((0, 1) if c % 2 == 0 else (1, 0)):
            sched = scheds[k]
            t0 = time.process_time()
            for i in range(start, start + chunk):
                step(sched, i)
            spent[k] += time.process_time() - t0
    return spent[0] / n, spent[1] / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="N=300 steps, 5 repeats")
    args = parser.parse_args()
    n, repeats = (300, 5) if args.quick else (2000, 15)
    torch.set_num_threads(1)
    rows = []
    for name, build, step in tqdm(cases(n), desc="schedulers"):
        runs = [time_pair(build, step, n) for _ in range(repeats)]
        ours, theirs = statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)
        ratio = statistics.median(r[0] / r[1] for r in runs)  # median of paired ratios
        rows.append((name, theirs * 1e6, ours * 1e6, ratio))
    print(f"\n{n} steps x {repeats} repeats, median; torch {torch.__version__}, Python {platform.python_version()}, "
          f"{platform.machine()}\n")
    print("| scheduler | torch µs/step | lrcourse µs/step | ratio lrcourse/torch |")
    print("|---|---:|---:|---:|")
    for name, t, o, ratio in rows:
        print(f"| {name} | {t:.2f} | {o:.2f} | {ratio:.2f}x |")
    print(f"| **median over classes** | | | **{statistics.median(r[3] for r in rows):.2f}x** |")


if __name__ == "__main__":
    main()
