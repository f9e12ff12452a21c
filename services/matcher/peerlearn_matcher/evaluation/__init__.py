"""Offline evaluation of answer routing on Stack Exchange data dumps (``peerlearn eval``)."""
