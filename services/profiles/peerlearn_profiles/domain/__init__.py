"""The rules and values of profiles, free of HTTP, SQL and NATS: a profile's validation and
identity (:mod:`.people`), who sees whom (:mod:`.sight`), the CSV roster (:mod:`.roster`) and
signing in (:mod:`.sign_in`). Refusals are the errors of :mod:`peerlearn.errors`."""
