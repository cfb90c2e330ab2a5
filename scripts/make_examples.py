"""Build the example sessions in resources/examples/ (File > Examples).

    python scripts/make_examples.py          # writes resources/examples/*.rnnviz
    python scripts/make_examples.py --check  # exits 1 if a committed file differs
                                             # (trained weights compared to 1e-8)

Deterministic: hand-set weights, seeded initialisation, and short seeded
training runs with the engine's own BPTT (rnnviz.engine.train, Adam) on one
BLAS thread; the zip members carry a fixed date.  Each example has a note
saying what to look at.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

# This checkout's rnnviz, not whichever one is installed (an editable install may point
# at another worktree, whose file format can differ).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from rnnviz.engine import Network, NetworkSpec  # noqa: E402
from rnnviz.engine.optim import Adam  # noqa: E402
from rnnviz.engine.train import loss_and_grads, train  # noqa: E402
from rnnviz.session import InitSettings, Sequence, Session, ViewSettings, save_session  # noqa: E402
from rnnviz.session.defaults import default_session  # noqa: E402
from rnnviz.session.text import text_sequence  # noqa: E402
from rnnviz.session.training import Training, TrainingSettings  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "resources" / "examples"


def trained(net: Network, seq: Sequence, loss: str, epochs: int, lr: float) -> Network:
    """``epochs`` Adam steps of BPTT on the one sequence (deterministic)."""
    last = None
    for progress in train(net, (seq.inputs, seq.targets), loss, seq.shape, Adam(lr=lr), epochs=epochs):
        last = progress
    assert last is not None and not last.stopped, last and last.stopped_reason
    return last.network


def seed004_basic_rnn() -> Session:
    state = {
        "weight_ih_l0": np.array([[0.7, 0.3]]),  # W's first two entries act on x_t
        "weight_hh_l0": np.array([[0.4]]),  # the third on s_{t-1}
        "bias_ih_l0": np.array([0.4]),
        "bias_hh_l0": np.array([0.0]),
    }
    seq = Sequence(
        inputs=[[0.1, 0.4], [0.7, 0.9]],
        targets=[[0.3], [0.5]],
        input_names=("x_t,1", "x_t,2"),
        target_names=("y",),
    )
    note = (
        "Seed 004's basic RNN, worked by hand in the lecture: s_t = tanh(W·[x_t, s_{t−1}] + b), y_t = s_t,\n"
        "with W = [0.7 0.3 0.4] and b = 0.4. Here s_t is h_t: W_hx = [0.7 0.3] (weight_ih_l0), "
        "W_hh = [0.4] (weight_hh_l0) and b_h = 0.4 (bias_ih_l0).\n"
        "Step 1: tanh(0.7·0.1 + 0.3·0.4 + 0.4·0 + 0.4) = tanh(0.59) = 0.5299; error 0.5299 − 0.3 = 0.2299.\n"
        "Step 2: tanh(0.7·0.7 + 0.3·0.9 + 0.4·0.5299 + 0.4) = tanh(1.3720) = 0.8791; error 0.8791 − 0.5 = 0.3791.\n"
        "Look at the equation panel at each step: the numbers are the lecture's."
    )
    net = Network.from_state_dict(state, "rnn_tanh")
    return Session(net, seq, ViewSettings(step=1), note=note, title="Basic RNN, two steps by hand (seed 004)")


def seed000_sentiment() -> Session:
    text = text_sequence("The movie is very interesting", "word", targets=False)
    T = text.steps
    seq = Sequence(
        inputs=text.inputs,
        targets=np.r_[np.full(T - 1, np.nan), 1.0][:, None],  # the label, at the last step only
        input_names=text.input_names,
        target_names=("positive",),
        vocabulary=text.vocabulary,
        tokens=text.tokens,
        token_mode="word",
        shape="many_to_one",
    )
    spec = NetworkSpec("rnn_tanh", len(text.vocabulary), 3, output_size=1, head_activation="sigmoid")
    net = trained(Network.from_spec(spec, "pytorch", seed=0), seq, "bce", epochs=40, lr=0.05)
    y = net.forward(seq.inputs).y[:, 0]
    note = (
        'Seed 000\'s sentiment example, many-to-one: a vanilla RNN reads "The movie is very interesting" '
        "one word (one-hot) at a time, and only the output after the last word counts.\n"
        f"Watch y_t (sigmoid) as the sentence is read: {', '.join(f'{v:.2f}' for v in y)}. "
        "The hidden state h_t is the network's memory of the words so far.\n"
        "The weights were trained here for 40 Adam steps on this one sentence, from a seeded PyTorch-style "
        "initialisation: it shows the mechanics, not a real sentiment model."
    )
    init = InitSettings(scheme="pytorch", seed=0)
    return Session(net, seq, ViewSettings(step=T), init, note, "Sentiment, many-to-one (seed 000)")


def _impulse_sequence(T: int = 40, at: int = 5) -> Sequence:
    x = np.zeros((T, 1))
    x[at - 1] = 1.0
    seen = (np.arange(1, T + 1) >= at).astype(float)[:, None]
    return Sequence(inputs=x, targets=seen, input_names=("impulse",), target_names=("impulse seen",))


def lstm_remembers() -> Session:
    state = {  # gate rows i, f, g, o; one unit; no recurrent weights, so each gate is easy to read
        "weight_ih_l0": np.array([[10.0], [0.0], [3.0], [0.0]]),
        "weight_hh_l0": np.zeros((4, 1)),
        "bias_ih_l0": np.array([-5.0, 8.0, 0.0, 4.0]),
        "bias_hh_l0": np.zeros(4),
        "head.weight": np.array([[1.35]]),
        "head.bias": np.array([0.0]),
    }
    net = Network.from_state_dict(state, "lstm")
    note = (
        "An LSTM that remembers (hand-set weights; compare the vanilla RNN example that forgets).\n"
        "An impulse arrives at step 5. The input gate i = σ(10·x − 5) opens only then (0.99; 0.007 otherwise), "
        "the candidate g = tanh(3·x) is 0.995, so c_5 = 0.988.\n"
        "The forget gate f = σ(8) = 0.9997 at every step: c_t = f·c_{t−1} keeps 98.8 % of the impulse "
        "35 steps later. Watch the cell-state line stay up while h_t = o·tanh(c_t) holds at 0.74.\n"
        "Try: set the forget bias b_fx (bias_ih_l0, row f) to 2 and watch the memory fade."
    )
    view = ViewSettings(step=5, gate="f")
    return Session(net, _impulse_sequence(), view, note=note, title="LSTM remembers an impulse")


def rnn_forgets() -> Session:
    state = {
        "weight_ih_l0": np.array([[3.0]]),
        "weight_hh_l0": np.array([[0.8]]),
        "bias_ih_l0": np.array([0.0]),
        "bias_hh_l0": np.array([0.0]),
        "head.weight": np.array([[1.0]]),
        "head.bias": np.array([0.0]),
    }
    net = Network.from_state_dict(state, "rnn_tanh")
    trace = net.forward(_impulse_sequence().inputs)
    h = trace.hidden()[:, 0]
    note = (
        "A vanilla RNN that forgets (hand-set weights; compare the LSTM example that remembers).\n"
        "An impulse arrives at step 5: h_5 = tanh(3·1) = 0.995. After that h_t = tanh(0.8·h_{t−1}) "
        f"shrinks every step: h_6 = {h[5]:.3f}, h_10 = {h[9]:.3f}, h_20 = {h[19]:.4f}.\n"
        "The only memory is h_t itself, multiplied by W_hh = 0.8 and squashed by tanh at each step, "
        "so the impulse fades (and so would the gradient flowing back to it).\n"
        "Try: set W_hh to 1.0, or 1.5, and watch the memory last longer — or saturate."
    )
    return Session(
        net, _impulse_sequence(), ViewSettings(step=5), note=note, title="Vanilla RNN forgets an impulse"
    )


def gru_noisy_sine() -> Session:
    T, period = 80, 20
    t = np.arange(T + 1)
    clean = np.sin(2 * np.pi * t / period)
    noisy = clean[:T] + np.random.default_rng(0).normal(0.0, 0.15, T)
    seq = Sequence(
        inputs=noisy[:, None],
        targets=clean[1:, None],
        input_names=("noisy sine",),
        target_names=("next clean",),
    )
    spec = NetworkSpec("gru", 1, 8, output_size=1)
    net = trained(Network.from_spec(spec, "pytorch", seed=0), seq, "mse", epochs=300, lr=0.02)
    note = (
        "A GRU (8 units) reads a noisy sine (period 20, noise σ = 0.15) and predicts the next clean value.\n"
        "Trained here for 300 Adam steps of BPTT on this one sequence, from a seeded PyTorch-style "
        "initialisation.\n"
        "Look at the update gate z: where z is near 1 a unit keeps its old state (h_t ≈ h_{t−1}) and "
        "smooths the noise; where z is near 0 it takes the new candidate n. The reset gate r decides how "
        "much of h_{t−1} the candidate sees. Compare y_t with the target line."
    )
    init = InitSettings(scheme="pytorch", seed=0)
    return Session(net, seq, ViewSettings(step=20, gate="z"), init, note, "GRU on a noisy sine")


def seed002_bidirectional() -> Session:
    text = text_sequence("They seem very tasty, I love cheese", "word", targets=False)
    food = np.array([[1.0 if w in ("They", "cheese") else 0.0] for w in text.tokens])
    seq = Sequence(
        inputs=text.inputs,
        targets=food,
        input_names=text.input_names,
        target_names=("refers to food",),
        vocabulary=text.vocabulary,
        tokens=text.tokens,
        token_mode="word",
    )
    spec = NetworkSpec(
        "rnn_tanh", len(text.vocabulary), 3, bidirectional=True, output_size=1, head_activation="sigmoid"
    )
    net = trained(Network.from_spec(spec, "pytorch", seed=2), seq, "bce", epochs=60, lr=0.05)
    note = (
        'Seed 002\'s bidirectional RNN: "They seem very tasty, I love cheese". Reading left to right, '
        'nothing at step 1 says what "They" are; "cheese" only comes at step 7.\n'
        "A bidirectional network runs a second RNN from the end back to the start. At step 1 the forward "
        'state has read only "They"; the backward state has read the whole sentence, cheese included, and '
        "the output y_t uses both.\n"
        'Select direction "backward" and step 1. Try: in the sequence table, set step 7\'s row ("cheese") '
        "to zeros and see that at step 1 only the backward state changes.\n"
        "The weights were trained here for 60 Adam steps on this one sentence (target: the words that refer "
        "to food), from a seeded PyTorch-style initialisation."
    )
    init = InitSettings(scheme="pytorch", seed=2)
    return Session(
        net, seq, ViewSettings(step=1, direction=1), init, note, "Bidirectional: They … cheese (seed 002)"
    )


#: The memory task of the two vanishing-gradient examples: a value at step 1, to be
#: reported at the last step (many-to-one); the inputs after step 1 are zero.
MEMORY_STEPS = 60
MEMORY_EPOCHS = 60


def _first_value_sequence(value: float, T: int) -> Sequence:
    x = np.zeros((T, 1))  # [T, 1]
    x[0, 0] = value
    target = np.full((T, 1), np.nan)  # [T, 1] no target before the last step
    target[-1, 0] = value
    return Sequence(
        inputs=x,
        targets=target,
        input_names=("value at step 1",),
        target_names=("value from step 1",),
        shape="many_to_one",
    )


def _memory_training_set() -> list[tuple[np.ndarray, np.ndarray]]:
    """16 sequences of 2 to 60 steps, each a random value in [−1, 1] at step 1."""
    rng = np.random.default_rng(0)
    values = rng.uniform(-1.0, 1.0, 16)  # [16]
    lengths = np.linspace(2, MEMORY_STEPS, 16).astype(int)  # [16]
    return [
        (s.inputs, s.targets)
        for s in (_first_value_sequence(float(v), int(T)) for v, T in zip(values, lengths, strict=True))
    ]


def _memory_network(mode: str, seed: int = 0) -> Network:
    """PyTorch's default initialisation, then the same Adam run for either cell."""
    spec = NetworkSpec(mode, 1, 8, output_size=1)
    net = Network.from_spec(spec, "pytorch", seed=seed)
    data = _memory_training_set()
    last = None
    for progress in train(net, data, "mse", "many_to_one", Adam(lr=0.02), epochs=MEMORY_EPOCHS):
        last = progress
    assert last is not None and not last.stopped, last and last.stopped_reason
    return last.network


def _memory_figures(net: Network, seq: Sequence) -> tuple[float, float]:
    """(y at the last step, ‖∂L/∂h_1‖ / ‖∂L/∂h_T‖) on ``seq``."""
    _, _, grads = loss_and_grads(net, seq.inputs, seq.targets, "mse", "many_to_one")
    norms = grads.dh_norm(0, 0)  # [T]
    return float(net.forward(seq.inputs).y[-1, 0]), float(norms[0] / norms[-1])


_MEMORY_TRAINING = (
    f"Both networks start from PyTorch's default initialisation U(±1/√H), H = 8, seed 0, and had the same "
    f"training: {MEMORY_EPOCHS} epochs of Adam (learning rate 0.02, {MEMORY_EPOCHS * 16} steps of BPTT) on 16 "
    f"sequences of 2 to {MEMORY_STEPS} steps, each with a random value in [−1, 1] at step 1."
)


def rnn_gradient_vanishes() -> Session:
    T = MEMORY_STEPS
    seq = _first_value_sequence(0.8, T)
    net = _memory_network("rnn_tanh")
    y, ratio = _memory_figures(net, seq)
    h = net.forward(seq.inputs).hidden()[1:]  # [T−1, H] states after step 1
    W_hh = net.param("weight_hh_l0")  # [H, H]
    scaled = {k: _memory_figures(net.with_params({"weight_hh_l0": k * W_hh}), seq)[1] for k in (0.5, 1.5)}
    note = (
        f"The vanishing gradient: a vanilla tanh RNN must report at step {T} the value 0.8 it read at step 1, "
        f"and ‖∂L/∂h_1‖ / ‖∂L/∂h_{T}‖ = {ratio:.1e}.\n"
        "Look at the gradient plot ‖∂L/∂h_t‖ on its log axis, and at the Backward diagram. Going back from "
        "the loss at the last step, each step multiplies the gradient by W_hhᵀ·diag(1 − h_t²): here by about "
        f"{ratio ** (1 / (T - 1)):.2f} a step on average, {T - 1} times over, a nearly straight line falling on "
        "the log axis.\n"
        f"{_MEMORY_TRAINING} This RNN did not learn the task: it answers y = {y:.2f} instead of 0.8, because "
        "the signal that would teach it to keep step 1 in mind hardly reaches step 1. Training drove it "
        "instead into a cycle: its states flip sign at every step, out near ±1 where tanh is flat "
        f"(1 − h_t² averages {np.mean(1 - h**2):.2f} after step 1). Compare the GRU example on the same "
        "sequence.\n"
        "Try: shorten or lengthen the sequence (each step removed or added moves the ratio by that factor); "
        f"multiply W_hh by 1.5 (the ratio falls to {scaled[1.5]:.0e}: tanh saturates further) or by 0.5 "
        f"(it rises to {scaled[0.5]:.0e}: the states leave tanh's flat ends); gradient clipping in training "
        "caps an exploding gradient but cannot bring back a vanished one; switch the cell to LSTM or GRU."
    )
    init = InitSettings(scheme="pytorch", seed=0)
    title = f"Vanishing gradient: a vanilla RNN over {T} steps"
    return Session(net, seq, ViewSettings(step=T), init, note, title)


def gru_gradient_survives() -> Session:
    T = MEMORY_STEPS
    seq = _first_value_sequence(0.8, T)
    net = _memory_network("gru")
    y, ratio = _memory_figures(net, seq)
    trace = net.forward(seq.inputs)
    z = trace.gates()["z"][1:]  # [T−1, H] update gates after step 1
    k = int(np.argmax(z.min(axis=0)))  # the unit that holds on most
    z1, n1, h1 = trace.gates()["z"][0], trace.gates()["n"][0], trace.hidden()[0]  # [H] each, at step 1
    y_long, ratio_long = _memory_figures(net, _first_value_sequence(0.8, 4 * T))
    y_neg, _ = _memory_figures(net, _first_value_sequence(-0.5, T))
    y_failed, ratio_failed = _memory_figures(_memory_network("gru", seed=2), seq)
    note = (
        f"The gradient survives: a GRU must report at step {T} the value 0.8 it read at step 1, and "
        f"‖∂L/∂h_1‖ / ‖∂L/∂h_{T}‖ = {ratio:.2f}, where the vanilla RNN example on the same sequence has an "
        "astronomically small ratio.\n"
        "Look at the gradient plot ‖∂L/∂h_t‖ on its log axis: flat, where the RNN's falls by orders of "
        f"magnitude. Unit {k + 1} and gate z are selected. At step 1 its update gate is {z1[k]:.2f}: the unit "
        f"takes most of the new candidate n = {n1[k]:.2f} and stores h_1 = {h1[k]:.2f}. After step 1 z stays "
        f"between {z[:, k].min():.3f} and {z[:, k].max():.3f}, so h_t = (1 − z)·n + z·h_{{t−1}} ≈ h_{{t−1}} keeps "
        f"that value (h_{T} = {trace.hidden()[-1, k]:.2f}), and in the Backward diagram "
        "∂L/∂h_{t−1} ≈ z·∂L/∂h_t carries the gradient back to it almost unchanged.\n"
        f"{_MEMORY_TRAINING} The GRU learned the task: it answers y = {y:.2f} for 0.8, a value it never "
        f"saw in training. Learning is not guaranteed: from seed 2 the same training fails (y = {y_failed:.2f}) "
        f"and that GRU's ratio is {ratio_failed:.0e}. The gates can keep the gradient only once they have "
        "learned to stay open.\n"
        f"Try: set the value at step 1 to −0.5 (the answer follows: y = {y_neg:.2f})".replace("-", "−")
        + f"; lengthen the sequence to "
        f"{4 * T} steps (the ratio is still {ratio_long:.2f} and y = {y_long:.2f}); switch the cell to vanilla "
        "RNN."
    )
    init = InitSettings(scheme="pytorch", seed=0)
    title = f"The gradient survives: a GRU over {T} steps"
    return Session(net, seq, ViewSettings(step=1, unit=k, gate="z"), init, note, title)


def compare_vanishing() -> Session:
    """Examples 08 and 09 side by side, and an LSTM trained the same way: three runs."""
    from rnnviz.session.compare import with_runs
    from rnnviz.session.model import Run

    T = MEMORY_STEPS
    seq = _first_value_sequence(0.8, T)
    names = {"rnn_tanh": "tanh RNN", "lstm": "LSTM", "gru": "GRU"}
    nets = {mode: _memory_network(mode) for mode in names}
    figures = {mode: _memory_figures(net, seq) for mode, net in nets.items()}  # (y_T, ratio)

    def says(mode: str) -> str:
        y, ratio = figures[mode]
        shown = f"{ratio:.1e}" if ratio < 1e-3 else f"{ratio:.2f}"
        return f"{names[mode]} {shown} (it answers y = {y:.2f})"

    note = (
        f"Vanishing gradients, side by side: three networks must report at step {T} the value 0.8 they read "
        f"at step 1. ‖∂L/∂h_1‖ / ‖∂L/∂h_{T}‖: " + "; ".join(says(m) for m in names) + ".\n"
        "Look at the Plots: the gradient panel draws the three ‖∂L/∂h_t‖ on one log axis, one colour a run "
        "(the tanh RNN's falls by tens of orders of magnitude towards t = 1, the GRU's stays flat), and the "
        "first panel shows h_t of the selected unit in every run. The diagrams and the step math show the "
        "active run: choose it in Runs > Make active.\n"
        f"{_MEMORY_TRAINING.replace('Both networks', 'All three networks')} The GRU learned the task; the LSTM keeps its gradient far better than the tanh "
        "RNN but did not learn it within that training, and the tanh RNN did not.\n"
        "Try: Runs > Add a run (another cell, or a copy to change its hidden size); select the backward "
        "Diagrams of each run; lengthen the sequence and watch the three ratios."
    ).replace("-", "−")
    init = InitSettings(scheme="pytorch", seed=0)
    runs = [Run(names[m], nets[m], init) for m in names]
    title = "Vanishing gradients: RNN vs LSTM vs GRU"
    base = Session(nets["rnn_tanh"], seq, ViewSettings(step=T), init, note, title)
    return with_runs(base, runs)


#: Traditional nursery rhymes (public domain), written out for this example.
RHYMES = Path(__file__).resolve().parent / "nursery_rhymes.txt"
#: What the Train button runs (`rnnviz train`: see the note for the time it takes).
CHAR_TRAINING = TrainingSettings(optimizer="adam", lr=0.01, epochs=80, clip=5.0, bptt_window=50)


def character_model() -> Session:
    text = " ".join(RHYMES.read_text(encoding="utf-8").split("\n")).strip() + " "
    seq = text_sequence(text, "char")
    V = len(seq.vocabulary)
    spec = NetworkSpec("lstm", V, 64, output_size=V, head_activation="softmax")
    net = Network.from_spec(spec, seed=0)
    s = CHAR_TRAINING
    note = (
        f"A character model: {seq.steps:,} characters of nursery rhymes, a vocabulary of {V} characters "
        "(each a one-hot input), an LSTM with 64 units and a softmax over the vocabulary, trained with "
        "cross-entropy to predict the next character. It is untrained: the Generate tab writes gibberish.\n"
        f"Train it (the Train button: Adam, learning rate {s.lr}, {s.epochs} epochs, truncated BPTT over "
        f"{s.bptt_window} steps, gradient clipped at {s.clip:g}; 9 s with `rnnviz train` on a "
        "2-core machine, a little more in the window). The loss falls from ln "
        + f"{V} = {np.log(V):.2f}"
        + " to "
        "about 0.1.\n"
        'Then generate from the prompt "the ": at temperature 0 (greedy) it repeats a line it learned '
        "by heart; at 0.3 it writes readable rhymes; at 1 it samples its own odds and half-words appear; "
        "at 2 softmax(z/2) is nearly flat and any character can follow: gibberish. Watch the bars of the "
        "next character's distribution flatten as you drag the temperature up.\n"
        "Try: top-k = 3 at temperature 2 (only the three best characters can be drawn); a smaller network "
        "(hidden size 32: it trains faster and spells worse) or a larger one (128: slower, and it learns more lines by heart); fewer epochs; a prompt the rhymes never "
        'contain, such as "zebra" (z is not in the vocabulary: the app names it).'
    )
    title = "Character model: train and generate"
    return Session(
        net,
        seq,
        init=InitSettings(scheme="pytorch", seed=0),
        note=note,
        title=title,
        training=Training(settings=s),
    )


EXAMPLES = {
    "01_next_word_seed003.rnnviz": default_session,
    "02_basic_rnn_two_steps_seed004.rnnviz": seed004_basic_rnn,
    "03_sentiment_many_to_one_seed000.rnnviz": seed000_sentiment,
    "04_lstm_remembers_impulse.rnnviz": lstm_remembers,
    "05_rnn_forgets_impulse.rnnviz": rnn_forgets,
    "06_gru_noisy_sine.rnnviz": gru_noisy_sine,
    "07_bidirectional_seed002.rnnviz": seed002_bidirectional,
    "08_rnn_gradient_vanishes.rnnviz": rnn_gradient_vanishes,
    "09_gru_gradient_survives.rnnviz": gru_gradient_survives,
    "10_character_model_generate.rnnviz": character_model,
    "11_compare_vanishing_gradients.rnnviz": compare_vanishing,
}


#: Trained weights are reproduced to this relative tolerance.  Byte equality is too
#: strict across machines: BLAS kernels differ by CPU and sum in another order, which
#: moves the last bits of an Adam run (seen: 2e-16 to 3e-11 between two x86-64 CPUs).
RTOL = 1e-8


def same_session_file(committed: Path, fresh: Path) -> bool:
    """The two zips hold the same members; every non-array member is byte-equal and
    every array has the same dtype and shape and equal values to ``RTOL``.  A committed
    file of an older schema version is compared as it opens (saved again, upgraded)."""
    import json
    import zipfile

    from rnnviz.session import load_session
    from rnnviz.session.migrations import SCHEMA_VERSION

    with zipfile.ZipFile(committed) as zf:
        version = json.loads(zf.read("manifest.json")).get("schema_version")
    if version == SCHEMA_VERSION:
        return _same_members(committed, fresh)
    with tempfile.TemporaryDirectory() as tmp:
        upgraded = Path(tmp) / committed.name
        save_session(load_session(committed), upgraded)
        return _same_members(upgraded, fresh)


def _same_members(committed: Path, fresh: Path) -> bool:
    import io
    import zipfile

    with zipfile.ZipFile(committed) as za, zipfile.ZipFile(fresh) as zb:
        if sorted(za.namelist()) != sorted(zb.namelist()):
            return False
        for member in za.namelist():
            a, b = za.read(member), zb.read(member)
            if a == b:
                continue
            if not member.endswith(".npy"):
                return False
            x = np.load(io.BytesIO(a), allow_pickle=False)
            y = np.load(io.BytesIO(b), allow_pickle=False)
            if x.dtype != y.dtype or x.shape != y.shape or not np.allclose(x, y, rtol=RTOL, atol=1e-12):
                return False
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="compare with the committed files; write nothing"
    )
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    differ = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, make in EXAMPLES.items():
            target = args.out / name
            path = Path(tmp) / name if args.check else target
            save_session(make(), path)
            if args.check and (not target.exists() or not same_session_file(target, path)):
                differ.append(name)
            print(("differs " if name in differ else "ok      ") + name)
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
