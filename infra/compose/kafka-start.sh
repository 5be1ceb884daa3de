#!/bin/sh
# Start apache/kafka as threadline's local broker does: one KRaft node, SASL/SCRAM-SHA-512 on the
# client listener, StandardAuthorizer, only `admin` (and the loopback controller) super users.
# THREADLINE_SCRAM_USERS="admin:pw,correlator:pw,..." lists every principal's credential; they
# are written at format time, before the broker first starts.
set -eu
: "${THREADLINE_SCRAM_USERS:?set THREADLINE_SCRAM_USERS (see compose.env.example)}"
admin_pw=$(printf '%s' "$THREADLINE_SCRAM_USERS" | tr ',' '\n' | sed -n 's/^admin://p')
[ -n "$admin_pw" ] || { echo "THREADLINE_SCRAM_USERS has no admin entry" >&2; exit 2; }
props=/var/lib/kafka/server.properties
mkdir -p /var/lib/kafka/data
cat > "$props" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=localhost:9093
listeners=SASL_PLAINTEXT://0.0.0.0:9092,CONTROLLER://localhost:9093
advertised.listeners=SASL_PLAINTEXT://kafka:9092
listener.security.protocol.map=SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=SASL_PLAINTEXT
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$admin_pw";
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:admin;User:ANONYMOUS
allow.everyone.if.no.acl.found=false
log.dirs=/var/lib/kafka/data
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
PROPS
if [ ! -f /var/lib/kafka/data/meta.properties ]; then
  set --
  for entry in $(printf '%s' "$THREADLINE_SCRAM_USERS" | tr ',' ' '); do
    set -- "$@" --add-scram "SCRAM-SHA-512=[name=${entry%%:*},password=${entry#*:}]"
  done
  /opt/kafka/bin/kafka-storage.sh format --standalone -c "$props" \
    -t "$(/opt/kafka/bin/kafka-storage.sh random-uuid)" "$@"
fi
exec /opt/kafka/bin/kafka-server-start.sh "$props"
