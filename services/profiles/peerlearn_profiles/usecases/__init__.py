"""The profiles use cases: one async function per user action.

Each takes the unit of work (:class:`peerlearn.unit_of_work.UnitOfWork`) and the caller's
principal, opens one transaction (``uow.writing()``, or ``uow.reading()`` for a read), takes
the caller as the database knows them (:func:`.access.viewer_of`), applies the rules of
:mod:`peerlearn_profiles.domain`, records its events in that transaction's outbox, and returns
the answer. Refusals are the errors of :mod:`peerlearn.errors`; the service kit maps them to HTTP.
"""
