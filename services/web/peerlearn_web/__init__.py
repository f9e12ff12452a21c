"""peerlearn web: the browser interface over the other services' public APIs."""
