"""The session the app opens with: seed 003's next-word example.

"I love deep learning" over the vocabulary {I, love, deep, learning, _}, one-hot
inputs, the next token as target, a 3-unit tanh RNN with the course's W_hx, W_hh,
b_h and a softmax head W_hy, b_y (rnnviz.session.notation; seed 003's notes write them
W_h, U_h, b_h, W_y, b_y).  Step 1 gives h_1 = (0.2913, 0.5370, −0.1974).
"""

from __future__ import annotations

import numpy as np

from rnnviz.engine import Network

from .model import InitSettings, Sequence, Session, ViewSettings

SEED003_VOCAB = ("I", "love", "deep", "learning", "_")
SEED003_SENTENCE = ("I", "love", "deep", "learning")

SEED003_STATE = {
    # W_hx (input → hidden; seed 003's W_h), PyTorch's weight_ih_l0
    "weight_ih_l0": [[0.2, -0.3, 0.1, 0.4, 0.1], [0.5, 0.1, -0.2, 0.2, -0.4], [-0.1, 0.3, 0.2, -0.1, 0.2]],
    # W_hh (hidden → hidden; seed 003's U_h), PyTorch's weight_hh_l0
    "weight_hh_l0": [[0.1, 0.3, -0.2], [0.4, -0.1, 0.5], [-0.3, 0.2, 0.1]],
    "bias_ih_l0": [0.1, 0.1, -0.1],  # b_hx: the notes' b_h (b_h = b_hx + b_hh)
    "bias_hh_l0": [0.0, 0.0, 0.0],  # b_hh: the notes have one bias; PyTorch has two
    "head.weight": [[-0.2, 0.1, 0.2], [0.3, -0.4, 0.5], [0.1, 0.2, -0.3], [-0.5, 0.4, 0.1], [0.2, -0.1, 0.3]],
    "head.bias": [0.0, 0.1, 0.0, 0.1, 0.0],
}

SEED003_NOTE = (
    'Seed 003\'s worked example: predict the next word of "I love deep learning".\n'
    "Step 1: W_hx·x_1 = (0.2, 0.5, −0.1), add W_hh·h_0 = 0 and b_h to get (0.3, 0.6, −0.2), "
    "and h_1 = tanh(…) = (0.2913, 0.5370, −0.1974).\n"
    "Check y_1 by hand: the notes slip in W_hy·h_1. Row 1 is −0.2·0.2913 + 0.1·0.5370 + 0.2·(−0.1974) "
    "= −0.0440, not −0.0583, and the other rows are off too: the true product is "
    "(−0.0440, −0.2261, 0.1958, 0.0494, −0.0547). So the correct y_1 = softmax(W_hy·h_1 + b_y) is "
    "(0.1854, 0.1707, 0.2356, 0.2249, 0.1834), not the notes' (0.1743, 0.1933, 0.2323, 0.2120, 0.1880)."
)


def seed003_network() -> Network:
    state = {k: np.array(v, dtype=np.float64) for k, v in SEED003_STATE.items()}
    return Network.from_state_dict(state, mode="rnn_tanh", head_activation="softmax")


def seed003_sequence() -> Sequence:
    idx = [SEED003_VOCAB.index(w) for w in SEED003_SENTENCE]
    eye = np.eye(len(SEED003_VOCAB))
    next_idx = idx[1:] + [SEED003_VOCAB.index("_")]
    return Sequence(
        inputs=eye[idx],
        targets=eye[next_idx],
        input_names=SEED003_VOCAB,
        target_names=tuple(f"next={w}" for w in SEED003_VOCAB),
        vocabulary=SEED003_VOCAB,
        tokens=SEED003_SENTENCE,
        token_mode="word",
        shape="many_to_many",
    )


def default_session() -> Session:
    return Session(
        network=seed003_network(),
        sequence=seed003_sequence(),
        view=ViewSettings(step=1),
        init=InitSettings(),
        note=SEED003_NOTE,
        title="Next word: I love deep learning (seed 003)",
    )
