"""TrueLens engines: all computation, no Qt."""

__version__ = "0.1.0"
