"""Layer 6, the properties: one module per topic of the registry (``test_<topic>.py``: the
lecture's sections, plus ``equivalence``, ``semantics`` and ``references``), each property a
Hypothesis-driven check whose one-line docstring is its claim in rnnspec.spec.PROPERTIES.
``rnnspec verify`` and the pytest plugin (``pytest --pyargs rnnspec.properties``) find every
``test_*`` module here, so a new topic is one new file.
"""
