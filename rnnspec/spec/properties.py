"""Every property rnnspec checks: its id, the lecture topic, the claim, and what it applies to.

``subject`` says what a property is about (rnnspec.spec.SUBJECTS): a ``layer`` target
(torch.nn.LSTM-like), a ``cell`` target (torch.nn.LSTMCell-like), a clipping function, a
connection wrapper, or the ``reference`` implementations themselves (run by the test suite).
``requires`` names capabilities (rnnspec.spec.options); a target lacking one is skipped with the reason.
``cells``, when set, says on which cell kinds the claim is checked: a target computing none of them
is not concerned by it, unless ``cells_skip_reason`` says why the claim cannot be checked on the
other kinds; then such a target is skipped with that reason, never silently passed.

Each property is implemented once, by a function in ``rnnspec/properties/test_<topic>.py`` whose one-line
docstring is its claim (tests/properties/test_properties_read_as_claims.py keeps both true).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from .cells import CELLS
from .options import SUBJECTS, capabilities_of
from .scale import TIERS
from .tolerances import REDUCED_ERROR_MULTIPLE

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
    "equivalence": "the layer or cell computes the spec's equations: outputs, states and gradients equal the references",
    "semantics": "API behaviour: what each option of torch's interface means (states, batching, packing, dropout, layout)",
    "reduced_precision": "float16 and bfloat16 (--dtype): errors against the float64 reference no larger than a "
                         "stated multiple of torch's own in that dtype",
    "references": "the references themselves: numpy equals torch, the backward equals autograd and finite differences",
}


@dataclass(frozen=True)
class PropertySpec:
    id: str  # unique, used by --select and in replay commands
    topic: str  # a key of TOPICS
    claim: str  # one line: what must hold
    subject: str  # a key of rnnspec.spec.SUBJECTS: "layer", "cell", "clip_norm", ..., "reference"
    requires: frozenset[str] = frozenset()  # capabilities the target must have
    cells: tuple[str, ...] | None = None  # checked only on these cell kinds (None: on every kind)
    cells_skip_reason: str | None = None  # why a target of none of ``cells`` is skipped (None: not concerned)
    tiers: tuple[str, ...] | None = None  # tiers of cases it draws from (rnnspec.spec.scale); None: by subject

    def __post_init__(self) -> None:
        if self.tiers is None:  # layers and cells at every scale; the rest (own magnitudes, or none) small
            object.__setattr__(self, "tiers", TIERS if self.subject in ("layer", "cell") else ("small",))
        self._validate()

    def _validate(self) -> None:
        where = f"of property {self.id!r}"
        if self.topic not in TOPICS:
            raise ValueError(f"topic={self.topic!r} {where} is not a topic; expected one of {list(TOPICS)}")
        if self.subject not in SUBJECTS:
            raise ValueError(f"subject={self.subject!r} {where} is not a subject; expected one of {list(SUBJECTS)}")
        unknown = set(self.requires) - set(capabilities_of(self.subject, opt_in=True))
        if unknown:
            raise ValueError(f"requires={sorted(unknown)} {where}: not capabilities of a {self.subject} target; "
                             f"expected some of {sorted(capabilities_of(self.subject, opt_in=True))}")
        if self.cells is not None and not set(self.cells) <= set(CELLS):
            raise ValueError(f"cells={self.cells!r} {where}: not all cell kinds; expected some of {list(CELLS)}")
        if self.cells_skip_reason is not None and self.cells is None:
            raise ValueError(f"cells_skip_reason={self.cells_skip_reason!r} {where} says why other cell kinds are "
                             f"skipped, but cells=None names no kinds the claim is checked on")
        if "small" not in self.tiers or set(self.tiers) - set(TIERS):
            raise ValueError(f"tiers={self.tiers!r} {where} must include 'small' and name only some of {list(TIERS)}")
        if not self.claim or "\n" in self.claim:
            raise ValueError(f"claim={self.claim!r} {where} must be one line")

    def applicable_cells(self, cells: Iterable[str]) -> list[str]:
        """Those of ``cells`` (a target's) on which the claim is checked, in their order."""
        return [c for c in cells if self.cells is None or c in self.cells]

    def as_dict(self) -> dict:
        return {"id": self.id, "topic": self.topic, "claim": self.claim, "subject": self.subject,
                "requires": sorted(self.requires), "cells": list(self.cells) if self.cells else None,
                "cells_skip_reason": self.cells_skip_reason, "tiers": list(self.tiers)}


def _p(id, topic, subject, claim, requires=(), cells=None, cells_skip_reason=None, tiers=None) -> PropertySpec:
    return PropertySpec(id, topic, claim, subject, frozenset(requires), cells, cells_skip_reason, tiers)


_NO_ARRAYS = ("small",)  # reads a constructor: no sizes, no magnitudes
_SHAPES_ONLY = ("small", "realistic")  # names and shapes: magnitudes change nothing
_UNSATURATED = ("small", "realistic")  # a change must show in the output: saturated units hide it
_OWN_MAGNITUDES = ("small", "realistic")  # sets its own saturating biases, which the magnitude tier's inputs would swamp
_K = f"{REDUCED_ERROR_MULTIPLE:g}"  # rnnspec.spec.tolerances.reduced_allowed
_IN_RANGE = ("small", "realistic")  # float16 overflows past 65504: the magnitude tier's regimes are float32's and float64's


_GRU = ("gru", "gru_reset_before")
# rnnspec.spec.options.CONSTRUCTORS states torch's arguments, positions and defaults
_CONSTRUCTOR_CLAIM = ("the constructor takes torch's arguments in torch's positional order with torch's defaults; "
                      "any others come after them, with defaults")
# a relu unit can be dead (zero whatever its input), so an output that does not move shows nothing
_STRICTLY_MONOTONE = ("rnn_tanh", "rnn_linear", "lstm", "gru", "gru_reset_before")

PROPERTIES: tuple[PropertySpec, ...] = (
    # layers: torch.nn.RNN / LSTM / GRU and their drop-ins
    _p("matches_reference", "equivalence", "layer",
       "output and final states equal the numpy reference, for every cell kind and option"),
    _p("grads_match_reference", "equivalence", "layer",
       "gradients w.r.t. input, initial state and every parameter equal autograd through the torch reference "
       "and the hand-written numpy backward", requires=["grad"]),
    _p("float32_agrees_with_float64", "equivalence", "layer",
       "float32 and float64 runs of the same case agree within the float32 tolerance", requires=["float64"]),
    _p("omitted_state_is_zeros", "semantics", "layer",
       "omitting the initial state gives the same result as passing zeros", requires=["initial_state"]),
    _p("unbatched_is_batch_of_one", "semantics", "layer",
       "unbatched input (T, I) gives the batch-of-one result without its batch axis", requires=["unbatched"]),
    _p("batch_first_is_transpose", "semantics", "layer",
       "batch_first=True on (B, T, I) equals batch_first=False on the transposed input", requires=["batch_first"]),
    _p("rows_are_independent", "semantics", "layer",
       "permuting the batch rows permutes the outputs and final states the same way"),
    _p("row_alone_equals_row_in_batch", "semantics", "layer",
       "each row of a batch, run alone as a batch of one from its own initial state, gives what it gives in the batch"),
    _p("stateless_between_calls", "semantics", "layer",
       "calling twice with the same arguments gives the same result: no state is kept between calls"),
    _p("inputs_not_mutated", "semantics", "layer",
       "the input, the initial state and the parameters are unchanged by a call"),
    _p("packed_is_each_alone", "semantics", "layer",
       "a PackedSequence with unsorted lengths gives, per row, what that sequence gives run alone",
       requires=["packed"]),
    _p("zero_length_rows_keep_their_state", "semantics", "layer",
       "in a batch with lengths, a row of length 0 keeps its initial state (zeros when omitted) and outputs zeros, "
       "and the other rows equal the reference", requires=["packed", "zero_length"]),
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
       requires=["parameters"], tiers=_SHAPES_ONLY),
    _p("constructor_matches_like", "semantics", "layer", _CONSTRUCTOR_CLAIM, requires=["constructor"], tiers=_NO_ARRAYS),
    _p("gru_forms_agree_when_reset_open", "gru", "layer",
       "with the reset gate saturated at 1, the gru and gru_reset_before forms give the same output",
       cells=_GRU),
    _p("gru_forms_agree_with_diagonal_w_hn", "gru", "layer",
       "with b_hn = 0 and W_hn diagonal, the gru and gru_reset_before forms agree on every input",
       cells=_GRU),
    _p("gru_forms_agree_first_step_from_zero", "gru", "layer",
       "from a zero state with b_hn = 0, the first step of the two GRU forms agrees", cells=_GRU),
    # cells: torch.nn.RNNCell / LSTMCell / GRUCell and their drop-ins
    _p("cell_matches_reference", "equivalence", "cell",
       "one step equals the numpy reference cell, for every cell kind and option"),
    _p("cell_grads_match_reference", "equivalence", "cell",
       "gradients w.r.t. input, state and every parameter equal autograd through the torch reference",
       requires=["grad"]),
    _p("cell_unrolled_is_layer", "equivalence", "cell",
       "the cell applied step by step over a sequence equals the one-layer reference layer"),
    _p("cell_omitted_state_is_zeros", "semantics", "cell",
       "omitting the state gives the same result as passing zeros", requires=["initial_state"]),
    _p("cell_unbatched_is_batch_of_one", "semantics", "cell",
       "unbatched input (I,) gives the batch-of-one result without its batch axis", requires=["unbatched"]),
    _p("cell_parameter_layout", "semantics", "cell",
       "parameter names and shapes are torch's canonical cell layout", requires=["parameters"], tiers=_SHAPES_ONLY),
    _p("cell_constructor_matches_like", "semantics", "cell", _CONSTRUCTOR_CLAIM, requires=["constructor"],
       tiers=_NO_ARRAYS),
    # float16 and bfloat16 (run by --dtype float16 or bfloat16 only, each other property by the others)
    _p("reduced_matches_reference", "reduced_precision", "layer",
       f"in float16 or bfloat16, output and final states are within {_K} times torch's error (its built-in's or plain "
       "torch code's in the dtype) of the float64 reference on the same rounded weights and inputs", tiers=_IN_RANGE),
    _p("reduced_grads_match_reference", "reduced_precision", "layer",
       f"in float16 or bfloat16, gradients w.r.t. input, initial state and every parameter are within {_K} times "
       "torch's error (its built-in's or plain torch code's in the dtype) of the float64 reference's", requires=["grad"],
       tiers=_IN_RANGE),
    _p("reduced_cell_matches_reference", "reduced_precision", "cell",
       f"in float16 or bfloat16, one step is within {_K} times torch's error (its built-in's or plain torch code's in "
       "the dtype) of the float64 reference cell on the same rounded weights and inputs", tiers=_IN_RANGE),
    # lecture 7 section 1: vanishing gradients
    _p("gradient_bounded_by_sigma_max_power", "vanishing_gradient", "layer",
       "||dh_T/dh_0||_2 <= sigma_max(W_hh)^T for any weights and inputs (Pascanu et al. 2013; |tanh'|, |relu'| <= 1)",
       requires=["grad", "initial_state"], cells=("rnn_tanh", "rnn_relu")),
    _p("gradient_falls_with_distance", "vanishing_gradient", "layer",
       "with sigma_max(W_hh) = rho <= 1, ||dh_T/dh_0||_2 never grows with T and stays under rho^T",
       requires=["grad", "initial_state"], cells=("rnn_tanh", "rnn_relu")),
    # lecture 7 section 2: exploding gradients
    _p("linear_rnn_jacobian_is_matrix_power", "exploding_gradient", "layer",
       "for the linear RNN, dh_T/dh_0 is exactly the T-th power of W_hh", requires=["grad", "initial_state"],
       cells=("rnn_linear",)),
    _p("orthogonal_linear_rnn_norm_is_rho_power", "exploding_gradient", "layer",
       "with W_hh = rho*Q, Q orthogonal, ||dh_T/dh_0||_2 = rho^T: it explodes for rho > 1 and vanishes below",
       requires=["grad", "initial_state"], cells=("rnn_linear",)),
    # lecture 7 section 2.3: gradient clipping
    _p("clip_norm_matches_reference", "gradient_clipping", "clip_norm",
       "clipped gradients and the returned total norm equal the reference, for norm types 1, 2, 3, inf, "
       "single tensors, parameters without .grad, NaN and inf, and error_if_nonfinite"),
    _p("clip_norm_caps_total_norm", "gradient_clipping", "clip_norm",
       "after norm clipping the total norm of the gradients is at most max_norm"),
    _p("clip_norm_keeps_direction", "gradient_clipping", "clip_norm",
       "norm clipping multiplies every gradient by one factor in (0, 1]: the direction is unchanged"),
    _p("clip_norm_leaves_small_gradients_untouched", "gradient_clipping", "clip_norm",
       "gradients whose total norm + 1e-6 is at most max_norm are left unchanged, bit for bit"),
    _p("clip_norm_twice_changes_nothing", "gradient_clipping", "clip_norm",
       "clipping gradients already clipped changes them by no more than torch's epsilon allows"),
    _p("clip_value_matches_reference", "gradient_clipping", "clip_value",
       "value clipping equals the reference: elements clamped to [-v, v], NaN kept, parameters without .grad skipped"),
    _p("clip_value_bounds_and_keeps_sign", "gradient_clipping", "clip_value",
       "after value clipping every element lies in [-v, v] with its sign kept; elements inside are unchanged"),
    # lecture 7 section 3: LSTM
    _p("lstm_cell_gradient_is_forget_product", "lstm", "layer",
       "with W_hh = 0, dc_T/dc_0 = diag(prod_t f_t): the forget gate alone controls the cell-state path",
       requires=["grad", "initial_state"], cells=("lstm",)),
    _p("lstm_saturated_gates_keep_memory", "lstm", "layer",
       "with the forget gate saturated open and the input gate shut, c_T = c_0 exactly, over any length",
       requires=["initial_state"], cells=("lstm",)),
    _p("lstm_cell_is_unbounded_memory", "lstm", "layer",
       "with the forget and input gates saturated open and g saturated at +-1, each step adds exactly +-1 to c: "
       "c_T = c_0 + T*g, far beyond 1 over long sequences", cells=("lstm",), tiers=_OWN_MAGNITUDES),
    # lecture 7 section 4: GRU
    _p("gru_update_gate_saturated_copies_state", "gru", "layer",
       "with the update gate saturated at 1, h_T = h_0 over any length (to rounding)",
       requires=["initial_state"], cells=_GRU),
    # lecture 7 section 5: residual, dense and highway connections
    _p("residual_jacobian_is_identity_plus_jf", "residual", "residual",
       "a residual block's Jacobian is I + J_F (He et al. 2015)"),
    _p("residual_zero_block_is_identity", "residual", "residual",
       "with F's output layer zero the residual block is the identity: y = x and dy/dx = I"),
    _p("residual_stack_preserves_gradient", "residual", "residual",
       "for L blocks with ||J_F||_2 <= eps < 1 the residual stack's smallest singular value is >= (1-eps)^L, "
       "the plain stack's largest <= eps^L"),
    _p("residual_size_change_needs_projection", "residual", "residual",
       "when F changes the size, y = F(x) + W_s x with a projection W_s; without one it is a ValueError asking for it"),
    _p("dense_layers_read_the_input_unchanged", "dense", "dense",
       "every layer's input begins with the original input unchanged: an identity block in its Jacobian"),
    _p("dense_layers_read_all_earlier_outputs", "dense", "dense",
       "layer l reads exactly [x, y_1, ..., y_{l-1}] and the block returns [x, y_1, ..., y_L] (Huang et al. 2017)"),
    _p("highway_gate_closed_carries_input", "highway", "highway",
       "with the transform gate T = 0 a highway layer carries x through unchanged, its Jacobian the identity"),
    _p("highway_gate_open_gives_transform", "highway", "highway",
       "with the transform gate T = 1 a highway layer gives H(x)"),
    _p("highway_mixes_by_gate", "highway", "highway",
       "y = T*H(x) + (1-T)*x with T = sigmoid(W_T x + b_T), for any weights (Srivastava et al. 2015)"),
    # lecture 7 section 6: bidirectional RNNs
    _p("unidirectional_is_causal", "bidirectional", "layer",
       "a unidirectional layer's output at step t does not change when inputs after t change"),
    _p("bidirectional_sees_the_future", "bidirectional", "layer",
       "a bidirectional layer's output at step t changes when later inputs change: it needs the whole sequence",
       requires=["bidirectional"], cells=_STRICTLY_MONOTONE, tiers=_UNSATURATED,
       cells_skip_reason="not checkable on rnn_relu alone: a relu unit can be dead (zero whatever its input), so an "
                         "output that does not change when later inputs change shows nothing"),
    # lecture 7 section 7: stacked RNNs with skips
    _p("residual_stack_has_identity_path", "stacked", "residual_stack",
       "with residual skips between stacked RNN layers, dx_L/dx_0 = prod_l (I + J_l): an identity path to the input"),
    # the references themselves
    _p("numpy_reference_equals_torch_reference", "references", "reference",
       "the numpy and torch references agree on every cell kind (gru_reset_before included) and option"),
    _p("torch_reference_gradcheck", "references", "reference",
       "torch.autograd.gradcheck passes on the torch references in float64"),
    _p("parameter_count_formula", "references", "reference",
       "the closed-form parameter count equals the layout's and torch's built-ins' count"),
    _p("gru_has_three_quarters_of_lstm_parameters", "gru", "reference",
       "at any sizes GRU has exactly 3/4 and a vanilla RNN 1/4 of an LSTM's parameters (lecture 7 section 4.2)"),
    _p("registry_gate_order_names_each_gate", "references", "reference",
       "each gate at its place in the registry's gate order (CELLS[cell].gates) has that gate's effect when saturated "
       "(lstm: f open and i shut keep c, f shut and i, g open give c = 1, o shut gives h = 0; gru: z at 1 keeps h, "
       "r and z shut cut h off, n at 1 with z shut gives h = 1) in the numpy and torch references and torch's built-ins"),
    _p("numpy_backward_matches_autograd", "references", "reference",
       "the hand-written numpy backward through time equals autograd through the torch reference, in float64, "
       "for every cell kind and option"),
    _p("numpy_backward_matches_finite_differences", "references", "reference",
       "the numpy backward's directional derivatives equal central finite differences of the numpy forward"),
    _p("connections_numpy_equals_torch", "references", "reference",
       "the numpy and torch references of residual, dense, highway and stacked connections agree"),
)


def property_spec(property_id: str) -> PropertySpec:
    for p in PROPERTIES:
        if p.id == property_id:
            return p
    raise ValueError(f"property {property_id!r} is not in the spec; see `rnnspec spec` for the list")
