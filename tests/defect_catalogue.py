"""The one catalogue of planted defects the suite must catch, each with the property that must catch it.

A defect lives in one of two files: ``dropins/defects.py`` (independent drop-ins, written without
rnnspec, with one thing broken) or ``planted_defects.py`` (copies of rnnspec's references with one
thing broken: the connections and a clipping function). Each entry names the property that must
fail on it: the most specific claim the mistake breaks (a gate-order swap breaks
``matches_reference``; a state kept between calls, ``stateless_between_calls``). The catchers are
checked against ``rnnspec.spec.PROPERTIES`` when the catalogue is made, so a misspelt id fails
the collection of the tests that import it, naming the entry.

``FAITHFUL`` lists the drop-ins and reference modules the defects are planted in: they must pass.
``python tests/dropins/measure_power.py`` measures how many examples each catcher needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rnnspec.spec.settings import RunSettings
from rnnspec.spec import DTYPES, PROPERTIES, REDUCED_DTYPES
from rnnspec.targets import FUNCTION_LIKES, LIKES, Target, like_subject_and_cells, load_target

__all__ = ["Defect", "CATALOGUE", "FAITHFUL", "TESTS", "SCALE"]

TESTS = Path(__file__).resolve().parent
DROPINS = "dropins/defects.py"  # independent drop-ins with one thing broken
SCALE = "dropins/scale_defects.py"  # independent drop-ins broken only at scale or magnitude (rnnspec.spec.scale)
PLANTED = "planted_defects.py"  # copies of the references with one thing broken

_SPECS = {p.id: p for p in PROPERTIES}
_ORIGINS = ("property", "target")  # how a catcher may fail: the claim does not hold, or the target raised


def _subject_of(like: str) -> str:
    return FUNCTION_LIKES[like] if like in FUNCTION_LIKES else like_subject_and_cells(like)[0]


@dataclass(frozen=True)
class Defect:
    name: str  # the class or function in ``file`` that carries the defect
    like: str  # what it poses as, as typed after --like
    kind: str  # the kind of mistake, "family" or "family: detail"
    catcher: str  # id of the property (rnnspec.spec.PROPERTIES) that must fail on it
    file: str = DROPINS  # where it is defined, relative to tests/
    origin: str = "property"  # the catcher's failure: "property" (the claim does not hold) or "target" (it raised)
    max_examples: int | None = None  # examples the catcher needs when the quick profile's 8 are too few
    dtype: str | None = None  # draw only this dtype (--dtype) when the defect lives in one (None: every dtype)
    profile: str = "quick"  # the profile it must be caught at: "default" for the defects of the scale tiers

    def __post_init__(self) -> None:
        where = f"of defect {self.name!r}"
        if self.catcher not in _SPECS:
            raise ValueError(f"catcher={self.catcher!r} {where} is not a property id; see `rnnspec spec`")
        if self.like not in LIKES and self.like not in FUNCTION_LIKES:
            raise ValueError(f"like={self.like!r} {where} is not one of {list(LIKES) + list(FUNCTION_LIKES)}")
        subject, wanted = _subject_of(self.like), _SPECS[self.catcher].subject
        if subject != wanted:
            raise ValueError(f"catcher={self.catcher!r} {where} checks a {wanted} target, but like={self.like!r} "
                             f"is a {subject}: the catcher would never run on it")
        if self.origin not in _ORIGINS:
            raise ValueError(f"origin={self.origin!r} {where} is not one of {list(_ORIGINS)}")
        if self.file not in (DROPINS, PLANTED, SCALE):
            raise ValueError(f"file={self.file!r} {where} is not one of {[DROPINS, PLANTED, SCALE]}")
        if self.dtype is not None and self.dtype not in DTYPES + REDUCED_DTYPES:
            raise ValueError(f"dtype={self.dtype!r} {where} is not one of {list(DTYPES + REDUCED_DTYPES)}")

    @property
    def spec(self) -> str:
        """What follows ``rnnspec verify``: the file's absolute path and the name."""
        return f"{TESTS / self.file}:{self.name}"

    def target(self) -> Target:
        return load_target(self.spec, like=self.like)

    @property
    def at_scale(self) -> bool:
        """Planted where only the realistic or magnitude tier reaches (tested in the slow tier)."""
        return self.file == SCALE

    def settings(self, *, seed: int = 0) -> RunSettings:
        """Its profile (quick, or default for the scale defects), or the examples it needs, in its
        dtype where it names one."""
        return RunSettings(profile=self.profile, max_examples=self.max_examples, dtype=self.dtype, seed=seed)


D = Defect


def S(*args) -> Defect:
    """A defect of the scale tiers: an independent drop-in in SCALE, caught at the default profile."""
    return Defect(*args, file=SCALE, profile="default")


CATALOGUE: tuple[Defect, ...] = (
    # gate order
    D("LSTMInputForgetSwapped", "torch.nn.LSTM", "gate order", "matches_reference"),
    D("LSTMCellOutputSwapped", "torch.nn.LSTM", "gate order", "matches_reference"),
    D("GRUResetUpdateSwapped", "torch.nn.GRU", "gate order", "matches_reference"),
    # bias handling
    D("LSTMWithoutRecurrentBias", "torch.nn.LSTM", "bias handling", "matches_reference"),
    D("RNNInputBiasTwice", "torch.nn.RNN", "bias handling", "matches_reference"),
    D("GRUNewGateBiasOutsideReset", "torch.nn.GRU", "bias handling", "matches_reference"),
    # activations
    D("LSTMHardSigmoid", "torch.nn.LSTM", "activation", "matches_reference"),
    D("RNNIgnoresNonlinearity", "torch.nn.RNN", "activation", "matches_reference"),
    D("LSTMSigmoidOnCell", "torch.nn.LSTM", "activation", "matches_reference"),
    # the GRU's form and convention
    D("GRUResetBeforeProduct", "torch.nn.GRU", "GRU reset placement", "matches_reference"),
    D("GRUUpdateConventionFlipped", "torch.nn.GRU", "GRU update-gate convention",
      "gru_update_gate_saturated_copies_state"),
    # hidden offsets and clipping inside the cell
    D("LSTMForgetBiasOffset", "torch.nn.LSTM", "hidden forget-gate offset", "matches_reference"),
    D("LSTMCellClip", "torch.nn.LSTM", "cell clipping", "lstm_saturated_gates_keep_memory"),
    D("LSTMProjectionBeforeOutputGate", "torch.nn.LSTM", "projection", "matches_reference"),
    # directions
    D("LSTMReverseNotFlippedBack", "torch.nn.LSTM", "direction: outputs",
      "bidirectional_is_forward_plus_flipped_reverse"),
    D("GRUFinalStatesOfDirectionsSwapped", "torch.nn.GRU", "direction: final states",
      "bidirectional_is_forward_plus_flipped_reverse"),
    D("LSTMReverseUsesForwardWeights", "torch.nn.LSTM", "direction: weights",
      "bidirectional_is_forward_plus_flipped_reverse"),
    # variable lengths
    D("GRUPaddingLeaksIntoState", "torch.nn.GRU", "variable lengths: padding", "packed_is_each_alone"),
    D("LSTMReverseStartsAtPadding", "torch.nn.LSTM", "variable lengths: reverse direction", "packed_is_each_alone"),
    # initial states
    D("RNNIgnoresInitialState", "torch.nn.RNN", "initial state", "matches_reference"),
    D("LSTMSwapsH0C0", "torch.nn.LSTM", "initial state", "matches_reference"),
    D("GRULayersOfH0Reversed", "torch.nn.GRU", "initial state: layer order", "stack_is_composition"),
    # dropout, batch rows, precision, state, mutation, size-one dimensions
    D("LSTMDropoutInEval", "torch.nn.LSTM", "dropout in eval", "dropout_inactive_in_eval"),
    # centring over the batch, or one quantization scale for it, commutes with a permutation of the
    # rows, so rows_are_independent (a permutation test) cannot see it; running each row alone does
    D("GRUCentersInputOverBatch", "torch.nn.GRU", "coupling between batch rows: normalisation",
      "row_alone_equals_row_in_batch"),
    D("LSTMQuantizesWithBatchScale", "torch.nn.LSTM", "coupling between batch rows: quantization",
      "row_alone_equals_row_in_batch"),
    # float32 and float64 runs agree, both being float32: only the float64 reference sees it
    D("LSTMSilentFloat32", "torch.nn.LSTM", "silent precision loss", "matches_reference"),
    # a near miss: ~1e-3 relative error in float32 only, caught by the registry's float32 tolerance
    # (rtol 1e-4) and missed by one 100 times looser (tests/spec/test_tolerance_pins.py)
    D("LSTMBfloat16Float32", "torch.nn.LSTM", "silent precision loss: bfloat16 weights in float32",
      "matches_reference", dtype="float32"),
    # reduced precision: asked for float16, the gates computed in bfloat16 (8x float16's epsilon)
    D("LSTMGatesInBfloat16", "torch.nn.LSTM", "silent precision loss: bfloat16 gates in float16",
      "reduced_matches_reference", dtype="float16"),
    D("RNNRemembersLastState", "torch.nn.RNN", "state kept between calls", "stateless_between_calls"),
    D("GRUMutatesInput", "torch.nn.GRU", "input mutation", "inputs_not_mutated"),
    D("RNNSqueezesSizeOneDims", "torch.nn.RNN", "crash on a valid input: size-one dimensions", "matches_reference",
      origin="target"),
    # stacking
    D("LSTMStackReadsDirectionsSwapped", "torch.nn.LSTM", "stacked-layer wiring", "stack_is_composition"),
    D("RNNUpperLayersUseFirstLayerRecurrence", "torch.nn.RNN", "stacked-layer wiring", "stack_is_composition"),
    # the order of returned states
    D("LSTMReturnsCBeforeH", "torch.nn.LSTM", "order of returned states", "matches_reference"),
    # only c_n is wrong: matches_reference's comparison of c_n, or the gradients, see it (tests/checking/test_c_n_compared.py)
    D("LSTMCellStateOneStepLate", "torch.nn.LSTM", "order of returned states: c_n one step late",
      "matches_reference"),
    # the constructor: keyword calls (rnnspec's) build the right layer; positional and default ones do not
    D("LSTMBatchFirstFourth", "torch.nn.LSTM", "constructor: positional order", "constructor_matches_like"),
    D("GRUBatchFirstByDefault", "torch.nn.GRU", "constructor: default", "constructor_matches_like"),
    D("GRUCellWithoutBiasByDefault", "torch.nn.GRUCell", "constructor: default", "cell_constructor_matches_like"),
    # cells
    D("LSTMCellLeaksCellState", "torch.nn.LSTMCell", "cell: state update", "cell_matches_reference"),
    D("GRUCellIgnoresState", "torch.nn.GRUCell", "cell: initial state", "cell_matches_reference"),
    # gradient clipping
    # the total norm exceeds max_norm only when several gradients are drawn near it: seed 0 needs
    # 8 examples, other seeds up to 50 (measure_power.py)
    D("clip_per_tensor_norm", "torch.nn.utils.clip_grad_norm_", "clipping: per-tensor norm",
      "clip_norm_caps_total_norm", max_examples=50),
    D("clip_norm_per_tensor", "torch.nn.utils.clip_grad_norm_", "clipping: per-tensor norm, true total returned",
      "clip_norm_caps_total_norm", file=PLANTED, max_examples=50),
    D("clip_scales_up", "torch.nn.utils.clip_grad_norm_", "clipping: scales up",
      "clip_norm_leaves_small_gradients_untouched"),
    D("clip_returns_norm_after", "torch.nn.utils.clip_grad_norm_", "clipping: returned value",
      "clip_norm_matches_reference"),
    D("clip_ignores_norm_type", "torch.nn.utils.clip_grad_norm_", "clipping: norm type", "clip_norm_caps_total_norm",
      max_examples=50),
    D("clip_hides_nonfinite", "torch.nn.utils.clip_grad_norm_", "clipping: non-finite gradients",
      "clip_norm_matches_reference"),
    D("clip_value_upper_only", "torch.nn.utils.clip_grad_value_", "clipping: value bounds",
      "clip_value_bounds_and_keeps_sign"),
    D("clip_value_zeroes_outliers", "torch.nn.utils.clip_grad_value_", "clipping: value bounds",
      "clip_value_bounds_and_keeps_sign"),
    # connections (copies of the references)
    D("highway_carry_is_t", "highway", "connections: highway carry gate", "highway_gate_closed_carries_input",
      file=PLANTED),
    D("dense_drops_the_input", "dense", "connections: dense input", "dense_layers_read_the_input_unchanged",
      file=PLANTED),
    D("residual_around_the_whole_stack", "residual_stack", "connections: residual path",
      "residual_stack_has_identity_path", file=PLANTED),
    # scale and magnitude (rnnspec.spec.scale): caught at the default profile, not by the small tier
    S("LSTMRemainderTileReadsFirstTile", "torch.nn.LSTM", "scale: tile remainder", "matches_reference"),
    S("GRUInputTailPastLastTileIgnored", "torch.nn.GRU", "scale: tile remainder", "matches_reference"),
    S("LSTMCellRemainderTileNotWritten", "torch.nn.LSTMCell", "scale: tile remainder", "cell_matches_reference"),
    S("LSTMWideFastPathWithoutRecurrentBias", "torch.nn.LSTM", "scale: size-dispatched fast path",
      "matches_reference"),
    S("GRUWideInputFastPathSwapsResetUpdate", "torch.nn.GRU", "scale: size-dispatched fast path",
      "matches_reference"),
    S("GRUCellWideInputFastPathSwapsResetUpdate", "torch.nn.GRUCell", "scale: size-dispatched fast path",
      "cell_matches_reference"),
    S("RNNCellWideFastPathWithoutRecurrentBias", "torch.nn.RNNCell", "scale: size-dispatched fast path",
      "cell_matches_reference"),
    S("LSTMChunkBoundaryDropsCellState", "torch.nn.LSTM", "scale: sequence chunks", "matches_reference"),
    S("GRUChunksRestartFromInitialState", "torch.nn.GRU", "scale: sequence chunks", "matches_reference"),
    # the forward pass is exact: only the gradients see it
    S("RNNTruncatedBackpropEvery64Steps", "torch.nn.RNN", "scale: truncated backprop", "grads_match_reference"),
    S("RNNMicroBatchesDropLastPartial", "torch.nn.RNN", "scale: micro-batches", "matches_reference"),
    S("RNNCellMicroBatchTailReadsFirstRows", "torch.nn.RNNCell", "scale: micro-batches", "cell_matches_reference"),
    # stack_is_composition draws 2 or 3 layers in every tier (so a third layer is within its small
    # tier's reach); only matches_reference's realistic tier reaches a fourth
    S("LSTMFourthLayerReadsSecondLayerOutput", "torch.nn.LSTM", "scale: deep stacks", "matches_reference"),
    S("GRUFourthLayerReusesThirdLayerWeights", "torch.nn.GRU", "scale: deep stacks", "matches_reference"),
    S("GRULengthOneRowsTakenForEmptyInLargeBatches", "torch.nn.GRU", "scale: packed lengths in large batches",
      "packed_is_each_alone"),
    # an LSTM layer's i and f gates are saturated at +-1000 by small-tier properties
    # (lstm_saturated_gates_keep_memory, lstm_cell_is_unbounded_memory), which an overflowing sigmoid fails there
    S("LSTMCellNaiveSigmoid", "torch.nn.LSTMCell", "magnitude: overflow", "cell_matches_reference"),
    S("RNNNaiveTanh", "torch.nn.RNN", "magnitude: overflow", "matches_reference"),
    S("GRUCellNaiveTanh", "torch.nn.GRUCell", "magnitude: overflow", "cell_matches_reference"),
    S("LSTMNaiveTanhOfCellState", "torch.nn.LSTM", "magnitude: large cell state", "matches_reference"),
    # with the gates held open c grows by 1 a step: past 50 only in the realistic tier's long sequences
    S("LSTMClipsCellStateAt50", "torch.nn.LSTM", "scale: large cell state over long sequences",
      "lstm_cell_is_unbounded_memory"),
    S("LSTMCellClipsCellStateAt50", "torch.nn.LSTMCell", "magnitude: large cell state", "cell_matches_reference"),
    S("GRUClampsInitialStateToTanhRange", "torch.nn.GRU", "magnitude: large state", "matches_reference"),
    S("RNNCellRescalesInputByMaxMagnitude", "torch.nn.RNNCell", "magnitude: exact zeros", "cell_matches_reference"),
    S("GRUCellNormalisesInputWithUnderflowingNorm", "torch.nn.GRUCell", "magnitude: subnormals",
      "cell_matches_reference"),
)
del D, S

# (target, like): the faithful drop-ins and reference modules the defects are planted in
FAITHFUL: tuple[tuple[str, str], ...] = tuple(
    (f"{TESTS / 'dropins' / 'independent.py'}:{name}", like) for name, like in (
        ("LSTM", "torch.nn.LSTM"), ("GRU", "torch.nn.GRU"), ("RNN", "torch.nn.RNN"),
        ("LSTMCell", "torch.nn.LSTMCell"), ("GRUCell", "torch.nn.GRUCell"), ("RNNCell", "torch.nn.RNNCell"),
        ("clip_grad_norm", "torch.nn.utils.clip_grad_norm_"), ("clip_grad_value", "torch.nn.utils.clip_grad_value_"))
) + tuple(
    (f"rnnspec.references.torch_modules:{name}", f"torch.nn.{name}")
    for name in ("LSTM", "GRU", "RNN", "LSTMCell", "GRUCell", "RNNCell")
)
