"""Has the catalog consumer caught up? A sign-up can overtake its event's definition because
they travel on different topics. Before answering `unknown_event` we wait until this service's
catalog consumer group has committed up to the catalog's end offsets as they were when asked;
offsets are committed after the definition is stored, so by then the event is known if it
exists."""

import asyncio
import contextlib
import time

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from tilmeld_contracts import topics


class CatalogSync:
    def __init__(self, bootstrap: str, group_id: str, *, timeout: float = 10.0) -> None:
        self._bootstrap, self._group_id, self._timeout = bootstrap, group_id, timeout
        self._admin: AIOKafkaAdminClient | None = None
        self._consumer: AIOKafkaConsumer | None = None
        self._partitions: list[TopicPartition] = []

    async def start(self) -> None:
        self._admin = AIOKafkaAdminClient(bootstrap_servers=self._bootstrap)
        # read_committed, as the catalog consumer: its end offsets are then the ones that
        # consumer can reach (an open transaction's records are not reachable yet).
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=self._bootstrap,
            enable_auto_commit=False,
            isolation_level="read_committed",
        )
        await self._admin.start()
        await self._consumer.start()

    async def stop(self) -> None:
        for client in (self._consumer, self._admin):
            if client is not None:
                with contextlib.suppress(Exception):
                    await client.close() if client is self._admin else await client.stop()  # type: ignore[union-attr]

    async def wait_until_current(self) -> bool:
        """True once every catalog record that existed when called has been handled."""
        assert self._admin is not None and self._consumer is not None
        if not self._partitions:
            described = await self._admin.describe_topics([topics.CATALOG])
            self._partitions = [
                TopicPartition(topics.CATALOG, p["partition"]) for p in described[0]["partitions"]
            ]
        tps = self._partitions
        if not tps:
            return False
        ends = await self._consumer.end_offsets(tps)
        deadline = time.monotonic() + self._timeout
        while True:
            committed = await self._admin.list_consumer_group_offsets(self._group_id)
            if all(
                ends[tp] == 0 or (tp in committed and committed[tp].offset >= ends[tp])
                for tp in tps
            ):
                return True
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.05)
