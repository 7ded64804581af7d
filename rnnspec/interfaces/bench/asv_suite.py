"""asv benchmarks of your own implementation, over your project's history: what ``rnnspec bench``
times, as asv benchmarks. Your project's benchmark folder imports them in one line,

    # benchmarks/bench_rnnspec.py
    from rnnspec.interfaces.bench.asv_suite import *  # noqa: F401,F403

and its asv.conf.json names the target in a section of its own (asv ignores keys it does not use):

    "rnnspec": {"target": "mypkg.rnn:MyLSTM", "like": "torch.nn.LSTM", "sizes": "32,50,128,128"}

Each key is an option of ``rnnspec bench`` without its dashes: "target" is its TARGET (options may
follow it, as on the command line), then "like", "variant", "rename" (a list), "lengths-arg",
"from-float" (true), "lacks", "sizes", "mode", "dtype", "threads", "repeats" (the ratio's
interleaved calls). The environment variable RNNSPEC_ASV_TARGET, when set, replaces the section
with a command line (``mypkg.rnn:MyLSTM --like torch.nn.LSTM --sizes 8,20,32,32``).

The configuration is the asv.conf.json (or .jsonc) of the benchmark module's folder or the nearest
folder above it (or of ASV_CONF_DIR, where asv sets it). asv runs each benchmark in a temporary
folder: a relative ``path/file.py:Name`` starts at the configuration's folder, and that folder
comes last on ``sys.path``, so a package in it imports when it is not installed (with
``--python=same``, check out each commit before recording it); an installed one comes first, as
asv installs each commit into the environments it builds.

The benchmarks, over the sizes (B,T,I,H) and modes (forward, backward):

- ``TimeTarget.time_call``: one call of the target, as ``rnnspec bench`` calls it;
- ``TimeNative.time_call``: torch's native layer with the same weights: the control, which moves
  with the machine, not with your code;
- ``TrackRatio.track_target_over_native``: bench's ratio, target time / native time, the median of
  interleaved calls (above 1: the target is slower), which a machine slower as a whole leaves be.

A row the target cannot run is skipped with bench's reason (asv's skip: NotImplementedError in
``setup``); a target that cannot be loaded fails every benchmark with the loading error.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import io
import json
import os
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from rnnspec.spec.settings import check_device
from rnnspec.spec.scale import BENCH_SIZES, BenchSize

from .measure import MODES, capability_skip, first_line, bench, calls, native_for, parse_sizes

__all__ = ["TimeTarget", "TimeNative", "TrackRatio"]  # what `import *` brings into the user's benchmark module

SECTION = "rnnspec"  # the key of asv.conf.json that names the target
ENV_VAR = "RNNSPEC_ASV_TARGET"  # a command line that replaces the section
CONFIG_FILES = ("asv.conf.json", "asv.conf.jsonc")  # what asv reads when no --config is given


@dataclass(frozen=True)
class SuiteConfig:
    """Where the benchmarks' target comes from."""

    arguments: tuple[str, ...]  # rnnspec bench's arguments: TARGET, then options
    folder: Path  # where relative paths start: the asv configuration's folder
    source: str  # where they were read, for messages


def section_arguments(section: Mapping, *, source: str) -> tuple[str, ...]:
    """asv.conf.json's "rnnspec" section as ``rnnspec bench``'s arguments: "target" split as a
    command line, then ``--KEY VALUE`` for each other key (a list: the option repeated; true: the
    flag alone). ValueError naming what is wrong."""
    if not isinstance(section, Mapping) or not isinstance(section.get("target"), str):
        raise ValueError(f'{source}: "{SECTION}" must be an object with a "target" string, e.g. '
                         f'{{"target": "mypkg.rnn:MyLSTM", "like": "torch.nn.LSTM"}}; got {section!r}')
    arguments = shlex.split(section["target"])
    for key, value in section.items():
        if key == "target":
            continue
        if key in ("json", "help"):
            raise ValueError(f'{source}: "{SECTION}" key {key!r} is not for asv (asv keeps the results)')
        option = "--" + key.replace("_", "-")
        if value is True:
            arguments.append(option)
        elif isinstance(value, (str, int, float)) and value is not False:
            arguments += [option, str(value)]
        elif isinstance(value, list) and all(isinstance(v, (str, int, float)) for v in value):
            for v in value:
                arguments += [option, str(v)]
        else:
            raise ValueError(f'{source}: "{SECTION}" key {key}={value!r} must be a string, a number, a list of '
                             f'them, or true')
    return tuple(arguments)


def _read_json(path: Path) -> dict:
    """An asv configuration: JSON, or JSON with comments read as asv reads it (json5, asv's own
    dependency) where json5 is installed."""
    text = path.read_text(encoding="utf-8")
    try:
        return json.loads(text)
    except ValueError as plain:
        try:
            import json5
        except ImportError:
            raise ValueError(f"{path}: {plain} (comments need the json5 package, which asv installs; or set "
                             f"{ENV_VAR})") from None
        return json5.loads(text)


def config_file(start: Path, environ: Mapping[str, str] = os.environ) -> Path | None:
    """The asv configuration of the benchmarks: in ``ASV_CONF_DIR`` where asv sets it (the
    environments it builds; not ``--python=same``, whose benchmark processes get no ASV_*
    variables in asv 0.6), else the first of ``start`` (the benchmark module's folder) and its
    parents that holds asv.conf.json (or .jsonc); None where there is none."""
    folders = [Path(environ["ASV_CONF_DIR"])] if environ.get("ASV_CONF_DIR") else [start, *start.parents]
    for folder in folders:
        for name in CONFIG_FILES:
            if (folder / name).is_file():
                return folder / name
    return None


def read_config(start: Path, environ: Mapping[str, str] = os.environ) -> SuiteConfig | None:
    """The target's arguments: ``RNNSPEC_ASV_TARGET`` when set, else the "rnnspec" section of the
    asv configuration (``config_file``); None where neither names one. ValueError for a section
    that is malformed."""
    path = config_file(start, environ)
    folder = start if path is None else path.parent
    if environ.get(ENV_VAR, "").strip():
        return SuiteConfig(tuple(shlex.split(environ[ENV_VAR])), folder, f"${ENV_VAR}")
    if path is None:
        return None
    conf = _read_json(path)
    if SECTION not in conf:
        return None
    return SuiteConfig(section_arguments(conf[SECTION], source=str(path)), folder, str(path))


def parse(config: SuiteConfig) -> argparse.Namespace:
    """``config``'s arguments parsed as ``rnnspec bench`` parses its own, a relative target file
    made absolute from the configuration's folder. ValueError with bench's message for a bad one."""
    from rnnspec.interfaces.options import parse_bench  # one grammar: bench's options, validated by bench's parser

    stderr = io.StringIO()
    try:
        with contextlib.redirect_stderr(stderr):
            args = parse_bench(config.arguments)
    except SystemExit:
        message = stderr.getvalue().strip().removeprefix("rnnspec: ").removeprefix("rnnspec bench: ")
        raise ValueError(f"{config.source}: {message} (in {shlex.join(config.arguments)!r})") from None
    where, colon, name = args.target.rpartition(":")
    if colon and where.endswith(".py") and not Path(where).is_absolute():
        args.target = f"{config.folder / where}:{name}"
    return args


def sizes_of(args: argparse.Namespace | None) -> tuple[BenchSize, ...]:
    """The sizes the benchmarks run at: the configuration's, else the registry's BENCH_SIZES."""
    return tuple(args.sizes) if args is not None and args.sizes else BENCH_SIZES


def _labels(sizes) -> list[str]:
    return [f"{s.batch},{s.seq_len},{s.input_size},{s.hidden_size}" for s in sizes]


def _importer() -> Path:
    """The folder of the module importing this one (the user's benchmark module, whose
    ``import *`` runs it), where the search for asv's configuration starts; else the current one."""
    frame = sys._getframe(1)
    while frame is not None:
        name, file = frame.f_globals.get("__name__", ""), frame.f_globals.get("__file__")
        if file and name != __name__ and not name.startswith("importlib"):
            return Path(file).resolve().parent
        frame = frame.f_back
    return Path.cwd()


def _declared(start: Path, environ: Mapping[str, str] = os.environ, *, under_asv: bool):
    """(config or None, parsed arguments or None): read once, when asv imports the benchmarks;
    ValueError saying what to add where asv runs them without a target."""
    config = read_config(start, environ)
    if config is None and under_asv:
        where = config_file(start, environ) or f"{CONFIG_FILES[0]} (none found from {start} up)"
        raise ValueError(f'rnnspec.interfaces.bench.asv_suite: no target: add "{SECTION}": {{"target": "mypkg.rnn:MyLSTM", '
                         f'"like": "torch.nn.LSTM"}} to {where}, or set {ENV_VAR}="mypkg.rnn:MyLSTM --like '
                         f'torch.nn.LSTM"')
    return config, None if config is None else parse(config)


_CONFIG, _ARGS = _declared(_importer(), under_asv="asv_runner" in sys.modules)  # asv's runner imports it first
_SIZES = _labels(sizes_of(_ARGS))
_MODES = list(MODES) if _ARGS is None or _ARGS.mode == "both" else [_ARGS.mode]


@dataclass(frozen=True)
class Loaded:
    """The target as ``rnnspec bench`` loads it, and what it is timed against."""

    prepared: object  # rnnspec.running.probing.Prepared: the target, probed, and what probing left out
    native: object  # torch's built-in it is like (rnnspec.interfaces.bench.native_for)
    args: argparse.Namespace  # bench's parsed arguments (dtype, repeats, ...)


def load(config: SuiteConfig) -> Loaded:
    """``config``'s target loaded, probed and paired with its native layer, as ``rnnspec bench``
    does; TargetError where it cannot be (every benchmark then fails with it)."""
    import torch

    from rnnspec.interfaces.options import loaded_target
    from rnnspec.running.probing import prepare

    args = parse(config)
    if args.threads:
        torch.set_num_threads(args.threads)
    if str(config.folder) not in sys.path:
        sys.path.append(str(config.folder))  # last: an installed package wins over the working tree
    loaded = loaded_target(args)
    return Loaded(prepare(loaded, lacks=args.lacks, keep=frozenset()), native_for(loaded), args)


@functools.lru_cache(maxsize=None)
def _current() -> Loaded:
    """The configured target, loaded once per benchmark process."""
    if _CONFIG is None:
        raise RuntimeError(f'rnnspec.interfaces.bench.asv_suite has no target: name one in asv.conf.json\'s "{SECTION}" section '
                           f'or in {ENV_VAR} (see the module docstring)')
    return load(_CONFIG)


def row_calls(loaded: Loaded, size: str, mode: str) -> dict:
    """bench's {"target": call, "native": call} for one row (``size`` as B,T,I,H), each called once
    (the warm-up); NotImplementedError (asv's skip) with bench's reason where the row cannot run."""
    prepared, native, args = loaded.prepared, loaded.native, loaded.args
    reason = capability_skip(prepared.target, mode=mode, dtype=args.dtype, probed=prepared.refused)
    if reason is not None:
        raise NotImplementedError(reason)
    try:
        runs = calls(prepared.target, native, size=parse_sizes(size)[0], mode=mode, dtype=args.dtype,
                     device=check_device(args.device))
    except Exception as e:  # the target cannot be built at this size, as bench would report it
        raise NotImplementedError(f"building the target and native {native.name} raised {first_line(e)}") from e
    for who, run in runs.items():
        try:
            run()
        except Exception as e:  # the target refuses this size
            name = "target" if who == "target" else f"native {native.name}"
            raise NotImplementedError(f"{name} raised {first_line(e)}") from e
    return runs


def row_ratio(loaded: Loaded, size: str, mode: str) -> float:
    """bench's ratio for one row, target time / native time; NotImplementedError with bench's
    reason where the row is skipped."""
    prepared, args = loaded.prepared, loaded.args
    (row,) = bench(prepared.target, native=loaded.native, sizes=parse_sizes(size), modes=(mode,), dtype=args.dtype,
                   repeats=args.repeats, device=check_device(args.device), probed=prepared.refused)
    if row.status != "measured":
        raise NotImplementedError(row.reason)
    return row.ratio


class _Row:
    params = [_SIZES, _MODES]
    param_names = ["size", "mode"]  # size: B,T,I,H as --sizes writes it
    timeout = 900  # a step loop in Python at I=H=1024 takes seconds a call


class _Timed(_Row):
    number = 1  # one call is long enough to time alone
    repeat = (3, 10, 20.0)  # at least 3 samples, at most 10 or 20 s
    warmup_time = 0  # setup made one call already
    who: str  # "target" or "native": which of the row's calls is timed

    def setup(self, size, mode):
        self.run = row_calls(_current(), size, mode)[self.who]

    def time_call(self, size, mode):
        self.run()


class TimeTarget(_Timed):
    """One call of the target (forward; or forward, then backward of the sum of every output)."""

    who = "target"


class TimeNative(_Timed):
    """One call of torch's native layer with the target's weights: the control."""

    who = "native"


class TrackRatio(_Row):
    """Target time / native time, the median of interleaved calls (``rnnspec bench``'s ratio)."""

    unit = "target/native"

    def setup(self, size, mode):
        self.ratio = row_ratio(_current(), size, mode)

    def track_target_over_native(self, size, mode):
        return self.ratio

