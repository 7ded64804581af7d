"""Layer and cell options, each a capability a target may or may not have, and the constructors
of torch's recurrent built-ins, whose arguments are those options.

A target declares the capabilities it supports; strategies draw only those, and a property that
needs a missing one is skipped with the reason given here. A target that declares none claims
every capability of its subject but the opt-in ones (OPT_IN_CAPABILITIES), which torch's
built-ins lack: those are claimed only where declared.
"""

from __future__ import annotations

__all__ = ["LAYER_CAPABILITIES", "CELL_CAPABILITIES", "CLIP_CAPABILITIES", "OPT_IN_CAPABILITIES", "SUBJECTS",
           "capabilities_of", "missing_capability_reason", "REQUIRED", "CONSTRUCTORS"]

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
    "float16": "float16 parameters and inputs (--dtype float16: errors against torch's in float16)",
    "bfloat16": "bfloat16 parameters and inputs (--dtype bfloat16: errors against torch's in bfloat16)",
    "grad": "gradients by autograd with respect to input, initial state and parameters",
    "parameters": "named parameters to compare with the canonical layout",
    "constructor": "a class or factory with the torch twin's constructor (rnnspec.spec.options.CONSTRUCTORS), "
                   "whose signature can be read",
    "zero_length": "rows of length 0 in a variable-length batch (they keep their initial state and output zeros), "
                   "passed as padded input with lengths=, since a PackedSequence cannot hold them",
}

CELL_CAPABILITIES: dict[str, str] = {
    key: LAYER_CAPABILITIES[key]
    for key in ("no_bias", "initial_state", "unbatched", "float64", "float16", "bfloat16", "grad", "parameters",
                "constructor")
}

# claimed only where a target declares them, never by default: torch's built-ins lack them
# (torch's PackedSequence refuses a row of length 0)
OPT_IN_CAPABILITIES: frozenset[str] = frozenset({"zero_length"})

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
    "residual": ("a function residual(x, f, *, shortcut=None), as rnnspec.references.torch_connections", {}),
    "dense": ("a function dense(x, layers), as rnnspec.references.torch_connections", {}),
    "highway": ("a function highway(x, h, w_t, b_t), as rnnspec.references.torch_connections", {}),
    "residual_stack": ("a function residual_stack(x, layers), as rnnspec.references.torch_connections", {}),
    "reference": ("the reference implementations themselves (checked by the test suite)", {}),
}


def capabilities_of(subject: str, *, opt_in: bool = False) -> dict[str, str]:
    """The capabilities a target of ``subject`` claims when it declares none (capability ->
    description); with ``opt_in=True`` every capability it may declare, the opt-in ones too."""
    return {k: v for k, v in SUBJECTS[subject][1].items() if opt_in or k not in OPT_IN_CAPABILITIES}


def missing_capability_reason(missing: set[str]) -> str:
    described = {**LAYER_CAPABILITIES, **CLIP_CAPABILITIES}
    return "target lacks " + "; ".join(f"{c}: {described[c]}" for c in sorted(missing))


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED = _Required()  # the default of an argument every caller passes (input_size, hidden_size)

_LAYER_HEAD = (("input_size", REQUIRED), ("hidden_size", REQUIRED), ("num_layers", 1))
_LAYER_TAIL = (("bias", True), ("batch_first", False), ("dropout", 0.0), ("bidirectional", False))
_CELL_HEAD = (("input_size", REQUIRED), ("hidden_size", REQUIRED), ("bias", True))

# like -> torch's constructor: its arguments in the order torch takes them positionally, each with
# torch's default. A drop-in's constructor must take the same arguments in the same positions with
# the same defaults; it may take more after them, each with a default. torch's device and dtype (its
# factory keywords, passed by name) are not part of the claim.
CONSTRUCTORS: dict[str, tuple[tuple[str, object], ...]] = {
    "torch.nn.RNN": _LAYER_HEAD + (("nonlinearity", "tanh"),) + _LAYER_TAIL,
    "torch.nn.LSTM": _LAYER_HEAD + _LAYER_TAIL + (("proj_size", 0),),
    "torch.nn.GRU": _LAYER_HEAD + _LAYER_TAIL,
    "torch.nn.RNNCell": _CELL_HEAD + (("nonlinearity", "tanh"),),
    "torch.nn.LSTMCell": _CELL_HEAD,
    "torch.nn.GRUCell": _CELL_HEAD,
}
