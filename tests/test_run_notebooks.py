"""tools/run_notebooks.py: the widget state kept in a saved notebook is what its outputs show."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

spec = importlib.util.spec_from_file_location("run_notebooks", Path(__file__).parent.parent / "tools" / "run_notebooks.py")
run_notebooks = importlib.util.module_from_spec(spec)
spec.loader.exec_module(run_notebooks)

STATE = "application/vnd.jupyter.widget-state+json"
VIEW = "application/vnd.jupyter.widget-view+json"


def view(model_id):
    return {"output_type": "display_data", "data": {VIEW: {"model_id": model_id}, "text/plain": "..."}}


def notebook(outputs, state):
    return {"cells": [{"cell_type": "code", "outputs": outputs}, {"cell_type": "markdown"}],
            "metadata": {"kernelspec": {}, "widgets": {STATE: {"state": state, "version_major": 2}}}}


def test_keeps_what_outputs_show_and_what_that_refers_to():
    state = {
        "aa": {"state": {"children": ["IPY_MODEL_bb"], "layout": "IPY_MODEL_cc"}},  # a box, shown
        "bb": {"state": {"style": "IPY_MODEL_dd"}},  # its child, whose style ...
        "cc": {"state": {}}, "dd": {"state": {}},
        "ee": {"state": {"outputs": [view("ff")]}},  # an Output widget, shown, holding a view of ff
        "ff": {"state": {"layout": "IPY_MODEL_cc"}},
        "0b": {"state": {"children": ["IPY_MODEL_0c"]}}, "0c": {"state": {}},  # a closed bar: nobody shows it
    }
    nb = notebook([view("aa"), {"output_type": "stream", "text": "x"}, view("ee")], state)
    assert run_notebooks.prune_widget_state(nb) == 2
    assert set(nb["metadata"]["widgets"][STATE]["state"]) == {"aa", "bb", "cc", "dd", "ee", "ff"}
    assert nb["metadata"]["widgets"][STATE]["version_major"] == 2 and "kernelspec" in nb["metadata"]


def test_no_widget_shown_drops_the_metadata():
    nb = notebook([{"output_type": "display_data", "data": {"text/plain": ""}}], {"0b": {"state": {}}})
    assert run_notebooks.prune_widget_state(nb) == 1
    assert "widgets" not in nb["metadata"]
    assert run_notebooks.prune_widget_state({"cells": [], "metadata": {}}) == 0


def test_committed_notebooks_carry_no_unshown_widget_state():
    import nbformat

    for path in sorted(run_notebooks.NOTEBOOKS.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        assert run_notebooks.prune_widget_state(nb) == 0, path.name


def test_notebooks_are_chosen_by_number_or_name():
    assert [p.stem for p in run_notebooks.resolve(["09"])] == ["09_cyclic_onecycle_lr_finder"]
    assert [p.stem for p in run_notebooks.resolve(["dashboard"])] == ["dashboard"]
    assert len(run_notebooks.resolve([])) == len(list(run_notebooks.NOTEBOOKS.glob("*.ipynb")))
    with pytest.raises(SystemExit, match="no single notebook matches '99'"):
        run_notebooks.resolve(["99"])


def test_blank_display_outputs_are_dropped_and_the_rest_kept():
    blank = [{"output_type": "display_data", "data": {"text/plain": []}, "metadata": {}},
             {"output_type": "display_data", "data": {"text/plain": ["", "  "]}, "metadata": {}},
             {"output_type": "display_data", "data": {}, "metadata": {}}]
    kept = [{"output_type": "stream", "name": "stdout", "text": ["✓ a claim\n"]},
            {"output_type": "display_data", "data": {"image/png": "iVBOR...", "text/plain": ["<Figure>"]}},
            view("aa"),
            {"output_type": "execute_result", "data": {"text/plain": [""]}, "execution_count": 3}]
    nb = {"cells": [{"cell_type": "code", "outputs": [blank[0], kept[0], blank[1], kept[1], kept[2], blank[2],
                                                       kept[3]]},
                    {"cell_type": "markdown", "source": "text"}]}
    assert run_notebooks.drop_blank_outputs(nb) == 3
    assert nb["cells"][0]["outputs"] == kept
