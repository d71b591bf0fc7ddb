"""Slider explorers for the notebooks and the dashboard.

Each topic module pairs pure ``*_view(**params) -> View`` functions (tested directly)
with ``*_explorer()`` builders that put sliders on them (see :mod:`.base`).
"""
from .base import SUMMARY_CLASS, Explorer, Tabs, View, tabs_view

__all__ = ["Explorer", "View", "Tabs", "tabs_view", "SUMMARY_CLASS"]
