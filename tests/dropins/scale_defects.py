"""Planted defects that live where real kernels break and the small tier (sizes <= 6, 6 steps,
4 rows, 2 layers, plain magnitudes) cannot reach: tile remainders, size-dispatched fast paths,
sequence chunks, micro-batches, deep stacks, large packed batches, truncated backprop, and the
magnitudes that break activations and buffers (overflow, large states, exact zeros, subnormals).

Each is a faithful drop-in (independent.py) with one thing broken, written without rnnspec.
tests/defect_catalogue.py lists them (file=SCALE) with the property that must catch them at the
default profile, whose realistic and magnitude tiers (rnnspec.spec.scale) reach them; the small
tier alone passes them all.
"""

import torch

from independent import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell

TILE = 16  # units per tile of the gate kernels below
FEATURE_TILE = 32  # input features per tile
CHUNK = 32  # steps per chunk of the sequence kernels
MICRO_BATCH = 8  # rows per micro-batch


def _remainder(n: int, tile: int) -> int:
    """Where the last, partial tile of ``n`` starts, when there are full tiles before it (else n)."""
    full = n // tile * tile
    return full if 0 < full < n else n


def _in_chunks(run, x, state, w, lengths, reverse, *, size, boundary):
    """``run`` over chunks of ``size`` steps, in the direction's order, the state passed from one
    chunk to the next through ``boundary`` (faithful when it returns the state unchanged)."""
    starts = list(range(0, x.shape[0], size))
    outs = {}
    for k, a in enumerate(reversed(starts) if reverse else starts):
        if k:
            state = boundary(state)
        outs[a], state = run(x[a:a + size], state, w, lengths - a, reverse)
    return torch.cat([outs[a] for a in starts]), state


class _CellOf:
    """A cell whose step is that of ``step_of``, a layer drop-in carrying the defect."""

    step_of = None

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh"):  # the cells' own signature
        super().__init__(input_size, hidden_size, bias, nonlinearity)
        self.inner.__class__ = self.step_of


# --- tile remainders ----------------------------------------------------------------------------
class LSTMRemainderTileReadsFirstTile(LSTM):
    """Gate units in tiles of 16: the epilogue for the partial last tile (hidden sizes past 16 and
    not a multiple of it) reads its gate rows from offset 0 instead of from the tile's start."""

    def pre(self, x, h, w):
        gi, gh = super().pre(x, h, w)
        H = gh.shape[-1] // 4
        start = _remainder(H, TILE)
        if start < H:
            idx = torch.arange(4 * H).view(4, H)
            idx[:, start:] = idx[:, : H - start].clone()
            gi, gh = gi[..., idx.reshape(-1)], gh[..., idx.reshape(-1)]
        return gi, gh


class GRUInputTailPastLastTileIgnored(GRU):
    """Input features in tiles of 32: the features past the last full tile (input sizes past 32 and
    not a multiple of it) are never multiplied in."""

    def pre(self, x, h, w):
        start = _remainder(x.shape[-1], FEATURE_TILE)
        x = torch.cat([x[..., :start], torch.zeros_like(x[..., start:])], -1)
        return super().pre(x, h, w)


class LSTMCellRemainderTileNotWritten(LSTMCell):
    """Hidden units in tiles of 16: the partial last tile is never launched (H // 16 blocks), so its
    units of h' and c' are left as the zeros the buffers were allocated with."""

    def forward(self, input, hx=None):
        h, c = super().forward(input, hx)
        start = _remainder(h.shape[-1], TILE)
        keep = (torch.arange(h.shape[-1]) < start).to(h.dtype)
        return h * keep, c * keep


# --- size-dispatched fast paths -----------------------------------------------------------------
class LSTMWideFastPathWithoutRecurrentBias(LSTM):
    """Hidden sizes of 32 and more take a fused kernel that adds b_ih but forgets b_hh."""

    def pre(self, x, h, w):
        w_ih, w_hh, b_ih, b_hh, _ = w
        if w_hh.shape[0] // 4 < 32 or b_hh is None:
            return super().pre(x, h, w)
        return x @ w_ih.t() + b_ih, h @ w_hh.t()


class GRUWideInputFastPathSwapsResetUpdate(GRU):
    """Input sizes of 128 and more take a GEMM path that lays out the input projection's gates as
    (z, r, n) where the rest of the layer reads (r, z, n)."""

    def pre(self, x, h, w):
        gi, gh = super().pre(x, h, w)
        if x.shape[-1] >= 128:
            r, z, n = gi.chunk(3, -1)
            gi = torch.cat([z, r, n], -1)
        return gi, gh


class GRUCellWideInputFastPathSwapsResetUpdate(_CellOf, GRUCell):
    """The cell of GRUWideInputFastPathSwapsResetUpdate: input sizes of 128 and more swap r and z."""

    step_of = GRUWideInputFastPathSwapsResetUpdate


class _RNNWideWithoutRecurrentBias(RNN):
    def pre(self, x, h, w):
        w_ih, w_hh, b_ih, b_hh, _ = w
        if w_hh.shape[0] < 64 or b_hh is None:
            return super().pre(x, h, w)
        return x @ w_ih.t() + b_ih, h @ w_hh.t()


class RNNCellWideFastPathWithoutRecurrentBias(_CellOf, RNNCell):
    """Hidden sizes of 64 and more take a fused kernel that adds b_ih but forgets b_hh."""

    step_of = _RNNWideWithoutRecurrentBias


# --- sequence chunks ----------------------------------------------------------------------------
class LSTMChunkBoundaryDropsCellState(LSTM):
    """Sequences longer than 32 steps run in chunks of 32; each chunk starts from the previous
    chunk's h but a zero cell state (c is kept in on-chip memory that is not written back)."""

    def run(self, x, state, w, lengths, reverse):
        return _in_chunks(super().run, x, state, w, lengths, reverse, size=CHUNK,
                          boundary=lambda s: (s[0], torch.zeros_like(s[1])))


class GRUChunksRestartFromInitialState(GRU):
    """Sequences longer than 32 steps run in chunks of 32, and every chunk starts from the layer's
    initial state instead of the previous chunk's final state."""

    def run(self, x, state, w, lengths, reverse):
        initial = state
        return _in_chunks(super().run, x, state, w, lengths, reverse, size=CHUNK, boundary=lambda s: initial)


# --- truncated backprop -------------------------------------------------------------------------
class RNNTruncatedBackpropEvery64Steps(RNN):
    """Detaches the state every 64 steps (truncated backprop through time): the forward pass is
    exact, but no gradient flows back across a 64-step boundary."""

    def run(self, x, state, w, lengths, reverse):
        return _in_chunks(super().run, x, state, w, lengths, reverse, size=64,
                          boundary=lambda s: tuple(t.detach() for t in s))


# --- micro-batches ------------------------------------------------------------------------------
class RNNMicroBatchesDropLastPartial(RNN):
    """Batches of more than 8 rows run as micro-batches of 8, launched B // 8 times: the partial
    last micro-batch is never run, its rows keep their initial state and output zeros."""

    def run(self, x, state, w, lengths, reverse):
        B = x.shape[1]
        full = _remainder(B, MICRO_BATCH)
        if full == B:
            return super().run(x, state, w, lengths, reverse)
        y, s = super().run(x[:, :full], tuple(t[:full] for t in state), w, lengths[:full], reverse)
        y = torch.cat([y, y.new_zeros(y.shape[0], B - full, y.shape[-1])], 1)
        return y, tuple(torch.cat([a, b[full:]]) for a, b in zip(s, state))


class RNNCellMicroBatchTailReadsFirstRows(RNNCell):
    """Batches of more than 8 rows run as micro-batches of 8: the partial last one reads its state
    from the first rows of the batch (the offset of the last micro-batch is not added)."""

    def forward(self, input, hx=None):
        if input.dim() == 2 and hx is not None:
            full = _remainder(input.shape[0], MICRO_BATCH)
            hx = torch.cat([hx[:full], hx[: input.shape[0] - full]])
        return super().forward(input, hx)


# --- deep stacks --------------------------------------------------------------------------------
class LSTMFourthLayerReadsSecondLayerOutput(LSTM):
    """Keeps the activations of the stack in a ring of three buffers and indexes it one slot off
    past the third layer: the fourth layer reads the second layer's output, not the third's.
    Stacks of up to three layers are right."""

    def forward(self, input, hx=None):
        self._below = []  # the output of each layer so far
        return super().forward(input, hx)

    def between_layers(self, y):
        self._below.append(y)
        layer = len(self._below)  # the layer about to read it
        return super().between_layers(self._below[-2] if layer >= 3 else y)


class GRUFourthLayerReusesThirdLayerWeights(GRU):
    """Holds the weights of at most three layers: layers from the fourth on run with the third
    layer's (their shapes agree). Stacks of up to three layers are right."""

    def weights(self, layer, d):
        return super().weights(min(layer, 2), d)


# --- packed sequences in large batches ----------------------------------------------------------
class GRULengthOneRowsTakenForEmptyInLargeBatches(GRU):
    """In batches of more than 8 rows, the batched path builds its active-row mask from lengths > 1,
    so rows of length 1 are taken for empty: they output zeros and keep their initial state."""

    def run(self, x, state, w, lengths, reverse):
        if x.shape[1] > MICRO_BATCH:
            lengths = torch.where(lengths == 1, torch.zeros_like(lengths), lengths)
        return super().run(x, state, w, lengths, reverse)


# --- overflow -----------------------------------------------------------------------------------
def _naive_tanh(a):
    """(e^a - e^-a) / (e^a + e^-a): NaN once |a| passes exp's overflow point."""
    p, m = torch.exp(a), torch.exp(-a)
    return (p - m) / (p + m)


class _LSTMNaiveSigmoid(LSTM):
    def sigmoid(self, a):
        e = torch.exp(a)
        return e / (1 + e)


class LSTMCellNaiveSigmoid(_CellOf, LSTMCell):
    """sigmoid(a) = exp(a) / (1 + exp(a)): inf / inf = NaN once a passes exp's overflow point
    (88.7 in float32, 709.8 in float64)."""

    step_of = _LSTMNaiveSigmoid


class RNNNaiveTanh(RNN):
    """h' = tanh(a) computed as (e^a - e^-a) / (e^a + e^-a): NaN once |a| passes exp's overflow point."""

    def rnn_step(self, x, state, w):
        gi, gh = self.pre(x, state[0], w)
        a = gi + gh
        return (_naive_tanh(a) if self.mode == "RNN_TANH" else torch.relu(a),)


class _GRUNaiveTanh(GRU):
    def gru_step(self, x, state, w):
        (h,) = state
        gi, gh = self.pre(x, h, w)
        (ir, iz, i_n), (hr, hz, hn) = gi.chunk(3, -1), gh.chunk(3, -1)
        r, z = self.sigmoid(ir + hr), self.sigmoid(iz + hz)
        return ((1 - z) * _naive_tanh(i_n + r * hn) + z * h,)


class GRUCellNaiveTanh(_CellOf, GRUCell):
    """The candidate n = tanh(...) computed as (e^a - e^-a) / (e^a + e^-a): NaN past exp's overflow."""

    step_of = _GRUNaiveTanh


# --- large states -------------------------------------------------------------------------------
class LSTMNaiveTanhOfCellState(LSTM):
    """h = o * tanh(c) with tanh(c) = (1 - exp(-2c)) / (1 + exp(-2c)): -inf / inf = NaN once c is
    below -44 in float32 (-355 in float64), which only large cell states reach."""

    def lstm_step(self, x, state, w):
        h, c = state
        gi, gh = self.pre(x, h, w)
        i, f, g, o = (gi + gh).chunk(4, -1)
        c = self.sigmoid(f) * c + self.sigmoid(i) * torch.tanh(g)
        e = torch.exp(-2 * c)
        h = self.sigmoid(o) * (1 - e) / (1 + e)
        return (h if w[4] is None else h @ w[4].t(), c)


class LSTMClipsCellStateAt50(LSTM):
    """Clips the cell state to [-50, 50] (a cell-clip option left on): tanh(c) is the same past 50,
    so only c itself, and only once it grows past 50, shows it."""

    def lstm_step(self, x, state, w):
        h, c = state
        gi, gh = self.pre(x, h, w)
        i, f, g, o = (gi + gh).chunk(4, -1)
        c = (self.sigmoid(f) * c + self.sigmoid(i) * torch.tanh(g)).clamp(-50, 50)
        h = self.sigmoid(o) * torch.tanh(c)
        return (h if w[4] is None else h @ w[4].t(), c)


class LSTMCellClipsCellStateAt50(_CellOf, LSTMCell):
    """The cell of LSTMClipsCellStateAt50: c' clipped to [-50, 50]."""

    step_of = LSTMClipsCellStateAt50


class GRUClampsInitialStateToTanhRange(GRU):
    """Clamps the initial state to [-1, 1], the range of the states it produces itself (a kernel
    storing h as a fraction): a given h0 of larger magnitude is changed before the first step."""

    def initial_state(self, hx, batch, like):
        return tuple(s.clamp(-1, 1) for s in super().initial_state(hx, batch, like))


# --- exact zeros and subnormals -----------------------------------------------------------------
class RNNCellRescalesInputByMaxMagnitude(RNNCell):
    """Rescales the input by its largest magnitude and back (x / max|x| * max|x|, a leftover of a
    quantization path): 0 / 0 = NaN for an all-zero input."""

    def forward(self, input, hx=None):
        m = input.abs().max()
        return super().forward(input / m * m, hx)


class GRUCellNormalisesInputWithUnderflowingNorm(GRUCell):
    """Normalises the input to unit L2 norm and back, guarding all-zero inputs, with the norm
    computed as sqrt(sum x^2): the squares of subnormal inputs underflow to 0, so x / 0 * 0 = NaN."""

    def forward(self, input, hx=None):
        if input.abs().max() > 0:
            norm = torch.sqrt((input * input).sum())
            input = input / norm * norm
        return super().forward(input, hx)
