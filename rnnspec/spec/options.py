"""Layer and cell options, each a capability a target may or may not have.

A target declares the capabilities it supports; strategies draw only those, and a property that
needs a missing one is skipped with the reason given here.
"""

from __future__ import annotations

__all__ = ["LAYER_CAPABILITIES", "CELL_CAPABILITIES", "CLIP_CAPABILITIES", "SUBJECTS", "capabilities_of",
           "missing_capability_reason"]

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

CLIP_CAPABILITIES: dict[str, str] = {
    "float64": LAYER_CAPABILITIES["float64"],
    "single_tensor": "a single tensor passed instead of an iterable of parameters",
    "norm_types": "norm_type other than 2 (1, 3, inf)",
    "nonfinite": "NaN and infinite gradients, propagated as torch does",
    "error_if_nonfinite": "error_if_nonfinite=True raises on a non-finite total norm",
}

# subject -> (what a target of it is, its capabilities)
SUBJECTS: dict[str, tuple[str, dict[str, str]]] = {
    "layer": ("a torch.nn.RNN / LSTM / GRU drop-in", LAYER_CAPABILITIES),
    "cell": ("a torch.nn.RNNCell / LSTMCell / GRUCell drop-in", CELL_CAPABILITIES),
    "clip_norm": ("a function like torch.nn.utils.clip_grad_norm_", CLIP_CAPABILITIES),
    "clip_value": ("a function like torch.nn.utils.clip_grad_value_",
                   {k: CLIP_CAPABILITIES[k] for k in ("float64", "single_tensor", "nonfinite")}),
    "residual": ("a function residual(x, f, *, shortcut=None), as reference_impls.torch_connections", {}),
    "dense": ("a function dense(x, layers), as reference_impls.torch_connections", {}),
    "highway": ("a function highway(x, h, w_t, b_t), as reference_impls.torch_connections", {}),
    "residual_stack": ("a function residual_stack(x, layers), as reference_impls.torch_connections", {}),
    "reference": ("the reference implementations themselves (checked by the test suite)", {}),
}


def capabilities_of(subject: str) -> dict[str, str]:
    return SUBJECTS[subject][1]


def missing_capability_reason(missing: set[str]) -> str:
    described = {**LAYER_CAPABILITIES, **CLIP_CAPABILITIES}
    return "target lacks " + "; ".join(f"{c}: {described[c]}" for c in sorted(missing))
