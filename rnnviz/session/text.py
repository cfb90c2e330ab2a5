"""Text → tokens → one-hot inputs and next-token targets.

    seq = text_sequence("I love deep learning", mode="word")
    seq.vocabulary   # ("I", "love", "deep", "learning", "_")
    seq.inputs       # [4, 5] one-hot, row t is token t
    seq.targets      # [4, 5] one-hot, row t is token t+1; the last row is "_"

Tokens:

* ``"word"``: words are runs of letters and digits, with apostrophes or hyphens
  inside a word kept ("don't", "well-known"); punctuation and spaces are
  dropped; case is kept ("The" and "the" are two tokens).  "The movie is very
  interesting." is five tokens, as in the course.
* ``"char"``: every character is a token, spaces and punctuation included.

Vocabulary: tokens in **order of first appearance**, so the one-hot columns
follow the sentence and a learner can read the matrix; then the end token
``"_"`` last, unless the text already used it.  The last step's target is the
end token: after the last word, the network should predict "the end".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from collections.abc import Sequence as Seq

import numpy as np

from .model import Sequence

END_TOKEN = "_"
MODES = ("word", "char")
MAX_TOKENS = 100_000
MAX_VOCABULARY = 5_000
#: Steps × vocabulary of the one-hot table (inputs; the targets take as much again):
#: 20 M numbers are 160 MB each.  100,000 tokens × 5,000 words would be 4 GB.
MAX_ONE_HOT_CELLS = 20_000_000
_WORD = re.compile(r"\w+(?:['’\-]\w+)*")


class TextImportError(ValueError):
    """Text that cannot become a sequence (empty, too long, too many distinct tokens)."""


def tokenize(text: str, mode: str = "word") -> list[str]:
    """Split ``text`` into word or character tokens (see the module docstring)."""
    if mode == "word":
        return _WORD.findall(text)
    if mode == "char":
        return list(text)
    raise TextImportError(f"token mode must be 'word' or 'char'; got {mode!r}")


def build_vocabulary(tokens: Iterable[str], end_token: str | None = END_TOKEN) -> tuple[str, ...]:
    """Distinct tokens in order of first appearance, then ``end_token`` if not already there."""
    vocab = list(dict.fromkeys(tokens))
    if end_token is not None and end_token not in vocab:
        vocab.append(end_token)
    return tuple(vocab)


def one_hot(tokens: Seq[str], vocabulary: Seq[str]) -> np.ndarray:
    """[len(tokens), len(vocabulary)] with a single 1 per row."""
    index = {w: k for k, w in enumerate(vocabulary)}
    missing = [w for w in tokens if w not in index]
    if missing:
        raise TextImportError(f"token {missing[0]!r} is not in the vocabulary")
    out = np.zeros((len(tokens), len(vocabulary)))
    out[np.arange(len(tokens)), [index[w] for w in tokens]] = 1.0
    return out


def text_sequence(
    text: str,
    mode: str = "word",
    vocabulary: Seq[str] | None = None,
    end_token: str = END_TOKEN,
    targets: bool = True,
) -> Sequence:
    """One-hot inputs and (with ``targets``) next-token targets for ``text``.

    ``vocabulary`` fixes the columns (e.g. to keep a trained network's); by
    default it is built from the text.
    """
    tokens = tokenize(text, mode)
    if not tokens:
        raise TextImportError("the text has no tokens" + (" (no words)" if mode == "word" and text else ""))
    if len(tokens) > MAX_TOKENS:
        raise TextImportError(f"the text has {len(tokens):,} tokens; the limit is {MAX_TOKENS:,}")
    vocab = (
        tuple(vocabulary)
        if vocabulary is not None
        else build_vocabulary(tokens, end_token if targets else None)
    )
    if targets and end_token not in vocab:
        vocab = vocab + (end_token,)
    if len(vocab) > MAX_VOCABULARY:
        raise TextImportError(f"the text has {len(vocab):,} distinct tokens; the limit is {MAX_VOCABULARY:,}")
    cells = len(tokens) * len(vocab)
    if cells > MAX_ONE_HOT_CELLS:
        raise TextImportError(
            f"the text has {len(tokens):,} tokens and a vocabulary of {len(vocab):,}: its one-hot "
            f"table would hold {cells:,} numbers ({8 * cells / 2**20:,.0f} MB); the limit is "
            f"{MAX_ONE_HOT_CELLS:,} — use a shorter text" + (" or character tokens" if mode == "word" else "")
        )
    inputs = one_hot(tokens, vocab)
    target_array = one_hot(tokens[1:] + [end_token], vocab) if targets else None
    return Sequence(
        inputs=inputs,
        targets=target_array,
        input_names=vocab,
        target_names=tuple(f"next={w}" for w in vocab) if targets else (),
        vocabulary=vocab,
        tokens=tuple(tokens),
        token_mode=mode,
    )
