"""Drop-ins for other libraries' schedulers, built from lrcourse's shapes.

:mod:`lrcourse.compat.transformers`: ``get_scheduler`` and the ``get_*_schedule*`` functions of
``transformers.optimization``, each a pure factor of the step (a warmup joined to one shape)
wrapped in :class:`lrcourse.lr_scheduler.LambdaLR`, equal to transformers' at every step.

:mod:`lrcourse.compat.timm`: timm's ``CosineLRScheduler``, ``TanhLRScheduler``, ``PolyLRScheduler``,
``StepLRScheduler``, ``MultiStepLRScheduler`` and ``WSDLRScheduler`` with timm's ``step(epoch)`` /
``step_update(num_updates)`` protocol, each evaluating a pure schedule of
:mod:`lrcourse.schedules.timm` per param group, equal to timm's at every step.
"""
