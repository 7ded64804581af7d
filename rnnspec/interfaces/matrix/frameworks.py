"""The frameworks the matrix knows: what to import, which distribution's version to report, and
which targets to run (the adapter modules' own ``TARGETS`` mappings, never a list kept here)."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Framework", "FRAMEWORKS", "select_frameworks"]

_TORCH_BUILTINS = ("torch.nn.RNN", "torch.nn.LSTM", "torch.nn.GRU", "torch.nn.RNNCell", "torch.nn.LSTMCell",
                   "torch.nn.GRUCell", "torch.nn.utils.clip_grad_norm_", "torch.nn.utils.clip_grad_value_")


_QUANTIZABLE_RENAMES = " ".join(
    f"--rename '^layers\\.(\\d+)\\.layer_{way}\\.cell\\.{gates}\\.(weight|bias)$=\\2_{kind}_l\\1{suffix}'"
    for way, suffix in (("fw", ""), ("bw", "_reverse")) for gates, kind in (("igates", "ih"), ("hgates", "hh")))
_TORCH_AO = (f"torch.ao.nn.quantizable.LSTM --like torch.nn.LSTM {_QUANTIZABLE_RENAMES} --lacks dropout",
             "torch.ao.nn.quantized.dynamic.LSTM --like torch.nn.LSTM --from-float --lacks grad --atol 0.05",
             "torch.ao.nn.quantized.dynamic.GRU --like torch.nn.GRU --from-float --lacks grad --atol 0.05")


@dataclass(frozen=True)
class Framework:
    package: str  # the distribution whose version the matrix reports
    adapter: str | None = None  # a module of rnnspec.targets.adapters whose TARGETS are run
    prefix: str | tuple[str, ...] = ""  # only the adapter's targets whose name starts with this (one of these)
    exclude: str | None = None  # ... and does not start with this
    env: dict[str, str] = field(default_factory=dict)  # set in the framework's process
    commands: tuple[str, ...] = ()  # targets with flags, as typed after `rnnspec verify` (real code, no glue)
    requires: str | None = None  # a module that must import for the framework to count as installed
    alternatives: tuple[str, ...] = ()  # other distributions of the same import (tensorflow, tensorflow-cpu)

    def version(self) -> str | None:
        """The installed version of ``package``, or of the first of ``alternatives`` installed; None if none is."""
        import importlib.metadata

        for distribution in (self.package, *self.alternatives):
            try:
                return importlib.metadata.version(distribution)
            except importlib.metadata.PackageNotFoundError:
                continue
        return None

    def target_commands(self) -> list[str]:
        """What follows ``rnnspec verify`` for each target (imports the framework: call it in its process)."""
        import importlib

        if self.requires:
            importlib.import_module(self.requires)
        found = []
        if self.adapter is not None:
            from rnnspec.targets.adapters import targets_of

            found = [f"rnnspec.targets.adapters.{self.adapter}:{name}" for name in targets_of(self.adapter)
                     if name.startswith(self.prefix) and not (self.exclude and name.startswith(self.exclude))]
        return found + list(self.commands)


FRAMEWORKS: dict[str, Framework] = {
    "torch": Framework("torch", commands=_TORCH_BUILTINS),
    "torchscript": Framework("torch", "torch_compile", prefix=("Traced", "Scripted")),
    # CompiledUnrolled*: Dynamo's allow_rnn costs ~3 s of compilation per shape, so not in the matrix
    "torch.compile": Framework("torch", "torch_compile", prefix="Compiled", exclude="CompiledUnrolled"),
    "keras-torch": Framework("keras", "keras", env={"KERAS_BACKEND": "torch"}),
    "keras-jax": Framework("keras", "keras", env={"KERAS_BACKEND": "jax"}),
    "keras-tensorflow": Framework("keras", "keras", env={"KERAS_BACKEND": "tensorflow"}, requires="tensorflow"),
    "flax.linen": Framework("flax", "flax_linen"),
    "flax.nnx": Framework("flax", "flax_nnx"),
    "equinox": Framework("equinox", "equinox"),
    "onnxruntime": Framework("onnxruntime", "onnxruntime"),
    # ONNX's RNN / LSTM / GRU nodes built from the canonical parameters: run by ONNX Runtime, and by
    # ONNX's reference evaluator (numpy), each under the version of what runs it
    "onnx-ops-ort": Framework("onnxruntime", "onnx_ops", prefix="Ort"),
    "onnx-reference": Framework("onnx", "onnx_ops", prefix="Reference"),
    "torchrl": Framework("torchrl", "torchrl", commands=("torchrl.modules.LSTM --like torch.nn.LSTM",
                                                        "torchrl.modules.GRU --like torch.nn.GRU")),
    # torch.ao: the quantizable LSTM under its own parameter names, and int8 dynamic quantization
    # (approximate: reference comparisons within 0.05; structure keeps the registry's thresholds)
    # TensorFlow's own: Keras 2 layers through tf-keras, and the fused ops under tf.raw_ops
    "tf-keras": Framework("tf-keras", "tf_keras", env={"TF_USE_LEGACY_KERAS": "1"}),
    "tensorflow-ops": Framework("tensorflow", "tf_ops", alternatives=("tensorflow-cpu",)),
    "haiku": Framework("dm-haiku", "haiku"),
    "paddle": Framework("paddlepaddle", "paddle"),
    # the onnx_ops graphs run by OpenVINO's CPU runtime
    "openvino": Framework("openvino", "openvino"),
    "mlx": Framework("mlx", "mlx"),
    "torch.ao": Framework("torch", requires="torch.ao.nn.quantizable", commands=_TORCH_AO),
}


def select_frameworks(names) -> list[str]:
    """Framework names for ``--frameworks``: exact names, or else a prefix before '-' or '.'
    (``keras`` is every Keras backend, ``flax`` both Flax APIs); None: every one. ValueError for a
    name that matches none."""
    if names is None:
        return list(FRAMEWORKS)
    chosen = []
    for name in names:
        matched = [name] if name in FRAMEWORKS else [f for f in FRAMEWORKS if f.split("-")[0].split(".")[0] == name]
        if not matched:
            raise ValueError(f"--frameworks {name!r} matches none of {sorted(FRAMEWORKS)}")
        chosen += [f for f in matched if f not in chosen]
    return chosen
