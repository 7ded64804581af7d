"""TensorFlow's fused recurrent ops with CPU kernels, called under ``tf.raw_ops`` with weights built
from the canonical parameters, as rnnspec targets. ``pip install tensorflow-cpu`` (2.21.0 read and
run here; eager on CPU).

The ops (their kernels: tensorflow/core/kernels/rnn/{lstm_ops,gru_ops}.cc; what they compute was
checked here against torch with the same weights, not taken from the docstrings):
    BlockLSTM       layer, LSTM: ``tf.raw_ops.BlockLSTM(seq_len_max=T, x (T, B, I), cs_prev, h_prev, w,
                    wci, wcf, wco, b, forget_bias=0, cell_clip=-1, use_peephole=False)``; per step
                    ``[i, ci, f, o] = [x, h] @ w + b``, ``f += forget_bias``, ``cs = sigmoid(i)*tanh(ci)
                    + sigmoid(f)*cs_prev`` (clipped to +-cell_clip when cell_clip > 0), ``h = sigmoid(o)*tanh(cs)``.
                    Outputs (i, cs, f, o, ci, co, h), each (T, B, H): the adapter returns h, and
                    h[-1], cs[-1] as the final state. Gradient registered (``BlockLSTMGrad``).
    BlockLSTMV2     the same with gate layout i, f, c, o (torch's), no forget_bias, cell_clip 0 (none).
                    Its forward is exact; its registered gradient is WRONG: tensorflow/python/ops/
                    rnn_grad.py registers BlockLSTM's ``_block_lstm_grad`` (``gen_rnn_ops.block_lstm_grad``,
                    the V1 kernel, gate layout i, c, f, o) for BlockLSTMV2 too, so the tape's gradients of
                    x, h_prev, w and b are computed for the wrong layout (off by O(1) against torch; the op
                    ``BlockLSTMGradV2`` exists but is unused). The target claims ``grad`` and fails
                    ``grads_match_reference`` (tests/findings/confirm_tf_block_lstm_v2_gradient_uses_v1_layout.py).
    LSTMBlockCell   cell, LSTM: one step of BlockLSTM's equations (x (B, I), cs_prev, h_prev, ...).
                    No gradient is registered in TensorFlow 2 (``LSTMBlockCellGrad`` exists as an op,
                    but its gradient function lived in tf.contrib): ``grad`` is not claimed.
    GRUBlockCell    cell, the lecture's GRU ("gru_reset_before"): ``[r, u] = sigmoid([x, h] @ w_ru + b_ru)``,
                    ``c = tanh([x, r*h] @ w_c + b_c)``, ``h' = (1-u)*c + u*h``: the reset gate multiplies
                    h before the matrix, so it is not torch.nn.GRU's form (reset after W_hn h + b_hn);
                    it is rnnspec's "gru_reset_before" exactly. No gradient registered: not claimed.

Subnormals: TensorFlow's CPU kernels run with denormals flushed to zero, so BlockLSTM and
BlockLSTMV2 lose a subnormal cell state that a saturated-open forget gate must keep
(``lstm_saturated_gates_keep_memory`` fails in the subnormal regime;
tests/findings/confirm_tensorflow_flushes_subnormal_cell_state.py). Reported, not mapped.

Weight mapping from the canonical (torch) layout (``block_lstm_weights``, ``gru_block_weights``):
    w      = [W_ih^T; W_hh^T], (I + H, G*H): the input rows first, then the state rows
    LSTM   columns in BlockLSTM / LSTMBlockCell's order i, c, f, o (torch's i, g, f, o: blocks 0, 2, 1, 3);
           in BlockLSTMV2's i, f, c, o (torch's order as it is). b = b_ih + b_hh in the same order.
           forget_bias=0 (the ops' default is 1.0), cell_clip=-1 for BlockLSTM / LSTMBlockCell
           (their default is 3.0: cell states clipped to +-3, which torch never does; any value <= 0
           disables it) and 0 for BlockLSTMV2 (its default), use_peephole=False with wci = wcf = wco = 0.
    GRU    w_ru = [W_ih^T; W_hh^T] of torch's r, z blocks (u is torch's z: h' = (1-z)*n + z*h),
           b_ru = (b_ih + b_hh) of r, z; w_c = [W_in^T; W_hn^T], b_c = b_in + b_hn (both biases sit
           outside the reset product in this form, so folding them is exact).
    bias=False: b = 0 (what no bias computes).
Claimed: batch_first (the adapter transposes batch-major input to the ops' time-major), no_bias,
initial_state (zeros when omitted), unbatched, parameters (the canonical leaves), and grad for
BlockLSTM / BlockLSTMV2 (``tf.GradientTape`` over the registered gradient, bridged to torch's
autograd, rnnspec.targets.adapters._tf; BlockLSTMV2's fails, see above). Not claimed, and why:
  - float64: the kernels are registered for half and float32 only (GRUBlockCell float32 only):
    a float64 call raises InvalidArgumentError ("Value for attr 'T' of double is not in the list").
  - packed: BlockLSTM takes one ``seq_len_max`` for the whole batch (steps past it are zeros), no
    per-row lengths; multilayer, bidirectional: the ops are one direction of one layer (a user
    chains and reverses them).
  - grad for LSTMBlockCell and GRUBlockCell: no registered gradient (LookupError from the tape).
Not covered: ``CudnnRNN`` / ``CudnnRNNV2`` / ``CudnnRNNV3`` (kernels registered for GPU only: on CPU
"Could not find device for node: CudnnRNN"), half precision.
"""

from __future__ import annotations

import torch

from rnnspec.targets.adapters import module_getattr
from rnnspec.targets.adapters._tf import Built, tf_call, zero_state
from rnnspec.targets.base import Declaration, Target
from rnnspec.targets.calling import call_as_torch_cell, call_as_torch_layer

import tensorflow as tf  # noqa: E402  (after _tf, which quiets its logging)

__all__ = ["TfOpsTarget", "block_lstm_weights", "gru_block_weights", "TARGETS"]

_MODULE = "rnnspec.targets.adapters.tf_ops"
VERSION = f"TensorFlow {tf.__version__}"

# op -> (subject, cell kind, torch's LSTM gate blocks in the op's column order, attributes, has a gradient)
_OPS: dict[str, tuple[str, str, tuple[int, ...], dict, bool]] = {
    "BlockLSTM": ("layer", "lstm", (0, 2, 1, 3), dict(forget_bias=0.0, cell_clip=-1.0, use_peephole=False), True),
    "BlockLSTMV2": ("layer", "lstm", (0, 1, 2, 3), dict(cell_clip=0.0, use_peephole=False), True),
    "LSTMBlockCell": ("cell", "lstm", (0, 2, 1, 3), dict(forget_bias=0.0, cell_clip=-1.0, use_peephole=False),
                      False),
    "GRUBlockCell": ("cell", "gru_reset_before", (), {}, False),
}


def _stacked(params: dict, tail: str) -> tuple[torch.Tensor, torch.Tensor]:
    """([W_ih^T; W_hh^T] (I + H, G*H), b_ih + b_hh (G*H,), zeros without bias)."""
    w_ih, w_hh = params["weight_ih" + tail], params["weight_hh" + tail]
    b = params["bias_ih" + tail] + params["bias_hh" + tail] if "bias_ih" + tail in params else \
        torch.zeros(w_ih.shape[0], dtype=w_ih.dtype)
    return torch.cat([w_ih.T, w_hh.T]), b


def block_lstm_weights(params: dict, order: tuple[int, ...], *, tail: str = "") -> tuple[torch.Tensor, torch.Tensor]:
    """(w, b) of BlockLSTM / LSTMBlockCell (order (0, 2, 1, 3): i, c, f, o) or BlockLSTMV2
    ((0, 1, 2, 3): i, f, c, o) from torch's i, f, g, o blocks."""
    w, b = _stacked(params, tail)
    return torch.cat([w.chunk(4, dim=1)[k] for k in order], dim=1), torch.cat([b.chunk(4)[k] for k in order])


def gru_block_weights(params: dict, *, tail: str = "") -> tuple[torch.Tensor, ...]:
    """(w_ru, w_c, b_ru, b_c) of GRUBlockCell from torch's r, z, n blocks (reset-before form)."""
    w, b = _stacked(params, tail)
    H = w.shape[1] // 3
    return w[:, :2 * H], w[:, 2 * H:], b[:2 * H], b[2 * H:]


def _lstm_op(op: str, attrs: dict):
    def fn(x, h, c, w, b):  # x (T, B, I) time-major
        zeros = tf.zeros(h.shape[-1:], x.dtype)
        out = getattr(tf.raw_ops, op)(seq_len_max=tf.constant(x.shape[0], tf.int64), x=x, cs_prev=c, h_prev=h, w=w,
                                      wci=zeros, wcf=zeros, wco=zeros, b=b, **attrs)
        cs, hs = out[1], out[6]
        return hs, hs[-1], cs[-1]

    return fn


class _BlockLSTMLayer(Built):
    """Called as torch.nn.LSTM is (one layer, one direction)."""

    def __init__(self, config, params, op: str):
        super().__init__(params)
        self.config, self.order, self.fn = config, _OPS[op][2], _lstm_op(op, _OPS[op][3])

    def __call__(self, input, hx=None):
        return call_as_torch_layer(self._run, input, hx, batch_first=self.config.batch_first)

    def _run(self, x, state, lengths):
        if state is None:
            zeros = torch.zeros(1, x.shape[0], self.config.hidden_size, dtype=x.dtype)
            state = (zeros, zeros)
        w, b = block_lstm_weights(self.params, self.order, tail="_l0")
        hs, h, c = tf_call(self.fn, (x.transpose(0, 1), state[0][0], state[1][0]), (w, b))
        return hs.transpose(0, 1), (h[None], c[None])


class _BlockCell(Built):
    """Called as torch.nn.LSTMCell / GRUCell is: one step."""

    def __init__(self, config, params, op: str):
        super().__init__(params)
        self.config, self.op = config, op

    def __call__(self, input, hx=None):
        return call_as_torch_cell(self._run, input, hx)

    def _run(self, x, state):
        if state is None:
            state = zero_state(self.config.cell, x, self.config.hidden_size)
        if self.op == "GRUBlockCell":
            def fn(x, h, w_ru, w_c, b_ru, b_c):
                return tf.raw_ops.GRUBlockCell(x=x, h_prev=h, w_ru=w_ru, w_c=w_c, b_ru=b_ru, b_c=b_c)[3],

            return tf_call(fn, (x, state[0]), gru_block_weights(self.params))

        def fn(x, h, c, w, b):
            zeros = tf.zeros(h.shape[-1:], x.dtype)
            out = tf.raw_ops.LSTMBlockCell(x=x, cs_prev=c, h_prev=h, w=w, wci=zeros, wcf=zeros, wco=zeros, b=b,
                                           **_OPS[self.op][3])
            return out[6], out[1]

        return tf_call(fn, (x, *state), block_lstm_weights(self.params, _OPS[self.op][2]))


_CLAIMS = frozenset({"no_bias", "initial_state", "unbatched", "parameters"})


class TfOpsTarget(Target):
    """One of TensorFlow's fused ops (``op``, a key of _OPS) with weights from the canonical layout."""

    def __init__(self, *, name: str, op: str):
        subject, cell, _, attrs, has_grad = _OPS[op]
        capabilities = _CLAIMS | ({"batch_first"} if subject == "layer" else set()) | ({"grad"} if has_grad else set())
        args = ", ".join(f"{k}={v}" for k, v in attrs.items())
        notes = (f"tf.raw_ops.{op}({args}) eager on CPU, {VERSION}; float32 only (no float64 kernel)"
                 + ("" if has_grad else "; no registered gradient")
                 + ("; its registered gradient is BlockLSTM's, for the gate layout i, c, f, o, not V2's i, f, c, o "
                    "(tests/findings/confirm_tf_block_lstm_v2_gradient_uses_v1_layout.py)" if op == "BlockLSTMV2" else "")
                 + "; TensorFlow's CPU kernels flush subnormals to zero "
                   "(tests/findings/confirm_tensorflow_flushes_subnormal_cell_state.py)")
        super().__init__(Declaration(name=name, subject=subject, cells=(cell,), capabilities=capabilities,
                                     notes=notes, api=f"tf.raw_ops.{op}"))
        self.op = op

    def build(self, config, params, *, dtype, training=False):
        if self.subject == "layer":
            return _BlockLSTMLayer(config, params, self.op)
        return _BlockCell(config, params, self.op)


TARGETS: dict[str, Target] = {op: TfOpsTarget(name=f"{_MODULE}:{op}", op=op) for op in _OPS}
__getattr__ = module_getattr(_MODULE, TARGETS)  # each target a module-level name: tf_ops.BlockLSTM, ...
