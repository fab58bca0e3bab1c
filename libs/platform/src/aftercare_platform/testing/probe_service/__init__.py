"""A tiny service used to test the service kit end to end (embedded and distributed), in the layout
every service has (docs/conventions-notes.md, "One home per role"): domain, adapters, handlers,
entrypoints, bootstrap, settings, migrations.

gRPC `aftercare.probe.v1.ProbeService/Ping` stores a ping and emits `aftercare.probe.pinged.v1`;
its consumer records each event it receives. JSON over gRPC keeps it free of generated code, which
is why it lives in the kit and is not the template for a new service: that is the scaffold's
(`aftercare new-service`), which writes the same roles with a proto contract."""
