"""The service kit: a service declares a ServiceDefinition; the kit builds and runs everything else."""

from aftercare_platform.service.definition import Infrastructure, ServiceDefinition, ServiceParts

__all__ = ["Infrastructure", "ServiceDefinition", "ServiceParts"]
