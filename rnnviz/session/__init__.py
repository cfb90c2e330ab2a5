"""Qt-free application state and files: the session model, the ``.rnnviz`` format,
importers and exporters."""

from .model import SHAPES, InitSettings, Sequence, Session, ViewSettings

__all__ = ["SHAPES", "InitSettings", "Sequence", "Session", "ViewSettings"]
