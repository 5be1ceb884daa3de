"""The request broker: liaison commands in, lawful and minimal platform requests out.

Pure core (no Kafka, tested without a broker):

* ``protocols/``  - platform protocol files and ``validate_request``;
* ``model``       - commands, request snapshots and their Avro records;
* ``officers``    - the officer registry (rank, roles); ``signing`` - officer command signatures;
* ``cases``       - reports, alerts and subjects known to the broker (nothing decrypted);
* ``identifiers`` - data minimisation: which encrypted identifiers a request may name;
* ``drafting``, ``workflow``, ``timers``, ``triggers`` - the lifecycle as a pure state machine;
* ``disclosure``  - audited decryption of exactly the approved identifiers;
* ``documents``, ``documents_pdf`` - the formal request document (JSON + PDF);
* ``audit``       - the hash chain and its verification; ``messages`` - the wire codec.

Around it: ``processor`` (core + ports), ``service`` (the Kafka runner), ``client`` (what an
officer's CLI does), ``sinks``, ``metrics``, ``settings``, ``kafka_io`` and ``samples``.
"""
