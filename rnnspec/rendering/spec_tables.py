"""The spec registry rendered: ``rnnspec spec`` as tables on the terminal or one JSON object."""

from __future__ import annotations

from dataclasses import asdict
from typing import TextIO

from rnnspec.spec import (BASE_TOLERANCES, CELLS, GRU_RELATIONS, LAYER_CAPABILITIES, PROPERTIES, TOPICS, LayerConfig,
                          layer_layout, parameter_count_formula)
from rnnspec.spec.scale import MAC_BUDGET, MAGNITUDES, REALISTIC, SMALL, STEP_BUDGET, TIER_SHARES, TIERS

__all__ = ["spec_dict", "print_spec"]


TOLERANCE_GROWTH = ("rtol and atol times sqrt(seq_len * num_layers) * sqrt(max(1, fan_in / 64)), atol also times "
                    "the magnitude of the gate products' terms (see rnnspec/spec/tolerances.py)")


def spec_dict() -> dict:
    """The whole registry as one JSON-able object."""
    return {
        "cells": {
            name: {
                "gates": list(k.gates), "equations": k.equations, "source": k.source,
                "torch_layer": k.torch_layer, "torch_cell": k.torch_cell, "supports_proj": k.supports_proj,
                "parameter_layout_example": [
                    [n, list(s)] for n, s in layer_layout(LayerConfig(name, input_size=3, hidden_size=2))
                ],
            }
            for name, k in CELLS.items()
        },
        "gru_relations": list(GRU_RELATIONS),
        "layer_options": LAYER_CAPABILITIES,
        "parameter_count_formula": parameter_count_formula(),
        "tolerances": {
            dtype: {kind: {"rtol": t.rtol, "atol": t.atol} for kind, t in kinds.items()}
            for dtype, kinds in BASE_TOLERANCES.items()
        },
        "tolerance_growth": TOLERANCE_GROWTH,
        "tiers": {"order": list(TIERS), "small": asdict(SMALL), "realistic": asdict(REALISTIC),
                  "realistic_budget": {"forward_multiply_adds": MAC_BUDGET, "cell_steps": STEP_BUDGET},
                  "magnitudes": [{k: v for k, v in asdict(m).items()} for m in MAGNITUDES],
                  "examples_added_per_small_example": TIER_SHARES},
        "topics": TOPICS,
        "properties": [p.as_dict() for p in PROPERTIES],
    }


def print_spec(out: TextIO | None = None) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(file=out, width=160, markup=False)  # claims may hold [brackets]: text, not markup
    cells = Table(title="cell kinds (canonical layout: torch's names and gate order)")
    for col in ("cell", "gates", "equations", "torch built-in"):
        cells.add_column(col, overflow="fold")
    for k in CELLS.values():
        cells.add_row(k.name, ",".join(k.gates), k.equations, " / ".join(filter(None, (k.torch_layer, k.torch_cell))) or "-")
    console.print(cells)
    props = Table(title=f"properties ({len(PROPERTIES)})")
    for col in ("id", "topic", "subject", "claim", "requires", "cells", "tiers"):
        props.add_column(col, overflow="fold")
    for p in PROPERTIES:
        props.add_row(p.id, p.topic, p.subject, p.claim, ", ".join(sorted(p.requires)) or "-",
                      ", ".join(p.cells) if p.cells else "all", ", ".join(p.tiers))
    console.print(props)
    console.print(f"parameter count: {parameter_count_formula()}")
    tol = ", ".join(f"{d} {k} ({t})" for d, ks in BASE_TOLERANCES.items() for k, t in ks.items())
    console.print(f"tolerances: {tol}; {TOLERANCE_GROWTH}")
    console.print(f"tiers: small {SMALL}; realistic {REALISTIC} within {MAC_BUDGET:.0e} multiply-adds and "
                  f"{STEP_BUDGET} cell steps; magnitude regimes: " + ", ".join(f"{m.name} ({m.why})" for m in MAGNITUDES))

