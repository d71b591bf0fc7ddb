"""Examples per second for one epoch of LeNet on Fashion-MNIST (batch 256, SGD lr 0.1), three ways:

(a) lrcourse: ``lrcourse.train.train`` on ``lrcourse.data.fashion_mnist`` (uint8 tensors in memory,
    index-sliced batches, per-batch float conversion, test evaluation in batches of 1000), with
    its defaults (on the CPU: channels-last layout) and, as (a-nchw), with ``channels_last=False``;
(b) d2l: ``d2l.load_data_fashion_mnist(256)`` (torchvision dataset + ToTensor + DataLoader with
    d2l's 4 worker processes) and ``d2l.train_ch6`` itself (headless: its Animator draws to Agg),
    i.e. what a student running the book gets; its root "../data" is pointed, by working
    directory, at a copy prepared from the local files, so nothing is downloaded;
(c) a compute-only floor: forward, loss, backward and SGD step on the same batches already
    converted to float in memory, plus the forward pass over the test set; in channels-last
    and, as (c-nchw), in the NCHW layout, so each of (a) and (a-nchw) has its own floor.

To split d2l's epoch into data and compute, each repeat also times d2l's two DataLoaders
alone (one pass over train and test, no model): "d2l data only".

Each repeat runs every pipeline in turn (interleaved, rotating who goes first) from a fresh
seeded LeNet; one epoch = the 60000 training examples and the 10000-image test evaluation that
every pipeline does after an epoch; examples/s = 60000 / epoch wall time. Besides wall time, CPU time (this process plus its
finished children, i.e. d2l's DataLoader workers) is recorded: on a machine shared with other
jobs it is the steadier measure of the work each pipeline needs. Ratios are per repeat (paired),
then the median.

    .venv/bin/python benchmarks/train_throughput.py                # 3 repeats, 2 threads
    .venv/bin/python benchmarks/train_throughput.py --repeats 5 --threads 2
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch
from torch import nn

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lrcourse.data import fashion_mnist, prepare, raw_dir  # noqa: E402
from lrcourse.models import LeNet  # noqa: E402
from lrcourse.train import train  # noqa: E402
from lrcourse.train.loop import to_layout  # noqa: E402

BATCH, LR = 256, 0.1


def clock() -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process and its reaped children)."""
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.perf_counter(), time.process_time() + kids.ru_utime + kids.ru_stime


def since(t0: tuple[float, float]) -> tuple[float, float]:
    t1 = clock()
    return t1[0] - t0[0], t1[1] - t0[1]


def run_lrcourse(data, channels_last: bool | None = None) -> tuple[float, float]:
    torch.manual_seed(0)
    model = LeNet()
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    t0 = clock()
    train(model, opt, data, epochs=1, batch_size=BATCH, progress=False, live=False,
          channels_last=channels_last)
    return since(t0)


def run_d2l_data(d2l_dir: Path) -> tuple[float, float]:
    """d2l's loaders alone: build them, one pass over train and test, no model."""
    from d2l import torch as d2l

    cwd = os.getcwd()
    os.chdir(d2l_dir / "work")
    try:
        t0 = clock()
        train_iter, test_iter = d2l.load_data_fashion_mnist(BATCH)
        for loader in (train_iter, test_iter):
            for _ in loader:
                pass
        del train_iter, test_iter
        return since(t0)
    finally:
        os.chdir(cwd)


def run_d2l(d2l_dir: Path) -> tuple[float, float]:
    """``d2l.load_data_fashion_mnist`` + ``d2l.train_ch6`` from a working dir whose ../data is ready."""
    from d2l import torch as d2l

    torch.manual_seed(0)
    net = LeNet()
    cwd = os.getcwd()
    os.chdir(d2l_dir / "work")
    try:
        t0 = clock()
        train_iter, test_iter = d2l.load_data_fashion_mnist(BATCH)
        with contextlib.redirect_stdout(io.StringIO()):  # train_ch6 prints figures' reprs headless
            d2l.train_ch6(net, train_iter, test_iter, 1, LR, torch.device("cpu"))
        del train_iter, test_iter  # workers already joined at the end of each pass
        elapsed = since(t0)
    finally:
        os.chdir(cwd)
        import matplotlib.pyplot as plt
        plt.close("all")
    return elapsed


def run_floor(batches, test_batches, channels_last: bool = False) -> tuple[float, float]:
    """The batches are already in the layout the model gets (:func:`nhwc`)."""
    torch.manual_seed(0)
    model = LeNet()
    if channels_last:
        model.to(memory_format=torch.channels_last)
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    loss_fn = nn.CrossEntropyLoss()
    t0 = clock()
    for x, y in batches:
        opt.zero_grad(set_to_none=True)
        loss_fn(model(x), y).backward()
        opt.step()
    with torch.inference_mode():
        for x, _ in test_batches:
            model(x)
    return since(t0)


def nhwc(batches):
    """The batches with their images in the layout ``train(channels_last=True)`` feeds."""
    return [(to_layout(x, True), y) for x, y in batches]


def prepare_d2l_dir(root: Path) -> Path:
    """<tmp>/data/FashionMNIST/raw/* linked to the verified files; d2l runs from <tmp>/work."""
    d = Path(tempfile.mkdtemp(prefix="d2l-bench-"))
    raw = d / "data" / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    (d / "work").mkdir()
    for f in raw_dir(root).iterdir():
        (raw / f.name).symlink_to(f)
    return d


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--root", default=None, help="data directory (default $LRCOURSE_DATA or ~/.cache/lrcourse)")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "train_throughput.json"))
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    load0 = os.getloadavg()[0]
    root = prepare(args.root)
    data = fashion_mnist(root, device="cpu")
    n = data.num_examples("train")
    d2l_dir = prepare_d2l_dir(root)
    names = ("lrcourse", "lrcourse_nchw", "d2l", "floor", "floor_nchw", "d2l_data")
    wall, cpu = {k: [] for k in names}, {k: [] for k in names}
    try:
        for r in range(args.repeats):
            batches = list(data.batches("train", BATCH, seed=0, epoch=r))
            test_batches = list(data.batches("test", 1000, shuffle=False))
            runs = {"lrcourse": lambda: run_lrcourse(data), "d2l": lambda: run_d2l(d2l_dir),
                    "lrcourse_nchw": lambda: run_lrcourse(data, channels_last=False),
                    "floor": lambda: run_floor(nhwc(batches), nhwc(test_batches), True),
                    "floor_nchw": lambda: run_floor(batches, test_batches),
                    "d2l_data": lambda: run_d2l_data(d2l_dir)}
            for k in names[r % len(names):] + names[:r % len(names)]:  # rotate who goes first
                w, c = runs[k]()
                wall[k].append(w)
                cpu[k].append(c)
            print(f"repeat {r} (load {os.getloadavg()[0]:.1f}): " + ", ".join(
                f"{k} {wall[k][-1]:.1f}/{cpu[k][-1]:.1f}" for k in names) + " (s wall/CPU)", flush=True)
    finally:
        shutil.rmtree(d2l_dir, ignore_errors=True)
    med = lambda xs: statistics.median(xs)  # noqa: E731
    paired = lambda t, a, b: med([x / y for x, y in zip(t[a], t[b])])  # noqa: E731
    result = {
        "command": "python benchmarks/train_throughput.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "threads": torch.get_num_threads(), "torch": torch.__version__, "repeats": args.repeats,
        "cpu_count": os.cpu_count(), "load_avg_1min_at_start": load0, "load_avg_1min_at_end": os.getloadavg()[0],
        "wall_s": wall, "cpu_s": cpu,
        "examples_per_s_wall": {k: n / med(wall[k]) for k in names},
        "fastest_wall_s": {k: min(wall[k]) for k in names},
    }
    for sfx in ("", "_nchw"):
        for unit, t in (("wall", wall), ("cpu", cpu)):
            result[f"speedup_vs_d2l{sfx}_{unit}"] = paired(t, "d2l", "lrcourse" + sfx)
            result[f"ratio_to_floor{sfx}_{unit}"] = paired(t, "lrcourse" + sfx, "floor" + sfx)
    for unit, t in (("wall", wall), ("cpu", cpu)):
        result[f"d2l_data_share_{unit}"] = paired(t, "d2l_data", "d2l")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=1))
    labels = {"lrcourse": "(a) lrcourse trainer (defaults: channels-last)",
              "lrcourse_nchw": "(a-nchw) lrcourse trainer, channels_last=False",
              "d2l": "(b) d2l load_data_fashion_mnist + train_ch6", "floor": "(c) compute-only floor, channels-last",
              "floor_nchw": "(c-nchw) compute-only floor, NCHW", "d2l_data": "d2l data only (its loaders, no model)"}
    print(f"\n{torch.get_num_threads()} threads, {args.repeats} repeats, medians:\n")
    print("| pipeline | epoch wall (s) | examples/s (wall) | epoch CPU (s) | examples/CPU-s | fastest wall (s) |")
    print("|---|---:|---:|---:|---:|---:|")
    for k in names:
        print(f"| {labels[k]} | {med(wall[k]):.1f} | {n / med(wall[k]):,.0f} | {med(cpu[k]):.1f} | "
              f"{n / med(cpu[k]):,.0f} | {min(wall[k]):.1f} |")
    print()
    for sfx, name in (("", "lrcourse"), ("_nchw", "lrcourse channels_last=False")):
        print(f"d2l / {name} (paired median): wall {result[f'speedup_vs_d2l{sfx}_wall']:.2f}x, "
              f"CPU {result[f'speedup_vs_d2l{sfx}_cpu']:.2f}x (target >= 3); {name} / its floor: wall "
              f"{result[f'ratio_to_floor{sfx}_wall']:.3f}, CPU {result[f'ratio_to_floor{sfx}_cpu']:.3f} (target <= 1.15)")
    fast = result["fastest_wall_s"]
    print(f"fastest repeats (least disturbed by other jobs): d2l / lrcourse {fast['d2l'] / fast['lrcourse']:.2f}x, "
          f"d2l / lrcourse channels_last=False {fast['d2l'] / fast['lrcourse_nchw']:.2f}x")
    print(f"d2l data only / d2l epoch (paired median): wall {result['d2l_data_share_wall']:.2f}, "
          f"CPU {result['d2l_data_share_cpu']:.2f}")
    return 0


if __name__ == "__main__":
    import matplotlib
    matplotlib.use("Agg")
    sys.exit(main())
