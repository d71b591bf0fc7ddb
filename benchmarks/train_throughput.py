"""Examples per second for one epoch of LeNet on Fashion-MNIST (batch 256, SGD lr 0.1), three ways:

(a) lrcourse: ``lrcourse.train.train`` on ``lrcourse.data.fashion_mnist`` (uint8 tensors in memory,
    index-sliced batches, per-batch float conversion, test evaluation in batches of 1000);
(b) d2l: ``d2l.load_data_fashion_mnist(256)`` (torchvision dataset + ToTensor + DataLoader with
    d2l's 4 worker processes) and ``d2l.train_ch6`` itself (headless: its Animator draws to Agg),
    i.e. what a student running the book gets; its root "../data" is pointed, by working
    directory, at a copy prepared from the local files, so nothing is downloaded;
(c) a compute-only floor: forward, loss, backward and SGD step on the same batches already
    converted to float in memory, plus the forward pass over the test set.

Each repeat runs (a), (b), (c) in turn (interleaved) from a fresh seeded LeNet; one epoch = the
60000 training examples and the 10000-image test evaluation that every pipeline does after an
epoch; examples/s = 60000 / epoch wall time. Medians over repeats.

    .venv/bin/python benchmarks/train_throughput.py                # 3 repeats, 2 threads
    .venv/bin/python benchmarks/train_throughput.py --repeats 5 --threads 2
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch
from torch import nn

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lrcourse.data import fashion_mnist, prepare  # noqa: E402
from lrcourse.models import LeNet  # noqa: E402
from lrcourse.train import train  # noqa: E402

BATCH, LR = 256, 0.1


def run_lrcourse(data) -> float:
    torch.manual_seed(0)
    model = LeNet()
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    t0 = time.perf_counter()
    train(model, opt, data, epochs=1, batch_size=BATCH, progress=False, live=False)
    return time.perf_counter() - t0


def run_d2l(d2l_dir: Path) -> float:
    """``d2l.load_data_fashion_mnist`` + ``d2l.train_ch6`` from a working dir whose ../data is ready."""
    from d2l import torch as d2l

    torch.manual_seed(0)
    net = LeNet()
    cwd = os.getcwd()
    os.chdir(d2l_dir / "work")
    try:
        t0 = time.perf_counter()
        train_iter, test_iter = d2l.load_data_fashion_mnist(BATCH)
        with contextlib.redirect_stdout(io.StringIO()):  # train_ch6 prints figures' reprs headless
            d2l.train_ch6(net, train_iter, test_iter, 1, LR, torch.device("cpu"))
        elapsed = time.perf_counter() - t0
    finally:
        os.chdir(cwd)
        import matplotlib.pyplot as plt
        plt.close("all")
    return elapsed


def run_floor(batches, test_batches) -> float:
    torch.manual_seed(0)
    model = LeNet()
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    loss_fn = nn.CrossEntropyLoss()
    t0 = time.perf_counter()
    for x, y in batches:
        opt.zero_grad(set_to_none=True)
        loss_fn(model(x), y).backward()
        opt.step()
    with torch.no_grad():
        for x, _ in test_batches:
            model(x)
    return time.perf_counter() - t0


def prepare_d2l_dir(root: Path) -> Path:
    """<tmp>/data/FashionMNIST/raw/* linked to the verified files; d2l runs from <tmp>/work."""
    d = Path(tempfile.mkdtemp(prefix="d2l-bench-"))
    raw = d / "data" / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    (d / "work").mkdir()
    for f in (root / "FashionMNIST" / "raw").iterdir():
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
    root = prepare(args.root)
    data = fashion_mnist(root, device="cpu")
    n = data.num_examples("train")
    d2l_dir = prepare_d2l_dir(root)
    times = {"lrcourse": [], "d2l": [], "floor": []}
    for r in range(args.repeats):
        batches = list(data.batches("train", BATCH, seed=0, epoch=r))
        test_batches = list(data.batches("test", 1000, shuffle=False))
        times["lrcourse"].append(run_lrcourse(data))
        times["d2l"].append(run_d2l(d2l_dir))
        times["floor"].append(run_floor(batches, test_batches))
        print(f"repeat {r}: " + ", ".join(f"{k} {v[-1]:.1f} s" for k, v in times.items()), flush=True)
    med = {k: statistics.median(v) for k, v in times.items()}
    result = {
        "command": "python benchmarks/train_throughput.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "threads": torch.get_num_threads(), "torch": torch.__version__, "repeats": args.repeats,
        "cpu_count": os.cpu_count(), "load_avg_1min_at_end": os.getloadavg()[0],
        "seconds": times, "median_seconds": med,
        "examples_per_s": {k: n / v for k, v in med.items()},
        "speedup_vs_d2l": med["d2l"] / med["lrcourse"], "ratio_to_floor": med["lrcourse"] / med["floor"],
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=1))
    print("\n| pipeline | median epoch (s) | examples/s | vs lrcourse |")
    print("|---|---|---|---|")
    names = {"lrcourse": "(a) lrcourse trainer", "d2l": "(b) d2l load_data_fashion_mnist + train_ch6",
             "floor": "(c) compute-only floor"}
    for k in ("lrcourse", "d2l", "floor"):
        print(f"| {names[k]} | {med[k]:.1f} | {n / med[k]:,.0f} | {med[k] / med['lrcourse']:.2f}x time |")
    print(f"\nspeedup over d2l: {result['speedup_vs_d2l']:.2f}x (target >= 3); "
          f"lrcourse / floor: {result['ratio_to_floor']:.3f} (target <= 1.15)")
    return 0


if __name__ == "__main__":
    import matplotlib
    matplotlib.use("Agg")
    sys.exit(main())
