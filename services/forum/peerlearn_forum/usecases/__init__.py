"""The forum's use cases: one async function per user action.

Each takes the unit of work (:class:`peerlearn.unit_of_work.UnitOfWork`) and the caller's
principal, opens one transaction (``uow.writing()`` or ``uow.reading()``), takes the caller as
the directory knows them (:func:`.access.caller_of`), applies the rules, records its events in
that transaction's outbox, and returns the answer as a response Struct. Refusals are the
errors of :mod:`peerlearn.errors`; the service kit maps them to HTTP.
"""
