"""History: JSON/CSV round trips, saving a run's four files, plots (titles, labels, legends, log
scales), the live plot, and ``jsonable`` (what ``meta`` may hold)."""
from __future__ import annotations

import csv
import json
import math

import matplotlib.pyplot as plt
import pytest
import torch

from lrcourse.train import History, LivePlot, plot_histories
from lrcourse.train import live as live_module
from lrcourse.train.history import RUN_FILES, jsonable


def sample(diverged=None, momentum=0.9) -> History:
    steps = 6
    return History(
        steps_per_epoch=3,
        lr=[0.1 * 0.5 ** t for t in range(steps)],
        momentum=[momentum] * steps,
        loss=[2.3, 1.9, 1.5, 1.2, 1.0, float("nan") if diverged else 0.9],
        epoch_lr=[0.1, 0.0125],
        train_loss=[1.9, 1.03], train_acc=[0.3, 0.6], test_loss=[1.6, 0.95], test_acc=[0.4, 0.65],
        time=[1.5, 1.4], diverged=diverged, meta={"optimizer": "SGD", "seed": 0})


@pytest.mark.parametrize("history", [sample(), sample(diverged="training diverged at step 5"),
                                     sample(momentum=None), History()])
def test_json_round_trip(tmp_path, history):
    text = history.to_json(tmp_path / "h.json")
    for back in (History.from_json(text), History.from_json(tmp_path / "h.json"),
                 History.from_json(str(tmp_path / "h.json"))):
        assert back.to_json() == text
        assert [v for v in back.loss if not math.isnan(v)] == [v for v in history.loss if not math.isnan(v)]
        assert back.momentum == history.momentum and back.meta == history.meta


@pytest.mark.parametrize("target, epochs_name, steps_name", [
    ("outdir", "epochs.csv", "steps.csv"),
    ("metrics.csv", "metrics.csv", "metrics_steps.csv"),
])
def test_csv(tmp_path, target, epochs_name, steps_name):
    h = sample(momentum=None)
    written = h.to_csv(tmp_path / target)
    assert [p.name for p in written] == [epochs_name, steps_name]
    with open(written[0]) as f:
        rows = list(csv.DictReader(f))
    assert [float(r["test_acc"]) for r in rows] == h.test_acc
    # epochs counted from 1, as on the plot's x axis (epoch e's metrics drawn at x = e)
    assert [float(r["epoch_lr"]) for r in rows] == h.epoch_lr and [int(r["epoch"]) for r in rows] == [1, 2]
    assert list(h.plot().axes[1].get_lines()[0].get_xdata()) == [1, 2]
    plt.close("all")
    with open(written[1]) as f:
        rows = list(csv.DictReader(f))
    assert [float(r["lr"]) for r in rows] == h.lr and [float(r["loss"]) for r in rows] == h.loss
    assert {r["momentum"] for r in rows} == {""}


def test_save_writes_the_four_run_files(tmp_path):
    h = sample()
    written = h.save(tmp_path / "run", title="demo")
    assert [p.name for p in written] == list(RUN_FILES) == ["history.json", "epochs.csv", "steps.csv", "history.png"]
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == sorted(RUN_FILES)  # no temporary files left
    assert History.from_json(written[0]).to_json() == h.to_json()
    assert written[3].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and not plt.get_fignums()


def test_a_failed_save_leaves_the_previous_files(tmp_path, monkeypatch):
    h = sample()
    h.save(tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    other = sample(diverged="training diverged at step 5")

    def broken_savefig(self, f, **kwargs):
        f.write(b"half a picture")
        raise OSError("disk full")

    monkeypatch.setattr(plt.Figure, "savefig", broken_savefig)
    with pytest.raises(OSError, match="disk full"):
        other.save(tmp_path)
    assert (tmp_path / "history.png").read_bytes() == before["history.png"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(RUN_FILES)
    assert not plt.get_fignums()


@pytest.mark.parametrize("value, expected", [
    ({"betas": (0.9, 0.999), "lr": 0.1, "nesterov": False, "foreach": None},
     {"betas": [0.9, 0.999], "lr": 0.1, "nesterov": False, "foreach": None}),
    ({"lr": torch.tensor(0.5)}, {"lr": 0.5}),
    ({1: [("a", 2)]}, {"1": [["a", 2]]}),
    ({"fn": len}, {"fn": "<built-in function len>"}),
])
def test_jsonable(value, expected):
    assert jsonable(value) == expected and json.loads(json.dumps(jsonable(value))) == expected


def test_validation_columns_appear_only_when_recorded(tmp_path):
    h = sample()
    h.val_loss, h.val_acc = [1.7, 1.0], [0.35, 0.62]
    with open(h.to_csv(tmp_path / "v")[0]) as f:
        rows = list(csv.DictReader(f))
    assert [float(r["val_acc"]) for r in rows] == h.val_acc and [float(r["val_loss"]) for r in rows] == h.val_loss
    assert History.from_json(h.to_json()).val_loss == h.val_loss
    assert h.final()["val_acc"] == 0.62 and "val loss 1.000, val acc 0.620" in h.summary()
    labels = [[line.get_label() for line in ax.get_lines()] for ax in h.plot().axes[:2]]
    assert "val loss" in labels[0] and "val acc" in labels[1]
    with open(sample().to_csv(tmp_path / "no-val")[0]) as f:
        assert "val_loss" not in f.readline()
    old = sample().to_dict()  # a history saved before validation existed still loads
    del old["val_loss"], old["val_acc"]
    assert History.from_dict(old).val_loss == [] and "val_loss" not in History.from_dict(old).final()
    plt.close("all")


def test_ema_columns_curves_and_summary_appear_only_when_recorded(tmp_path):
    h = sample()
    h.val_loss, h.val_acc = [1.7, 1.0], [0.35, 0.62]
    h.ema_test_loss, h.ema_test_acc, h.ema_val_loss, h.ema_val_acc = [1.8, 0.9], [0.38, 0.7], [1.75, 0.95], [0.3, 0.66]
    with open(h.to_csv(tmp_path / "ema")[0]) as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["epoch", "epoch_lr", "train_loss", "train_acc", "val_loss", "val_acc", "test_loss",
                             "test_acc", "ema_val_loss", "ema_val_acc", "ema_test_loss", "ema_test_acc", "time"]
    for name in ("ema_test_loss", "ema_test_acc", "ema_val_loss", "ema_val_acc"):
        assert [float(r[name]) for r in rows] == getattr(h, name)
        assert History.from_json(h.to_json()).to_dict()[name] == getattr(h, name)
    assert h.final()["ema_test_acc"] == 0.7 and "EMA test loss 0.900, EMA test acc 0.700" in h.summary()
    fig = h.plot()
    for ax, metric in zip(fig.axes[:2], ("loss", "acc")):
        lines = {line.get_label(): line for line in ax.get_lines()}
        for split in ("val", "test"):
            raw, ema = lines[f"{split} {metric}"], lines[f"EMA {split} {metric}"]
            assert list(ema.get_ydata()) == getattr(h, f"ema_{split}_{metric}")
            assert ema.get_linestyle() == "--" and ema.get_color() == raw.get_color()  # dashed, beside its curve
    plt.close(fig)
    plain = sample()  # a run without an EMA (or saved before EMAs existed): no EMA column, curve or words
    with open(plain.to_csv(tmp_path / "plain")[0]) as f:
        assert "ema" not in f.readline()
    assert not any("EMA" in line.get_label() for ax in plain.plot().axes for line in ax.get_lines())
    assert "EMA" not in plain.summary() and "ema_test_acc" not in plain.final()
    old = plain.to_dict()
    for name in ("ema_test_loss", "ema_test_acc", "ema_val_loss", "ema_val_acc"):
        del old[name]
    assert History.from_dict(old).ema_test_acc == []
    plt.close("all")


def test_plot_has_titles_labels_legends_and_log_scales():
    h = sample()
    h.momentum = [0.9, 0.85, 0.8, 0.85, 0.9, 0.95]
    fig = h.plot(title="demo")
    ax_loss, ax_acc, ax_lr, twin = fig.axes
    for ax in (ax_loss, ax_acc, ax_lr):
        assert ax.get_title() and ax.get_xlabel() == "epoch" and ax.get_ylabel()
        assert ax.get_legend() is not None
    assert ax_lr.get_yscale() == "log"  # lr spans 0.1 .. 0.003
    assert twin.get_ylabel() == "momentum / beta1"
    assert fig._suptitle.get_text() == "demo"
    plt.close(fig)


def test_plot_of_a_diverged_run_and_of_several():
    fig = sample(diverged="boom").plot()
    assert "diverged" in fig.axes[0].get_title()
    plt.close(fig)
    fig = plot_histories({"a": sample(), "b": sample()}, title="runs")
    assert all(ax.get_legend() is None and ax.get_title() for ax in fig.axes)  # one legend, outside
    (legend,) = fig.legends
    assert [t.get_text() for t in legend.get_texts()] == ["a", "b"]
    plt.close(fig)
    fig = plot_histories({"a": sample(), "b": sample()}, dashed=["b"])
    styles = {ln.get_label(): ln.get_linestyle() for ax in fig.axes for ln in ax.get_lines()}
    assert styles == {"a": "-", "b": "--"} and len(fig.axes[0].get_lines()) == 2
    plt.close(fig)


def test_summary_and_final():
    h = sample()
    assert h.epochs == 2 and h.final()["test_acc"] == 0.65
    assert "2 epochs" in h.summary() and "test acc 0.650" in h.summary()
    assert math.isnan(History().final()["train_loss"])


def test_live_plot_updates_one_display_in_place(monkeypatch):
    shown, updates = [], []

    class Handle:
        def update(self, obj):
            updates.append(obj)

    import IPython.display

    monkeypatch.setattr(IPython.display, "display", lambda obj, display_id=None: shown.append(obj) or Handle())
    live = LivePlot(enabled=True, title="t")
    h = sample()
    live.update(h)
    live.update(h)
    live.close(h)
    assert len(shown) == 1 and len(updates) == 1 and updates[0] is shown[0]
    live.close(sample(diverged="boom"))  # a run that stopped mid-epoch is drawn once more
    assert len(updates) == 2
    assert not plt.get_fignums()  # the live figure is never a pyplot figure


def test_live_plot_is_off_outside_a_kernel_and_checks_its_argument(monkeypatch):
    monkeypatch.setattr(live_module, "in_notebook", lambda: False)
    assert not LivePlot("auto").enabled
    monkeypatch.setattr(live_module, "in_notebook", lambda: True)
    assert LivePlot("auto").enabled and not LivePlot(False).enabled
    with pytest.raises(ValueError, match=r"live must be 'auto', True or False, got 'sometimes'"):
        LivePlot("sometimes")
