"""The one place that builds the survey service's adapters and wires them to its entry points."""

from __future__ import annotations

import yaml
from aftercare.survey.v1 import survey_pb2_grpc
from aftercare_platform.service.definition import GrpcServicer, Infrastructure, ServiceDefinition, ServiceParts

from survey.adapters.cases_gateway import GrpcCasesGateway
from survey.adapters.intake_gateway import GrpcIntakeRegistry
from survey.adapters.tables import metadata
from survey.domain.questionnaire import (
    DEFAULT_CAMPAIGN_QUESTIONNAIRE,
    DEFAULT_CASE_QUESTIONNAIRE,
    QuestionnaireCatalog,
    questionnaires_from_data,
)
from survey.entrypoints.consumers import subscriptions
from survey.entrypoints.grpc_api import SurveyServicer
from survey.entrypoints.http_api import router
from survey.entrypoints.pages import pages
from survey.handlers import SurveyHandlers
from survey.reads import LinkSigner, SurveyReads
from survey.settings import SurveySettings
from survey.worker import SurveyWorker


def catalog_of(settings: SurveySettings) -> QuestionnaireCatalog:
    """The built-in questionnaires and those of the settings' file (read once, at start)."""
    extra = questionnaires_from_data(yaml.safe_load(settings.questionnaires_file.read_text(encoding="utf-8"))) \
        if settings.questionnaires_file else ()
    return QuestionnaireCatalog((DEFAULT_CASE_QUESTIONNAIRE, DEFAULT_CAMPAIGN_QUESTIONNAIRE, *extra))


async def build(infra: Infrastructure[SurveySettings]) -> ServiceParts:
    settings = infra.settings
    registry = GrpcIntakeRegistry(
        settings, target=settings.intake_grpc_target, timeout=settings.cases_timeout_seconds,
        reconnect_max_seconds=settings.cases_reconnect_max_seconds, telemetry=infra.telemetry,
    ) if settings.intake_grpc_target else None
    cases = GrpcCasesGateway(settings, target=settings.cases_grpc_target, timeout=settings.cases_timeout_seconds,
                             reconnect_max_seconds=settings.cases_reconnect_max_seconds, telemetry=infra.telemetry)
    handlers = SurveyHandlers(infra.database, settings, catalog_of(settings), registry, cases)
    reads = SurveyReads(infra.database, threshold=settings.unsatisfied_threshold,
                        links=LinkSigner(settings.survey_link_secret, settings.public_base_url))
    return ServiceParts(
        grpc_servicers=[GrpcServicer(survey_pb2_grpc.add_SurveyServiceServicer_to_server,
                                     SurveyServicer(handlers, reads))],
        http_routers=[router(handlers, reads), pages(handlers)],
        subscriptions=subscriptions(handlers),
        background=[SurveyWorker(infra.database, cases, settings)],
        closers=[cases.close, *([registry.close] if registry else [])],
    )


definition = ServiceDefinition(
    name="survey",
    package="survey",
    settings_class=SurveySettings,
    metadata=metadata,
    build=build,
    # it listens to cases and sla-timer, calls cases, and reads intake's registry for campaigns
    start_after=("cases", "sla-timer", "intake"),
)
