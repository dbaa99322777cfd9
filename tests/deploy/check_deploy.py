#!/usr/bin/env python3
"""deploy/ checked against the binary it deploys (ctest label deploy).

  check_deploy.py NOTICEFLOW_BIN

No cluster and no docker engine here, so everything that can be checked
without them is: the manifests parse and carry the required fields; the
probes, ports and paths agree with the binary's own defaults (read from
`noticeflow run --help-config`) and with what a running binary serves; the
ConfigMap's properties pass `noticeflow check-config`; every Secret key a
workload references exists; KEDA targets the StatefulSet, the group and
topic of the ConfigMap, capped at the partition count; the Dockerfile's
stages, user, entrypoint and runtime packages (against the binary's
NEEDED sonames, via dpkg) are consistent; the systemd units verify; the
Grafana dashboard only queries metrics the binary exports.
Each failure is printed; the exit status is the number of failures.
"""
import configparser
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEPLOY = os.path.join(ROOT, "deploy")
K8S = os.path.join(DEPLOY, "kubernetes")
BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    ROOT, "build/worker/noticeflow"))

failures = []


def check(cond, msg):
    if not cond:
        failures.append(msg)
        print("FAIL:", msg)
    return cond


# ---- the binary's own facts ----------------------------------------------

def help_config():
    """{key: (type, default)} from `noticeflow run --help-config`."""
    out = subprocess.run([BIN, "run", "--help-config"], capture_output=True,
                         text=True, check=True).stdout
    keys = {}
    for line in out.splitlines():
        m = re.match(r"^\| `([^`]+)` \| ([^|]*) \| ([^|]*) \|", line)
        if m:
            keys[m.group(1)] = (m.group(2).strip(), m.group(3).strip())
    return keys


def project_version():
    with open(os.path.join(ROOT, "CMakeLists.txt")) as f:
        return re.search(r"project\(noticeflow VERSION ([0-9.]+)",
                         f.read()).group(1)


def served_metrics():
    """Metric names a running worker exports (no broker needed: the
    endpoint starts before the first connection)."""
    with tempfile.TemporaryDirectory() as d:
        cfg = os.path.join(d, "w.properties")
        with open(cfg, "w") as f:
            f.write("input.topics=in\ngroup.id=g\noutput.topic.incident=a\n"
                    "output.topic.loyalty_campaign=b\noutput.topic.other=c\n"
                    "output.topic.dead_letter=d\n"
                    "kafka.bootstrap.servers=127.0.0.1:1\n"
                    "metrics.listen=127.0.0.1:0\n")
        log = os.path.join(d, "w.log")
        with open(log, "wb") as lf:
            p = subprocess.Popen([BIN, "run", "--config", cfg], stdout=lf,
                                 stderr=lf)
        try:
            port = None
            deadline = time.monotonic() + 20
            while port is None and time.monotonic() < deadline:
                with open(log) as lf:
                    for line in lf:
                        if "metrics endpoint listening" in line:
                            port = json.loads(line)["port"]
                time.sleep(0.05)
            if not check(port, "worker never served metrics"):
                return set(), {}
            text = urllib.request.urlopen(
                "http://127.0.0.1:%d/metrics" % port, timeout=10).read()
            probes = {}
            for path in ("/healthz", "/readyz"):
                try:
                    probes[path] = urllib.request.urlopen(
                        "http://127.0.0.1:%d%s" % (port, path),
                        timeout=10).status
                except urllib.error.HTTPError as e:
                    probes[path] = e.code
        finally:
            p.send_signal(signal.SIGTERM)
            check(p.wait(30) == 0, "worker did not stop cleanly on SIGTERM")
    names = set()
    for line in text.decode().splitlines():
        m = re.match(r"^# TYPE (\S+) (\S+)", line)
        if m:
            names.add(m.group(1))
            if m.group(2) == "histogram":
                names |= {m.group(1) + s for s in ("_bucket", "_sum",
                                                   "_count")}
    return names, probes


# ---- manifests -------------------------------------------------------------

def load_manifests():
    docs = []
    for n in sorted(os.listdir(K8S)):
        if n.endswith(".yaml") and n != "kustomization.yaml":
            with open(os.path.join(K8S, n)) as f:
                for d in yaml.safe_load_all(f):
                    if d is not None:
                        docs.append((n, d))
    return docs


def by_kind(docs, kind):
    return {d["metadata"]["name"]: d for _, d in docs if d["kind"] == kind}


def props_of(text):
    out = {}
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            k, v = line.split("=", 1)
            out[k.strip()] = v.strip()
    return out


def check_workload(name, w, cm_props, secrets, metrics_port, stall_ms,
                   shutdown_ms, version):
    spec = w["spec"]
    tmpl = spec["template"]
    pod = tmpl["spec"]
    labels = tmpl["metadata"]["labels"]
    check(all(labels.get(k) == v for k, v in
              spec["selector"]["matchLabels"].items()),
          "%s: selector does not match the pod labels" % name)
    ann = tmpl["metadata"].get("annotations", {})
    check(ann.get("prometheus.io/port") == str(metrics_port),
          "%s: prometheus.io/port %r != %d" % (
              name, ann.get("prometheus.io/port"), metrics_port))
    check(ann.get("prometheus.io/path") == "/metrics",
          "%s: prometheus.io/path" % name)
    check(pod.get("securityContext", {}).get("runAsNonRoot") is True,
          "%s: runAsNonRoot" % name)
    grace = pod.get("terminationGracePeriodSeconds", 30)
    check(grace * 1000 > shutdown_ms,
          "%s: terminationGracePeriodSeconds %ss <= shutdown.timeout.ms %d"
          % (name, grace, shutdown_ms))
    (c,) = pod["containers"]
    check(c["image"].endswith(":" + version),
          "%s: image tag %s is not the project version %s"
          % (name, c["image"], version))
    ports = {p["name"]: p["containerPort"] for p in c.get("ports", [])}
    check(ports.get("metrics") == metrics_port,
          "%s: containerPort metrics %r != metrics.listen port %d"
          % (name, ports.get("metrics"), metrics_port))
    for probe, path in (("livenessProbe", "/healthz"),
                        ("readinessProbe", "/readyz")):
        pr = c.get(probe)
        if not check(pr, "%s: no %s" % (name, probe)):
            continue
        hg = pr.get("httpGet", {})
        check(hg.get("path") == path, "%s: %s path %r != %s"
              % (name, probe, hg.get("path"), path))
        port = hg.get("port")
        check(port == "metrics" or port == metrics_port,
              "%s: %s port %r" % (name, probe, port))
    live = c["livenessProbe"]
    # the pod must not be killed before /healthz itself reports a stall
    check(live.get("periodSeconds", 10) * live.get("failureThreshold", 3)
          * 1000 >= stall_ms // 2,
          "%s: liveness gives up long before health.stall.timeout.ms" % name)
    req = c.get("resources", {}).get("requests", {})
    check("cpu" in req and "memory" in req,
          "%s: resource requests cpu and memory" % name)
    check("memory" in c.get("resources", {}).get("limits", {}),
          "%s: memory limit" % name)
    check(c["args"][0] in ("run", "dispatch"), "%s: args %r" % (name,
                                                                c["args"]))
    cfg_path = c["args"][c["args"].index("--config") + 1]
    mounts = {m["name"]: m["mountPath"] for m in c.get("volumeMounts", [])}
    vols = {v["name"]: v for v in pod.get("volumes", [])}
    cm_mount = [mounts[n] for n, v in vols.items()
                if "configMap" in v and n in mounts]
    check(len(cm_mount) == 1 and cfg_path == cm_mount[0] +
          "/noticeflow.properties",
          "%s: --config %s is not the ConfigMap's noticeflow.properties"
          % (name, cfg_path))
    for a in mounts.values():
        for b in mounts.values():
            check(a == b or not b.startswith(a + "/"),
                  "%s: mount %s inside mount %s" % (name, b, a))
    # every file the ConfigMap names is mounted
    for key in ("kafka.ssl.ca.location", "webhook.secret.file"):
        path = cm_props.get(key)
        if path and (key != "webhook.secret.file"
                     or c["args"][0] == "dispatch"):
            d = os.path.dirname(path)
            ok = [n for n, mp in mounts.items() if mp == d]
            if check(ok, "%s: %s=%s is not mounted" % (name, key, path)):
                v = vols[ok[0]]
                items = v.get("secret", v.get("configMap", {})).get("items")
                check(items is None or os.path.basename(path) in
                      [i["path"] for i in items],
                      "%s: %s not among the volume's items" % (name, path))
    # env: valid NOTICEFLOW_* names and existing Secret keys
    for e in c.get("env", []):
        ref = e.get("valueFrom", {}).get("secretKeyRef")
        if ref:
            check(ref["key"] in secrets.get(ref["name"], {}),
                  "%s: Secret %s has no key %s" % (name, ref["name"],
                                                   ref["key"]))
    for v in vols.values():
        if "secret" in v:
            s = secrets.get(v["secret"]["secretName"])
            if check(s is not None, "%s: no Secret %s" % (
                    name, v["secret"]["secretName"])):
                for i in v["secret"].get("items", []):
                    check(i["key"] in s, "%s: Secret %s has no key %s" % (
                        name, v["secret"]["secretName"], i["key"]))
    return labels


def check_config_file(props_text, env):
    """`noticeflow check-config` on @props_text with the env given."""
    with tempfile.NamedTemporaryFile("w", suffix=".properties",
                                     delete=False) as f:
        f.write(props_text)
    try:
        return subprocess.run(
            [BIN, "check-config", "--env", f.name], capture_output=True,
            text=True, env=dict(env, PATH=os.environ.get("PATH", "")))
    finally:
        os.unlink(f.name)


def check_kubernetes(keys, metrics_names):
    docs = load_manifests()
    for n, d in docs:
        for field in ("apiVersion", "kind", "metadata"):
            check(field in d, "%s: a document without %s" % (n, field))
        check(d.get("metadata", {}).get("name"), "%s: no metadata.name" % n)
    with open(os.path.join(K8S, "kustomization.yaml")) as f:
        kust = yaml.safe_load(f)
    check(sorted(kust["resources"]) == sorted(
        n for n in os.listdir(K8S)
        if n.endswith(".yaml") and n != "kustomization.yaml"),
        "kustomization.yaml does not list every manifest")

    metrics_port = int(keys["metrics.listen"][1].rsplit(":", 1)[1])
    stall_ms = int(keys["health.stall.timeout.ms"][1])
    cms = by_kind(docs, "ConfigMap")
    cm = cms.get("noticeflow-config")
    if not check(cm, "no ConfigMap noticeflow-config"):
        return
    text = cm["data"]["noticeflow.properties"]
    props = props_of(text)
    if "metrics.listen" in props:
        metrics_port = int(props["metrics.listen"].rsplit(":", 1)[1])
    shutdown_ms = int(props.get("shutdown.timeout.ms",
                                keys["shutdown.timeout.ms"][1]))
    for k in props:
        check(k in keys or k.startswith("kafka."),
              "ConfigMap: unknown key %s" % k)
    secrets = {name: dict(s.get("stringData", {}), **s.get("data", {}))
               for name, s in by_kind(docs, "Secret").items()}

    # the ConfigMap as the pods see it: secrets from the environment
    sts = by_kind(docs, "StatefulSet").get("noticeflow-worker")
    dep = by_kind(docs, "Deployment").get("noticeflow-dispatcher")
    if not check(sts and dep, "worker StatefulSet / dispatcher Deployment"):
        return
    env = {}
    for e in sts["spec"]["template"]["spec"]["containers"][0]["env"]:
        ref = e.get("valueFrom", {})
        if "secretKeyRef" in ref:
            r = ref["secretKeyRef"]
            env[e["name"]] = secrets[r["name"]][r["key"]]
        elif "fieldRef" in ref:
            env[e["name"]] = "noticeflow-worker-0"
        else:
            env[e["name"]] = e["value"]
    res = check_config_file(text, env)
    check(res.returncode == 0, "ConfigMap properties refused by "
          "check-config: %s" % res.stderr.strip())
    check("change-me" not in res.stdout + res.stderr,
          "check-config printed a secret")
    check(env.get("NOTICEFLOW_KAFKA_CONSUMER_GROUP_INSTANCE_ID"),
          "worker: no static membership id (group.instance.id)")

    version = project_version()
    wl = check_workload("StatefulSet/noticeflow-worker", sts, props, secrets,
                        metrics_port, stall_ms, shutdown_ms, version)
    dl = check_workload("Deployment/noticeflow-dispatcher", dep, props,
                        secrets, metrics_port, stall_ms, shutdown_ms, version)
    svcs = by_kind(docs, "Service")
    check(sts["spec"]["serviceName"] in svcs,
          "StatefulSet serviceName has no Service")
    for s in svcs.values():
        for p in s["spec"]["ports"]:
            check(p["port"] == metrics_port and p.get("targetPort") in
                  ("metrics", metrics_port),
                  "Service %s: port %r" % (s["metadata"]["name"], p))
    pdbs = by_kind(docs, "PodDisruptionBudget")
    for labels, what in ((wl, "worker"), (dl, "dispatcher")):
        check(any(all(labels.get(k) == v for k, v in
                      p["spec"]["selector"]["matchLabels"].items())
                  for p in pdbs.values()),
              "no PodDisruptionBudget selects the %s pods" % what)
    for p in pdbs.values():
        check(("maxUnavailable" in p["spec"]) != ("minAvailable" in
                                                   p["spec"]),
              "PDB %s: exactly one of maxUnavailable/minAvailable"
              % p["metadata"]["name"])

    # KEDA: the worker, its group and topic, capped at the partitions
    sos = by_kind(docs, "ScaledObject")
    so = sos.get("noticeflow-worker")
    if not check(so, "no ScaledObject noticeflow-worker"):
        return
    tgt = so["spec"]["scaleTargetRef"]
    check(tgt.get("kind") == "StatefulSet" and tgt["name"] ==
          "noticeflow-worker", "ScaledObject target %r" % tgt)
    parts = int(so["metadata"]["annotations"][
        "noticeflow.io/input-partitions"])
    check(so["spec"]["maxReplicaCount"] == parts,
          "maxReplicaCount %r != input partitions %d"
          % (so["spec"]["maxReplicaCount"], parts))
    check(1 <= so["spec"].get("minReplicaCount", 0) <= parts,
          "minReplicaCount")
    (trig,) = so["spec"]["triggers"]
    md = trig["metadata"]
    check(trig["type"] == "kafka", "trigger type %r" % trig["type"])
    check(md["consumerGroup"] == props["group.id"],
          "KEDA consumerGroup %r != group.id %r" % (md["consumerGroup"],
                                                    props["group.id"]))
    check(md["topic"] == props["input.topics"],
          "KEDA topic %r != input.topics %r" % (md["topic"],
                                                props["input.topics"]))
    check(md["bootstrapServers"] == props["kafka.bootstrap.servers"],
          "KEDA bootstrapServers differ from the ConfigMap's")
    check(md.get("allowIdleConsumers") == "false",
          "allowIdleConsumers must be \"false\" (cap at the partitions)")
    check(int(md["lagThreshold"]) > 0, "lagThreshold")
    tas = by_kind(docs, "TriggerAuthentication")
    ta = tas.get(trig["authenticationRef"]["name"])
    if check(ta, "no TriggerAuthentication %s"
             % trig["authenticationRef"]["name"]):
        params = {}
        for r in ta["spec"]["secretTargetRef"]:
            check(r["key"] in secrets.get(r["name"], {}),
                  "TriggerAuthentication: Secret %s has no key %s"
                  % (r["name"], r["key"]))
            params[r["parameter"]] = secrets.get(r["name"], {}).get(r["key"])
        if props.get("kafka.security.protocol") == "SASL_SSL":
            # librdkafka's mechanism name → KEDA's sasl parameter
            mech = {"SCRAM-SHA-512": "scram_sha512",
                    "SCRAM-SHA-256": "scram_sha256", "PLAIN": "plaintext",
                    "OAUTHBEARER": "oauthbearer"}.get(
                        props.get("kafka.sasl.mechanisms", ""))
            check(params.get("sasl") == mech and params.get("tls") ==
                  "enable", "KEDA auth (%s, tls %s) does not match the "
                  "worker's %s" % (params.get("sasl"), params.get("tls"),
                                   mech))

    # kubectl, where present, renders the kustomization
    kubectl = shutil.which("kubectl")
    if kubectl:
        r = subprocess.run([kubectl, "kustomize", K8S], capture_output=True,
                           text=True)
        check(r.returncode == 0, "kubectl kustomize: %s" % r.stderr)


# ---- Dockerfile ------------------------------------------------------------

def dockerfile_instructions(path):
    """[(INSTRUCTION, args)] with continuations joined, comments dropped."""
    out, cur = [], ""
    with open(path) as f:
        for line in f:
            s = line.rstrip("\n")
            if not cur and (not s.strip() or s.lstrip().startswith("#")):
                continue
            if s.endswith("\\"):
                cur += s[:-1] + " "
                continue
            cur += s
            ins, _, args = cur.strip().partition(" ")
            out.append((ins.upper(), args.strip()))
            cur = ""
    return out


def check_dockerfile(metrics_port):
    ins = dockerfile_instructions(os.path.join(DEPLOY, "Dockerfile"))
    stages = []
    for i, (k, a) in enumerate(ins):
        if k == "FROM":
            m = re.match(r"^(\S+)(?: AS (\S+))?$", a, re.I)
            stages.append({"image": m.group(1), "name": m.group(2),
                           "ins": []})
        elif stages:
            stages[-1]["ins"].append((k, a))
    check(len(stages) >= 2, "Dockerfile: not multi-stage")
    for s in stages:
        check(s["image"] == "debian:bookworm-slim",
              "Dockerfile: stage on %s, not debian:bookworm-slim"
              % s["image"])
    final = stages[-1]["ins"]
    kinds = [k for k, _ in final]
    users = [a for k, a in final if k == "USER"]
    check(users and users[-1].split(":")[0] not in ("0", "root"),
          "Dockerfile: final stage runs as root")
    ent = [a for k, a in final if k == "ENTRYPOINT"]
    path = None
    if check(ent, "Dockerfile: no ENTRYPOINT"):
        try:
            argv = json.loads(ent[-1])
            path = argv[0]
        except ValueError:
            check(False, "Dockerfile: ENTRYPOINT not in exec form")
    copies = [a for k, a in final if k == "COPY" and a.startswith(
        "--from=")]
    check(path and any(c.split()[-1] == path for c in copies),
          "Dockerfile: ENTRYPOINT %s is not copied from the build stage"
          % path)
    builder = [s["name"] for s in stages[:-1]]
    for c in copies:
        check(c.split()[0][len("--from="):] in builder,
              "Dockerfile: COPY %s from an unknown stage" % c)
    exposed = [a for k, a in final if k == "EXPOSE"]
    check(exposed and exposed[-1].split("/")[0] == str(metrics_port),
          "Dockerfile: EXPOSE %r != metrics port %d" % (exposed,
                                                       metrics_port))
    cmd = [a for k, a in final if k == "CMD"]
    check(cmd and json.loads(cmd[-1])[0] == "run", "Dockerfile: CMD")
    check(kinds.index("USER") > max(i for i, k in enumerate(kinds)
                                    if k == "RUN"),
          "Dockerfile: RUN after USER in the final stage")
    for s in stages:
        for k, a in s["ins"]:
            if k == "RUN" and "apt-get install" in a:
                check("--no-install-recommends" in a,
                      "Dockerfile: apt-get install without "
                      "--no-install-recommends")
                check("rm -rf /var/lib/apt/lists" in a,
                      "Dockerfile: apt lists left in the layer")
    # runtime packages cover the binary's sonames (Debian: dpkg -S)
    run_pkgs = set()
    for k, a in final:
        if k == "RUN" and "apt-get install" in a:
            seg = a.split("apt-get install", 1)[1].split("&&")[0]
            run_pkgs |= {w for w in seg.split() if not w.startswith("-")}
    dpkg = shutil.which("dpkg")
    if dpkg and shutil.which("objdump"):
        needed = re.findall(r"NEEDED\s+(\S+)", subprocess.run(
            ["objdump", "-p", BIN], capture_output=True, text=True).stdout)
        for so in needed:
            # libc itself, and sanitizer runtimes of an ASan/UBSan build
            if so.startswith(("libc.so", "libm.so", "libpthread", "ld-",
                              "libasan", "libubsan", "liblsan", "libtsan")):
                continue
            r = subprocess.run([dpkg, "-S", "*/" + so], capture_output=True,
                               text=True)
            owners = {line.split(":")[0] for line in r.stdout.splitlines()}
            check(owners & run_pkgs, "Dockerfile: no runtime package "
                  "provides %s (dpkg: %s)" % (so, sorted(owners)))
    # the build stage copies what the build needs
    copied = {a.split()[0] for k, a in stages[0]["ins"] if k == "COPY"}
    for need in ("CMakeLists.txt", "worker", "schemas"):
        check(need in copied, "Dockerfile: build stage lacks %s" % need)
    with open(os.path.join(ROOT, ".dockerignore")) as f:
        ign = f.read()
    check("build*/" in ign and ".git/" in ign,
          ".dockerignore must keep build trees and .git out")


# ---- systemd ---------------------------------------------------------------

def check_systemd():
    d = os.path.join(DEPLOY, "systemd")
    for n in sorted(os.listdir(d)):
        if not n.endswith(".service"):
            continue
        cp = configparser.ConfigParser(strict=False, interpolation=None)
        cp.optionxform = str
        cp.read(os.path.join(d, n))
        svc = cp["Service"]
        start = svc.get("ExecStart", "")
        check(re.search(r"noticeflow (run|dispatch) --config \S+", start),
              "%s: ExecStart %r" % (n, start))
        check(svc.get("Restart") == "on-failure", "%s: Restart" % n)
        check("2" in svc.get("RestartPreventExitStatus", "").split(),
              "%s: exit 2 (bad config) must not restart" % n)
        check(svc.get("KillSignal", "SIGTERM") == "SIGTERM", "%s: KillSignal"
              % n)
        stop = svc.get("TimeoutStopSec", "90")
        check(int(stop) * 1000 > 30000, "%s: TimeoutStopSec below the "
              "default shutdown.timeout.ms" % n)
        check(cp["Install"].get("WantedBy") == "multi-user.target",
              "%s: WantedBy" % n)
        sa = shutil.which("systemd-analyze")
        if sa:
            # verify a copy whose command paths point at the built binary
            with tempfile.TemporaryDirectory() as t:
                with open(os.path.join(d, n)) as f:
                    text = f.read().replace("/usr/local/bin/noticeflow", BIN)
                with open(os.path.join(t, n), "w") as f:
                    f.write(text)
                r = subprocess.run([sa, "verify", os.path.join(t, n)],
                                   capture_output=True, text=True)
                errs = [l for l in (r.stdout + r.stderr).splitlines()
                        if n in l and "Documentation" not in l]
                check(r.returncode == 0 and not errs,
                      "systemd-analyze verify %s: %s" % (n, errs or
                                                         r.stderr))


# ---- Grafana -----------------------------------------------------------------

def check_grafana(metrics_names):
    with open(os.path.join(DEPLOY, "grafana",
                           "noticeflow-dashboard.json")) as f:
        dash = json.load(f)
    check(dash.get("uid") and dash.get("title"), "dashboard uid/title")
    panels = [p for p in dash["panels"] if p["type"] != "row"]
    ids = [p["id"] for p in dash["panels"]]
    check(len(ids) == len(set(ids)), "dashboard: duplicate panel ids")
    used = set()
    for p in panels:
        check(p.get("targets"), "panel %r has no query" % p["title"])
        for t in p.get("targets", []):
            for m in re.findall(r"\bnoticeflow_[a-z_]+", t["expr"]):
                used.add(m)
                check(m in metrics_names, "panel %r queries %s, which the "
                      "binary does not export" % (p["title"], m))
    titles = " ".join(p["title"].lower() for p in panels)
    for word in ("lag", "latency", "dead letter", "alert", "consumed",
                 "produced"):
        check(word in titles, "dashboard: no panel about %s" % word)
    for need in ("noticeflow_consumer_lag", "noticeflow_processing_seconds_"
                 "bucket", "noticeflow_messages_dead_lettered_total",
                 "noticeflow_alerts_failed_total",
                 "noticeflow_messages_consumed_total"):
        check(need in used, "dashboard does not show %s" % need)


def main():
    keys = help_config()
    for k in ("metrics.listen", "health.stall.timeout.ms",
              "shutdown.timeout.ms"):
        if not check(k in keys, "--help-config lacks %s" % k):
            return 1
    metrics_port = int(keys["metrics.listen"][1].rsplit(":", 1)[1])
    names, probes = served_metrics()
    check(probes.get("/healthz") == 200, "running binary: /healthz %r"
          % probes.get("/healthz"))
    check(probes.get("/readyz") == 503, "binary without a broker is ready")
    check_kubernetes(keys, names)
    check_dockerfile(metrics_port)
    check_systemd()
    check_grafana(names)
    print("deploy: %d failure(s), %d metric names served" % (len(failures),
                                                             len(names)))
    return min(len(failures), 100)


if __name__ == "__main__":
    sys.exit(main())
