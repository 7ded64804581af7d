"""The properties: one module per lecture topic (``test_<topic>.py``), each a Hypothesis-driven
check of claims in the spec. Installed as ``properties``; ``rnnspec verify`` and the
pytest plugin find every ``test_*`` module here, so a new topic is one new file.
"""
