"""lrcourse.train.progress: a notebook executed by nbclient (as nbconvert and nbval run it) keeps
one clean final line per bar, or nothing, and never tqdm's frozen "0%|" text fallback."""
from __future__ import annotations

import pytest

from lrcourse.train.progress import progress_bar

CELLS = [  # (source, the text/plain the saved output must hold: a bar's final line, or "")
    ('from lrcourse.train.progress import progress_bar\nbar = progress_bar(50, "demo")\n'
     'for _ in range(50):\n    bar.update(1)\nbar.set_postfix(loss="0.512")\nbar.close()',
     "demo: 100%|██████████| 50/50 "),
    ('with progress_bar(20, "gone", leave=False) as bar:\n    bar.update(20)', ""),
    ("import torch\nfrom lrcourse.data import FashionMNIST\nfrom lrcourse.models import LeNet\n"
     "from lrcourse.train import train\ntorch.set_num_threads(1)\ntorch.manual_seed(0)\n"
     "img = torch.randint(0, 256, (64, 1, 28, 28), dtype=torch.uint8)\n"
     "data = FashionMNIST(img, torch.arange(64) % 10, img[:32], torch.arange(32) % 10)\n"
     "model = LeNet()\nh = train(model, torch.optim.SGD(model.parameters(), lr=0.1), data, epochs=2, "
     "batch_size=16, live=False)",
     "SGD constant: 100%|██████████| 8/8 "),
    ("h = train(model, torch.optim.SGD(model.parameters(), lr=0.1), data, epochs=1, batch_size=16, live=False, "
     "progress='transient')", ""),
    ("from lrcourse.train.lr_finder import lr_range_test\n"
     "r = lr_range_test(model, torch.optim.SGD(model.parameters(), lr=0.1), data.batches('train', 16), "
     "torch.nn.functional.cross_entropy, start_lr=1e-3, end_lr=1.0, num_iter=10)", ""),
]


def test_saved_notebook_holds_final_lines_not_frozen_bars():
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source, _ in CELLS]
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3").execute()
    saved = nbformat.writes(nb)
    assert "0%|" not in saved.replace("100%|", "")
    for cell, (_, expected) in zip(nb.cells, CELLS):
        [out] = [o for o in cell.outputs if o.output_type == "display_data"]
        assert set(out.data) == {"text/plain"}  # the widget view is gone, its text replaced
        text = out.data["text/plain"]
        assert text.startswith(expected) if expected else text == ""
    assert "test_acc=" in nb.cells[2].outputs[0].data["text/plain"]


def test_outside_a_notebook_it_is_a_text_bar(capsys):
    with progress_bar(4, "script") as bar:
        bar.update(4)
    assert "script: 100%|" in capsys.readouterr().err
    with progress_bar(4, "hidden", enabled=False) as bar:
        bar.update(4)
    assert capsys.readouterr() == ("", "")
