"""The shipped examples: each opens, round-trips exactly, and shows what its note says."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

from rnnviz.session import load_session, save_session
from rnnviz.session.defaults import default_session
from rnnviz.session.examples import list_examples
from rnnviz.session.migrations import SCHEMA_VERSION

from .helpers import assert_sessions_equal

EXAMPLES = list_examples()
BY_NAME = {p.name: p for _, p in EXAMPLES}


def test_all_examples_are_listed_in_course_order():
    assert [p.name for _, p in EXAMPLES] == [
        "01_next_word_seed003.rnnviz",
        "02_basic_rnn_two_steps_seed004.rnnviz",
        "03_sentiment_many_to_one_seed000.rnnviz",
        "04_lstm_remembers_impulse.rnnviz",
        "05_rnn_forgets_impulse.rnnviz",
        "06_gru_noisy_sine.rnnviz",
        "07_bidirectional_seed002.rnnviz",
        "08_rnn_gradient_vanishes.rnnviz",
        "09_gru_gradient_survives.rnnviz",
        "10_character_model_generate.rnnviz",
        "11_compare_vanishing_gradients.rnnviz",
    ]
    assert EXAMPLES[0][0] == default_session().title


@pytest.mark.parametrize("title, path", EXAMPLES, ids=[p.stem for _, p in EXAMPLES])
def test_example_round_trips_exactly_and_has_a_note(tmp_path, title, path):
    s = load_session(path)
    assert s.title == title and len(s.note) > 80
    save_session(s, tmp_path / path.name)
    assert_sessions_equal(load_session(tmp_path / path.name), s)
    saved = (tmp_path / path.name).read_bytes()
    with zipfile.ZipFile(path) as zf:
        version = json.loads(zf.read("manifest.json"))["schema_version"]
    if version == SCHEMA_VERSION:
        assert saved == path.read_bytes()  # the file is what save_session writes
    else:  # an example of an older schema (kept: it proves old files open unchanged)
        save_session(load_session(tmp_path / path.name), tmp_path / "again.rnnviz")
        assert (tmp_path / "again.rnnviz").read_bytes() == saved
    s.network.forward(s.inputs)


def test_next_word_example_is_the_default_session():
    assert_sessions_equal(load_session(BY_NAME["01_next_word_seed003.rnnviz"]), default_session())


def test_seed004_numbers():
    s = load_session(BY_NAME["02_basic_rnn_two_steps_seed004.rnnviz"])
    h = s.network.forward(s.inputs).hidden()[:, 0]
    np.testing.assert_allclose(h, [0.5299, 0.8791], atol=5e-5)
    np.testing.assert_allclose(h - s.targets[:, 0], [0.2299, 0.3791], atol=5e-5)
    np.testing.assert_array_equal(s.network.param("weight_ih_l0"), [[0.7, 0.3]])
    np.testing.assert_array_equal(s.network.param("weight_hh_l0"), [[0.4]])


def test_sentiment_is_many_to_one_over_five_words():
    s = load_session(BY_NAME["03_sentiment_many_to_one_seed000.rnnviz"])
    assert s.sequence.tokens == ("The", "movie", "is", "very", "interesting")
    assert s.sequence.shape == "many_to_one" and s.network.head_activation == "sigmoid"
    assert s.network.forward(s.inputs).y[-1, 0] > 0.9


def test_lstm_remembers_and_vanilla_forgets():
    lstm = load_session(BY_NAME["04_lstm_remembers_impulse.rnnviz"])
    rnn = load_session(BY_NAME["05_rnn_forgets_impulse.rnnviz"])
    np.testing.assert_array_equal(lstm.inputs, rnn.inputs)
    t_imp = int(np.argmax(lstm.inputs[:, 0]))
    c = lstm.network.forward(lstm.inputs).cell()[:, 0]
    h = rnn.network.forward(rnn.inputs).hidden()[:, 0]
    assert c[t_imp] > 0.95 and c[t_imp + 30] > 0.97 * c[t_imp]  # held over 30 steps
    assert h[t_imp] > 0.95 and h[t_imp + 15] < 0.05 * h[t_imp]  # gone after 15


def test_gru_fits_the_sine():
    s = load_session(BY_NAME["06_gru_noisy_sine.rnnviz"])
    y = s.network.forward(s.inputs).y
    assert s.network.mode == "gru" and np.mean((y - s.targets) ** 2) < 0.01


def test_bidirectional_backward_state_at_step_1_sees_cheese():
    s = load_session(BY_NAME["07_bidirectional_seed002.rnnviz"])
    assert (
        s.network.spec.bidirectional and s.sequence.tokens[0] == "They" and s.sequence.tokens[6] == "cheese"
    )
    x = s.inputs.copy()
    x[6] = 0.0  # remove "cheese"
    a, b = s.network.forward(s.inputs), s.network.forward(x)
    np.testing.assert_array_equal(a.hidden(0, 0)[0], b.hidden(0, 0)[0])
    assert not np.allclose(a.hidden(0, 1)[0], b.hidden(0, 1)[0])


def _gradient_ratio(s) -> tuple[float, np.ndarray]:
    """‖∂L/∂h_1‖ / ‖∂L/∂h_T‖ by the engine's BPTT, with the loss the (linear) head implies."""
    from rnnviz.engine.train import loss_and_grads

    assert s.network.has_head and s.network.head_activation is None  # linear head: MSE
    _, _, grads = loss_and_grads(s.network, s.inputs, s.targets, "mse", s.sequence.shape)
    norms = grads.dh_norm(0, 0)  # [T]
    return float(norms[0] / norms[-1]), norms


def test_the_vanishing_gradient_pair_rnn_vanishes_gru_does_not():
    rnn = load_session(BY_NAME["08_rnn_gradient_vanishes.rnnviz"])
    gru = load_session(BY_NAME["09_gru_gradient_survives.rnnviz"])
    assert (rnn.network.mode, gru.network.mode) == ("rnn_tanh", "gru")
    np.testing.assert_array_equal(rnn.inputs, gru.inputs)
    np.testing.assert_array_equal(rnn.targets, gru.targets)
    T = rnn.sequence.steps
    assert T >= 50 and rnn.sequence.shape == gru.sequence.shape == "many_to_one"
    assert np.isnan(rnn.targets[:-1]).all() and rnn.targets[-1, 0] == rnn.inputs[0, 0] == 0.8
    assert not rnn.inputs[1:].any()  # the value at step 1, then nothing
    for s in (rnn, gru):  # default-looking settings, shown in the network builder
        assert (s.init.scheme, s.init.seed, s.network.hidden_size) == ("pytorch", 0, 8)
    r_rnn, n_rnn = _gradient_ratio(rnn)
    r_gru, n_gru = _gradient_ratio(gru)
    print(f"\nT = {T}: ‖∂L/∂h_1‖/‖∂L/∂h_T‖ RNN {r_rnn:.3e}, GRU {r_gru:.3e}")
    print(
        f"  RNN ‖∂L/∂h_t‖ t = 1, 11, 21, …: {' '.join(f'{v:.1e}' for v in n_rnn[::10])}, T: {n_rnn[-1]:.1e}"
    )
    print(
        f"  GRU ‖∂L/∂h_t‖ t = 1, 11, 21, …: {' '.join(f'{v:.1e}' for v in n_gru[::10])}, T: {n_gru[-1]:.1e}"
    )
    assert r_rnn < 1e-10 < 1e-3 < r_gru
    assert f"= {r_rnn:.1e}" in rnn.note and f"= {r_gru:.2f}" in gru.note  # the notes quote these
    y_rnn, y_gru = rnn.network.forward(rnn.inputs).y[-1, 0], gru.network.forward(gru.inputs).y[-1, 0]
    assert abs(y_gru - 0.8) < 0.05 < 0.5 < abs(y_rnn - 0.8)  # the GRU learned the task, the RNN did not
    for s in (rnn, gru):
        assert "log axis" in s.note and "Backward diagram" in s.note and "Try:" in s.note


def test_examples_script_reproduces_the_committed_files():
    import importlib.util
    from pathlib import Path

    script = Path(__file__).resolve().parents[2] / "scripts" / "make_examples.py"
    if not script.exists():
        pytest.skip("scripts/ is not shipped in the wheel")
    spec = importlib.util.spec_from_file_location("make_examples", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--check"]) == 0


def test_an_unreadable_example_is_listed_by_its_file_name(tmp_path):
    from rnnviz.session.examples import example_title

    for name, body in (("deep_nest", b"[" * 100_000), ("not_json", b"{"), ("a_list", b"[1]")):
        path = tmp_path / f"{name}.rnnviz"
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("manifest.json", body)
        assert example_title(path) == name.replace("_", " ")


def test_character_model_ships_untrained_with_the_training_that_works():
    from rnnviz.session.generation import GenerationSettings, generate_from_session, generation_problem

    s = load_session(BY_NAME["10_character_model_generate.rnnviz"])
    seq = s.sequence
    assert seq.token_mode == "char" and seq.steps > 2000 and len(seq.vocabulary) == s.network.input_size
    assert s.network.head_activation == "softmax" and s.network.num_directions == 1
    assert not s.training.trained  # the user trains it
    t = s.training.settings
    assert (t.optimizer, t.lr, t.epochs, t.bptt_window) == ("adam", 0.01, 80, 50)
    assert f"{t.epochs} epochs" in s.note and "temperature" in s.note
    assert generation_problem(s) is None
    (c,) = generate_from_session(s, GenerationSettings("the ", 20, 1.0))
    assert len(c.tokens) == 20


def test_the_comparison_example_holds_examples_08_and_09_and_an_lstm():
    """Three runs on the sequence of 08/09: the RNN and GRU are those examples' networks,
    and the note quotes each run's ratio as the engine computes it."""
    from rnnviz.session.compare import run_session

    s = load_session(BY_NAME["11_compare_vanishing_gradients.rnnviz"])
    rnn = load_session(BY_NAME["08_rnn_gradient_vanishes.rnnviz"])
    gru = load_session(BY_NAME["09_gru_gradient_survives.rnnviz"])
    assert [r.name for r in s.runs] == ["tanh RNN", "LSTM", "GRU"]
    np.testing.assert_array_equal(s.inputs, rnn.inputs)
    for k, same in ((0, rnn), (2, gru)):
        for key, value in same.network.state_dict().items():
            np.testing.assert_array_equal(s.runs[k].network.param(key), value)
    ratios = [_gradient_ratio(run_session(s, k))[0] for k in range(3)]
    assert ratios[0] < 1e-30 < ratios[1] < 1e-3 < ratios[2]
    assert f"tanh RNN {ratios[0]:.1e}".replace("-", "−") in s.note and f"GRU {ratios[2]:.2f}" in s.note
