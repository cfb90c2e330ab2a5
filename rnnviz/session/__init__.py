"""Qt-free application state and files: the session model, the ``.rnnviz`` format,
importers and exporters.

    from rnnviz.session import load_session, save_session, SessionFileError
"""

from .files import SessionFileError, load_session, save_session
from .model import SHAPES, InitSettings, Sequence, Session, ViewSettings

__all__ = [
    "SHAPES",
    "InitSettings",
    "Sequence",
    "Session",
    "SessionFileError",
    "ViewSettings",
    "load_session",
    "save_session",
]
