"""Drop-ins for other libraries' schedulers, built from lrcourse's shapes.

:mod:`lrcourse.compat.transformers`: ``get_scheduler`` and the ``get_*_schedule*`` functions of
``transformers.optimization``, each a pure factor of the step (a warmup joined to one shape)
wrapped in :class:`lrcourse.lr_scheduler.LambdaLR`, equal to transformers' at every step.
"""
