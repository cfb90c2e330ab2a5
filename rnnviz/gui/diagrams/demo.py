"""The vanishing-gradient demonstration the Backward mode was looked at with.

A one-feature sequence of T normal draws, a network of H units with a linear
head, and a target (1.0) at the last step only (``many_to_one``, mean squared
error): the loss reaches step t only back through time, so ‖∂L/∂h_t‖ going left
shows how the gradient vanishes (tanh RNN: ~10⁻²³ at t = 1 of 60) or survives
(LSTM: ~10⁻¹¹ with PyTorch's initialisation, more with a forget-gate bias of 1).
"""

from __future__ import annotations

import numpy as np

from rnnviz.engine import Network, NetworkSpec
from rnnviz.engine.train import loss_and_grads
from rnnviz.session.model import Sequence, Session


def vanishing_case(
    mode: str = "rnn_tanh", T: int = 60, H: int = 4, seed: int = 0, bidirectional=False, layers=1
):
    """(session, trace, grads) of the demonstration (see the module docstring)."""
    net = Network.from_spec(NetworkSpec(mode, 1, H, layers, bidirectional, 1, None), seed=seed)
    x = np.random.default_rng(seed).normal(size=(T, 1))  # [T, 1]
    target = np.zeros((T, 1))  # [T, 1]: only the last step counts
    target[-1] = 1.0
    trace, _, grads = loss_and_grads(net, x, target, "mse", "many_to_one")
    return (
        Session(network=net, sequence=Sequence(inputs=x, targets=target, shape="many_to_one")),
        trace,
        grads,
    )
