"""rnnspec: an executable specification of recurrent neural networks (CS224N 2019, lecture 7).

Nine layers, each a subpackage, each importing only the ones above it in this list (a test,
tests/repository/test_layers.py, holds every import to it):

1. ``rnnspec.spec``        the registry: cells, layout, options, tolerances, tiers, properties; run settings
2. ``rnnspec.references``  numpy and torch references of every cell, layer option, connection and clipping
3. ``rnnspec.cases``       cases built from a seed by the references, and the strategies that draw them
4. ``rnnspec.targets``     what is verified: declarations, loading ``pkg.mod:Name``, drop-ins, adapters
5. ``rnnspec.checking``    what a property is written with: ``@check``, assertions, calls, the oracle
6. ``rnnspec.properties``  the lecture's claims, one module per topic
7. ``rnnspec.running``     probing a target, running the properties on it, verdicts
8. ``rnnspec.rendering``   reports (terminal, JSON, HTML), the spec's tables, the lecture's figures
9. ``rnnspec.interfaces``  the command line, the pytest plugin, the matrix, bench, and the options they share
"""

__version__ = "0.1.0"
