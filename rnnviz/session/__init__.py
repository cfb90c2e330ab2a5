"""Qt-free application state and files: the session model, the ``.rnnviz`` format,
importers and exporters.

    from rnnviz.session import load_session, save_session, SessionFileError
"""

from .files import SessionFileError, load_session, save_session
from .model import SHAPES, InitSettings, Run, Sequence, Session, ViewSettings
from .training import (
    Training,
    TrainingHistory,
    TrainingJob,
    TrainingSettings,
    TrainingTick,
    forget_training,
    loss_for,
    reset_training,
)

__all__ = [
    "SHAPES",
    "InitSettings",
    "Run",
    "Sequence",
    "Session",
    "SessionFileError",
    "Training",
    "TrainingHistory",
    "TrainingJob",
    "TrainingSettings",
    "TrainingTick",
    "ViewSettings",
    "forget_training",
    "load_session",
    "loss_for",
    "reset_training",
    "save_session",
]
