"""rnnspec: an executable specification of recurrent neural networks (CS224N 2019, lecture 7).

``rnnspec.spec`` is the registry; ``reference_impls`` the numpy and torch references;
``properties`` the Hypothesis properties; ``rnnspec.verifier`` runs them on a target.
"""

__version__ = "0.1.0"
