"""Notebook 10, exercise 5: a schedule chosen and tuned within a budget of epochs.

Adam at lr 3e-3 with a cosine decay over the whole budget, stepped per batch: in the course's
fast run (2 epochs of 30 steps) it ends near 0.70 test accuracy where a constant SGD lr of 0.3
is still near 0.2-0.3; on the full data (5 epochs) both train, and the decayed Adam run stays ahead.
"""
import torch


def choose(model, epochs, steps_per_epoch):
    """Adam, lr 3e-3, cosine to 0 over ``epochs * steps_per_epoch`` steps (per batch)."""
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs * steps_per_epoch)
    return opt, schedule, "step"
