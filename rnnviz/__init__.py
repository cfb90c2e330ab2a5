"""rnnviz: see how recurrent neural networks work."""

__version__ = "0.1.0"
