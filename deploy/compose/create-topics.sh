#!/usr/bin/env bash
# Create the topics of deploy/local/topics.txt (mounted at /topics.txt) on the compose broker.
set -euo pipefail
while read -r name partitions configs; do
  [[ -z "$name" || "$name" == \#* ]] && continue
  args=(--bootstrap-server kafka:9092 --create --if-not-exists --topic "$name"
        --partitions "$partitions" --replication-factor 1)
  if [[ -n "${configs:-}" ]]; then
    IFS=, read -ra pairs <<<"$configs"
    for pair in "${pairs[@]}"; do args+=(--config "$pair"); done
  fi
  /opt/kafka/bin/kafka-topics.sh "${args[@]}"
done </topics.txt
