"""The one exception every bad session file raises."""


class SessionFileError(ValueError):
    """A session file cannot be opened: the message says what is wrong and where."""
