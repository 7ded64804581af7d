"""Probing: which options a drop-in supports, found by trying each once before the properties.

Most properties draw several options into one case (packed and bidirectional and a stack), so an
option a target lacks would fail nearly every property. Before the properties, ``probe`` builds
and calls the target once on a small case per option it claims; an option whose construction
or call raises in the target's own code is "not supported" (reported once, with the error) and
``narrowed`` leaves it out of every draw. An option the target accepts and then computes wrongly
is not probed out: the properties catch it (accepting ``proj_size`` and ignoring ``weight_hr``
fails). A target that cannot run even the plainest case cannot be used as declared.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass, field, replace
from typing import Callable


from rnnspec.cases import CellCase, LayerCase
from rnnspec.checking.capture import descriptors_captured
from rnnspec.checking.failures import PropertyFailure
from rnnspec.checking.reduced import in_dtype
from rnnspec.checking.calls import build, call_cell, call_layer, loss
from rnnspec.spec import REDUCED_DTYPES, CellConfig, LayerConfig, capabilities_of, cell_kind
from rnnspec.checking.states import tensors
from rnnspec.targets import Target, TargetError, TorchLikeTarget
from rnnspec.checking.timeouts import TargetHung, backward

__all__ = ["ProbeResult", "probe", "narrowed", "Narrowed", "Prepared", "prepare", "first_line"]


@dataclass(frozen=True)
class ProbeResult:
    unusable: str | None = None  # why the plainest case cannot run (None: it runs)
    unsupported: dict[str, str] = field(default_factory=dict)  # capability -> the error its probe raised
    hung: bool = False  # a probe's call did not return (its thread may still be inside the target)


def _layer_case(target: Target, option: str | None) -> tuple[LayerCase, bool]:
    """A small case using ``option`` (and nothing else), and whether it is run in training mode."""
    cell = "lstm" if option == "proj" and "lstm" in target.cells else target.cells[0]
    config = LayerConfig(cell, input_size=3, hidden_size=4)
    # one step: what a target refuses, it refuses at once; a defect that only crashes from the second
    # step on (a projection accepted and then ignored) is left to the properties, which report it
    case = LayerCase(config=config, dtype="float32", batch=2, seq_len=1, lengths=None, unbatched=False,
                     with_state=False, seed=0, scale=1.0)
    changes = {
        "multilayer": dict(config=config.replace(num_layers=2)),
        "bidirectional": dict(config=config.replace(bidirectional=True)),
        "batch_first": dict(config=config.replace(batch_first=True)),
        "no_bias": dict(config=config.replace(bias=False)),
        "proj": dict(config=config.replace(proj_size=2)) if cell_kind(cell).supports_proj else None,
        "dropout": dict(config=config.replace(num_layers=2, dropout=0.5)),
        "initial_state": dict(with_state=True),
        "unbatched": dict(unbatched=True, batch=1),
        "packed": dict(lengths=(1, 1)),
        "float64": dict(dtype="float64", with_state=True),  # breaking only without a state is a defect, not this
        "float16": dict(with_state=True),  # the same for the reduced dtypes (built and called in them: _try)
        "bfloat16": dict(with_state=True),
    }
    return case.replace(**(changes.get(option) or {})), option == "dropout"  # other options: the plain case


def _cell_case(target: Target, option: str | None) -> CellCase:
    case = CellCase(config=CellConfig(target.cells[0], input_size=3, hidden_size=4), dtype="float32", batch=2,
                    seq_len=1, unbatched=False, with_state=False, seed=0, scale=1.0)
    changes = {"no_bias": dict(config=CellConfig(target.cells[0], 3, 4, bias=False)), "initial_state": dict(with_state=True),
               "unbatched": dict(unbatched=True, batch=1), "float64": dict(dtype="float64")}
    return case.replace(**changes.get(option, {}))


def _try(target: Target, option: str | None) -> None:
    """Build and call the target once on the case of ``option``; raises what the target raises."""
    grad = option == "grad"
    reduced = option if option in REDUCED_DTYPES else None  # the plain float32 case, built and called in it
    if target.subject == "layer":
        case, training = _layer_case(target, option)
        module = build(target, case, training=training, dtype=reduced)
        x = _in(case.input(), reduced, requires_grad=grad)
        run = call_layer(module, case, x, _in(case.state(), reduced))
    else:
        case = _cell_case(target, option)
        module = build(target, case, dtype=reduced)
        x = _in(case.inputs()[0], reduced, requires_grad=grad)
        run = call_cell(module, case, x, _in(case.state(), reduced))
    if option == "parameters":
        dict(module.named_parameters())
    if grad:
        backward(loss(case, run))  # timed, like every call into the target


def _in(arrays, reduced: str | None, *, requires_grad: bool = False):
    return tensors(arrays, requires_grad=requires_grad) if reduced is None else in_dtype(arrays, reduced)


def _raised_by_target(e: BaseException) -> bool:
    """Whether the target's own code refused: it raised, or its constructor did (a TargetError
    with the constructor's error as its cause). A name or shape that differs from torch's layout
    is not a refusal but a broken declaration."""
    return not isinstance(e, (PropertyFailure, TargetError)) or e.__cause__ is not None


def first_line(e: BaseException) -> str:
    """What raised, in one line: a TargetError's cause (the target's own exception) as
    ``Type: first line of its message``, or the type alone when the message is empty."""
    cause = e.__cause__ if isinstance(e, TargetError) and e.__cause__ is not None else e
    text = str(cause).strip()
    return f"{type(cause).__name__}: {text.splitlines()[0]}" if text else type(cause).__name__


def probe(target: Target, *, progress: Callable[[str], None] = lambda what: None) -> ProbeResult:
    """Try the plainest case, then each option the target claims (for layer and cell targets), one
    step of a batch of two each. An option is not supported when its construction or call raises
    in the target's own code; one that runs and returns something wrong is not probed out."""
    if target.subject not in ("layer", "cell"):
        return ProbeResult()
    try:
        progress("the plainest case")
        _try(target, None)
    except TargetHung as e:
        return ProbeResult(unusable=f"the plainest case hangs: {e}", hung=True)
    except Exception as e:
        if isinstance(e, PropertyFailure):  # it runs, and returns something wrong: the properties say what
            pass
        else:
            return ProbeResult(unusable=f"the plainest case ({target.cells[0]}, input 3, hidden 4, no options) "
                                        f"raised {first_line(e)}")
    unsupported = {}
    options = sorted(set(target.capabilities) & set(capabilities_of(target.subject)))
    for k, option in enumerate(options, 1):
        progress(f"option {k}/{len(options)}: {option}")
        try:
            _try(target, option)
        except TargetHung:  # a hang is a defect, not a missing option: the properties report it; stop here
            return ProbeResult(unsupported=unsupported, hung=True)
        except Exception as e:
            if _raised_by_target(e):
                unsupported[option] = first_line(e)
    return ProbeResult(unsupported=unsupported)


class Narrowed(Target):
    """A target with some capabilities taken away (declared lacking, or probed out) or opt-in ones
    added (declared with ``--claims``); it builds as the target it adjusts and reads as it for
    anything else (``factory``, ``like``...)."""

    def __init__(self, inner: Target, *, lacks: frozenset[str], declared: frozenset[str], claims: frozenset[str],
                 notes: str):
        d = inner.declaration
        super().__init__(replace(d, capabilities=(d.capabilities | claims) - lacks,
                                 notes="; ".join(filter(None, (d.notes, notes)))))
        self.inner, self.lacks, self.declared_lacks, self.claims = inner, lacks, declared, claims

    def build(self, config, params, *, dtype, training: bool = False):
        return self.inner.build(config, params, dtype=dtype, training=training)

    def cli_args(self) -> str:
        args = self.inner.cli_args()
        args += " --lacks " + ",".join(sorted(self.declared_lacks)) if self.declared_lacks else ""
        return args + (" --claims " + ",".join(sorted(self.claims)) if self.claims else "")

    def __getattr__(self, name):  # factory, like's extras: the inner target's
        if name.startswith("_") or name in ("inner", "lacks", "declared_lacks", "claims"):
            raise AttributeError(name)
        return getattr(self.inner, name)


def narrowed(target: Target, *, lacks=(), probed: dict[str, str] | None = None, claims=()) -> Target:
    """``target`` without the capabilities ``lacks`` (the user's declaration; each must be one of its
    subject's capabilities) and those ``probed`` out, with the opt-in capabilities ``claims``
    (``zero_length``, ...) added. The target itself when nothing changes."""
    known = capabilities_of(target.subject)
    unknown = sorted(set(lacks) - set(known))
    if unknown:
        raise ValueError(f"--lacks {','.join(unknown)}: not options of a {target.subject} target; "
                         f"expected some of {sorted(known)}")
    opt_in = sorted(set(capabilities_of(target.subject, opt_in=True)) - set(known))
    if set(claims) - set(opt_in):
        raise ValueError(f"--claims {','.join(sorted(set(claims) - set(opt_in)))}: not opt-in options of a "
                         f"{target.subject} target; expected some of {opt_in} (the others are claimed by default)")
    declared = frozenset(lacks) & target.capabilities
    gone = declared | frozenset(probed or ())
    added = frozenset(claims) - target.capabilities
    if not gone and not added:
        return target
    notes = f"probed out: {', '.join(sorted(probed))}" if probed else ""
    return Narrowed(target, lacks=gone, declared=declared, claims=added, notes=notes)


@dataclass(frozen=True)
class Prepared:
    target: Target  # what the properties run on (narrowed by --lacks and by probing)
    unsupported: dict[str, str]  # capabilities probed out, with the error each probe raised
    lacks: tuple[str, ...]  # capabilities the user declared lacking
    hung: bool = False  # a probe hung: a thread may still be inside the target
    kept: dict[str, str] = field(default_factory=dict)  # refused by the probe but kept in (``grad``): their properties fail

    @property
    def refused(self) -> dict[str, str]:
        """Every option the probes refused (left out or kept), with the error each raised."""
        return {**self.unsupported, **self.kept}


def prepare(target: Target, *, lacks=(), claims=(), strict: bool = False,
            progress: Callable[[str], None] = lambda what: None, keep: frozenset[str] | None = None) -> Prepared:
    """The target as the user asked for it: without ``lacks``; probed when it is a torch drop-in
    that claims every option by default (its options left out where they raise, unless ``strict``:
    then a refused option fails the properties that draw it; ``grad`` is never left out, unless
    ``keep`` says otherwise: bench, which times what runs, passes ``keep=frozenset()``).
    TargetError when even the plainest case cannot run: the target cannot be used as declared."""
    declared = narrowed(target, lacks=lacks, claims=claims)
    if not isinstance(target, TorchLikeTarget):
        return Prepared(declared, {}, tuple(sorted(lacks)))
    with warnings.catch_warnings(), descriptors_captured(io.StringIO()):
        warnings.simplefilter("ignore")  # the properties report what the target prints; the probes only try
        result = probe(declared, progress=progress)
    if result.unusable:
        raise TargetError(f"{target.name} cannot be used as {target.like}: {result.unusable}")
    # a torch drop-in has gradients, as every torch layer has: a backward that raises is a defect to
    # report (the gradient properties fail), not an option to leave out; --lacks grad declares it
    kept = {option: why for option, why in result.unsupported.items() if option in (ALWAYS_KEPT if keep is None else keep)}
    probed = {option: why for option, why in result.unsupported.items() if option not in kept}
    final = declared if strict else narrowed(target, lacks=lacks, probed=probed, claims=claims)
    return Prepared(final, probed, tuple(sorted(lacks)), result.hung, kept)


ALWAYS_KEPT = frozenset({"grad"})  # capabilities of a torch drop-in that probing never leaves out
