#!/usr/bin/env bash
# Make sure RabbitMQ (with its management API, which nameko's test fixtures use) and
# PostgreSQL answer on localhost, starting them where they are installed but stopped.
set -euo pipefail

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() {  # port, name
  for _ in $(seq 1 60); do port_open "$1" && return 0; sleep 1; done
  echo "ensure-infra: $2 did not come up on port $1" >&2; return 1
}

if ! port_open 5672; then
  command -v rabbitmq-server >/dev/null || { echo "ensure-infra: RabbitMQ is not running and not installed (apt install rabbitmq-server)" >&2; exit 1; }
  echo "ensure-infra: starting RabbitMQ"
  rabbitmq-server -detached
  wait_for 5672 RabbitMQ
fi
if ! port_open 15672; then
  echo "ensure-infra: enabling the RabbitMQ management plugin"
  rabbitmq-plugins enable --quiet rabbitmq_management >/dev/null
  wait_for 15672 "RabbitMQ management"
fi
if ! port_open 5432; then
  command -v pg_ctlcluster >/dev/null || { echo "ensure-infra: PostgreSQL is not running and not installed (apt install postgresql)" >&2; exit 1; }
  echo "ensure-infra: starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start
  wait_for 5432 PostgreSQL
fi
echo "ensure-infra: RabbitMQ and PostgreSQL are up"
