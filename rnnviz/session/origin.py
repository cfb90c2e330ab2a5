"""Whether a session is still the one its note and title were written for, and a file
name from what it holds now.  Qt-free.

An example's note quotes its numbers ("f = σ(8) = 0.9997 at every step"); once the
user changes the network or the sequence they no longer hold.  Training does not count
as an edit: an example may ask for it ("Train it"), and it keeps the network and data.
"""

from __future__ import annotations

import re

import numpy as np

from .model import Sequence, Session

_CELL = {"rnn_tanh": "rnn", "rnn_relu": "relu-rnn", "lstm": "lstm", "gru": "gru"}


def _same_sequence(a: Sequence, b: Sequence) -> bool:
    if a is b:
        return True
    fields = ("input_names", "target_names", "vocabulary", "tokens", "token_mode", "shape")
    if any(getattr(a, f) != getattr(b, f) for f in fields):
        return False
    if a.inputs.shape != b.inputs.shape or not np.array_equal(a.inputs, b.inputs):
        return False
    if (a.targets is None) != (b.targets is None):
        return False
    return a.targets is None or (
        a.targets.shape == b.targets.shape and np.array_equal(a.targets, b.targets, equal_nan=True)
    )


def _start(session: Session):
    """The weights training began from (the network itself when it is untrained)."""
    t = session.training
    return t.initial if t.trained and t.initial is not None else session.network


def edited_since(original: Session | None, current: Session | None) -> bool:
    """True when ``current``'s network (structure or weights) or sequence is no longer
    ``original``'s.  Training is not an edit: a network trained further (or reset) is
    compared by the weights its training began from; weights typed in or re-drawn count."""
    if original is None or current is None or original is current:
        return False
    if not _same_sequence(original.sequence, current.sequence):
        return True
    a, b = original.network, current.network
    if a.spec != b.spec:
        return True
    if current.training.updates != original.training.updates:
        a, b = _start(original), _start(current)
    if a is b:
        return False
    sa, sb = a.state_dict(), b.state_dict()
    return any(not np.array_equal(sa[k], sb[k]) for k in sa)


def content_name(session: Session) -> str:
    """A short name for what the session holds now: ``lstm-h1-impulse-T40``,
    ``rnn-h3-I_love_deep-T4`` (cell, hidden size, layers and direction, what it reads, steps)."""
    spec, seq = session.network.spec, session.sequence
    parts = [_CELL.get(spec.mode, spec.mode), f"h{spec.hidden_size}"]
    if spec.num_layers > 1:
        parts.append(f"{spec.num_layers}layers")
    if spec.bidirectional:
        parts.append("bi")
    if seq.tokens:
        joiner = "" if seq.token_mode == "char" else "_"
        parts.append(joiner.join(seq.tokens[:3]))
    elif seq.input_names and not re.fullmatch(r"x\d*", seq.input_names[0]):
        parts.append(seq.input_names[0])
    parts.append(f"T{seq.steps}")
    words = (re.sub(r"[^\w]+", "_", p).strip("_") for p in parts)
    return "-".join(w for w in words if w)[:60]


def suggested_name(original: Session | None, current: Session) -> str:
    """The name to save ``current`` under: its title while it is still what the title was
    written for (or the user retitled it), else :func:`content_name`."""
    title = current.title.strip()
    stale = original is not None and title == original.title.strip() and edited_since(original, current)
    return content_name(current) if not title or stale else title


class NoteOrigin:
    """Follows the session shown: the session its note and title were written for is the
    one they arrived with (opened, an example, new, or retitled by the user)."""

    def __init__(self) -> None:
        self.session: Session | None = None

    def follow(self, session: Session) -> bool:
        """Note ``session`` as shown now; True when it was edited since its note was written."""
        o = self.session
        if o is None or (session.note, session.title) != (o.note, o.title):
            self.session = session
        return edited_since(self.session, session)
