"""The Generate tab: a prompt, the temperature with a live preview of softmax(z/τ), and
the generated text, played as a one-to-many run in every view.

A central view (:class:`rnnviz.gui.views.View`) built on the controller: it reads the
work (``controller.session``), runs the Qt-free :mod:`rnnviz.session.generation` in
the ``"generate"`` jobs lane, shows a result with ``controller.show_streamed`` (the work
is unchanged) and keeps it with ``controller.set_sequence`` ("Use as sequence").

The sampling step (z_t, z_t/τ, softmax, the draw) is this panel's right-hand side: the
bars are the next token's probabilities softmax(z/τ) after the prompt, or, while a
generated run is shown, at the cursor's step, with the chosen token in orange; the grey
outlines are the model's own odds softmax(z) (τ = 1), so a student sees a high τ lift
the unlikely tokens.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6 import QtGui, QtWidgets
from PySide6.QtCore import Qt, Signal

from rnnviz.engine.activations import softmax
from rnnviz.engine.continuation import next_distribution
from rnnviz.session.compute import Computed
from rnnviz.session.generation import (
    MAX_GENERATE_LENGTH,
    GenerationError,
    GenerationSettings,
    continuation_text,
    draw_summary,
    feeds_values_back,
    generate_from_session,
    generated_computed,
    generated_values_computed,
    generation_problem,
    prompt_tokens,
)
from rnnviz.session.model import Session

from .plots import style
from .plots.restyle import painted_when_settled, remember_look, restyle
from .theme import C
from .views import CursorFollower

LANE = "generate"
SAMPLES = 5
CHOSEN = "#e66100"  # orange: the drawn token
BARS = "#1f77b4"
MAX_SETTINGS_SIZE = (420, 460)  # px the settings may claim before they scroll (zoomed in)


def token_label(token: str) -> str:
    """A token as a tick label: a space is shown as ␣."""
    return token.replace(" ", "␣").replace("\n", "⏎")


class GenerateView(CursorFollower, QtWidgets.QWidget):
    """Settings and results on the left, the next token's distribution on the right."""

    sig_cursor_requested = Signal(object)

    def __init__(self, controller, parent=None):
        super().__init__(parent)
        self.controller = controller
        self._work: Session | None = None
        self._shown: Session | None = None  # the generated run being shown
        self._continuation = None
        self._prompt_logits: np.ndarray | None = None  # z after the prompt's last token [V]
        self._step = 1  # the cursor's step (1 … T)
        self._build()
        self._refresh_state()
        remember_look(self)

    def set_appearance(self, _appearance) -> None:
        """The theme or the zoom changed: restyle the plot and the labels in place; the
        settings as wide as the zoom asks, the plot at least half the width."""
        with painted_when_settled(self):
            restyle(self)
            self._fit_settings()
            total = sum(self.split.sizes())
            if total > 0:
                left = min(round(style.scaled(420)), round(0.4 * total))
                self.split.setSizes([left, total - left])

    # -- construction -------------------------------------------------------------------
    def _build(self) -> None:
        left = QtWidgets.QWidget(self)
        form = QtWidgets.QFormLayout()
        self.reason = QtWidgets.QLabel(left)
        self.reason.setTextFormat(Qt.TextFormat.PlainText)
        self.reason.setWordWrap(True)
        self.prompt = QtWidgets.QLineEdit("the ", left)
        self.prompt.setToolTip("The start of the text, in the session's tokens; the network reads it first")
        self.prompt.textChanged.connect(self._update_preview)
        self.prompt_error = QtWidgets.QLabel(left)
        self.prompt_error.setTextFormat(Qt.TextFormat.PlainText)
        self.prompt_error.setProperty("look", "error")  # recoloured on a theme change (plots.restyle)
        self.prompt_error.setStyleSheet(f"color: {C.error.name()};")
        self.length = QtWidgets.QSpinBox(left, minimum=1, maximum=MAX_GENERATE_LENGTH, value=200)
        self.length.setToolTip("How many tokens to write after the prompt")
        self.greedy = QtWidgets.QRadioButton("Greedy: always the most likely token", left)
        self.sample = QtWidgets.QRadioButton("Sample from softmax(z/τ)", left)
        self.sample.setChecked(True)
        self.greedy.toggled.connect(self._update_preview)
        self.temperature = QtWidgets.QSlider(Qt.Orientation.Horizontal, left, minimum=0, maximum=300)
        self.temperature.setValue(100)
        self.temperature.setToolTip("τ: 0 = greedy, 1 = the model's own odds, 3 = nearly uniform")
        self.temperature.valueChanged.connect(self._update_preview)
        self.tau_label = QtWidgets.QLabel(left)
        self.top_k = QtWidgets.QSpinBox(left, minimum=0, maximum=5000, value=0)
        self.top_k.setSpecialValueText("off")
        self.top_k.setToolTip("Draw only from the k most likely tokens (off = all)")
        self.top_k.valueChanged.connect(self._update_preview)
        self.seed = QtWidgets.QSpinBox(left, minimum=0, maximum=2**31 - 1, value=0)
        self.seed.setToolTip("The same seed gives the same samples")
        self.generate_button = QtWidgets.QPushButton("Generate", left)
        self.generate_button.clicked.connect(lambda: self.generate(1))
        self.sample_button = QtWidgets.QPushButton(f"Sample {SAMPLES}", left)
        self.sample_button.clicked.connect(lambda: self.generate(SAMPLES))
        self.use_button = QtWidgets.QPushButton("Use as sequence", left)
        self.use_button.setToolTip(
            "Make the generated run the session's sequence (otherwise it is discarded)"
        )
        self.use_button.clicked.connect(self.use_as_sequence)
        self.back_button = QtWidgets.QPushButton("Show the work", left)
        self.back_button.setToolTip("Every view shows the session's own sequence again")
        self.back_button.clicked.connect(self.show_work)
        tau_row = QtWidgets.QHBoxLayout()
        tau_row.addWidget(self.temperature, 1)
        tau_row.addWidget(self.tau_label)
        form.addRow(self.reason)
        form.addRow("Prompt", self.prompt)
        form.addRow("", self.prompt_error)
        form.addRow("Length", self.length)
        form.addRow(self.greedy)
        form.addRow(self.sample)
        form.addRow("Temperature τ", tau_row)
        form.addRow("Top-k", self.top_k)
        form.addRow("Seed", self.seed)
        buttons = QtWidgets.QGridLayout()
        for i, b in enumerate((self.generate_button, self.sample_button, self.use_button, self.back_button)):
            buttons.addWidget(b, i // 2, i % 2)
        self.output = QtWidgets.QPlainTextEdit(left)
        self.output.setReadOnly(True)
        self.output.setPlaceholderText("The generated text appears here; the prompt is in [brackets].")
        lay = QtWidgets.QVBoxLayout(left)
        lay.addLayout(form)
        lay.addLayout(buttons)
        lay.addWidget(self.output, 1)
        self.summary = QtWidgets.QLabel(left)  # how far the run strayed from the model's first choices
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setWordWrap(True)
        lay.addWidget(self.summary)
        self.plot = style.make_plot_widget(self)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.setLabel("left", "probability")
        self.plot.getAxis("left").enableAutoSIPrefix(False)
        self.plot.setYRange(0, 1.0, padding=0.02)
        self.plot.getViewBox().sigResized.connect(self._update_ticks)  # the names that fit
        self.model_bars = pg.BarGraphItem(
            x=[], height=[], width=0.8, pen=style.pen(style.MUTED, 1.5), brush=None
        )
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.55, brush=BARS, pen=None)
        self.chosen_bar = pg.BarGraphItem(x=[], height=[], width=0.55, brush=CHOSEN, pen=None)
        for item in (self.model_bars, self.bars, self.chosen_bar):
            self.plot.addItem(item)
        self.step_math = QtWidgets.QLabel(self)
        self.step_math.setTextFormat(Qt.TextFormat.PlainText)
        self.step_math.setWordWrap(True)
        self.step_math.setFont(style.font(11))
        right = QtWidgets.QWidget(self)
        rlay = QtWidgets.QVBoxLayout(right)
        self.plot_title = QtWidgets.QLabel(right)
        self.plot_title.setTextFormat(Qt.TextFormat.PlainText)
        self.plot_title.setFont(style.font(style.TITLE_PT, bold=True))
        self.plot_title.setWordWrap(True)  # zoomed in, it wraps instead of widening the window
        rlay.addWidget(self.plot_title)
        rlay.addWidget(self.plot, 1)
        rlay.addWidget(self.step_math)
        # the settings scroll: zoomed in, their widest row would squeeze the plot to a strip
        settings = self.settings_scroll = QtWidgets.QScrollArea(self)
        settings.setWidget(left)
        settings.setWidgetResizable(True)
        settings.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        split = self.split = QtWidgets.QSplitter(self)
        split.addWidget(settings)
        split.addWidget(right)
        split.setStretchFactor(1, 2)
        split.setSizes([round(style.scaled(420)), 900])
        QtWidgets.QHBoxLayout(self).addWidget(split)
        self._fit_settings()

    def _fit_settings(self) -> None:
        """The settings whole (no scroll bar) up to 420 × 460 px; larger (zoomed in) they
        scroll.  (Whole at 100 %, they hold the tab area as tall as before, which the
        other views share.)"""
        need = self.settings_scroll.widget().minimumSizeHint()
        self.settings_scroll.setMinimumWidth(min(need.width(), MAX_SETTINGS_SIZE[0]))
        self.settings_scroll.setMinimumHeight(min(need.height(), MAX_SETTINGS_SIZE[1]))

    # -- the View protocol ---------------------------------------------------------------
    def set_computed(self, computed: Computed) -> None:
        self._forget_cursor()
        if self._shown is not None and computed.session.sequence is self._shown.sequence:
            return  # our own generated run, shown in every view
        self._shown = None
        self._continuation = None
        self._work = self.controller.session if self.controller.session is not None else computed.session
        self._refresh_state()

    def set_selection(self, layer: int, direction: int, unit: int, gate: str) -> None:
        pass

    def set_step(self, t: int) -> None:
        self._step = int(t)
        if self._continuation is not None:
            self._update_preview()

    # -- state -----------------------------------------------------------------------------
    def problem(self) -> str | None:
        """Why the panel is disabled, or None."""
        if self._work is None:
            return "no session"
        return generation_problem(self._work, values=True)

    def _refresh_state(self) -> None:
        problem = self.problem()
        values = self._work is not None and problem is None and feeds_values_back(self._work)
        for w in (self.generate_button, self.length):
            w.setEnabled(problem is None)
            w.setToolTip(problem or w.toolTip())
        for w in (
            self.prompt,
            self.greedy,
            self.sample,
            self.temperature,
            self.top_k,
            self.seed,
            self.sample_button,
        ):
            w.setEnabled(problem is None and not values)
            if problem:
                w.setToolTip(problem)
        self.use_button.setEnabled(self._shown is not None)
        self.back_button.setEnabled(self._shown is not None)
        if problem:
            self.reason.setText(f"Generation is off: {problem}.")
        elif values:
            self.reason.setText(
                "A linear head: each output is fed back as the next input, from the first input."
            )
        else:
            V = len(self._work.sequence.vocabulary)
            self.reason.setText(f"The network reads the prompt, then writes one of its {V} tokens at a time.")
        self.setToolTip(problem or "")
        self._prompt_logits = None
        self._update_preview()

    def settings(self, samples: int = 1) -> GenerationSettings:
        tau = 0.0 if self.greedy.isChecked() else self.temperature.value() / 100
        return GenerationSettings(
            self.prompt.text(),
            self.length.value(),
            tau,
            self.top_k.value() or None,
            self.seed.value(),
            samples,
        )

    def apply_settings(self, settings: GenerationSettings) -> None:
        """The widgets show ``settings`` (headless generation, tests)."""
        self.prompt.setText(settings.prompt)
        self.length.setValue(settings.length)
        (self.greedy if settings.temperature == 0 else self.sample).setChecked(True)
        self.temperature.setValue(round(settings.temperature * 100))
        self.top_k.setValue(settings.top_k or 0)
        self.seed.setValue(settings.seed or 0)

    # -- the preview ------------------------------------------------------------------------
    def _distribution(self) -> tuple[np.ndarray, int | None, str] | None:
        """(logits z [V], the chosen token or None, a title) for the bars."""
        c = self._continuation
        t = self._step - 1  # the cursor's step 1 … T is trace row t
        if c is not None and c.trace is not None and t >= c.first_choice_step:
            n = min(t - c.first_choice_step, len(c.tokens) - 1)
            t = c.first_choice_step + n
            return c.trace.y_logits[t], int(c.tokens[n]), f"step {t + 1}, generated token {n + 1}"
        if self._prompt_logits is None:
            self._prompt_logits = self._logits_after_prompt()
        if self._prompt_logits is None:
            return None
        return self._prompt_logits, None, "the next token after the prompt"

    def _logits_after_prompt(self) -> np.ndarray | None:
        s = self._work
        self.prompt_error.clear()
        if s is None or self.problem() is not None or feeds_values_back(s):
            return None
        try:
            tokens = prompt_tokens(s, self.prompt.text())
        except GenerationError as e:
            self.prompt_error.setText(str(e))
            return None
        return s.network.forward(np.eye(s.network.input_size)[tokens]).y_logits[-1]  # [V]

    def _update_preview(self, *_args) -> None:
        if self.sender() is self.prompt:
            self._prompt_logits = None
        tau = 0.0 if self.greedy.isChecked() else self.temperature.value() / 100
        self.temperature.setEnabled(self.sample.isChecked() and self.sample.isEnabled())
        self.tau_label.setText(f"{tau:.2f}")
        got = self._distribution()
        if got is None:
            for item in (self.model_bars, self.bars, self.chosen_bar):
                item.setOpts(x=[], height=[])
            self.plot_title.setText("")
            self.step_math.setText("")
            return
        z, chosen, where = got
        top_k = self.top_k.value() or None
        p = next_distribution(z, tau, top_k)  # [V]
        own = softmax(np.asarray(z, float))  # [V] τ = 1
        x = np.arange(len(p))
        self.model_bars.setOpts(x=x, height=own)
        self.bars.setOpts(x=x, height=p)
        if chosen is None:
            self.chosen_bar.setOpts(x=[], height=[])
        else:
            self.chosen_bar.setOpts(x=[chosen], height=[p[chosen]])
        vocab = self._work.sequence.vocabulary
        self._tick_names = [token_label(w) for w in vocab]
        self._update_ticks()
        self.plot.setXRange(-0.6, len(p) - 0.4, padding=0)
        self.plot.setYRange(0, max(1e-3, float(max(p.max(), own.max()))) * 1.08, padding=0)
        likely = (int(np.count_nonzero(p >= 0.01)), int(np.count_nonzero(own >= 0.01)))
        self.plot_title.setText(
            f"softmax(z/τ) at τ = {tau:.2f} — {where}  (bars; grey outlines: the model's own odds, τ = 1)"
        )
        self.step_math.setText(self._step_math(z, p, tau, chosen, vocab, likely))

    def _update_ticks(self, *_args) -> None:
        """Every token under its bar, or every 2nd, 3rd … where they would overlap (the
        others keep a tick without a label)."""
        names = getattr(self, "_tick_names", [])
        if not names:
            return
        axis = self.plot.getAxis("bottom")
        metrics = QtGui.QFontMetrics(axis.style["tickFont"] or self.font())
        widest = max(metrics.horizontalAdvance(n) for n in names) + 6
        width = max(1.0, self.plot.getViewBox().width())
        stride = max(1, math.ceil(widest * len(names) / width))
        shown = [(k, n) for k, n in enumerate(names) if k % stride == 0]
        axis.setTicks([shown, [(k, "") for k in range(len(names)) if k % stride]])

    @staticmethod
    def _step_math(z, p, tau, chosen, vocab, likely) -> str:
        order = np.argsort(-np.asarray(z))[:4]
        name = [repr(vocab[k]) for k in order]
        zs = ", ".join(f"{n} {z[k]:+.2f}" for n, k in zip(name, order, strict=True))
        lines = [f"z_t (the 4 largest logits): {zs}"]
        if tau > 0:
            lines.append(
                "z_t/τ: " + ", ".join(f"{n} {z[k] / tau:+.2f}" for n, k in zip(name, order, strict=True))
            )
        lines.append(
            "p = softmax(z/τ): " + ", ".join(f"{n} {p[k]:.3f}" for n, k in zip(name, order, strict=True))
        )
        lines.append(
            f"{likely[0]} of {len(p)} tokens have p ≥ 1% (at τ = 1: {likely[1]})"
            + (": dividing by a small τ widens the gaps between logits" if 0 < tau < 1 else "")
            + (": dividing by a large τ shrinks the gaps, so unlikely tokens get drawn" if tau > 1 else "")
        )
        if chosen is not None:
            lines.append(f"drawn: {vocab[chosen]!r} (p = {p[chosen]:.3f}), fed back as the next input")
        return "\n".join(lines)

    # -- actions ----------------------------------------------------------------------------
    def generate(self, samples: int = 1) -> None:
        """Generate in the "generate" lane (synchronous when the controller is); the first
        result plays in every view."""
        s = self._work
        if s is None or self.problem() is not None:
            return
        self.prompt_error.clear()
        if feeds_values_back(s):
            length = self.length.value()
            work = lambda: (None, [], generated_values_computed(s, length))  # noqa: E731
        else:
            settings = self.settings(samples)
            work = lambda: _generate_texts(s, settings)  # noqa: E731
        self.controller.jobs.start(LANE, work, on_done=self._on_generated, on_error=self._on_error)

    def _on_generated(self, result) -> None:
        continuation, texts, computed = result
        self._continuation = continuation
        self._shown = computed.session
        first = 1 if continuation is None else continuation.first_choice_step + 1  # the first choice's step
        prompt = self.prompt.text()
        self.output.setPlainText(
            "\n\n".join(f"[{prompt}]{t}" if t else "" for t in texts) or "(values generated)"
        )
        self.summary.setText("" if continuation is None else draw_summary(self._work, continuation))
        self._refresh_buttons()
        self.controller.show_streamed(computed)
        self.sig_cursor_requested.emit({"step": first})
        self._update_preview()

    def _on_error(self, error: BaseException) -> None:
        self.prompt_error.setText(str(error))

    def _refresh_buttons(self) -> None:
        self.use_button.setEnabled(self._shown is not None)
        self.back_button.setEnabled(self._shown is not None)

    def use_as_sequence(self) -> None:
        """The generated run becomes the session's sequence."""
        if self._shown is not None:
            sequence = self._shown.sequence
            self._shown = None
            self.controller.set_sequence(sequence)

    def show_work(self) -> None:
        """Every view shows the work again; the generated run is discarded."""
        self._shown = None
        self._continuation = None
        self._refresh_buttons()
        self.controller.show_work()
        self._update_preview()

    def generated_texts(self) -> list[str]:
        return [t for t in self.output.toPlainText().split("\n\n") if t]


def _generate_texts(session: Session, settings: GenerationSettings):
    """(the first continuation with its trace, every text, the first run computed): worker-safe."""
    runs = generate_from_session(session, settings, with_trace=True)
    texts = [continuation_text(session, c) for c in runs]
    return runs[0], texts, generated_computed(session, runs[0])
