"""Layer 1, the spec: cell kinds, configurations, parameter layout, tolerances, the tiers of
cases (``scale``), the properties and the lecture topic each checks; and how a run is set
(``profiles``: examples per profile; ``settings``: the one ``RunSettings`` of a run).

Everything else in rnnspec reads this package; nothing here imports an implementation.
"""

from .cells import CELLS, GRU_RELATIONS, CellKind, cell_kind
from .config import CellConfig, LayerConfig
from .options import (CELL_CAPABILITIES, CLIP_CAPABILITIES, LAYER_CAPABILITIES, SUBJECTS, capabilities_of,
                      missing_capability_reason)
from .properties import PROPERTIES, TOPICS, PropertySpec, property_spec
from .layout import cell_layout, layer_layout, parameter_count, parameter_count_formula, suffix
from .tolerances import BASE_TOLERANCES, DTYPES, REDUCED_DTYPES, Tolerance, tolerance

__all__ = [
    "CELLS", "GRU_RELATIONS", "CellKind", "cell_kind", "CellConfig", "LayerConfig", "cell_layout",
    "layer_layout", "parameter_count", "parameter_count_formula", "suffix", "BASE_TOLERANCES", "DTYPES",
    "REDUCED_DTYPES",    "Tolerance", "tolerance", "CELL_CAPABILITIES", "CLIP_CAPABILITIES", "SUBJECTS", "capabilities_of", "LAYER_CAPABILITIES", "missing_capability_reason",
    "PROPERTIES", "TOPICS", "PropertySpec", "property_spec",
]
