"""Checks a rendered overlay against what Aftercare's manifests promise, beyond the API schema.

    python deploy/k8s/check_rendered.py RENDERED.yaml [...]

kubernetes-validate says the objects are valid Kubernetes; this says they are an Aftercare region:
every service of deploy/services.tsv is there with the ports of the conventions table, runs
`python -m <package>` after `python -m <package> migrate`, is probed on /healthz, /readyz and gRPC
health, is locked down, drains within its grace period, and every label, selector and reference
agrees with the others. Exits 1 and names every broken promise.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
PART_OF = "app.kubernetes.io/part-of"
NAME = "app.kubernetes.io/name"
REGION = "aftercare.dev/region"
# what the kubelet waits for on top of preStop and the app's drain: stopping, closing, flushing
CLOSE_AND_FLUSH_SECONDS = 10


def extra_ports() -> dict[str, dict[str, int]]:
    """Ports a service has beyond http and grpc (deploy/extra-ports.tsv): intake takes inbound mail on 2525."""
    ports: dict[str, dict[str, int]] = {}
    for line in (ROOT / "deploy" / "extra-ports.tsv").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            service, name, port = line.split("\t")
            ports.setdefault(service, {})[name] = int(port)
    return ports


EXTRA_PORTS = extra_ports()


def services() -> list[tuple[str, str, int, int]]:
    rows = []
    for line in (ROOT / "deploy" / "services.tsv").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            service, package, http, grpc = line.split("\t")
            rows.append((service, package, int(http), int(grpc)))
    return rows


class Report:
    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[str] = []

    def expect(self, ok: Any, what: str) -> bool:
        if not ok:
            self.problems.append(what)
        return bool(ok)


def generated(objects: dict[tuple[str, str], dict[str, Any]], kind: str, base_name: str) -> dict[str, Any] | None:
    """The object named base_name, or base_name-<hash> as kustomize's generators name it."""
    for (k, name), obj in objects.items():
        if k == kind and (name == base_name or name.rsplit("-", 1)[0] == base_name):
            return obj
    return None


def check_overlay(path: Path) -> Report:
    report = Report(str(path))
    expect = report.expect
    docs = [d for d in yaml.safe_load_all(path.read_text()) if d]
    objects = {(d["kind"], d["metadata"]["name"]): d for d in docs}

    namespaces = [d for d in docs if d["kind"] == "Namespace"]
    if not expect(len(namespaces) == 1, "exactly one Namespace: a region is one namespace"):
        return report
    namespace = namespaces[0]["metadata"]["name"]
    shared = generated(objects, "ConfigMap", "aftercare-config")
    if shared is None:
        expect(False, "ConfigMap aftercare-config is missing")
        return report
    region = shared.get("data", {}).get("AFTERCARE_REGION")
    expect(region, "aftercare-config does not set AFTERCARE_REGION")
    grace = float(shared.get("data", {}).get("AFTERCARE_SHUTDOWN_GRACE_SECONDS", "10"))

    for d in docs:
        where = f"{d['kind']}/{d['metadata']['name']}"
        labels = d["metadata"].get("labels", {})
        expect(labels.get(REGION) == region, f"{where}: label {REGION} is not {region!r}")
        if d["kind"] != "Namespace":
            expect(d["metadata"].get("namespace") == namespace, f"{where}: not in namespace {namespace}")
            expect(labels.get(PART_OF) == "aftercare", f"{where}: label {PART_OF} is not 'aftercare'")

    table = services()
    known = {service for service, *_ in table}
    for kind, name in objects:
        if kind == "Deployment":
            expect(name in known, f"Deployment/{name} is not a service of deploy/services.tsv")
    for service, package, http, grpc in table:
        check_service(report, objects, service, package, http, grpc, grace)
    return report


def check_service(
    report: Report,
    objects: dict[tuple[str, str], dict[str, Any]],
    service: str,
    package: str,
    http: int,
    grpc: int,
    grace: float,
) -> None:
    expect = report.expect
    for kind in (
        "ServiceAccount",
        "Deployment",
        "Service",
        "PodDisruptionBudget",
        "HorizontalPodAutoscaler",
        "NetworkPolicy",
    ):
        expect((kind, service) in objects, f"{kind}/{service} is missing")
    deployment = objects.get(("Deployment", service))
    if deployment is None:
        return
    at = f"Deployment/{service}"
    spec = deployment["spec"]
    selector = spec["selector"]["matchLabels"]
    pod = spec["template"]
    pod_spec = pod["spec"]
    expect(selector.get(NAME) == service, f"{at}: selector lacks {NAME}={service}")
    expect(selector.items() <= pod["metadata"]["labels"].items(), f"{at}: pod labels do not match the selector")
    expect("replicas" not in spec, f"{at}: sets replicas, which the HorizontalPodAutoscaler owns")
    expect(pod_spec.get("serviceAccountName") == service, f"{at}: serviceAccountName is not {service}")
    expect(pod_spec.get("automountServiceAccountToken") is False, f"{at}: mounts a service account token")
    security = pod_spec.get("securityContext", {})
    expect(security.get("runAsNonRoot") is True, f"{at}: pod is not runAsNonRoot")
    expect(security.get("seccompProfile", {}).get("type") == "RuntimeDefault", f"{at}: no RuntimeDefault seccomp")

    annotations = pod["metadata"].get("annotations", {})
    expect(annotations.get("prometheus.io/scrape") == "true", f"{at}: not annotated for scraping")
    expect(annotations.get("prometheus.io/port") == str(http), f"{at}: prometheus.io/port is not {http}")
    expect(annotations.get("prometheus.io/path") == "/metrics", f"{at}: prometheus.io/path is not /metrics")
    spread = pod_spec.get("topologySpreadConstraints", [])
    expect(spread, f"{at}: no topologySpreadConstraints")
    for constraint in spread:
        expect(
            constraint["labelSelector"]["matchLabels"].items() <= pod["metadata"]["labels"].items(),
            f"{at}: a topology spread constraint does not select the service's own pods",
        )

    containers = {c["name"]: c for c in pod_spec.get("containers", [])}
    inits = {c["name"]: c for c in pod_spec.get("initContainers", [])}
    if not (
        expect(set(containers) == {"service"}, f"{at}: containers are {sorted(containers)}, not ['service']")
        and expect("migrate" in inits, f"{at}: no init container 'migrate'")
    ):
        return
    main, migrate = containers["service"], inits["migrate"]
    expect(main.get("command") == ["python", "-m", package], f"{at}: command is not python -m {package}")
    expect(
        migrate.get("command") == ["python", "-m", package, "migrate"],
        f"{at}: migrate runs {migrate.get('command')}, not python -m {package} migrate",
    )
    expect(main.get("image") == migrate.get("image"), f"{at}: migrate runs another image than the service")
    expect(str(main.get("image", "")).rsplit(":", 1)[0].endswith("/" + service), f"{at}: image is not …/{service}")
    expect(main.get("envFrom") == migrate.get("envFrom"), f"{at}: migrate sees another environment")

    ports = {p["name"]: p["containerPort"] for p in main.get("ports", [])}
    wanted = {"http": http, "grpc": grpc, **EXTRA_PORTS.get(service, {})}
    expect(ports == wanted, f"{at}: ports {ports}, conventions say {wanted}")
    live = main.get("livenessProbe", {}).get("httpGet", {})
    ready = main.get("readinessProbe", {}).get("httpGet", {})
    expect(live.get("path") == "/healthz" and live.get("port") in ("http", http), f"{at}: liveness is not GET /healthz")
    expect(
        ready.get("path") == "/readyz" and ready.get("port") in ("http", http), f"{at}: readiness is not GET /readyz"
    )
    expect(
        main.get("startupProbe", {}).get("grpc", {}).get("port") == grpc,
        f"{at}: startup probe is not the gRPC health check on {grpc}",
    )

    for container in (main, migrate):
        name = f"{at} container {container['name']}"
        sc = container.get("securityContext", {})
        expect(sc.get("readOnlyRootFilesystem") is True, f"{name}: root filesystem is writable")
        expect(sc.get("allowPrivilegeEscalation") is False, f"{name}: allows privilege escalation")
        expect(sc.get("capabilities", {}).get("drop") == ["ALL"], f"{name}: does not drop ALL capabilities")
        resources = container.get("resources", {})
        for bound in ("requests", "limits"):
            expect({"cpu", "memory"} <= set(resources.get(bound, {})), f"{name}: no cpu and memory {bound}")

    pre_stop = main.get("lifecycle", {}).get("preStop", {}).get("exec", {}).get("command", [])
    pre_stop_seconds = float(pre_stop[1]) if len(pre_stop) == 2 and pre_stop[0] == "sleep" else 0.0
    expect(pre_stop_seconds > 0, f"{at}: no preStop sleep to let endpoints drain")
    needed = pre_stop_seconds + grace + CLOSE_AND_FLUSH_SECONDS
    expect(
        pod_spec.get("terminationGracePeriodSeconds", 30) >= needed,
        f"{at}: terminationGracePeriodSeconds < preStop {pre_stop_seconds:g} + drain {grace:g} "
        f"+ {CLOSE_AND_FLUSH_SECONDS}",
    )

    refs = main.get("envFrom", [])
    config_maps = [r["configMapRef"]["name"] for r in refs if "configMapRef" in r]
    secrets = [r["secretRef"]["name"] for r in refs if "secretRef" in r]
    for wanted in ("aftercare-config", f"{service}-config"):
        expect(
            any(n == wanted or n.rsplit("-", 1)[0] == wanted for n in config_maps),
            f"{at}: does not read ConfigMap {wanted}",
        )
    for wanted in ("aftercare-secrets", f"{service}-secrets"):
        expect(
            any(n == wanted or n.rsplit("-", 1)[0] == wanted for n in secrets), f"{at}: does not read Secret {wanted}"
        )
    for name in config_maps:
        expect(("ConfigMap", name) in objects, f"{at}: reads ConfigMap {name}, which is not rendered")
    own = generated(objects, "ConfigMap", f"{service}-config")
    if own is not None:
        expected = {
            "AFTERCARE_SERVICE_NAME": service,
            "AFTERCARE_HTTP_PORT": str(http),
            "AFTERCARE_GRPC_PORT": str(grpc),
        }
        expect(expected.items() <= own.get("data", {}).items(), f"ConfigMap {service}-config is not {expected}")

    svc = objects.get(("Service", service))
    if svc is not None:
        expect(svc["spec"]["selector"] == selector, f"Service/{service}: selector differs from the Deployment's")
        by_name = {p["name"]: p for p in svc["spec"]["ports"]}
        expect(
            by_name.get("http", {}).get("port") == http and by_name["http"].get("targetPort") == "http",
            f"Service/{service}: http is not {http} → http",
        )
        expect(
            by_name.get("grpc", {}).get("port") == grpc
            and by_name["grpc"].get("targetPort") == "grpc"
            and by_name["grpc"].get("appProtocol") == "grpc",
            f"Service/{service}: grpc is not {grpc} → grpc with appProtocol grpc",
        )
    pdb = objects.get(("PodDisruptionBudget", service))
    if pdb is not None:
        expect(pdb["spec"]["selector"]["matchLabels"] == selector, f"PodDisruptionBudget/{service}: selector differs")
    hpa = objects.get(("HorizontalPodAutoscaler", service))
    if hpa is not None:
        target = hpa["spec"]["scaleTargetRef"]
        expect(
            target["kind"] == "Deployment" and target["name"] == service,
            f"HorizontalPodAutoscaler/{service}: does not scale Deployment/{service}",
        )
        expect(
            1 <= hpa["spec"].get("minReplicas", 1) <= hpa["spec"]["maxReplicas"],
            f"HorizontalPodAutoscaler/{service}: bounds are not 1 <= min <= max",
        )
    policy = objects.get(("NetworkPolicy", service))
    if policy is not None:
        expect(
            policy["spec"]["podSelector"].get("matchLabels", {}).items() <= pod["metadata"]["labels"].items()
            and policy["spec"]["podSelector"].get("matchLabels", {}).get(NAME) == service,
            f"NetworkPolicy/{service}: does not select the service's pods",
        )


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    failed = False
    for arg in argv:
        report = check_overlay(Path(arg))
        for problem in report.problems:
            print(f"ERROR {report.source}: {problem}")
        if report.problems:
            failed = True
        else:
            print(f"OK    {report.source}: {len(services())} services keep Aftercare's promises")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
