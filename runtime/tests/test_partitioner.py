"""Our partitioner places every keyed record where Kafka's default partitioner does."""

import random

from aiokafka.partitioner import DefaultPartitioner

from tilmeld_runtime.partitioner import partition_for


def test_keyed_records_land_where_the_default_partitioner_puts_them() -> None:
    default = DefaultPartitioner()
    rng = random.Random(6)
    keys = [f"bench-{rng.getrandbits(48):x}-konference".encode() for _ in range(500)]
    keys += [b"", b"\xff\x00\xfe", "kommune-æøå".encode()]
    for count in (1, 3, 6, 7, 12):
        partitions = list(range(count))
        for key in keys + keys:  # the second time from the remembered hash
            expected = default(key, partitions, partitions)
            assert partition_for(key, partitions, partitions) == expected


def test_a_record_without_a_key_goes_to_an_available_partition() -> None:
    assert {partition_for(None, [0, 1, 2], [2]) for _ in range(20)} == {2}
    assert partition_for(None, [0, 1, 2], []) in {0, 1, 2}
