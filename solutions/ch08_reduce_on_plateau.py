"""Notebook 08, exercise 4: a plateau detector with ReduceLROnPlateau's rule.

An epoch is *better* when its metric beats the best so far by the threshold (``mode="min"``,
``"rel"``: ``metric < best * (1 - threshold)``; ``"abs"``: ``metric < best - threshold``; the
other way round for ``"max"``). After more than ``patience`` epochs that are not better, the lr
is multiplied by ``factor`` (not below ``min_lr``, and only if it changes by more than ``eps``);
then ``cooldown`` epochs follow in which bad epochs are not counted.
"""
import math


class Plateau:
    """``step(metric)`` takes one epoch's metric and returns the lr for the next epoch."""

    def __init__(self, lr, mode="min", factor=0.1, patience=10, threshold=1e-4, threshold_mode="rel",
                 cooldown=0, min_lr=0.0, eps=1e-8):
        self.lr, self.mode, self.factor, self.patience = lr, mode, factor, patience
        self.threshold, self.threshold_mode, self.cooldown = threshold, threshold_mode, cooldown
        self.min_lr, self.eps = min_lr, eps
        self.best = math.inf if mode == "min" else -math.inf
        self.bad_epochs = 0
        self.cooldown_left = 0

    def is_better(self, metric):
        if self.mode == "min":
            bar = self.best * (1 - self.threshold) if self.threshold_mode == "rel" else self.best - self.threshold
            return metric < bar
        bar = self.best * (1 + self.threshold) if self.threshold_mode == "rel" else self.best + self.threshold
        return metric > bar

    def step(self, metric):
        if self.is_better(metric):
            self.best, self.bad_epochs = metric, 0
        else:
            self.bad_epochs += 1
        if self.cooldown_left > 0:
            self.cooldown_left -= 1
            self.bad_epochs = 0
        if self.bad_epochs > self.patience:
            new_lr = max(self.lr * self.factor, self.min_lr)
            if self.lr - new_lr > self.eps:
                self.lr = new_lr
            self.cooldown_left, self.bad_epochs = self.cooldown, 0
        return self.lr
