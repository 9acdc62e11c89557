"""Other systems talk to Tilmeld with other Kafka clients. What Kafka's own Java producer sends —
with any of its compression codecs, in either CloudEvents mode, with null headers — is decided;
what a transactional producer aborted is not; and what Tilmeld publishes reads back in Kafka's
Java consumer."""

import asyncio
import json
import uuid
from datetime import UTC, datetime

import orjson
from aiokafka import AIOKafkaProducer

from tests.e2e import java_clients
from tests.e2e.kafka_io import BOOTSTRAP, Producer, Tail, cloudevent, eventually
from tests.e2e.scenario import attendee, conference, new_event_id, outcome_for, publish_event
from tilmeld_contracts import topics
from tilmeld_contracts.signups.v1 import SIGNUP_REQUESTED

CONFIRMED = "dk.tilmeld.registration.confirmed.v1"
STRUCTURED = {"content-type": "application/cloudevents+json"}
# Every codec a Java producer may be configured with (`compression.type`).
CODECS = ["none", "gzip", "snappy", "lz4", "zstd"]


async def _conference(producer: Producer, prefix: str) -> str:
    """A fresh conference with seats for everyone these tests send."""
    event_id = new_event_id(prefix)
    await publish_event(producer, conference(event_id, capacity=50))
    return event_id


def _signup(event_id: str, n: int) -> dict[str, object]:
    person = attendee(n, domain=f"{event_id}.dk")
    data = {"event_id": event_id, "attendee": person, "choices": {}}
    return cloudevent(SIGNUP_REQUESTED, data, source="urn:kl:crm-java")


def _binary_mode(event_id: str, n: int) -> tuple[str, dict[str, str]]:
    """A sign-up in binary mode: attributes as ce_* headers, data as value; with a header whose
    value is null, which the Java client allows."""
    event = _signup(event_id, n)
    headers = {
        "ce_specversion": "1.0",
        "ce_id": str(event["id"]),
        "ce_source": "urn:kl:crm-java",
        "ce_type": SIGNUP_REQUESTED,
        "ce_time": datetime.now(UTC).isoformat(),
        "content-type": "application/json",
        "x-crm-batch": java_clients.NULL,
    }
    return json.dumps(event["data"]), headers


async def test_java_producers_with_every_codec_are_decided_and_read_back_in_java(
    producer: Producer, outcomes: Tail, deadletters: Tail
) -> None:
    event_id = await _conference(producer, "java")
    sent: dict[str, str] = {}
    sends = []
    for n, codec in enumerate(CODECS):
        event = _signup(event_id, n)
        sent[codec] = str(event["id"])
        record = (event_id, json.dumps(event), STRUCTURED)
        sends.append(java_clients.produce(topics.SIGNUPS, [record], compression=codec))
    value, headers = _binary_mode(event_id, len(CODECS))
    sent["binary mode, zstd"] = headers["ce_id"]
    sends.append(
        java_clients.produce(topics.SIGNUPS, [(event_id, value, headers)], compression="zstd")
    )
    await asyncio.gather(*sends)

    await eventually(lambda: len(outcomes.events(event_id)) >= len(sent), what="all outcomes")
    for how, request_id in sent.items():
        decided = outcome_for(outcomes.events(event_id), request_id)
        assert [d["type"] for d in decided] == [CONFIRMED], how
    assert deadletters.with_key(event_id) == []

    # The outcome facts, read by Kafka's Java consumer as a municipality's system would.
    ours = outcomes.with_key(event_id)
    partition = ours[0].partition
    assert {r.partition for r in ours} == {partition}  # one event's facts, one partition
    first, last = min(r.offset for r in ours), max(r.offset for r in ours)
    read = await java_clients.consume(topics.REGISTRATIONS, partition, first, last - first + 1)
    in_java = [r for r in read if r.key == event_id]
    assert len(in_java) == len(ours)
    for record in in_java:
        assert record.headers["content-type"] == "application/cloudevents+json"
    facts = [json.loads(r.value) for r in in_java]
    assert facts == outcomes.events(event_id)
    assert {f["data"]["request_id"] for f in facts} == set(sent.values())
    assert all(f["specversion"] == "1.0" and f["type"] == CONFIRMED for f in facts)


async def test_a_sign_up_whose_transaction_was_aborted_is_never_decided(
    producer: Producer, outcomes: Tail, deadletters: Tail
) -> None:
    event_id = await _conference(producer, "tx")
    aborted, committed = _signup(event_id, 1), _signup(event_id, 2)
    crm = AIOKafkaProducer(bootstrap_servers=BOOTSTRAP, transactional_id=f"crm-{uuid.uuid4()}")
    await crm.start()
    try:
        for event, outcome in ((aborted, "abort"), (committed, "commit")):
            await crm.begin_transaction()
            await crm.send_and_wait(
                topics.SIGNUPS,
                orjson.dumps(event),
                key=event_id.encode(),
                headers=[("content-type", b"application/cloudevents+json")],
            )
            if outcome == "abort":
                await crm.abort_transaction()
            else:
                await crm.commit_transaction()
    finally:
        await crm.stop()

    # Same key, same partition, the aborted one first: once the committed one is decided, an
    # outcome for the aborted one would have been published before it.
    done = str(committed["id"])
    await eventually(lambda: bool(outcome_for(outcomes.events(event_id), done)), what="committed")
    assert outcome_for(outcomes.events(event_id), str(aborted["id"])) == []
    assert [e["data"]["request_id"] for e in outcomes.events(event_id)] == [done]
    assert deadletters.with_key(event_id) == []


async def test_a_null_record_from_java_is_dead_lettered_and_a_sign_up_without_key_decided(
    producer: Producer, outcomes: Tail, deadletters: Tail
) -> None:
    event_id = await _conference(producer, "null")
    keyless, after = _signup(event_id, 1), _signup(event_id, 2)
    await java_clients.produce(
        topics.SIGNUPS,
        [
            (event_id, java_clients.NULL, {"x-crm-note": "slettet"}),
            (java_clients.NULL, json.dumps(keyless), STRUCTURED),
            (event_id, json.dumps(after), STRUCTURED),
        ],
        compression="lz4",
    )
    done = {str(keyless["id"]), str(after["id"])}

    def decided() -> set[str]:
        return {e["data"]["request_id"] for e in outcomes.events(event_id)}

    # The facts are keyed by the event id even when the sign-up had no key (and it may have
    # landed on another partition: no order between the two).
    await eventually(lambda: decided() == done, what="both decided")
    assert len(outcomes.events(event_id)) == 2
    assert {e["type"] for e in outcomes.events(event_id)} == {CONFIRMED}
    await eventually(lambda: len(deadletters.with_key(event_id)) == 1, what="the dead letter")
    [letter] = deadletters.with_key(event_id)
    assert letter.value is None  # unchanged
    assert dict(letter.headers)["tilmeld-error"] == b"not_json"
