"""The NumPy engine: PyTorch-exact RNN / LSTM / GRU with full traces and BPTT.

Never imports Qt.  Usable from scripts and notebooks::

    from rnnviz.engine import Network
    net = Network.from_state_dict(state, mode="lstm")
    trace = net.forward(x)
"""

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
from .network import Network, infer_spec, validate_state
from .spec import GATE_NAMES, GATE_TITLES, MODES, NetworkSpec, course_name, param_suffix
from .trace import Gradients, HeadDetail, StepDetail, Trace

__all__ = [
    "GATE_NAMES",
    "GATE_TITLES",
    "MODES",
    "Gradients",
    "HeadDetail",
    "LOSSES",
    "LOSS_TITLES",
    "LossResult",
    "Network",
    "NetworkSpec",
    "SCHEMES",
    "SCHEME_TITLES",
    "StepDetail",
    "Trace",
    "bce_loss",
    "compute_loss",
    "course_name",
    "cross_entropy_loss",
    "infer_spec",
    "init_state_dict",
    "mse_loss",
    "param_suffix",
    "step_mask",
    "validate_state",
]
