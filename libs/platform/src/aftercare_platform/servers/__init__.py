"""The process edge: the gRPC and HTTP servers every service runs, and the runner that owns their life."""

from aftercare_platform.servers.grpc import GrpcServer, build_grpc_server
from aftercare_platform.servers.grpc_client import SystemTokenSource, create_channel
from aftercare_platform.servers.grpc_errors import domain_error_from_rpc_error
from aftercare_platform.servers.http import HttpServer, build_http_app
from aftercare_platform.servers.readiness import ReadinessCheck
from aftercare_platform.servers.runner import Closer, PartsBuilder, RunnerParts, ServiceRunner, run_service

__all__ = [
    "Closer",
    "GrpcServer",
    "HttpServer",
    "PartsBuilder",
    "ReadinessCheck",
    "RunnerParts",
    "ServiceRunner",
    "SystemTokenSource",
    "build_grpc_server",
    "build_http_app",
    "create_channel",
    "domain_error_from_rpc_error",
    "run_service",
]
