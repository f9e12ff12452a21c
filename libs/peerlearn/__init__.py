"""peerlearn's shared library: events, bus, outbox, store, auth, settings and the service kit."""
