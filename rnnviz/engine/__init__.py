"""The NumPy engine: PyTorch-exact RNN / LSTM / GRU with full traces and BPTT.

Never imports Qt.  Usable from scripts and notebooks::

    from rnnviz.engine import Network
    net = Network.from_state_dict(state, mode="lstm")
    trace = net.forward(x)

and around it: seeded initialisers (``Network.from_spec(spec, init="xavier", seed=1)``),
losses with their gradients (``compute_loss``), SGD / Adam / clipping, training as
a generator of :class:`TrainProgress` (``train``), one-to-many generation
(``generate``) and sequence generators (``make_sequence("adding", length=50)``)::

    data = make_sequence("sine", length=200, period=25)
    for progress in train(net, (data.inputs, data.targets), optimizer=Adam(lr=0.01), epochs=50):
        print(progress.epoch, progress.loss)
"""

from .generate import GENERATION_MODES, Generation, generate, sample_index
from .init import SCHEME_TITLES, SCHEMES, init_state_dict
from .losses import (
    LOSS_TITLES,
    LOSSES,
    LossResult,
    bce_loss,
    compute_loss,
    cross_entropy_loss,
    mse_loss,
    step_mask,
)
from .network import Network, infer_spec, spec_from_state, validate_state
from .optim import OPTIMIZERS, SGD, Adam, Optimizer, clip_grad_norm, global_norm, make_optimizer
from .sequences import GENERATOR_TITLES, GENERATORS, GeneratedSequence, generator_parameters, make_sequence
from .spec import GATE_NAMES, GATE_TITLES, MODES, NetworkSpec, param_suffix
from .state_names import describe_spec, normalise_state
from .trace import Gradients, HeadDetail, StepDetail, Trace
from .train import TrainProgress, loss_and_grads, sequence_loss, train

__all__ = [
    "Adam",
    "GATE_NAMES",
    "GATE_TITLES",
    "GENERATION_MODES",
    "GENERATORS",
    "GENERATOR_TITLES",
    "GeneratedSequence",
    "Generation",
    "Gradients",
    "HeadDetail",
    "LOSSES",
    "LOSS_TITLES",
    "LossResult",
    "MODES",
    "Network",
    "NetworkSpec",
    "OPTIMIZERS",
    "Optimizer",
    "SCHEMES",
    "SCHEME_TITLES",
    "SGD",
    "StepDetail",
    "Trace",
    "TrainProgress",
    "bce_loss",
    "clip_grad_norm",
    "compute_loss",
    "cross_entropy_loss",
    "generate",
    "generator_parameters",
    "global_norm",
    "infer_spec",
    "spec_from_state",
    "describe_spec",
    "normalise_state",
    "init_state_dict",
    "loss_and_grads",
    "make_optimizer",
    "make_sequence",
    "mse_loss",
    "param_suffix",
    "sample_index",
    "sequence_loss",
    "step_mask",
    "train",
    "validate_state",
]
