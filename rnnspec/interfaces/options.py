"""The options the command line, the pytest plugin, the matrix and bench share, and what they make.

Validators (argparse ``type=``): a bad value is refused before any work, in one line naming the
value. Option groups, each added with the caller's ``add`` (argparse's ``add_argument`` or pytest's
``addoption``) and prefix (``--`` or ``--rnnspec-``), so one option is written once. And what the
options make: one ``RunSettings`` (``run_settings``), a loaded target (``loaded_target``), a probed
target with its settings (``load_verify_target``). This module stays light at import (the plugin
loads it in every pytest run): torch comes in with ``rnnspec.targets``, imported when a target is.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path
from typing import Callable

from rnnspec.spec import CELLS, DTYPES, REDUCED_DTYPES, Tolerance
from rnnspec.spec.profiles import PROFILES
from rnnspec.spec.scale import BENCH_SIZES, REALISTIC, TIERS
from rnnspec.spec.settings import DEFAULT_TIMEOUT, RunSettings

__all__ = ["ArgumentError", "Parser", "seed", "positive_int", "positive_seconds", "non_negative", "writable_file", "check_report_paths",
           "cells", "names", "tiers", "rename", "sizes", "add_example_options", "add_scale_options", "add_call_options",
           "add_target_options", "add_verify_options", "add_bench_options", "run_settings", "parse_verify",
           "parse_bench", "loaded_target", "load_verify_target"]

ArgumentError = argparse.ArgumentTypeError
Add = Callable[..., object]  # argparse's add_argument or pytest's addoption


class Parser(argparse.ArgumentParser):
    """argparse, with a usage error as one line and exit 2 (argparse would print the usage first)."""

    def error(self, message):
        self.exit(2, f"{self.prog}: {message}\n")


# ---------------------------------------------------------------- validators


def _parsed(text: str, kind, what: str):
    try:
        return kind(text)
    except ValueError:
        raise ArgumentError(f"{text!r} is not {what}") from None


def seed(text: str) -> int:
    """A seed: an integer from 0 to 2**32 - 1."""
    value = _parsed(text, int, "an integer")
    if not 0 <= value < 2**32:
        raise ArgumentError(f"{value} is not in [0, 2**32 - 1]")
    return value


def positive_int(text: str) -> int:
    value = _parsed(text, int, "an integer")
    if value < 1:
        raise ArgumentError(f"{value} must be at least 1")
    return value


def positive_seconds(text: str) -> float | None:
    """A positive number of seconds; ``inf`` (or ``none``) for no limit, as None."""
    if text.strip().lower() in ("inf", "infinity", "none"):
        return None
    value = _parsed(text, float, "a number of seconds")
    if not (value > 0 and math.isfinite(value)):
        raise ArgumentError(f"{value:g} must be a positive number of seconds (or inf: no limit)")
    return value


def non_negative(text: str) -> float:
    value = _parsed(text, float, "a number")
    if not (value >= 0 and math.isfinite(value)):
        raise ArgumentError(f"{value:g} must be a finite number of at least 0")
    return value


def tiers(text: str) -> tuple[str, ...]:
    """Comma-separated tiers of cases (rnnspec.spec.scale.TIERS)."""
    chosen = names(text)
    unknown = [t for t in chosen if t not in TIERS]
    if unknown or not chosen:
        raise ArgumentError(f"{text!r}: expected some of {', '.join(TIERS)}, comma-separated")
    return tuple(dict.fromkeys(chosen))


def names(text: str) -> tuple[str, ...]:
    """Comma-separated names (checked later against what they name)."""
    return tuple(n.strip() for n in text.split(",") if n.strip())


def writable_file(text: str) -> str:
    """A report's path, checked before the run so results are not lost: a file (not a folder, a
    symbolic link, a named pipe or a device: rnnspec replaces a plain file atomically) in a folder
    that exists and is writable. Returned absolute, so a target that changes the working folder
    cannot move where the report lands."""
    if text.endswith(("/", os.sep)) or not text:
        raise ArgumentError(f"{text!r} names a folder; expected a file path")
    path = Path(text).absolute()
    if path.is_symlink():
        raise ArgumentError(f"{text} is a symbolic link; rnnspec writes a report as a file of its own, "
                            f"replacing a plain file only")
    if path.is_dir():
        raise ArgumentError(f"{text} is a folder; expected a file path")
    if path.exists() and not path.is_file():
        raise ArgumentError(f"{text} exists and is not a plain file (a named pipe or a device?); "
                            f"rnnspec replaces plain files only")
    if not path.parent.is_dir():
        raise ArgumentError(f"{text}: the folder {path.parent} does not exist")
    if not os.access(path.parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise ArgumentError(f"{text}: not writable")
    return str(path)


def check_report_paths(target: str, **paths: str | None) -> None:
    """Report paths (``json=..., html=...``, None where not given) that do not name one file twice
    and do not name the target's own source file (``path/file.py:Name`` or an imported module's
    file). ValueError naming both otherwise (exit 2)."""
    given = {name: Path(p).resolve() for name, p in paths.items() if p}
    seen: dict[Path, str] = {}
    for name, path in given.items():
        if path in seen:
            raise ValueError(f"--{seen[path]} and --{name} name the same file ({path}); give each report its own")
        seen[path] = name
    source = _source_of(target)
    for name, path in given.items():
        if source is not None and path == source:
            raise ValueError(f"--{name} {path} is the target's own source file; choose another report path")


def _source_of(target: str) -> Path | None:
    """The file the target ``path/file.py:Name`` or ``package.module:Name`` is defined in, where known."""
    where = target.split(":")[0] if ":" in target else target.rpartition(".")[0]
    if where.endswith(".py") or os.sep in where:
        return Path(where).resolve()
    module = sys.modules.get(where)
    file = getattr(module, "__file__", None) if module is not None else None
    return Path(file).resolve() if file else None


def cells(text: str) -> tuple[str, ...]:
    """Comma-separated cell kinds, each a key of rnnspec.spec.CELLS."""
    chosen = names(text)
    unknown = [n for n in chosen if n not in CELLS]
    if not chosen or unknown:
        raise ArgumentError(f"{text!r}: {', '.join(unknown) or 'no cell'} is not a cell kind; expected some of {sorted(CELLS)}")
    return chosen


def rename(text: str) -> tuple[str, str]:
    """``PATTERN=REPLACEMENT``: a regular expression over parameter names and its replacement."""
    from rnnspec.targets import TargetError  # torch: only when the option is given
    from rnnspec.targets.renaming import parse_rename

    try:
        return parse_rename(text)
    except (ValueError, TargetError) as e:
        raise ArgumentError(str(e)) from None


def sizes(text: str):
    """``B,T,I,H[;B,T,I,H...]``: the sizes bench times (rnnspec.spec.scale.BenchSize)."""
    from rnnspec.interfaces.bench import parse_sizes

    try:
        return parse_sizes(text)
    except ValueError as e:
        raise ArgumentError(str(e)) from None


# ---------------------------------------------------------------- option groups


def add_example_options(add: Add, *, prefix: str) -> None:
    """--seed, --profile, --max-examples and the scale options: which examples a run draws (verify,
    the plugin, the matrix and its worker)."""
    add(f"{prefix}seed", type=seed, default=0, help="seed of every property's examples (default 0)")
    add(f"{prefix}profile", choices=sorted(PROFILES), default="default",
        help="examples per property: " + ", ".join(f"{k} {v}" for k, v in PROFILES.items()))
    add(f"{prefix}max-examples", type=positive_int, default=None, help="override the profile's examples per property")
    add_scale_options(add, prefix=prefix)


def add_scale_options(add: Add, *, prefix: str) -> None:
    """--tiers, --max-size, --max-seq-len, --max-batch: where cases are drawn (rnnspec.spec.scale)."""
    add(f"{prefix}tiers", type=tiers, default=TIERS,
        help="tiers of cases drawn, comma-separated (default: small,realistic,magnitude; small alone stays small)")
    add(f"{prefix}max-size", type=positive_int, default=REALISTIC.max_size,
        help=f"the realistic tier's largest input, hidden and projection size (default {REALISTIC.max_size})")
    add(f"{prefix}max-seq-len", type=positive_int, default=REALISTIC.max_seq_len,
        help=f"the realistic tier's longest sequence (default {REALISTIC.max_seq_len})")
    add(f"{prefix}max-batch", type=positive_int, default=REALISTIC.max_batch,
        help=f"the realistic tier's largest batch (default {REALISTIC.max_batch})")


def add_call_options(add: Add, *, prefix: str, timeout: float | None) -> None:
    """--dtype, --device, --timeout: how the target is called (verify and the plugin; ``timeout`` the
    default: verify's DEFAULT_TIMEOUT, the plugin's none)."""
    add(f"{prefix}dtype", choices=DTYPES + REDUCED_DTYPES, default=None,
        help="draw only this dtype (default: every dtype the target claims); float16 or bfloat16 runs the "
             "reduced_precision properties only")
    add(f"{prefix}device", default=None, help="run the target on this torch device (cuda, cuda:1, mps); the "
                                              "references stay on the CPU in float64 (default: where it builds)")
    add(f"{prefix}timeout", type=positive_seconds, default=timeout,
        help="seconds one call into the target may take before it counts as hung (default "
             + (f"{timeout:g})" if timeout else "no limit)"))


def add_target_options(add: Add, *, prefix: str) -> None:
    """What the target is like and how it is built and called (verify, bench and the plugin)."""
    add(f"{prefix}like", default=None, help="the torch built-in the target is a drop-in for, e.g. torch.nn.LSTM")
    add(f"{prefix}variant", type=cells, default=None,
        help="the cell kinds it claims, comma-separated, e.g. gru_reset_before")
    add(f"{prefix}rename", action="append", type=rename, default=[], metavar="PATTERN=REPLACEMENT",
        help="map the target's parameter names to torch's: a regular expression and its replacement, applied in "
             "order (repeatable); a single wrapped submodule is found without it")
    add(f"{prefix}lengths-arg", metavar="NAME", default=None,
        help="the forward takes a padded batch and lengths under this keyword instead of a PackedSequence")
    add(f"{prefix}lengths-kind", choices=["absolute", "relative"], default="absolute",
        help="lengths as row lengths (absolute, default) or as length / padded length (relative)")
    add(f"{prefix}from-float", action="store_true",
        help="build torch's layer with the weights, then convert it with the target's from_float (torch.ao's "
             "convention, e.g. torch.ao.nn.quantized.dynamic.LSTM)")
    add(f"{prefix}lacks", type=names, default=(),
        help="options the target does not support, comma-separated (e.g. packed,proj,grad): never drawn (bench: "
             "grad skips the backward, float64 or float16 those rows)")


def add_verify_options(add: Add, *, prefix: str) -> None:
    """What verify and the plugin add: opt-ins, strictness, tolerances, known failures, reports."""
    add(f"{prefix}claims", type=names, default=(),
        help="opt-in options the target supports, comma-separated (zero_length: rows of length 0 passed as "
             "padded input with lengths=)")
    add(f"{prefix}strict", action="store_true",
        help="do not leave out options whose probe raises: the properties that draw them fail")
    add(f"{prefix}rtol", type=non_negative, default=None,
        help="approximate targets: comparisons against the reference allow at least this relative error "
             "(structural properties keep their own)")
    add(f"{prefix}atol", type=non_negative, default=None,
        help="approximate targets: comparisons against the reference allow at least this absolute error")
    add(f"{prefix}xfails", metavar="FILE", default=None,
        help="known failures: one property id a line, '# reason' after it; unmatched entries warn")
    add(f"{prefix}json", metavar="PATH", type=writable_file, default=None, help="also write the report as JSON to PATH")
    add(f"{prefix}html", metavar="PATH", type=writable_file, default=None,
        help="also write the report as one self-contained HTML page")


def add_bench_options(add: Add) -> None:
    """bench's own: sizes, mode, repeats, dtype, device, threads, --json."""
    standard = "; ".join(f"{s.batch},{s.seq_len},{s.input_size},{s.hidden_size}" for s in BENCH_SIZES)
    add("--sizes", type=sizes, action="extend", dest="sizes", metavar="B,T,I,H[;B,T,I,H...]",
        help=f"batch, steps, input and hidden size of each size timed (default: the registry's {standard})")
    add("--size", type=sizes, action="extend", dest="sizes", metavar="B,T,I,H",
        help="one size (repeatable); with --sizes, all are timed")
    add("--mode", choices=["forward", "backward", "both"], default="both",
        help="forward (no_grad), backward (forward then backward of the sum of every output) or both (default)")
    add("--repeats", type=positive_int, default=5,
        help="timed calls of each, interleaved with the native layer's; the median is reported (default 5)")
    add("--dtype", choices=DTYPES + REDUCED_DTYPES, default="float32", help="dtype of weights and inputs (default float32)")
    add("--device", default="cpu", help="where target and native layer run: a torch device (cpu, cuda, cuda:1, mps; "
                                        "default cpu)")
    add("--threads", type=positive_int, help="torch.set_num_threads(N) first (default: torch's)")
    add("--json", metavar="PATH", type=writable_file, help="also write the results as JSON to PATH")


def verify_parser(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """``parser`` with every option of ``rnnspec verify``."""
    group = parser.add_argument_group("the target")
    group.add_argument("target", help="package.module:Name, package.module.Name or path/to/file.py:Name")
    add_target_options(group.add_argument, prefix="--")
    add_example_options(parser.add_argument, prefix="--")
    add_call_options(parser.add_argument, prefix="--", timeout=DEFAULT_TIMEOUT)
    parser.add_argument("--select", action="append", help="a property id or topic (repeatable)")
    add_verify_options(parser.add_argument, prefix="--")
    parser.add_argument("--isolate", action="store_true",
                        help="run the target in a child process: os._exit, a crash or a call stuck in C code is "
                             "that property's verdict (FAILED or HUNG), and the other properties still run")
    parser.add_argument("--budget", type=positive_seconds, default=None, metavar="SECONDS",
                        help="a time limit for the whole run: once spent, the properties not yet started are "
                             "skipped, saying so, and the reports are marked partial (default: none)")
    parser.add_argument("--errors", action="store_true",
                        help="print each property's largest absolute and relative error against what it compared")
    return parser


def bench_parser(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """``parser`` with every option of ``rnnspec bench``."""
    group = parser.add_argument_group("the target")
    group.add_argument("target", help="package.module:Name, package.module.Name or path/to/file.py:Name")
    add_target_options(group.add_argument, prefix="--")
    add_bench_options(parser.add_argument)
    return parser


def without_report_options(argv: list[str]) -> list[str]:
    """verify's ``argv`` without ``--isolate``, ``--json PATH`` and ``--html PATH`` (what the child
    of ``--isolate`` runs: the parent writes the reports)."""
    out, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--isolate" or arg.startswith(("--json=", "--html=")):
            continue
        elif arg in ("--json", "--html"):
            skip = True
        else:
            out.append(arg)
    return out


def parse_verify(argv: list[str]):
    """``rnnspec verify``'s options parsed from ``argv`` (what follows ``rnnspec verify``)."""
    return verify_parser(Parser(prog="rnnspec verify")).parse_args(argv)


def parse_bench(argv: list[str]):
    """``rnnspec bench``'s options parsed from ``argv`` (what follows ``rnnspec bench``)."""
    return bench_parser(Parser(prog="rnnspec bench")).parse_args(argv)


# ---------------------------------------------------------------- what the options make


def run_settings(get: Callable[[str], object]) -> RunSettings:
    """The RunSettings the options ask for, each read by ``get(name)`` (``name`` as in RunSettings, e.g.
    ``max_examples``); an option the command does not have reads as None (the matrix has no --dtype)."""
    rtol, atol = get("rtol"), get("atol")
    tolerance = None if rtol is None and atol is None else Tolerance(rtol=rtol or 0.0, atol=atol or 0.0)
    return RunSettings(seed=get("seed"), profile=get("profile"), max_examples=get("max_examples"), dtype=get("dtype"),
                       timeout=get("timeout"), tolerance=tolerance, device=get("device"), tiers=get("tiers"),
                       max_size=get("max_size"), max_seq_len=get("max_seq_len"), max_batch=get("max_batch"))


def from_namespace(args) -> Callable[[str], object]:
    """``get`` for ``run_settings`` over argparse's parsed ``args``."""
    return lambda name: getattr(args, name, None)


def loaded_target(args):
    """The target named by the target options (verify's and bench's), not yet probed."""
    from rnnspec.targets import load_target

    if os.getcwd() not in sys.path:  # as `python -m rnnspec` would: the user's folder imports
        sys.path.insert(0, os.getcwd())
    return load_target(args.target, like=args.like, cells=args.variant, rename=tuple(args.rename),
                       lengths_argument=args.lengths_arg, lengths_kind=args.lengths_kind, from_float=args.from_float)


def load_verify_target(args, *, progress: Callable[[str], None] = lambda what: None, keep=None):
    """The target, run settings and probe results that ``rnnspec verify``'s parsed ``args`` ask for
    (the matrix builds its flagged rows the same way). TargetError, ValueError or OSError on a
    user mistake, before any property runs."""
    from rnnspec.running.probing import prepare
    from rnnspec.running.verifier import check_dtype, check_target_device, select_properties, settings_for
    from rnnspec.spec.settings import activated

    settings = run_settings(from_namespace(args))
    select_properties(args.select)
    progress(f"loading {args.target}")
    loaded = loaded_target(args)
    check_report_paths(args.target, json=args.json, html=args.html)
    with activated(settings):  # the probes' calls are timed too
        prepared = prepare(loaded, lacks=args.lacks, claims=args.claims, strict=args.strict,
                           progress=lambda what: progress(f"probing {loaded.name} ({what})"), keep=keep)
    check_dtype(prepared.target, settings.dtype)
    check_target_device(prepared.target, settings.device)
    return prepared.target, settings_for(prepared.target, settings), prepared
