"""Create the tables' changelog topics before the worker starts, and wait for their leaders.

Faust creates changelog topics itself on its first rebalance and then at once compares their
partition count with the source topics'. On a freshly started broker the new topic's metadata can
lag that check, which reads "has 0 partitions" and crashes the agents (PartitionsMismatch). Made
here first, with the same settings Faust would use, they are complete before Faust looks.
"""

from __future__ import annotations

from typing import Any

from souk.stack.provision import wait_for_leaders


def declare_changelogs(app: Any, bootstrap: str) -> list[str]:
    """Create every table's changelog topic that is missing; returns the names created."""
    from kafka import KafkaAdminClient
    from kafka.admin import NewTopic
    from kafka.errors import TopicAlreadyExistsError

    wanted: dict[str, NewTopic] = {}
    for table in app.tables.values():
        topic = table.changelog_topic
        # The transport's own rule for cleanup.policy, so the topic matches Faust's. Retention is
        # given in seconds (a float) and Faust would pass it unconverted as retention.ms, which the
        # broker refuses as a float (and would read as milliseconds); convert it here.
        config = dict(app.transport._topic_config(None, topic.compacting, topic.deleting))
        if topic.retention:
            config["retention.ms"] = int(float(topic.retention) * 1000)
        config.update(topic.config or {})
        name = topic.get_topic_name()
        partitions = topic.partitions or app.conf.topic_partitions
        wanted[name] = NewTopic(name, num_partitions=partitions, replication_factor=1, topic_configs={k: str(v) for k, v in config.items()})
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="processor-changelogs")
    try:
        missing = [t for name, t in wanted.items() if name not in set(admin.list_topics())]
        created = []
        for new_topic in missing:
            try:
                admin.create_topics([new_topic])
                created.append(new_topic.name)
            except TopicAlreadyExistsError:
                pass  # another worker made it first
        wait_for_leaders(admin, {name: t.num_partitions for name, t in wanted.items()})
        return created
    finally:
        admin.close()
