"""Layer and cell options, each a capability a target may or may not have.

A target declares the capabilities it supports; strategies draw only those, and a property that
needs a missing one is skipped with the reason given here.
"""

from __future__ import annotations

__all__ = ["LAYER_CAPABILITIES", "CELL_CAPABILITIES", "missing_capability_reason"]

# capability -> what it means, as a user reads it in a skip reason
LAYER_CAPABILITIES: dict[str, str] = {
    "multilayer": "num_layers > 1 (a stack; layer l reads layer l-1's output)",
    "bidirectional": "bidirectional=True (a reversed direction per layer, outputs concatenated)",
    "batch_first": "batch_first=True (input and output laid out (B, T, ·))",
    "no_bias": "bias=False (no b_ih, b_hh)",
    "proj": "proj_size > 0 (LSTM with projected hidden state)",
    "dropout": "dropout > 0 between layers (training) and its absence in eval mode",
    "initial_state": "an initial state passed in (omitted means zeros)",
    "unbatched": "unbatched input (T, I) with state (L*D, H)",
    "packed": "variable-length batches as a PackedSequence with unsorted lengths",
    "float64": "float64 parameters and inputs",
    "grad": "gradients by autograd with respect to input, initial state and parameters",
    "parameters": "named parameters to compare with the canonical layout",
}

CELL_CAPABILITIES: dict[str, str] = {
    key: LAYER_CAPABILITIES[key] for key in ("no_bias", "initial_state", "unbatched", "float64", "grad", "parameters")
}


def missing_capability_reason(missing: set[str]) -> str:
    return "target lacks " + "; ".join(f"{c}: {LAYER_CAPABILITIES[c]}" for c in sorted(missing))
