"""Layer 5, checking: what a property is written with. ``binding`` (``@check``: a property bound to
its registry entry, run under the active settings, every exception turned into a ``Failure``),
``checks`` (the shared assertions), ``failures``, ``error_sizes``, ``calls`` (building and calling a
target as torch is called), ``oracle`` (the references on a case), ``states``, ``timeouts``,
``devices`` (``--device``), ``reduced`` (``--dtype float16``/``bfloat16``) and ``environment``.
"""
