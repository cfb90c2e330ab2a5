"""Which output head fits a sequence, and what to say when the head changes or does
not fit.  Qt-free.

* **Text whose targets are its next tokens** (one column per vocabulary token,
  :func:`predicts_tokens`) gets a softmax over the vocabulary, trained with
  cross-entropy: a network without a head gets one, a linear or sigmoid head
  becomes a softmax, the head's width follows the vocabulary.
* **A signal** keeps a linear head (MSE); a softmax or sigmoid head that cannot fit
  its numbers becomes linear.
* A head chosen by hand that does not fit the text (a linear head on next-token
  targets is MSE on one-hot rows) is kept, but never silently:
  :func:`head_fit_warning` says so whenever it is computed.
"""

from __future__ import annotations

import numpy as np

from rnnviz.engine import NetworkSpec

from .model import Sequence
from .training import LOSS_BY_HEAD

LOSS_NAMES = {"cross_entropy": "cross-entropy", "bce": "binary cross-entropy", "mse": "MSE"}


def head_suits_targets(activation: str | None, targets: np.ndarray) -> bool:
    """Whether an output head can be trained on these targets: softmax needs two or more
    columns of probabilities (or one-hot), sigmoid values in [0, 1]; linear takes anything."""
    known = targets[np.isfinite(targets)]
    if activation == "softmax":
        return targets.shape[1] >= 2 and bool((known >= 0).all())
    if activation == "sigmoid":
        return bool(((known >= 0) & (known <= 1)).all())
    return True


def predicts_tokens(sequence: Sequence) -> bool:
    """Text whose targets score its vocabulary (the next token, one-hot): a softmax over
    the vocabulary with cross-entropy fits them.  A text with other targets (a sentiment
    label) is not."""
    targets = sequence.targets
    return (
        sequence.is_text
        and targets is not None
        and targets.shape[1] == len(sequence.vocabulary)
        and head_suits_targets("softmax", targets)
    )


def describe_head(spec: NetworkSpec) -> str:
    """The head in words: a linear head (MSE), a softmax over 30 outputs (cross-entropy)…"""
    if not spec.has_head:
        return "no output head"
    act = spec.head_activation
    loss = LOSS_NAMES[LOSS_BY_HEAD.get(act, "mse")]
    if act == "softmax":
        return f"a softmax over {spec.output_size} outputs ({loss})"
    return f"a {act or 'linear'} head ({loss})"


def head_message(before: NetworkSpec, after: NetworkSpec, sequence: Sequence) -> str | None:
    """The status-bar line when a new sequence changed the head; None when it did not."""
    if not after.has_head:
        return None
    same = (before.has_head, before.head_activation, before.output_size) == (
        after.has_head,
        after.head_activation,
        after.output_size,
    )
    if same:
        return None
    if predicts_tokens(sequence) and after.head_activation == "softmax":
        V = len(sequence.vocabulary)
        return (
            f"The targets are the next token, so the output head is now a softmax over the {V}-token "
            f"vocabulary, trained with cross-entropy (was {describe_head(before)})"
        )
    if before.has_head and before.head_activation != after.head_activation:
        old = before.head_activation
        return (
            f"The output head is now {after.head_activation or 'linear'} (was {old or 'linear'}): "
            f"a {old} head cannot fit these targets"
        )
    return None


def head_fit_warning(spec: NetworkSpec, sequence: Sequence) -> str | None:
    """Why the head does not suit next-token text targets (chosen by hand); None when it does."""
    if not predicts_tokens(sequence) or (spec.has_head and spec.head_activation == "softmax"):
        return None
    return (
        f"The targets are the next token of a text, but the network has {describe_head(spec)}: "
        f"a softmax over the {len(sequence.vocabulary)}-token vocabulary with cross-entropy fits them "
        "(Network ▸ Output head: softmax)"
    )
