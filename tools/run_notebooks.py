"""Execute notebooks in full mode, top to bottom from a clean kernel, and save them in place:
how the committed notebooks are made (``make notebooks``, or ``make notebooks NB=09``).

Each notebook runs in its own fresh kernel with ``LRCOURSE_FAST`` unset, one after the other;
the script prints each one's wall time and the load average, for README's "full run" column.
Time them with nothing else computing.

Before saving, widget state that no output shows is dropped (:func:`prune_widget_state`):
nbclient keeps the state of every widget a kernel ever created, so each closed progress bar
(a dozen models: box, bar, labels, layouts, styles) would otherwise stay in the file's
metadata, invisible and ~1 KB each.

Display outputs that show nothing (the empty area a closed transient progress bar leaves) are
dropped too (:func:`drop_blank_outputs`).

Usage:
    python tools/run_notebooks.py                 # every notebook in notebooks/
    python tools/run_notebooks.py 09 10_capstone  # by number or name
"""
from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path

WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
REFERENCE = re.compile(r"IPY_MODEL_([0-9a-f]+)|'model_id': '([0-9a-f]+)'")  # a child; a view in an Output
NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def _shown(nb) -> set[str]:
    """Model ids of the widget views in the outputs."""
    return {out["data"][WIDGET_VIEW]["model_id"]
            for cell in nb.get("cells", []) for out in cell.get("outputs", [])
            if WIDGET_VIEW in out.get("data", {})}


def prune_widget_state(nb) -> int:
    """Keep only the widget models an output shows and the models they refer to (children,
    layouts, styles, links: ``"IPY_MODEL_<id>"`` strings; views inside an Output widget's
    outputs: ``"model_id"``), followed transitively. Changes
    ``nb`` (a notebook as a dict) in place and returns how many models were dropped."""
    widgets = nb.get("metadata", {}).get("widgets", {})
    state = widgets.get(WIDGET_STATE, {}).get("state")
    if not state:
        return 0
    keep, todo = set(), list(_shown(nb))
    while todo:
        model = todo.pop()
        if model in keep or model not in state:
            continue
        keep.add(model)
        todo += [a or b for a, b in REFERENCE.findall(repr(state[model]))]
    dropped = len(state) - len(keep)
    if keep:
        widgets[WIDGET_STATE]["state"] = {k: v for k, v in state.items() if k in keep}
    else:
        del nb["metadata"]["widgets"]
    return dropped


def _blank(out) -> bool:
    """A display output that shows nothing: what a closed transient progress bar leaves (its
    area cleared to an empty ``text/plain``)."""
    data = out.get("data", {})
    return (out.get("output_type") in ("display_data", "update_display_data")
            and all(not "".join(v if isinstance(v, list) else [str(v)]).strip() for v in data.values()))


def drop_blank_outputs(nb) -> int:
    """Remove the display outputs that show nothing (:func:`_blank`) from every cell, in place;
    returns how many were removed. A saved notebook then has no empty output areas."""
    dropped = 0
    for cell in nb.get("cells", []):
        outs = cell.get("outputs")
        if outs:
            kept = [o for o in outs if not _blank(o)]
            dropped += len(outs) - len(kept)
            cell["outputs"] = kept
    return dropped


def resolve(names: list[str]) -> list[Path]:
    """Notebook paths from numbers ("09") or names ("09_cyclic_onecycle_lr_finder"); all if none."""
    every = sorted(NOTEBOOKS.glob("*.ipynb"))
    if not names:
        return every
    chosen = []
    for name in names:
        found = [p for p in every if p.stem == name or p.stem.split("_")[0] == name]
        if len(found) != 1:
            raise SystemExit(f"no single notebook matches {name!r}; there are: "
                             + ", ".join(p.stem for p in every))
        chosen += found
    return chosen


def run(path: Path) -> float:
    """Execute ``path`` in full mode in place; return the seconds it took."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    env_fast = os.environ.pop("LRCOURSE_FAST", None)
    try:
        start = time.perf_counter()
        NotebookClient(nb, timeout=3600, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
        seconds = time.perf_counter() - start
    finally:
        if env_fast is not None:
            os.environ["LRCOURSE_FAST"] = env_fast
    drop_blank_outputs(nb)
    prune_widget_state(nb)
    nbformat.write(nb, path)
    return seconds


def main(argv: list[str]) -> None:
    for path in resolve(argv):
        seconds = run(path)
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"{path.name}: {seconds / 60:.1f} min (load average {load})", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
