"""nutshell — deep-learning history and training methods you can run."""

__version__ = "0.1.0"
