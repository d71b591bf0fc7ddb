"""lrcourse: optimizers and learning-rate schedules from first principles, checked against torch."""

__version__ = "0.1.0"
