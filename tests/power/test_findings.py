"""The findings rnnspec publishes (README, the matrix's adapter notes), each confirmed by a small
script in tests/findings/ that shows it without rnnspec: the same weights put into the framework
and into torch or numpy, compared directly. A script prints what it measured and exits 0 with
"FINDING CONFIRMED" when the finding reproduces, 1 when it does not.

Running the scripts is the slow tier (each imports its frameworks in a process of its own, with
KERAS_BACKEND set where it matters; about two minutes in all on 2 cores); a framework that is
not installed skips its scripts with the reason. That the scripts are independent of rnnspec is
checked in the fast tier.
"""

import ast
import importlib.util
import os
import subprocess
import sys

import pytest

from locations import FINDINGS

# script -> (modules it needs, environment it runs in)
SCRIPTS: dict[str, tuple[tuple[str, ...], dict[str, str]]] = {
    # Keras 3, torch backend
    "confirm_keras_rnn_cell_float64_is_float32_torch.py": (("keras",), {"KERAS_BACKEND": "torch"}),
    "confirm_keras_layers_masked_float64_is_float32_torch.py": (("keras",), {"KERAS_BACKEND": "torch"}),
    "confirm_keras_layers_simplernn_gru_reset_before_float64_is_float32_torch.py": (("keras",),
                                                                                    {"KERAS_BACKEND": "torch"}),
    "check_keras_layers_lstm_gru_float64_is_float64_torch.py": (("keras",), {"KERAS_BACKEND": "torch"}),
    # Keras 3, JAX backend
    "confirm_keras_float64_has_float32_rounding_jax_x64.py": (("keras", "jax"), {"KERAS_BACKEND": "jax"}),
    "confirm_keras_simplernn_float64_raises_jax_x64.py": (("keras", "jax"), {"KERAS_BACKEND": "jax"}),
    "confirm_keras_float64_is_float32_jax_without_x64.py": (("keras", "jax"),
                                                            {"KERAS_BACKEND": "jax", "JAX_ENABLE_X64": "0"}),
    "confirm_keras_gru_float32_no_bias_raises_jax_x64.py": (("keras", "jax"), {"KERAS_BACKEND": "jax"}),
    # GRU forms across frameworks; Flax nnx
    "check_gru_forms.py": (("keras", "jax", "flax", "equinox"), {"KERAS_BACKEND": "torch"}),
    "confirm_flax_nnx_grucell_has_no_b_hn.py": (("jax", "flax"), {}),
    "confirm_flax_rnn_zero_length_row_is_last_padded_carry.py": (("jax", "flax"), {}),
    "confirm_flax_lstm_flushes_subnormal_cell_state.py": (("jax", "flax"), {}),
    # Haiku
    "confirm_haiku_lstm_adds_forget_bias_every_step.py": (("haiku", "jax"), {}),
    "confirm_haiku_gru_is_reset_before_form.py": (("haiku", "jax"), {}),
    "confirm_haiku_flushes_subnormals.py": (("haiku", "jax"), {}),
    # PaddlePaddle
    "confirm_paddle_rnn_reverse_grad_wrong_with_lengths_and_state.py": (("paddle",), {}),
    "confirm_paddle_rnn_without_bias_segfaults.py": (("paddle",), {}),
    "confirm_paddle_rnn_grad_needs_weights_and_train_mode.py": (("paddle",), {}),
    "confirm_paddle_gru_python_loop_raises.py": (("paddle",), {}),
    "confirm_paddle_lstmcell_proj_default_state_raises.py": (("paddle",), {}),
    "confirm_paddle_import_after_tensorflow_segfaults.py": (("paddle", "tensorflow"), {}),
    # OpenVINO (ONNX graphs) and MLX
    "confirm_openvino_cpu_default_precision_is_bf16.py": (("openvino", "onnx"), {}),
    "confirm_openvino_float64_is_float32.py": (("openvino", "onnx"), {}),
    "confirm_openvino_onnx_layout_1_ignored.py": (("openvino", "onnx"), {}),
    "confirm_openvino_dynamic_shapes_ignore_sequence_lens.py": (("openvino", "onnx"), {}),
    "confirm_mlx_float64_sigmoid_is_float32_accurate.py": (("mlx",), {}),
    # TensorFlow: tf-keras, Keras 3 on TensorFlow, tf.raw_ops
    "confirm_tensorflow_flushes_subnormal_cell_state.py": (("tensorflow", "tf_keras", "keras"),
                                                           {"KERAS_BACKEND": "tensorflow"}),
    "confirm_tf_block_lstm_v2_gradient_uses_v1_layout.py": (("tensorflow",), {}),
    # torch: TorchScript and torch.compile
    "confirm_torch_jit_script_rnn_layers_have_no_forward.py": ((), {}),
    "confirm_torch_compile_runs_rnn_layers_eagerly.py": ((), {}),
    "confirm_torch_compile_allow_rnn_lstm_raises.py": ((), {}),
}

_OURS = ("rnnspec",)


def test_every_finding_script_is_listed():
    assert sorted(p.name for p in FINDINGS.glob("*.py")) == sorted(SCRIPTS)


@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_finding_scripts_do_not_import_rnnspec(script):
    """Independent confirmation: a script imports the frameworks, torch and numpy, none of ours."""
    tree = ast.parse((FINDINGS / script).read_text())
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    ours = sorted(m for m in imported if m.split(".")[0] in _OURS)
    assert not ours, f"{script} imports {ours}: a confirmation must not go through rnnspec"


@pytest.mark.slow
@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_finding_is_confirmed_without_rnnspec(script, tmp_path):
    needs, env = SCRIPTS[script]
    missing = [m for m in needs if importlib.util.find_spec(m) is None]
    if missing:
        pytest.skip(f"{script} needs {', '.join(missing)} (pip install rnnspec[frameworks])")
    result = subprocess.run([sys.executable, str(FINDINGS / script)], env={**os.environ, **env}, cwd=tmp_path,
                            capture_output=True, text=True, timeout=600)
    shown = f"{script} (env {env}) exited {result.returncode}:\n{result.stdout}\n{result.stderr[-3000:]}"
    assert result.returncode == 0 and "FINDING CONFIRMED" in result.stdout, shown
