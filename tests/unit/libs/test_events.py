"""The event envelope and registry: round trips, schema evolution, clear decode errors."""

from __future__ import annotations

import msgspec
import pytest

from peerlearn import events


def test_every_registered_event_round_trips_through_json() -> None:
    samples = {
        events.OrgCreated: dict(org_id="o1", name="Acme", kind="partner"),
        events.PersonDeleted: dict(person_id="p1", org_id="o1"),
        events.CohortMemberAdded: dict(cohort_id="c1", person_id="p1", org_id="o1"),
    }
    for cls, fields in samples.items():
        event = events.make_event(cls(**fields), org_id="o1", actor_id="p9")
        decoded = events.decode(events.encode(event))
        assert decoded == event
        assert decoded.type == events.EVENT_TYPES_BY_CLASS[cls][0]


def test_person_upserted_carries_the_whole_profile_but_no_email() -> None:
    person = events.PersonProfile(
        id="p1",
        org_id="o1",
        display_name="Ada",
        roles=["learner"],
        skills=[events.Skill(name="PyTorch", level=2, wants=True)],
    )
    event = events.make_event(events.PersonUpserted(person=person))
    decoded = events.decode(events.encode(event))
    assert isinstance(decoded.data, events.PersonUpserted)
    assert decoded.data.person.skills[0].name == "PyTorch"
    assert "email" not in msgspec.structs.fields(events.PersonProfile).__repr__()


def test_ids_are_unique_and_sort_by_creation_time() -> None:
    ids = [events.new_id() for _ in range(2000)]
    assert len(set(ids)) == len(ids)
    assert ids == sorted(ids)


def test_an_older_consumer_reads_an_event_with_a_new_field() -> None:
    # A newer producer added a field; decoding with today's schema ignores it.
    payload = events.encode(events.make_event(events.PersonDeleted(person_id="p1", org_id="o1")))
    newer = payload.replace(b'"org_id":"o1"}', b'"org_id":"o1","reason":"gdpr"}')
    decoded = events.decode(newer)
    assert decoded.data == events.PersonDeleted(person_id="p1", org_id="o1")


def test_a_new_field_with_a_default_reads_old_events() -> None:
    old = (
        b'{"id":"x","type":"forum.answer.accepted","version":1,"occurred_at":"2026-01-01T00:00:00Z",'
        b'"data":{"thread_id":"t","post_id":"p","answer_author_id":"a","asker_id":"q","space_id":"s",'
        b'"visibility":"public"}}'
    )
    decoded = events.decode(old)
    assert isinstance(decoded.data, events.AnswerAccepted)
    assert decoded.data.reputation == 0 and decoded.data.tags == []


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"not json", "malformed envelope"),
        (
            b'{"id":"x","type":"nope.never","version":1,"occurred_at":"2026-01-01T00:00:00Z","data":{}}',
            "unknown event type 'nope.never'",
        ),
        (
            b'{"id":"x","type":"profiles.org.created","version":9,"occurred_at":"2026-01-01T00:00:00Z","data":{}}',
            "version 9",
        ),
        (
            b'{"id":"x","type":"profiles.org.created","version":1,"occurred_at":"2026-01-01T00:00:00Z",'
            b'"data":{"org_id":"o","name":"n","kind":"galaxy"}}',
            "malformed data of profiles.org.created",
        ),
    ],
)
def test_bad_payloads_raise_a_clear_decode_error(payload: bytes, message: str) -> None:
    with pytest.raises(events.EventDecodeError, match=message):
        events.decode(payload)


def test_unregistered_data_cannot_be_wrapped() -> None:
    class Stray(events.Data, frozen=True):
        x: int = 0

    with pytest.raises(TypeError, match="not a registered event"):
        events.make_event(Stray())


def test_every_subject_falls_in_exactly_one_stream() -> None:
    for type_, _version in events.EVENT_TYPES:
        owners = [name for name, subjects in events.STREAMS.items() if type_.startswith(subjects[0][:-1])]
        assert len(owners) == 1, type_


def test_each_event_is_owned_by_the_module_of_its_producer() -> None:
    """An event's payload lives in ``peerlearn.events.<producer>``, the first part of its subject,
    so adding a service's events touches that service's module (and the registry's one line)."""
    from peerlearn.events import registry

    for (subject, _version), cls in registry.EVENT_TYPES.items():
        producer = subject.split(".", 1)[0]
        assert cls.__module__ == f"peerlearn.events.{producer}", (subject, cls.__module__)
    producers = {module.__name__.rsplit(".", 1)[1] for module in registry.PRODUCERS}
    assert producers == {subject.split(".", 1)[0] for subject, _ in registry.EVENT_TYPES}


def test_a_keyed_payload_goes_on_a_subject_of_its_own_and_consumers_filter_for_both() -> None:
    from peerlearn.events.contacts import CONTACT_UPDATED, ContactUpdated

    contact = events.make_event(ContactUpdated(person_id="p-1a2b", org_id="o-1", email="a@b.example"))
    assert events.subject_of(contact) == f"{CONTACT_UPDATED}.p-1a2b"
    assert events.subject_filters(CONTACT_UPDATED) == [CONTACT_UPDATED, f"{CONTACT_UPDATED}.*"]
    unkeyed = events.make_event(events.PersonDeleted(person_id="p-1a2b", org_id="o-1"))
    assert events.subject_of(unkeyed) == events.PERSON_DELETED
    assert events.subject_filters(events.PERSON_DELETED) == [events.PERSON_DELETED]
    for bad in ("p.1", "p*", "p>", "p 1", ""):  # would fall on another subject, or on a wildcard
        with pytest.raises(ValueError, match="cannot end a subject"):
            events.subject_of(events.make_event(ContactUpdated(person_id=bad, org_id="o-1")))
