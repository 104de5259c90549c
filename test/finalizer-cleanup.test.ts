import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import type { Plan, PlannedResource } from "../plan/engine";
import { PROJECT_DIR } from "../plan/engine";
import { checkPolicies } from "../plan/policy-runner";
import { CLEANUP_CHART, CLEANUP_CHART_NAME, cleanupObjects, FINALIZER_CLEANUPS, kubectlImage } from "../components/shared/finalizer-cleanup";
import { durationSeconds } from "../components/shared/duration";
import { cleanupJobDeadline, cleanupKinds, finalizerCleanupPolicy } from "../policy/rules/controllers";
import { inputs, named, ofType } from "./helpers";
import { committedPlan } from "./plans";

const args = {
    name: "velero-finalizer-cleanup",
    namespace: "velero",
    resources: ["restores.velero.io", "datauploads.velero.io", "nodeclaims.karpenter.sh"],
    kubectlImage: "registry.k8s.io/kubectl:v1.36.0",
    timeout: "1h30m",
    systemNodeSelector: { "platform.io/node-role": "system" },
};

describe("finalizer cleanup: the pre-delete hook objects", () => {
    const objects = cleanupObjects(args) as any[];
    const byKind = (kind: string) => objects.find((o) => o.kind === kind);

    it("are all pre-delete hooks, RBAC before the Job, removed once they succeed", () => {
        assert.deepStrictEqual(objects.map((o) => [o.kind, o.metadata.annotations["helm.sh/hook-weight"]]), [
            ["ServiceAccount", "-10"], ["ClusterRole", "-10"], ["ClusterRoleBinding", "-5"], ["Job", "0"],
        ]);
        for (const o of objects) {
            assert.strictEqual(o.metadata.annotations["helm.sh/hook"], "pre-delete");
            assert.strictEqual(o.metadata.annotations["helm.sh/hook-delete-policy"], "before-hook-creation,hook-succeeded");
        }
    });

    it("grant only get/list/watch/delete on exactly the listed kinds, grouped by API group", () => {
        assert.deepStrictEqual(byKind("ClusterRole").rules, [
            { apiGroups: ["velero.io"], resources: ["restores", "datauploads"], verbs: ["get", "list", "watch", "delete"] },
            { apiGroups: ["karpenter.sh"], resources: ["nodeclaims"], verbs: ["get", "list", "watch", "delete"] },
        ]);
        assert.deepStrictEqual(byKind("ClusterRoleBinding").subjects, [{ kind: "ServiceAccount", name: "velero-finalizer-cleanup", namespace: "velero" }]);
    });

    it("run one kubectl that deletes every object of those kinds and waits, bounded by the timeout", () => {
        const pod = byKind("Job").spec.template.spec;
        assert.deepStrictEqual(pod.containers[0].command, [
            "kubectl", "delete", "restores.velero.io,datauploads.velero.io,nodeclaims.karpenter.sh", "--all", "--all-namespaces", "--ignore-not-found", "--wait", "--timeout=1h30m",
        ]);
        assert.strictEqual(pod.containers[0].image, "registry.k8s.io/kubectl:v1.36.0");
        assert.strictEqual(byKind("Job").spec.activeDeadlineSeconds, 5400 + 300);
        assert.strictEqual(pod.serviceAccountName, "velero-finalizer-cleanup");
        assert.deepStrictEqual(pod.nodeSelector, { "platform.io/node-role": "system" });
    });

    it("are written out in full: RBAC for exactly the kinds, grouped by API group, and the Job that deletes and waits", () => {
        const hook = (weight: string) => ({ "helm.sh/hook": "pre-delete", "helm.sh/hook-weight": weight, "helm.sh/hook-delete-policy": "before-hook-creation,hook-succeeded" });
        assert.deepStrictEqual(objects, [
            { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "velero-finalizer-cleanup", namespace: "velero", annotations: hook("-10") } },
            {
                apiVersion: "rbac.authorization.k8s.io/v1",
                kind: "ClusterRole",
                metadata: { name: "velero-finalizer-cleanup", annotations: hook("-10") },
                rules: [
                    { apiGroups: ["velero.io"], resources: ["restores", "datauploads"], verbs: ["get", "list", "watch", "delete"] },
                    { apiGroups: ["karpenter.sh"], resources: ["nodeclaims"], verbs: ["get", "list", "watch", "delete"] },
                ],
            },
            {
                apiVersion: "rbac.authorization.k8s.io/v1",
                kind: "ClusterRoleBinding",
                metadata: { name: "velero-finalizer-cleanup", annotations: hook("-5") },
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "velero-finalizer-cleanup" },
                subjects: [{ kind: "ServiceAccount", name: "velero-finalizer-cleanup", namespace: "velero" }],
            },
            {
                apiVersion: "batch/v1",
                kind: "Job",
                metadata: { name: "velero-finalizer-cleanup", namespace: "velero", annotations: hook("0") },
                spec: {
                    backoffLimit: 2,
                    activeDeadlineSeconds: 5400 + 300,
                    template: {
                        spec: {
                            serviceAccountName: "velero-finalizer-cleanup",
                            restartPolicy: "Never",
                            nodeSelector: { "platform.io/node-role": "system" },
                            tolerations: [{ key: "CriticalAddonsOnly", operator: "Exists" }],
                            securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: "RuntimeDefault" } },
                            containers: [
                                {
                                    name: "delete-and-wait",
                                    image: "registry.k8s.io/kubectl:v1.36.0",
                                    command: [
                                        "kubectl", "delete", "restores.velero.io,datauploads.velero.io,nodeclaims.karpenter.sh", "--all", "--all-namespaces", "--ignore-not-found", "--wait", "--timeout=1h30m",
                                    ],
                                    env: [{ name: "HOME", value: "/tmp" }],
                                    volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
                                    resources: { requests: { cpu: "10m", memory: "64Mi" }, limits: { memory: "128Mi" } },
                                    securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
                                },
                            ],
                            volumes: [{ name: "tmp", emptyDir: {} }],
                        },
                    },
                },
            },
        ]);
    });

    it("run as the restricted Pod Security level allows (non-root, no privilege, read-only root, RuntimeDefault)", () => {
        const pod = byKind("Job").spec.template.spec;
        assert.deepStrictEqual(pod.securityContext, { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: "RuntimeDefault" } });
        assert.deepStrictEqual(pod.containers[0].securityContext, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
    });

    it("pins kubectl to the cluster's minor version and reads durations in seconds", () => {
        assert.strictEqual(kubectlImage("1.35"), "registry.k8s.io/kubectl:v1.35.0");
        assert.deepStrictEqual(["2h", "90m", "1h30m", "45s", "1h0m1s", "8100s", "x"].map(durationSeconds), [7200, 5400, 5400, 45, 3601, 8100, 0]);
    });

    it("the local chart renders the given objects as they are (its only template)", () => {
        const dir = path.join(PROJECT_DIR, CLEANUP_CHART);
        assert.strictEqual(parse(fs.readFileSync(path.join(dir, "Chart.yaml"), "utf8")).name, CLEANUP_CHART_NAME);
        assert.deepStrictEqual(parse(fs.readFileSync(path.join(dir, "values.yaml"), "utf8")), { objects: [] });
        assert.deepStrictEqual(fs.readdirSync(path.join(dir, "templates")), ["objects.yaml"]);
        assert.strictEqual(fs.readFileSync(path.join(dir, "templates", "objects.yaml"), "utf8"), "{{- range .Values.objects }}\n---\n{{ toYaml . }}\n{{- end }}\n");
    });
});

for (const stack of ["dev", "prod"] as const) {
    describe(`finalizer cleanup in stack ${stack}: removed before its controller on destroy @stack`, function () {
        this.timeout(60000);
        let plan: Plan;
        before(async () => {
            plan = await committedPlan(stack);
        });
        const cleanup = (controller: string) => named(plan.resources, `platform-${controller}-finalizer-cleanup`);

        it("has one cleanup release per controller with finalizers, each from the local chart and deleting that controller's kinds", () => {
            const releases = ofType(plan.resources, "kubernetes:helm.sh/v3:Release").filter((r) => inputs(r).chart === CLEANUP_CHART);
            assert.deepStrictEqual(releases.map((r) => inputs(r).name).sort(), ["argo-cd-finalizer-cleanup", "cert-manager-finalizer-cleanup", "external-secrets-finalizer-cleanup", "gha-runner-scale-set-controller-finalizer-cleanup", "karpenter-finalizer-cleanup", "velero-finalizer-cleanup"]);
            // Written out: the objects each controller finalizes, in the order they are deleted.
            const kinds: Record<string, string[]> = {
                velero: ["restores.velero.io", "datauploads.velero.io", "datadownloads.velero.io", "podvolumebackups.velero.io", "podvolumerestores.velero.io"],
                karpenter: ["nodepools.karpenter.sh", "nodeclaims.karpenter.sh"],
                "cert-manager": ["challenges.acme.cert-manager.io", "orders.acme.cert-manager.io"],
                "external-secrets": ["clusterexternalsecrets.external-secrets.io", "externalsecrets.external-secrets.io", "pushsecrets.external-secrets.io"],
                "argo-cd": ["applicationsets.argoproj.io", "applications.argoproj.io"],
                "gha-runner-scale-set-controller": ["autoscalingrunnersets.actions.github.com"],
            };
            assert.deepStrictEqual(Object.keys(FINALIZER_CLEANUPS).sort(), Object.keys(kinds).sort());
            for (const r of releases) assert.deepStrictEqual(cleanupKinds({ props: inputs(r) } as any), kinds[inputs(r).name.replace(/-finalizer-cleanup$/, "")], inputs(r).name);
        });

        it("names every hook object after its release (the ServiceAccount the Job runs as, the RBAC that grants it)", () => {
            const releases = ofType(plan.resources, "kubernetes:helm.sh/v3:Release").filter((r) => inputs(r).chart === CLEANUP_CHART);
            assert.strictEqual(releases.length, 6);
            for (const r of releases) {
                const objects: { kind: string; metadata: { name: string } }[] = inputs(r).values.objects;
                assert.deepStrictEqual(objects.map((o) => `${o.kind}/${o.metadata.name}`), ["ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Job"].map((k) => `${k}/${inputs(r).name}`));
            }
        });

        it("Velero's waits for the Velero release (so it is uninstalled first) in Velero's namespace", () => {
            const r = cleanup("backup");
            assert.ok(r.dependsOn.includes(named(plan.resources, "platform-backup-velero").urn));
            assert.strictEqual(inputs(r).namespace, "velero");
        });

        it("Karpenter's waits for the controller and the NodePool, and waits for drains up to terminationGracePeriod + 15m", () => {
            const r = cleanup("cluster-karpenter");
            const controller = ofType(plan.resources, "kubernetes:helm.sh/v3:Release").find((x) => x.name === "platform-cluster-karpenter-controller")!;
            assert.ok(r.dependsOn.includes(controller.urn));
            assert.ok(r.dependsOn.includes(named(plan.resources, "platform-cluster-karpenter-nodepool").urn));
            const job = inputs(r).values.objects.find((o: any) => o.kind === "Job");
            assert.strictEqual(job.spec.template.spec.containers[0].command.at(-1), stack === "dev" ? "--timeout=4500s" : "--timeout=8100s");
            // Helm waits for the hook longer than the Job may run (grace + 15 min, + 5 min deadline margin, + 1 min).
            assert.strictEqual(inputs(r).timeout, stack === "dev" ? 4500 + 360 : 8100 + 360);
            assert.deepStrictEqual(job.spec.template.spec.nodeSelector, { "platform.io/node-role": "system" });
            assert.strictEqual(job.spec.template.spec.containers[0].image, "registry.k8s.io/kubectl:v1.36.0");
        });

        it("cert-manager's waits for cert-manager, and the gateway certificate waits for it (deleted before the hook runs)", () => {
            const r = cleanup("ingress-certificates");
            assert.ok(r.dependsOn.includes(named(plan.resources, "platform-ingress-certificates-cert-manager").urn));
            assert.ok(named(plan.resources, "platform-ingress-certificates-gateway-certificate").dependsOn.includes(r.urn));
        });
    });
}

describe("policy: finalizer cleanup before the controller", () => {
    const rule = [finalizerCleanupPolicy];
    const release = (name: string, chart: string, values: object = {}, deps: string[] = []): PlannedResource => {
        const urn = `urn:pulumi:t::p::kubernetes:helm.sh/v3:Release::${name}`;
        return { urn, key: urn, type: "kubernetes:helm.sh/v3:Release", name, custom: true, protect: false, retainOnDelete: false, deleteBeforeReplace: false,
            dependsOn: deps, dependencies: deps, ignoreChanges: [], aliases: [], inputs: { chart, values }, secretPaths: [] };
    };
    const velero = release("velero", "velero");
    const objects = (resources: readonly string[]) => ({ objects: cleanupObjects({ ...args, resources }) });

    it("refuses Velero without a cleanup release", async () => {
        const v = await checkPolicies({ resources: [velero] }, rule);
        assert.match(v[0].message, /velero \(chart velero\): no cleanup release ordered after it deletes restores\.velero\.io, datauploads/);
    });
    it("refuses a cleanup release that is not ordered after the controller, or misses a kind", async () => {
        const unordered = release("c", CLEANUP_CHART, objects(FINALIZER_CLEANUPS.velero));
        (unordered.inputs as Record<string, unknown>).timeout = 6000;
        assert.deepStrictEqual((await checkPolicies({ resources: [velero, unordered] }, rule)).map((v) => v.message.replace(/ deletes .*/, "")), [
            "velero (chart velero): no cleanup release ordered after it",
        ]);
        // Another chart's release with the same Job, ordered after Velero, is no cleanup release.
        const lookalike = release("other", "some-chart", objects(FINALIZER_CLEANUPS.velero), [velero.urn]);
        (lookalike.inputs as Record<string, unknown>).timeout = 6000;
        assert.deepStrictEqual((await checkPolicies({ resources: [velero, lookalike] }, rule)).map((v) => v.message.replace(/ deletes .*/, "")), [
            "velero (chart velero): no cleanup release ordered after it",
        ]);
        const partial = release("c", CLEANUP_CHART, objects(["restores.velero.io"]), [velero.urn]);
        (partial.inputs as Record<string, unknown>).timeout = 6000;
        assert.deepStrictEqual((await checkPolicies({ resources: [velero, partial] }, rule)).map((v) => v.message.replace(/,.*/, "")), [
            "velero (chart velero): no cleanup release ordered after it deletes datauploads.velero.io",
        ]);
    });
    it("accepts a complete cleanup release that depends on the controller and waits longer than its Job", async () => {
        const ok = release("c", CLEANUP_CHART, objects(FINALIZER_CLEANUPS.velero), [velero.urn]);
        (ok.inputs as Record<string, unknown>).timeout = 5400 + 300 + 60;
        assert.deepStrictEqual(await checkPolicies({ resources: [velero, ok] }, rule), []);
    });
    it("refuses a cleanup release whose Helm timeout (default 300 s) is shorter than its Job's deadline", async () => {
        const short = release("c", CLEANUP_CHART, objects(FINALIZER_CLEANUPS.velero), [velero.urn]);
        assert.match((await checkPolicies({ resources: [velero, short] }, rule))[0].message, /Helm waits 300 s for the pre-delete hook, less than its Job's deadline of 5700 s/);
        // Exactly the deadline is too short too: the hook must be given time to finish after it.
        (short.inputs as Record<string, unknown>).timeout = 5700;
        assert.deepStrictEqual((await checkPolicies({ resources: [velero, short] }, rule)).map((v) => v.message), [
            "c: Helm waits 5700 s for the pre-delete hook, less than its Job's deadline of 5700 s; set the release timeout above it",
        ]);
    });
    it("reads a cleanup's kinds and deadline only from a Job that deletes", () => {
        const job = (spec: object) => ({ props: { values: { objects: [{ kind: "ServiceAccount" }, { kind: "Job", spec }] } } }) as any;
        const deleting = { activeDeadlineSeconds: 60, template: { spec: { containers: [{ command: ["kubectl", "delete", "a.x,b.y"] }] } } };
        assert.deepStrictEqual([cleanupKinds(job(deleting)), cleanupJobDeadline(job(deleting))], [["a.x", "b.y"], 60]);
        const cases = [
            { props: {} },
            { props: { values: { objects: "x" } } },
            { props: { values: { objects: [null, { kind: "ConfigMap" }] } } },
            job({}),
            { props: { values: { objects: [{ kind: "Job" }] } } },
            job({ template: {} }),
            job({ template: { spec: {} } }),
            job({ activeDeadlineSeconds: "60", template: { spec: { containers: [] } } }),
            job({ template: { spec: { containers: [{ command: ["kubectl", "get", "a.x"] }] } } }),
            job({ template: { spec: { containers: [{ command: ["kubectl", "delete", ["a.x"]] }] } } }),
        ] as any[];
        assert.deepStrictEqual(cases.map((c) => [cleanupKinds(c), cleanupJobDeadline(c)]), cases.map(() => [[], undefined]));
    });
});
