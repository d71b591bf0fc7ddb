"""The d2l "Learning Rate Scheduling" chapter's five runs, with lrcourse's trainer, beside the book.

LeNet, real Fashion-MNIST, batch 256, plain SGD, schedule applied per epoch, 30 epochs:
constant lr 0.3; square root 0.1*(t+1)^-1/2; multistep lr 0.5 with MultiStepLR([15, 30], 0.5);
cosine CosineScheduler(20, base_lr=0.3, final_lr=0.01); warmup + cosine
CosineScheduler(20, warmup_steps=5, base_lr=0.3, final_lr=0.01). Plus the chapter's own loop
convention for the warmup run once (``callable_convention="d2l"``: epoch 0 at the optimizer's
lr 0.3, epoch 1 at scheduler(0) = 0, ...), to show its off-by-one, and the multistep run as the
book ran it (``multistep-book``: its plotting cell stepped the MultiStepLR 30 times on the training
optimizer first, passing both milestones, so it trained at a constant 0.125; the book's multistep
figure is that run's). lr 0.5 is at the edge for this network: whether ``multistep`` trains can
depend on the seed (``--seed``), see notebooks/10_capstone.ipynb.

    .venv/bin/python benchmarks/d2l_table.py                 # full: 6 runs x 30 epochs
    .venv/bin/python benchmarks/d2l_table.py --quick         # 3 epochs on subsets (smoke test)
    nohup .venv/bin/python benchmarks/d2l_table.py > benchmarks/results/d2l_table.log 2>&1 &

``time_s`` is each run's wall-clock time; every run does the same work, so differences between
rows measure the machine's load, not the schedule.

Writes (after every run, so a partial table survives) ``--out``/d2l_table.csv (one row per run,
with the book's figures), d2l_table_epochs.csv (per epoch) and d2l_table.png.
"""
from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lrcourse.data import fashion_mnist  # noqa: E402
from lrcourse.models import LeNet  # noqa: E402
from lrcourse.schedules import CosineScheduler, SquareRootScheduler  # noqa: E402
from lrcourse.train import History, plot_histories, seed_everything, train  # noqa: E402

def _pre_stepped(sched):
    """``sched`` after the chapter's plotting loop: ``trainer.step(); scheduler.step()`` 30 times."""
    for _ in range(30):
        sched.optimizer.step()
        sched.step()
    return sched


# name: (settings, initial lr, scheduler factory (optimizer -> scheduler), convention,
#        book en test acc, book zh test acc, book en train loss, book en train acc)
RUNS = {
    "constant": ("lr 0.3", 0.3, lambda opt: None, "exact", 0.877, 0.885, 0.145, 0.944),
    "sqrt": ("lr 0.1*(t+1)^-1/2", 0.1, lambda opt: SquareRootScheduler(lr=0.1), "exact",
             0.886, 0.876, 0.273, 0.900),
    "multistep": ("lr 0.5, MultiStepLR([15,30], 0.5)", 0.5,
                  lambda opt: torch.optim.lr_scheduler.MultiStepLR(opt, milestones=[15, 30], gamma=0.5),
                  "exact", 0.869, 0.889, 0.194, 0.927),
    "multistep-book": ("same, pre-stepped 30 times as the chapter's plotting cell does (lr 0.125)", 0.5,
                       lambda opt: _pre_stepped(torch.optim.lr_scheduler.MultiStepLR(opt, milestones=[15, 30],
                                                                                     gamma=0.5)),
                       "exact", 0.869, 0.889, 0.194, 0.927),
    "cosine": ("CosineScheduler(20, base_lr=0.3, final_lr=0.01)", 0.3,
               lambda opt: CosineScheduler(20, base_lr=0.3, final_lr=0.01), "exact",
               0.904, 0.892, 0.159, 0.942),
    "warmup": ("CosineScheduler(20, warmup_steps=5, base_lr=0.3, final_lr=0.01)", 0.3,
               lambda opt: CosineScheduler(20, warmup_steps=5, base_lr=0.3, final_lr=0.01), "exact",
               0.901, 0.878, 0.181, 0.934),
    "warmup-d2l-loop": ("same, chapter's loop (lr set after each epoch)", 0.3,
                        lambda opt: CosineScheduler(20, warmup_steps=5, base_lr=0.3, final_lr=0.01), "d2l",
                        0.901, 0.878, 0.181, 0.934),
}
FIELDS = ("run", "settings", "epochs", "train_loss", "train_acc", "test_acc", "time_s",
          "book_test_acc_en", "book_test_acc_zh", "book_train_loss_en", "book_train_acc_en")


def run_one(name: str, data, epochs: int, seed: int, progress: bool) -> History:
    settings, lr, make, convention, *_ = RUNS[name]
    seed_everything(seed)
    model = LeNet()
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    sched = make(opt)
    return train(model, opt, data, epochs=epochs, batch_size=256, scheduler=sched,
                 scheduler_interval="epoch" if sched is not None else None,
                 callable_convention=convention, seed=seed, progress=progress, live=False)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--runs", default=",".join(RUNS), help=f"comma-separated subset of {','.join(RUNS)}")
    ap.add_argument("--quick", action="store_true", help="3 epochs on 2048/1000-example subsets")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--root", default=None, help="data directory (default $LRCOURSE_DATA or ~/.cache/lrcourse)")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results"))
    ap.add_argument("--no-progress", action="store_true", help="no progress bar (none anyway when stderr is a file)")
    args = ap.parse_args(argv)
    runs = [r.strip() for r in args.runs.split(",") if r.strip()]
    unknown = [r for r in runs if r not in RUNS]
    if unknown:
        ap.error(f"--runs: unknown {unknown}; choose from {list(RUNS)}")
    torch.set_num_threads(args.threads)
    epochs = 3 if args.quick else args.epochs
    subsets = dict(train_subset=2048, test_subset=1000) if args.quick else {}
    data = fashion_mnist(args.root, device="cpu", **subsets)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stem = "d2l_table_quick" if args.quick else "d2l_table"
    print(f"d2l table: runs={runs} epochs={epochs}, "
          f"torch {torch.__version__}, {torch.get_num_threads()} threads", flush=True)
    rows, histories = [], {}
    for name in runs:
        t0 = time.perf_counter()
        h = run_one(name, data, epochs, args.seed, not args.no_progress and sys.stderr.isatty())
        settings, _, _, _, en, zh, loss_en, acc_en = RUNS[name]
        f = h.final()
        rows.append({"run": name, "settings": settings, "epochs": h.epochs,
                     "train_loss": round(f["train_loss"], 4), "train_acc": round(f["train_acc"], 4),
                     "test_acc": round(f["test_acc"], 4), "time_s": round(time.perf_counter() - t0, 1),
                     "book_test_acc_en": en, "book_test_acc_zh": zh,
                     "book_train_loss_en": loss_en, "book_train_acc_en": acc_en})
        histories[name] = h
        print(f"{name}: {h.summary()}; epoch lrs {[round(x, 4) for x in h.epoch_lr[:6]]}...", flush=True)
        with open(out / f"{stem}.csv", "w", newline="") as fh:
            w = csv.DictWriter(fh, FIELDS)
            w.writeheader()
            w.writerows(rows)
        with open(out / f"{stem}_epochs.csv", "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(("run", "epoch", "lr", "train_loss", "train_acc", "test_loss", "test_acc", "time_s"))
            for run, hh in histories.items():
                for e in range(hh.epochs):
                    w.writerow((run, e, hh.epoch_lr[e], hh.train_loss[e], hh.train_acc[e],
                                hh.test_loss[e], hh.test_acc[e], round(hh.time[e], 2)))
        fig = plot_histories(histories, title=f"d2l chapter's runs with lrcourse's trainer ({epochs} epochs)")
        fig.savefig(out / f"{stem}.png", dpi=80, bbox_inches="tight")
        import matplotlib.pyplot as plt
        plt.close(fig)
    print("\n| run | settings | test acc | book en / zh | train loss / acc | book en | time (s) |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['run']} | {r['settings']} | {r['test_acc']:.3f} | {r['book_test_acc_en']:.3f} / "
              f"{r['book_test_acc_zh']:.3f} | {r['train_loss']:.3f} / {r['train_acc']:.3f} | "
              f"{r['book_train_loss_en']:.3f} / {r['book_train_acc_en']:.3f} | {r['time_s']:.0f} |")
    return 0


if __name__ == "__main__":
    import matplotlib
    matplotlib.use("Agg")
    sys.exit(main())
