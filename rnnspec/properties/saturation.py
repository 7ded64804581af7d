"""Biases that saturate a gate whatever the weights, inputs and states of a case (not a property
module itself): the claims of saturated gates (the GRU's forms with r = 1, z = 1; the LSTM's kept and
unbounded memory) hold only where sigmoid and tanh round to exactly 0 or +-1."""

import numpy as np

from rnnspec.checking.states import states

# sigmoid(1000) and tanh(1000) round to exactly 1 and sigmoid(-1000) = 1 / (1 + e^1000) to exactly 0 in
# float32 and float64 (a shut gate needs exp to overflow: past 104 in float32, 745 in float64)
SATURATED = 1000.0


def saturating_margins(case, params) -> dict[str, np.ndarray]:
    """For each ``bias_ih*`` of ``params``: per row, SATURATED plus the largest |W_ih x + W_hh h + b_ih
    + b_hh| that row can reach on the case (|x| at most the input's largest element, |h| at most
    max(1, |h0|, a projection's largest row sum)). Adding +-margin to a row's bias puts its gate past
    SATURATED at every step, also in the realistic tier's wide layers (torch's init scales W_ih by
    1/sqrt(hidden), so |W_ih x| grows like sqrt(input_size / hidden_size)) and the magnitude tier."""
    x_max = float(np.abs(case.input()).max(initial=0.0))
    given = states(case.state()) if case.with_state else ()
    h_max = max([1.0] + [float(np.abs(s).max(initial=0.0)) for s in given[:1]]
                + [float(np.abs(w).sum(axis=1).max()) for n, w in params.items() if n.startswith("weight_hr")])
    margins = {}
    for name, bias in params.items():
        if not name.startswith("bias_ih"):
            continue
        tail = name[len("bias_ih"):]  # "_l0", "_l1_reverse", ...
        layer = int(tail[2:].split("_")[0])
        w_ih = np.abs(params["weight_ih" + tail].astype(np.float64))
        w_hh = np.abs(params["weight_hh" + tail].astype(np.float64))
        reach = w_ih.sum(axis=1) * (x_max if layer == 0 else h_max) + w_hh.sum(axis=1) * h_max
        reach += np.abs(bias.astype(np.float64)) + np.abs(params.get("bias_hh" + tail, np.zeros_like(bias)).astype(np.float64))
        margins[name] = SATURATED + reach
    return margins
