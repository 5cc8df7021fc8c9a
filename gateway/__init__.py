"""Access gateway: connects deaf callers and foreign residents to the right hotline seat."""

__version__ = "0.1.0"
