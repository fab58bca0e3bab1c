"""The service kit: a service declares a ServiceDefinition; the kit builds and runs everything else."""

from aftercare_platform.service.definition import GrpcServicer, Infrastructure, ServiceDefinition, ServiceParts

__all__ = ["GrpcServicer", "Infrastructure", "ServiceDefinition", "ServiceParts"]
