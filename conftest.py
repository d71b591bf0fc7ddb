"""Repository-wide pytest set-up.

The notebooks run in fast mode under pytest (small epochs and subsets of the real data);
a student's kernel runs the full version. Kernels started by nbval inherit this.
"""
import os

os.environ.setdefault("LRCOURSE_FAST", "1")
