"""The directory: one read model of profiles' people, orgs and cohorts for every consuming service.

The forum and the matcher (and notify and insights after them) each keep a copy of who exists,
which org they belong to, their roles and which cohorts they and their orgs are in, built from
the PROFILES stream. The rules of that copy live here once:

- a person's profile is last-writer-wins by event time; an erasure leaves a tombstone that no
  late ``person.upserted`` can undo (:mod:`.store`);
- memberships are last-writer-wins per (cohort, person) and per (cohort, org), from
  ``member_added`` / ``member_removed`` / ``org_joined`` / ``org_left``; a profile's
  ``cohort_ids`` only seeds memberships the directory has no record of (a replay that starts
  late), never removes one;
- the caller of a request is taken as the directory knows them (:func:`.store.caller_for`),
  never at their token's word: an erased person is anonymous, a person not known yet sees
  only what is public until their profile arrives, a demoted admin loses rights at once.

:mod:`.caller` holds the pure rules of who may see what (no SQL); :mod:`.visibility` their SQL
form for queries; :mod:`.tables` the tables a service adds to its metadata; :mod:`.handlers`
the event handlers a service registers with :mod:`peerlearn.consuming`.
"""
