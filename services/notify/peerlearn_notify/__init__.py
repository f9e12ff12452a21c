"""notify: tells people what concerns them — inbox, email, digests (issue 11)."""
