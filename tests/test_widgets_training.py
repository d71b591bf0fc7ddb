"""The dashboard's training panel: optimizer/schedule menus against torch, the run against
the trainer, the views and the widget. Training runs on small synthetic image sets."""
from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch
from torch.optim import lr_scheduler as tl
from widget_sweep import sweep

from lrcourse import catalog, optim
from lrcourse.data import FashionMNIST
from lrcourse.widgets import training as T

# ------------------------------------------------------------------ optimizers


OPTIMIZER_CASES = [  # menu name, lrcourse class, hyperparameters it must carry
    ("SGD", optim.SGD, {"momentum": 0}),
    ("SGD + momentum", optim.SGD, {"momentum": 0.9}),
    ("Adam", optim.Adam, {"betas": (0.9, 0.999)}),
    ("AdamW", optim.AdamW, {"weight_decay": 0.01}),
    ("RMSprop", optim.RMSprop, {"alpha": 0.99}),
    ("Adagrad", optim.Adagrad, {}),
    ("Adadelta", optim.Adadelta, {"rho": 0.9}),
    ("Yogi", optim.Yogi, {"eps": 1e-3}),
    ("SGDScheduleFree", optim.SGDScheduleFree, {"momentum": 0.9, "train_mode": False}),
    ("AdamWScheduleFree", optim.AdamWScheduleFree, {"betas": (0.9, 0.999), "warmup_steps": 0}),
    ("Prodigy", optim.Prodigy, {"d": 1e-6, "d_coef": 1.0}),
    ("DAdaptAdam", optim.DAdaptAdam, {"d": 1e-6, "use_bias_correction": True}),
]


def test_menus_offer_the_catalog():
    dense = tuple(n for n, e in catalog.OPTIMIZERS.items() if e.params == "any")  # Muon, SparseAdam: not LeNet
    menu = tuple(T.training_panel().controls["optimizer"].options)
    assert menu == dense and {c[0] for c in OPTIMIZER_CASES} <= set(menu)
    assert sorted(TORCH_RECIPES) == sorted(T.schedule_menu())


@pytest.mark.parametrize("name, cls, hyper", OPTIMIZER_CASES)
def test_make_optimizer(name, cls, hyper):
    p = torch.nn.Parameter(torch.zeros(2))
    opt = T.make_optimizer(name, [p], 0.05)
    assert type(opt) is cls
    group = opt.param_groups[0]
    assert group["lr"] == 0.05
    for key, value in hyper.items():
        assert group[key] == value


# ------------------------------------------------------------------ schedules against torch

def warmup_length(n):
    """A tenth of the run, at least one step."""
    return max(1, math.ceil(n / 10))


def _warmup_cosine(opt, n):
    w = warmup_length(n)
    return tl.SequentialLR(opt, [tl.LinearLR(opt, 1 / (w + 1), 1.0, total_iters=w),
                                 tl.CosineAnnealingLR(opt, T_max=max(1, n - w))], milestones=[w])


def _halves(n):
    return [max(1, n // 2), max(1, 3 * n // 4)]


TORCH_RECIPES = {  # the same schedule built from torch.optim.lr_scheduler
    "constant": lambda opt, n: tl.LambdaLR(opt, lambda t: 1.0),
    "cosine": lambda opt, n: tl.CosineAnnealingLR(opt, T_max=n),
    "step": lambda opt, n: tl.MultiStepLR(opt, milestones=_halves(n), gamma=0.1),
    "one-cycle": lambda opt, n: tl.OneCycleLR(opt, max_lr=opt.param_groups[0]["lr"], total_steps=n),
    "warmup + cosine": _warmup_cosine,
}

CLOSED_FORMS = {  # independent formulas, t = step, n = total steps
    "constant": lambda t, n, lr: lr,
    "cosine": lambda t, n, lr: lr * (1 + math.cos(math.pi * t / n)) / 2,
    "step": lambda t, n, lr: lr * 0.1 ** sum(t >= m for m in _halves(n)),
    "warmup + cosine": lambda t, n, lr: (
        lr * (t + 1) / (warmup_length(n) + 1) if t < warmup_length(n)
        else lr * (1 + math.cos(math.pi * (t - warmup_length(n)) / max(1, n - warmup_length(n)))) / 2),
}


def torch_lrs(schedule: str, lr: float, n: int) -> list[float]:
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=lr)
    sched = TORCH_RECIPES[schedule](opt, n)
    out = []
    for _ in range(n):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return out


GRID = [(s, lr, n) for s in T.schedule_menu() for lr in (0.3, 1e-3) for n in (1, 2, 7, 40, 469)]


@pytest.mark.parametrize("schedule, lr, n", GRID)
def test_schedule_equals_torch(schedule, lr, n):
    ours = T.schedule_lrs(schedule, lr, n)
    assert len(ours) == n
    assert ours == pytest.approx(torch_lrs(schedule, lr, n), rel=1e-12, abs=1e-15)
    if schedule in CLOSED_FORMS:
        assert ours == pytest.approx([CLOSED_FORMS[schedule](t, n, lr) for t in range(n)], rel=1e-12)


@pytest.mark.parametrize("optimizer", ["Adagrad", "Adadelta"])
def test_one_cycle_with_an_optimizer_without_momentum(optimizer):
    """Nothing to cycle: the lr still follows one-cycle."""
    opt = T.make_optimizer(optimizer, [torch.nn.Parameter(torch.zeros(1))], 0.1)
    sched, lrs = T.make_scheduler("one-cycle", opt, 30), []
    for _ in range(30):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    assert lrs == pytest.approx(torch_lrs("one-cycle", 0.1, 30), rel=1e-12)


# ------------------------------------------------------------------ errors

P = [torch.nn.Parameter(torch.zeros(1))]
ERRORS = [  # call, exception, argument named in the message, what is accepted
    (lambda: T.make_optimizer("lion", P, 0.1), ValueError, "optimizer", "'Adam'"),
    (lambda: T.make_optimizer("SGD", P, 0.0), ValueError, "lr", "(0, 10]"),
    (lambda: T.make_optimizer("SGD", P, "0.1"), TypeError, "lr", "(0, 10]"),
    (lambda: T.make_optimizer("SGD", P, True), TypeError, "lr", "(0, 10]"),
    (lambda: T.schedule_lrs("linear", 0.1, 10), ValueError, "schedule", "'cosine'"),
    (lambda: T.schedule_lrs("cosine", 0.1, 0), ValueError, "total_steps", ">= 1"),
    (lambda: T.make_scheduler("cosine", torch.optim.SGD(P, lr=0.1), 1.5), TypeError, "total_steps", ">= 1"),
    (lambda: T.train_run(epochs=0), ValueError, "epochs", ">= 1"),
    (lambda: T.train_run(train_subset=60001), ValueError, "train_subset", "[1, 60000]"),
    (lambda: T.train_run(test_subset=2.5), TypeError, "test_subset", ">= 1"),
    (lambda: T.train_run(optimizer="Lion"), ValueError, "optimizer", "'SGD'"),
    (lambda: T.train_run(progress="yes"), ValueError, "progress", "'transient'"),
    (lambda: T.training_panel(epochs=11), ValueError, "epochs", "[1, 10]"),
    (lambda: T.training_panel(train_subset=500), ValueError, "train_subset", ">= 1000"),
    (lambda: T.training_panel(lr=20), ValueError, "lr", "(0, 10]"),
]


@pytest.mark.parametrize("call, exc, name, accepted", ERRORS)
def test_errors(call, exc, name, accepted):
    with pytest.raises(exc) as info:
        call()
    assert name in str(info.value) and accepted in str(info.value), str(info.value)
# ------------------------------------------------------------------ training

def synthetic_data(n_train: int = 192, n_test: int = 64, seed: int = 0) -> FashionMNIST:
    """Random images whose label is set by the mean brightness of one quadrant (learnable)."""
    g = torch.Generator().manual_seed(seed)

    def split(n):
        x = torch.randint(0, 256, (n, 1, 28, 28), generator=g, dtype=torch.uint8)
        y = (x[:, 0, :14, :14].float().mean((1, 2)) > 127.5).long() * 3
        return x, y

    return FashionMNIST(*split(n_train), *split(n_test))


@pytest.fixture(scope="module")
def data():
    return synthetic_data()


@pytest.mark.parametrize("optimizer, schedule", [("Adam", "cosine"), ("SGD + momentum", "one-cycle"),
                                                 ("SGD", "warmup + cosine")])
def test_train_run_follows_the_schedule(data, optimizer, schedule):
    h = T.train_run(optimizer, schedule, 0.01, 2, 192, test_subset=64, batch_size=64, data=data)
    assert h.epochs == 2 and h.steps_per_epoch == 3
    assert h.lr == pytest.approx(T.schedule_lrs(schedule, 0.01, 6), rel=1e-12)
    assert h.meta["optimizer"] == optimizer and h.meta["schedule"] == schedule and h.meta["epochs"] == 2
    assert all(0 <= a <= 1 for a in h.test_acc)


@pytest.mark.parametrize("optimizer, lr", [("Adam", 0.003), ("AdamWScheduleFree", 0.003), ("Prodigy", 1.0)])
def test_epoch_by_epoch_equals_one_run(data, optimizer, lr):
    """One optimizer object resumed twice through the checkpoint (a schedule-free one switched
    to x and back at each epoch's end, Prodigy's d in its groups) gives the uninterrupted run."""
    seen = []
    kwargs = dict(test_subset=64, batch_size=64, data=data, seed=3)
    one = T.train_run(optimizer, "step", lr, 3, 192, **kwargs)
    split = T.train_run(optimizer, "step", lr, 3, 192, on_epoch=lambda h: seen.append(h.epochs), **kwargs)
    assert seen == [1, 2, 3]
    assert (one.loss, one.lr, one.test_loss, one.test_acc) == (split.loss, split.lr, split.test_loss, split.test_acc)


def test_train_run_is_seeded(data):
    a = T.train_run("SGD", "constant", 0.1, 1, 192, batch_size=64, data=data, seed=1)
    b = T.train_run("SGD", "constant", 0.1, 1, 192, batch_size=64, data=data, seed=1)
    c = T.train_run("SGD", "constant", 0.1, 1, 192, batch_size=64, data=data, seed=2)
    assert a.loss == b.loss and a.loss != c.loss


# ------------------------------------------------------------------ views and the panel

def test_preview_view_draws_the_schedule():
    view = T.preview_view("SGD", "step", 0.1, 2, 1000)
    (line,) = view.fig.axes[0].get_lines()
    n = 2 * math.ceil(1000 / T.BATCH_SIZE)
    assert list(line.get_ydata()) == pytest.approx(T.schedule_lrs("step", 0.1, n))
    assert list(line.get_xdata()) == pytest.approx([t / (n / 2) for t in range(n)])
    for part in ("optimizer=SGD", "schedule=step", "lr=0.1", "epochs=2", "train_subset=1000", f"{n} steps",
                 "lr 0.1 -> 0.001"):
        assert part in view.summary


def test_result_view_shows_the_history(data):
    h = T.train_run("Adam", "cosine", 0.003, 2, 192, batch_size=64, data=data)
    view = T.result_view(h)
    titles = [ax.get_title() for ax in view.fig.axes]
    assert {"Loss", "Accuracy", "Learning rate (per step)"} <= set(titles)
    lr_line = view.fig.axes[titles.index("Learning rate (per step)")].get_lines()[0]
    assert list(lr_line.get_ydata()) == h.lr
    assert f"test acc {h.test_acc[-1]:.3f}" in view.summary
    assert f"final lr {h.lr[-1]:.3g}" in view.summary and "trained 2 epochs" in view.summary


def _history(epochs_done: int, diverged: str | None = None):
    from lrcourse.train import History

    h = History(steps_per_epoch=2, lr=[0.1, 0.05] * epochs_done, loss=[1.0, 0.5] * epochs_done,
                train_loss=[0.7] * epochs_done, train_acc=[0.5] * epochs_done, test_loss=[0.8] * epochs_done,
                test_acc=[0.4567] * epochs_done, time=[1.0] * epochs_done, diverged=diverged)
    h.meta.update(optimizer="Adam", schedule="step", lr=0.1, epochs=3, train_subset=2000)
    return h


SUMMARY_CASES = [  # epochs done, diverged, expected tail after the settings
    (1, None, "training, epoch 1/3 done, test acc 0.457"),
    (3, None, "trained 3 epochs, test acc 0.457, train loss 0.700, final lr 0.05"),
    (2, "loss is nan at step 3", "diverged after 2 of 3 epochs, last lr 0.05"),
]


@pytest.mark.parametrize("done, diverged, tail", SUMMARY_CASES)
def test_result_summary(done, diverged, tail):
    text = T.result_summary(_history(done, diverged))
    assert text == f"optimizer=Adam, schedule=step, lr=0.1, epochs=3, train_subset=2000: {tail}"


def test_panel_sweep():
    panel = T.training_panel(epochs=2, train_subset=2000)
    assert sweep(panel, samples=3) > 10


def test_panel_summary_names_each_control_as_its_readout():
    panel = T.training_panel()
    panel.controls["lr"].value = 10 ** -1.75
    panel.controls["epochs"].value = 3
    panel.controls["schedule"].value = "one-cycle"
    for part in ("optimizer=Adam", "schedule=one-cycle", "lr=0.0178", "epochs=3", "train_subset=5000"):
        assert part in panel.summary.value


def test_panel_run(monkeypatch, data):
    monkeypatch.setattr(T.TrainingPanel, "_dataset", lambda self, n: data)
    panel = T.training_panel(optimizer="SGD + momentum", schedule="step", lr=0.01, epochs=2,
                             train_subset=1000, test_subset=64)
    shown, original = [], T.TrainingPanel._show

    def spy(self, h):
        original(self, h)
        shown.append((h.epochs, self.summary.value))

    monkeypatch.setattr(T.TrainingPanel, "_show", spy)
    history = panel.run()
    assert [e for e, _ in shown] == [1, 2, 2]  # redrawn after each epoch, then the final figure
    assert "training, epoch 1/2 done" in shown[0][1]
    assert panel.history is history and history.epochs == 2
    assert panel.summary.value == T.result_summary(history)
    assert history.lr == pytest.approx(T.schedule_lrs("step", 0.01, 2 * data.num_batches("train", 128)))
    assert panel.last_view is not None and len(panel.last_view.fig.axes) >= 3
    assert not panel.run_button.disabled


def test_panel_run_failure_re_enables_the_button(monkeypatch, data):
    """Outside a kernel the error propagates; either way the button comes back."""
    import ipywidgets.widgets.widget_output as wo

    def fail(**kwargs):
        raise RuntimeError("Fashion-MNIST unavailable")

    monkeypatch.setattr(T.TrainingPanel, "_dataset", lambda self, n: data)
    monkeypatch.setattr(T, "train_run", fail)
    monkeypatch.setattr(wo, "get_ipython", lambda: None)  # plain Python, whatever ran before
    panel = T.training_panel()
    with pytest.raises(RuntimeError, match="unavailable"):
        panel.run()
    assert not panel.run_button.disabled and panel.history is None


def test_panel_run_failure_in_a_kernel_is_shown_in_the_panel(monkeypatch, data):
    """In a kernel the Output widget shows the traceback and the summary says training failed."""
    import ipywidgets.widgets.widget_output as wo

    shown = []

    class Shell:
        def showtraceback(self, exc_tuple, tb_offset=0):
            shown.append(exc_tuple[1])

    def fail(**kwargs):
        raise RuntimeError("Fashion-MNIST unavailable")

    monkeypatch.setattr(T.TrainingPanel, "_dataset", lambda self, n: data)
    monkeypatch.setattr(T, "train_run", fail)
    monkeypatch.setattr(wo, "get_ipython", lambda: Shell())
    panel = T.training_panel()
    assert panel.run() is None
    assert [str(e) for e in shown] == ["Fashion-MNIST unavailable"]
    assert "training failed" in panel.summary.value
    assert not panel.run_button.disabled and panel.history is None


PANEL_IN_A_KERNEL = """\
import torch
from lrcourse.data import FashionMNIST
from lrcourse.widgets import training as T
torch.set_num_threads(1)
g = torch.Generator().manual_seed(0)
x = torch.randint(0, 256, (192, 1, 28, 28), generator=g, dtype=torch.uint8)
y = torch.arange(192) % 10
panel = T.training_panel(optimizer="SGD", schedule="constant", lr=0.01, epochs=2, train_subset=1000,
                         test_subset=64)
panel._dataset = lambda n: FashionMNIST(x, y, x[:64], y[:64])  # 192 images: 2 batches of 128 per epoch
history = panel.run()
print(panel.progress.model_id, history.epochs)
"""


def test_panel_run_shows_one_progress_bar_per_run():
    """The panel trains epoch by epoch (one trainer call per epoch) and still shows one bar, over
    the whole run: 4/4 steps at the end (2 epochs x 2 batches), not a bar per epoch. nbclient plays
    the front end: it keeps each Output widget's outputs as JupyterLab and Voila do."""
    import nbclient
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(PANEL_IN_A_KERNEL)]
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3")
    client.execute()
    model_id, epochs = nb.cells[0].outputs[-1]["text"].split()
    assert epochs == "2"
    state = client.widget_state  # model id -> the state a front end holds
    outputs = state[model_id]["outputs"]
    assert len(outputs) == 1, [o.get("data", {}).get("text/plain", o) for o in outputs]
    bar_box = state[outputs[0]["data"]["application/vnd.jupyter.widget-view+json"]["model_id"]]
    [bar] = [state[c.removeprefix("IPY_MODEL_")] for c in bar_box["children"]
             if state[c.removeprefix("IPY_MODEL_")]["_model_name"] == "FloatProgressModel"]
    assert (bar["value"], bar["max"]) == (4, 4)


def test_dashboard_intro_states_the_panel_defaults():
    """notebooks/dashboard.ipynb's intro names the training panel's defaults as its parameters
    cell sets them (a short run), and points to notebook 10 for the d2l chapter's experiment."""
    import nbformat

    nb = nbformat.read(Path(__file__).resolve().parents[1] / "notebooks" / "dashboard.ipynb", as_version=4)
    [params] = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    scope = {}
    exec(params.source, scope)
    v = T.training_panel(epochs=scope["EPOCHS"], train_subset=scope["TRAIN_SUBSET"]).values()
    intro = nb.cells[0].source
    for part in (f"{v['optimizer']} with a {v['schedule']} schedule at peak lr {v['lr']:.3g}",
                 f"{v['epochs']} epochs on {v['train_subset']:,} training images",
                 f"tested on {T.TEST_SUBSET:,}", "(SGD, 30 epochs, all 60,000 training images) is notebook 10"):
        assert part in intro, part
