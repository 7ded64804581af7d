"""Every property rnnspec checks: its id, the lecture topic, the claim, and what it applies to.

``subject`` says what a property is about: a ``layer`` target (torch.nn.LSTM-like), a ``cell``
target (torch.nn.LSTMCell-like), or the ``reference`` implementations themselves (run by the
test suite, not by ``rnnspec verify``). ``requires`` names capabilities (rnnspec.spec.options);
``cells``, when set, limits a property to targets implementing one of those cell kinds.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["TOPICS", "PropertySpec", "PROPERTIES", "property_spec"]

TOPICS: dict[str, str] = {
    "vanishing_gradient": "lecture 7 section 1: gradients shrink with distance through a vanilla RNN",
    "exploding_gradient": "lecture 7 section 2: gradients grow with distance when W_hh is large",
    "gradient_clipping": "lecture 7 section 2.3: clipping caps the gradient's norm",
    "lstm": "lecture 7 section 3: the LSTM and its cell state",
    "gru": "lecture 7 section 4: the GRU, fewer parameters than the LSTM",
    "residual": "lecture 7 section 5.2: residual connections",
    "dense": "lecture 7 section 5.3: dense connections",
    "highway": "lecture 7 section 5.4: highway connections",
    "bidirectional": "lecture 7 section 6: bidirectional RNNs",
    "stacked": "lecture 7 section 7: multi-layer (stacked) RNNs",
    "semantics": "API behaviour: the layer computes the specified function under every option",
}


@dataclass(frozen=True)
class PropertySpec:
    id: str  # unique, used by --select and in replay commands
    topic: str  # a key of TOPICS
    claim: str  # one line: what must hold
    subject: str  # "layer", "cell" or "reference"
    requires: frozenset[str] = frozenset()  # capabilities the target must have
    cells: tuple[str, ...] | None = None  # applies only to targets of one of these cells

    def as_dict(self) -> dict:
        return {"id": self.id, "topic": self.topic, "claim": self.claim, "subject": self.subject,
                "requires": sorted(self.requires), "cells": list(self.cells) if self.cells else None}


def _p(id, topic, subject, claim, requires=(), cells=None) -> PropertySpec:
    return PropertySpec(id, topic, claim, subject, frozenset(requires), cells)


_GRU = ("gru", "gru_reset_before")

PROPERTIES: tuple[PropertySpec, ...] = (
    # layers: torch.nn.RNN / LSTM / GRU and their drop-ins
    _p("matches_reference", "semantics", "layer",
       "output and final states equal the numpy reference, for every cell kind and option"),
    _p("grads_match_reference", "semantics", "layer",
       "gradients w.r.t. input, initial state and every parameter equal autograd through the torch reference",
       requires=["grad"]),
    _p("float32_agrees_with_float64", "semantics", "layer",
       "float32 and float64 runs of the same case agree within the float32 tolerance", requires=["float64"]),
    _p("omitted_state_is_zeros", "semantics", "layer",
       "omitting the initial state gives the same result as passing zeros", requires=["initial_state"]),
    _p("unbatched_is_batch_of_one", "semantics", "layer",
       "unbatched input (T, I) gives the batch-of-one result without its batch axis", requires=["unbatched"]),
    _p("batch_first_is_transpose", "semantics", "layer",
       "batch_first=True on (B, T, I) equals batch_first=False on the transposed input", requires=["batch_first"]),
    _p("rows_are_independent", "semantics", "layer",
       "permuting the batch rows permutes the outputs and final states the same way"),
    _p("stateless_between_calls", "semantics", "layer",
       "calling twice with the same arguments gives the same result: no state is kept between calls"),
    _p("inputs_not_mutated", "semantics", "layer",
       "the input, the initial state and the parameters are unchanged by a call"),
    _p("packed_is_each_alone", "semantics", "layer",
       "a PackedSequence with unsorted lengths gives, per row, what that sequence gives run alone",
       requires=["packed"]),
    _p("dropout_inactive_in_eval", "semantics", "layer",
       "in eval mode a layer with dropout > 0 equals the same layer with dropout 0",
       requires=["dropout", "multilayer"]),
    _p("stack_is_composition", "stacked", "layer",
       "a stack of L layers equals L single layers applied in turn, layer l reading layer l-1's output",
       requires=["multilayer"]),
    _p("dropout_one_silences_upper_inputs", "stacked", "layer",
       "in training with dropout=1 every layer above the first reads zeros: the dropout sits between layers",
       requires=["dropout", "multilayer"]),
    _p("bidirectional_is_forward_plus_flipped_reverse", "bidirectional", "layer",
       "a bidirectional layer's output is [forward(x), flip(reverse_layer(flip(x)))] and h_n stacks both",
       requires=["bidirectional"]),
    _p("parameter_layout", "semantics", "layer",
       "parameter names and shapes are torch's canonical layout, and their count follows the formula",
       requires=["parameters"]),
    _p("gru_forms_agree_when_reset_open", "gru", "layer",
       "with the reset gate saturated at 1, the gru and gru_reset_before forms give the same output",
       cells=_GRU),
    _p("gru_forms_agree_with_diagonal_w_hn", "gru", "layer",
       "with b_hn = 0 and W_hn diagonal, the gru and gru_reset_before forms agree on every input",
       cells=_GRU),
    _p("gru_forms_agree_first_step_from_zero", "gru", "layer",
       "from a zero state with b_hn = 0, the first step of the two GRU forms agrees", cells=_GRU),
    # cells: torch.nn.RNNCell / LSTMCell / GRUCell and their drop-ins
    _p("cell_matches_reference", "semantics", "cell",
       "one step equals the numpy reference cell, for every cell kind and option"),
    _p("cell_grads_match_reference", "semantics", "cell",
       "gradients w.r.t. input, state and every parameter equal autograd through the torch reference",
       requires=["grad"]),
    _p("cell_unrolled_is_layer", "semantics", "cell",
       "the cell applied step by step over a sequence equals the one-layer reference layer"),
    _p("cell_omitted_state_is_zeros", "semantics", "cell",
       "omitting the state gives the same result as passing zeros", requires=["initial_state"]),
    _p("cell_unbatched_is_batch_of_one", "semantics", "cell",
       "unbatched input (I,) gives the batch-of-one result without its batch axis", requires=["unbatched"]),
    _p("cell_parameter_layout", "semantics", "cell",
       "parameter names and shapes are torch's canonical cell layout", requires=["parameters"]),
    # the references themselves
    _p("numpy_reference_equals_torch_reference", "semantics", "reference",
       "the numpy and torch references agree on every cell kind (gru_reset_before included) and option"),
    _p("torch_reference_gradcheck", "semantics", "reference",
       "torch.autograd.gradcheck passes on the torch references in float64"),
    _p("parameter_count_formula", "semantics", "reference",
       "the closed-form parameter count equals the layout's and torch's built-ins' count"),
    _p("gru_has_three_quarters_of_lstm_parameters", "gru", "reference",
       "at any sizes GRU has exactly 3/4 and a vanilla RNN 1/4 of an LSTM's parameters (lecture 7 section 4.2)"),
)


def property_spec(property_id: str) -> PropertySpec:
    for p in PROPERTIES:
        if p.id == property_id:
            return p
    raise ValueError(f"property {property_id!r} is not in the spec; see `rnnspec spec` for the list")
