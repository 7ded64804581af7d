"""Layer 9, interfaces: how users run rnnspec. ``options`` (every option the command line, the
pytest plugin, the matrix and bench share, and what they make: run settings, a loaded target),
``cli`` (the ``rnnspec`` command), ``pytest_plugin``, ``matrix`` (the conformance matrix) and
``bench`` (speed against torch's native layer, the performance matrix, asv).
"""
