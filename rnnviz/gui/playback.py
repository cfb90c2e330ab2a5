"""The one clock: the current step 0..T, play / pause, speed and loop.

Step 0 shows the initial state h_0 (c_0); step t ≥ 1 is the state after reading
input t, i.e. engine time index t − 1.

In the window the step belongs to the workspace's cursor: a Playback made with
``request`` asks it to move (``request(step)``) and shows the step it is told
(:meth:`mirror_step`).  On its own (no ``request``) it holds the step itself.
``sig_step_changed`` says what it shows, in both cases.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, QTimer, Signal

MIN_SPEED = 0.25
MAX_SPEED = 30.0


class Playback(QObject):
    """Current step, playing state, speed (steps per second) and loop."""

    sig_step_changed = Signal(int)
    sig_length_changed = Signal(int)
    sig_playing_changed = Signal(bool)
    sig_speed_changed = Signal(float)
    sig_loop_changed = Signal(bool)

    def __init__(self, length: int = 1, parent: QObject | None = None, request=None):
        super().__init__(parent)
        self._request = request  # the step's owner, when it is not this clock
        self._length = max(0, int(length))
        self._step = 0
        self._speed = 2.0
        self._loop = False
        self._playing = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(False)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._last_tick = 0.0
        self._carry = 0.0

    # -- state ---------------------------------------------------------------
    @property
    def step(self) -> int:
        return self._step

    @property
    def length(self) -> int:
        """T: the last step; steps run 0..T."""
        return self._length

    @property
    def playing(self) -> bool:
        return self._playing

    @property
    def speed(self) -> float:
        return self._speed

    @property
    def loop(self) -> bool:
        return self._loop

    def set_length(self, length: int) -> None:
        length = max(0, int(length))
        if length == self._length:
            return
        self._length = length
        self.sig_length_changed.emit(length)
        if self._step > length:
            self.set_step(length)

    def set_step(self, step: int) -> None:
        step = min(max(0, int(step)), self._length)
        if step == self._step:
            return
        if self._request is not None:
            self._request(step)  # the owner answers with mirror_step
        else:
            self.mirror_step(step)

    def mirror_step(self, step: int) -> None:
        """Show ``step`` (the owner's): no request goes out."""
        step = int(step)
        if step != self._step:
            self._step = step
            self.sig_step_changed.emit(step)

    def set_speed(self, speed: float) -> None:
        speed = min(max(MIN_SPEED, float(speed)), MAX_SPEED)
        if speed == self._speed:
            return
        self._speed = speed
        if self._playing:
            self._timer.setInterval(self._interval_ms())
        self.sig_speed_changed.emit(speed)

    def set_loop(self, loop: bool) -> None:
        loop = bool(loop)
        if loop != self._loop:
            self._loop = loop
            self.sig_loop_changed.emit(loop)

    # -- transport -------------------------------------------------------------
    def first(self) -> None:
        self.set_step(0)

    def last(self) -> None:
        self.set_step(self._length)

    def forward(self) -> None:
        if self._step < self._length:
            self.set_step(self._step + 1)
        elif self._loop:
            self.set_step(0)

    def back(self) -> None:
        if self._step > 0:
            self.set_step(self._step - 1)
        elif self._loop:
            self.set_step(self._length)

    def play(self) -> None:
        if self._playing or self._length == 0:
            return
        if self._step >= self._length and not self._loop:
            self.set_step(0)  # playing from the end starts over
        self._playing = True
        self._last_tick = time.perf_counter()
        self._carry = 0.0
        self._timer.start(self._interval_ms())
        self.sig_playing_changed.emit(True)

    def pause(self) -> None:
        if not self._playing:
            return
        self._playing = False
        self._timer.stop()
        self.sig_playing_changed.emit(False)

    def toggle(self) -> None:
        self.pause() if self._playing else self.play()

    def _interval_ms(self) -> int:
        return max(1, round(1000.0 / self._speed))

    def _on_timer_timeout(self) -> None:
        # Advance by wall-clock time so a slow frame does not slow the clock down,
        # but never skip more than a few steps at once.
        now = time.perf_counter()
        self._carry += (now - self._last_tick) * self._speed
        self._last_tick = now
        steps = max(1, min(int(self._carry + 1e-6), 4))
        self._carry = max(0.0, self._carry - steps)
        for _ in range(steps):
            if self._step >= self._length and not self._loop:
                self.pause()
                return
            self.forward()
        if self._step >= self._length and not self._loop:
            self.pause()
