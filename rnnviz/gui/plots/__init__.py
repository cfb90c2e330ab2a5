"""pyqtgraph plots of a trace: h_t, c_t, every gate, y_t and the loss, over time.

``PlotsArea`` holds the panels; see :mod:`rnnviz.gui.plots.area` for its contract.
"""

from .area import PlotsArea
from .outputs import LossPanel, OutputPanel
from .panels import CellPanel, GatePanel, HiddenPanel

__all__ = ["CellPanel", "GatePanel", "HiddenPanel", "LossPanel", "OutputPanel", "PlotsArea"]
