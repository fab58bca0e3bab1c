"""A tiny service used to test the service kit end to end (embedded and distributed).

gRPC `aftercare.probe.v1.ProbeService/Ping` stores a ping and emits `aftercare.probe.pinged.v1`;
its consumer records each event it receives. JSON over gRPC keeps it free of generated code."""
