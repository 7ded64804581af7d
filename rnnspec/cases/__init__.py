"""Layer 3, cases: what a property runs on. ``drawn`` holds the cases (a configuration and the seed
that rebuilds its weights, inputs and states with numpy, never with the target); ``strategies`` the
Hypothesis strategies that draw them, bounded by the run's settings and the target's capabilities.
"""

from rnnspec.cases.drawn import BlockCase, CellCase, ClipCase, ConstructorCase, LayerCase, random_params

__all__ = ["LayerCase", "CellCase", "ClipCase", "BlockCase", "ConstructorCase", "random_params"]
