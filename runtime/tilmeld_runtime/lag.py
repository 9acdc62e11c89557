"""Consumer lag per topic and partition: how many records each of the service's consumer groups
has not yet committed (end offset − committed offset), sampled every few seconds.

Read from the broker, not from the consumers themselves, so a consumer that stalls or lost its
partitions still shows its lag growing. Every replica reports its groups' whole lag: aggregate
with `max`, not `sum`.
"""

import asyncio
import contextlib
import logging
from collections.abc import Mapping

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from tilmeld_runtime import metrics
from tilmeld_runtime.background import BackgroundLoop

log = logging.getLogger(__name__)


class ConsumerLagMonitor(BackgroundLoop):
    task_name = "consumer-lag"

    def __init__(self, bootstrap: str, groups: Mapping[str, str], *, interval: float = 5.0) -> None:
        """`groups` maps each input topic to the consumer group that reads it."""
        super().__init__()
        self._groups, self._interval = dict(groups), interval
        self._admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="tilmeld-lag")
        # No group: only asks for end offsets, never joins or commits. read_committed, as the
        # consumers it watches: an open transaction's records are not lag they could work off.
        self._offsets = AIOKafkaConsumer(
            bootstrap_servers=bootstrap,
            group_id=None,
            enable_auto_commit=False,
            isolation_level="read_committed",
        )

    async def stop(self) -> None:
        await super().stop()
        with contextlib.suppress(Exception):
            await self._offsets.stop()
        with contextlib.suppress(Exception):
            await self._admin.close()

    async def _run(self) -> None:
        started = False
        while True:
            try:
                if not started:  # here, not in start(): a broker outage must not stop the service
                    await self._admin.start()
                    await self._offsets.start()
                    started = True
                await self.sample()
            except Exception:
                metrics.CONSUMER_LAG_ERRORS.inc()
                log.warning("consumer lag sample failed", exc_info=True)
            await asyncio.sleep(self._interval)

    async def sample(self) -> None:
        described = await self._admin.describe_topics(list(self._groups))
        partitions = [
            TopicPartition(topic["topic"], p["partition"])
            for topic in described
            for p in topic["partitions"]
        ]
        ends = await self._offsets.end_offsets(partitions)
        starts = await self._offsets.beginning_offsets(partitions)
        for topic, group in self._groups.items():
            mine = [tp for tp in partitions if tp.topic == topic]
            committed = await self._admin.list_consumer_group_offsets(group, partitions=mine)
            for tp in mine:
                done = committed.get(tp)
                # No commit yet: the group will start at the beginning (auto_offset_reset).
                position = done.offset if done is not None and done.offset >= 0 else starts[tp]
                lag = max(0, ends[tp] - position)
                metrics.CONSUMER_LAG.labels(group, topic, str(tp.partition)).set(lag)
