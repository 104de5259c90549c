// What the first exact mutation run of the delivery layer (components/delivery, components/registry) showed no test
// pinned (reports/mutation/SCORES.md): the CI objects, Argo CD's values, the tenant's Argo CD objects and the registry
// in full.
import * as assert from "assert";
import { argocdValues } from "../components/delivery/argocd-values";
import { ecrPushPolicy, githubAppSecretSpec, runnerAwsEgressSpec, runnerLabels, scaleSetValues } from "../components/delivery/ci";
import { lifecyclePolicyText, pullThroughNodePolicy, repositoryTemplatePolicy } from "../components/registry/registry";
import { planStack, Plan, PROJECT_DIR } from "../plan/engine";
import { readStackConfig } from "../plan/stack-files";
import { appDeliverySchema } from "../stacks/schema-delivery";
import { tenantSchema } from "../stacks/schema-tenants";
import { named, ofType, within } from "./helpers";
import { describePlan } from "./plans";

const ecr = (prefix: string) => `arn:aws:ecr:eu-west-1:222222222222:repository/${prefix}/*`;
const CACHES = ["docker-hub", "ghcr", "ecr-public", "quay", "k8s"];

describe("delivery details: CI objects", () => {
    it("reads the tenant's GitHub App key from its own Vault path into a GitHub App secret, without waiting for it", () => {
        assert.deepStrictEqual(githubAppSecretSpec({ namespace: "team-b", store: "tenant-team-b", vaultPrefix: "tenants/team-b", app: { appId: 11, installationId: 22 } }), {
            apiVersion: "external-secrets.io/v1",
            kind: "ExternalSecret",
            metadata: { name: "github-app", namespace: "team-b", annotations: { "pulumi.com/skipAwait": "true" } },
            spec: {
                refreshInterval: "1h",
                secretStoreRef: { kind: "ClusterSecretStore", name: "tenant-team-b" },
                target: {
                    name: "github-app",
                    creationPolicy: "Owner",
                    template: { engineVersion: "v2", data: { github_app_id: "11", github_app_installation_id: "22", github_app_private_key: "{{ .privateKey }}" } },
                },
                data: [{ secretKey: "privateKey", remoteRef: { key: "tenants/team-b/ci/github-app", property: "github_app_private_key" } }],
            },
        });
    });

    it("opens HTTPS to the VPC and the Pod Identity agent for runners (and the builder beside each)", () => {
        const vpc = { to: [{ ipBlock: { cidr: "10.30.0.0/16" } }], ports: [{ protocol: "TCP", port: 443 }] };
        assert.deepStrictEqual(runnerAwsEgressSpec("team-b", "10.30.0.0/16"), {
            metadata: { name: "allow-aws-ci-runner", namespace: "team-b" },
            spec: {
                podSelector: { matchLabels: { "app.kubernetes.io/name": "ci-runner" } },
                policyTypes: ["Egress"],
                egress: [{ to: [{ ipBlock: { cidr: "169.254.170.23/32" } }], ports: [{ protocol: "TCP", port: 80 }] }, vpc],
            },
        });
    });

    it("gives each job's pod the runner (restricted, the run script, the tenant's sizes) and its own rootless BuildKit sidecar on the loopback, on a builders' node of its own", () => {
        const t = tenantSchema.parse({
            name: "team-b",
            owners: ["carol"],
            costCentre: "CC-B",
            ci: { enabled: true, githubConfigUrl: "https://github.com/acme", githubApp: { appId: 1, installationId: 2 }, runner: { requestsCpu: "250m", requestsMemory: "512Mi", limitsCpu: "2", limitsMemory: "3Gi" } },
        });
        const builder = appDeliverySchema.shape.builder.parse({ image: "moby/buildkit:v0.32.2-rootless", requests: { cpu: "1", memory: "2Gi" }, limits: { cpu: "4", memory: "8Gi" }, cacheSize: "50Gi" });
        const v = scaleSetValues({
            tenant: t,
            environment: "qa",
            runnerImage: "ghcr.io/actions/actions-runner:2.336.0",
            builder,
            controller: { serviceAccount: "arc-gha-rs-controller", namespace: "arc-systems" },
            requiredLabels: [],
        });
        assert.deepStrictEqual(v.template.metadata.annotations, { "karpenter.sh/do-not-disrupt": "true", "eks.amazonaws.com/skip-containers": "buildkitd" });
        assert.deepStrictEqual(v.template.spec, {
            serviceAccountName: "ci-runner",
            automountServiceAccountToken: false,
            securityContext: { runAsNonRoot: true, runAsUser: 1001, runAsGroup: 1001, fsGroup: 1001, seccompProfile: { type: "RuntimeDefault" } },
            nodeSelector: { "karpenter.sh/nodepool": "builders" },
            tolerations: [{ key: "platform.io/builder", operator: "Equal", value: "true", effect: "NoExecute" }],
            affinity: {
                podAntiAffinity: {
                    requiredDuringSchedulingIgnoredDuringExecution: [
                        {
                            labelSelector: { matchLabels: { "app.kubernetes.io/name": "ci-runner" } },
                            namespaceSelector: { matchLabels: { "platform.io/namespace-role": "ci" } },
                            topologyKey: "kubernetes.io/hostname",
                        },
                    ],
                },
            },
            initContainers: [
                {
                    name: "buildkitd",
                    image: "moby/buildkit:v0.32.2-rootless",
                    restartPolicy: "Always",
                    args: ["--addr", "unix:///run/user/1000/buildkit/buildkitd.sock", "--addr", "tcp://127.0.0.1:1234", "--oci-worker-no-process-sandbox"],
                    securityContext: { privileged: false, seccompProfile: { type: "Unconfined" }, appArmorProfile: { type: "Unconfined" }, runAsUser: 1000, runAsGroup: 1000 },
                    resources: { requests: { cpu: "1", memory: "2Gi" }, limits: { cpu: "4", memory: "8Gi" } },
                    startupProbe: { exec: { command: ["buildctl", "debug", "workers"] }, periodSeconds: 2, failureThreshold: 30 },
                    volumeMounts: [{ name: "buildkit-cache", mountPath: "/home/user/.local/share/buildkit" }],
                },
            ],
            containers: [
                {
                    name: "runner",
                    image: "ghcr.io/actions/actions-runner:2.336.0",
                    command: ["/home/runner/run.sh"],
                    securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, runAsNonRoot: true, readOnlyRootFilesystem: false },
                    resources: { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "2", memory: "3Gi" } },
                    env: [{ name: "BUILDKIT_HOST", value: "tcp://127.0.0.1:1234" }],
                },
            ],
            volumes: [{ name: "buildkit-cache", emptyDir: { sizeLimit: "50Gi" } }],
        });
    });

    it("labels the runner's version from its tag, trimmed to a label's alphabet, or unknown", () => {
        const version = (runnerImage: string) => runnerLabels(["app.kubernetes.io/version"], { tenant: "t", runnerImage })["app.kubernetes.io/version"];
        assert.strictEqual(version("ghcr.io/actions/actions-runner"), "unknown");
        assert.strictEqual(version("ghcr.io/actions/actions-runner:__2.336.0__"), "2.336.0");
        assert.strictEqual(version("ghcr.io/actions/actions-runner:_"), "unknown");
    });

    it("lets runners pull base images through every cache, importing them on first pull", () => {
        const doc = ecrPushPolicy("arn:aws:ecr:eu-west-1:222222222222:repository/team-b/apps", ["quay"]);
        assert.deepStrictEqual(doc.Statement[2], {
            Sid: "PullThroughCaches",
            Effect: "Allow",
            Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability", "ecr:BatchImportUpstreamImage", "ecr:CreateRepository"],
            Resource: ["arn:aws:ecr:eu-west-1:222222222222:repository/quay/*"],
        });
    });
});

describe("delivery details: Argo CD's values in full", () => {
    const values = (settings: Record<string, unknown>) =>
        argocdValues({ settings: appDeliverySchema.shape.argocd.parse(settings), host: "argocd.example.org", oidc: { issuer: "https://sso.example.org/realms/platform", clientId: "argocd" }, groups: { admins: "a", viewers: "v" } });
    const component = (name: string, replicas: number) => ({
        replicas,
        pdb: { enabled: replicas > 1, minAvailable: 1 },
        topologySpreadConstraints: [
            { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: { "app.kubernetes.io/name": `argocd-${name}`, "app.kubernetes.io/instance": "argocd" } } },
        ],
        metrics: { enabled: true },
    });

    it("sets the domain, no exec, TLS ended at the gateway, metrics and zone spread for every component", () => {
        const v = values({ chartVersion: "10.1.1", controllerReplicas: 2, serverReplicas: 3, repoServerReplicas: 3, applicationSetReplicas: 2, redisHa: true, zoneSpread: "DoNotSchedule", localAdmin: false });
        const { "oidc.config": oidc, ...cm } = v.configs.cm;
        assert.ok(oidc.includes("issuer: https://sso.example.org/realms/platform"));
        assert.deepStrictEqual(cm, { "admin.enabled": false, "users.anonymous.enabled": false, "exec.enabled": false, "application.sync.impersonation.enabled": true });
        // SCM/PR generators off and tokenRef strict (argocd-cmd-params-cm keys of v3.4.4: docs/operator-manual/argocd-cmd-params-cm.yaml).
        assert.deepStrictEqual(v.configs.params, { "server.insecure": true, "applicationsetcontroller.enable.scm.providers": false, "applicationsetcontroller.enable.tokenref.strict.mode": true });
        assert.deepStrictEqual(
            { global: v.global, controller: v.controller, server: v.server, repoServer: v.repoServer, applicationSet: v.applicationSet, redis: v.redis, "redis-ha": v["redis-ha"] },
            {
                global: { domain: "argocd.example.org" },
                controller: { ...component("application-controller", 2), dynamicClusterDistribution: true },
                server: component("server", 3),
                repoServer: component("repo-server", 3),
                applicationSet: component("applicationset-controller", 2),
                redis: { enabled: false },
                "redis-ha": { enabled: true, topologySpreadConstraints: { enabled: true, whenUnsatisfiable: "DoNotSchedule" } },
            },
        );
    });

    it("shards clusters dynamically only with more than one controller", () => {
        const v = values({ chartVersion: "10.1.1", controllerReplicas: 1 });
        assert.strictEqual(v.controller.dynamicClusterDistribution, false);
    });
});

describe("delivery details: the registry's documents", () => {
    it("writes the lifecycle with its descriptions and expire actions", () => {
        assert.deepStrictEqual(JSON.parse(lifecyclePolicyText({ untaggedExpireDays: 7, keepImages: 50 })), {
            rules: [
                {
                    rulePriority: 1,
                    description: "Untagged images expire after 7 days",
                    selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 7 },
                    action: { type: "expire" },
                },
                { rulePriority: 2, description: "Only the newest 50 images are kept", selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 50 }, action: { type: "expire" } },
            ],
        });
    });

    it("lets ECR's template role create the caches' repositories and encrypt them through grants only", () => {
        const keyArn = "arn:aws:kms:eu-west-1:222222222222:key/k";
        assert.deepStrictEqual(repositoryTemplatePolicy({ keyArn, accountId: "222222222222", partition: "aws", region: "eu-west-1", prefixes: ["quay", "k8s"] }), {
            Version: "2012-10-17",
            Statement: [
                // AWS's documented permissions (repository-creation-templates-custom.html) less ReplicateImage (no
                // replication), on the caches' repositories and the platform key instead of "*".
                { Sid: "CreateRepositories", Effect: "Allow", Action: ["ecr:CreateRepository", "ecr:TagResource"], Resource: [ecr("quay"), ecr("k8s")] },
                { Sid: "EncryptWithPlatformKey", Effect: "Allow", Action: ["kms:CreateGrant", "kms:RetireGrant", "kms:DescribeKey"], Resource: keyArn },
            ],
        });
        assert.strictEqual(pullThroughNodePolicy({ partition: "aws", region: "eu-west-1", accountId: "1", prefixes: ["quay"] }).Statement[0].Sid, "PullThroughCacheImport");
    });
});

describePlan("delivery details: the production plan in full", "prod", ({ plan, res, the, urn }) => {

    it("creates Argo CD and the runner controller in their namespaces, the controller logging JSON", () => {
        assert.deepStrictEqual(res("platform-delivery-argocd").dependsOn, [urn("platform-delivery-argocd-namespace")]);
        assert.deepStrictEqual(res("platform-delivery-runner-controller").dependsOn, [urn("platform-delivery-runners-namespace")]);
        assert.deepStrictEqual(the("platform-delivery-runner-controller").values.flags, { logLevel: "info", logFormat: "json" });
    });

    it("routes argocd.<domain> to Argo CD's server Service, and points each job's runner at its own builder", () => {
        // The webhook receiver (no login, no rate limit without a secret) is answered 404 by Envoy itself.
        assert.deepStrictEqual(the("argocd-argocd-route").spec.rules, [
            { backendRefs: [{ name: "argocd-server", port: 80 }], matches: [{ path: { type: "PathPrefix", value: "/" } }] },
            {
                filters: [{ extensionRef: { group: "gateway.envoyproxy.io", kind: "HTTPRouteFilter", name: "argocd-not-found" }, type: "ExtensionRef" }],
                matches: [{ path: { type: "PathPrefix", value: "/api/webhook" } }],
            },
        ]);
        const spec = the("tenant-team-a-delivery-runners").values.template.spec;
        assert.deepStrictEqual(spec.containers[0].env, [{ name: "BUILDKIT_HOST", value: "tcp://127.0.0.1:1234" }]);
        assert.deepStrictEqual(spec.initContainers.map((c: any) => [c.name, c.restartPolicy, c.args.slice(2, 4)]), [["buildkitd", "Always", ["--addr", "tcp://127.0.0.1:1234"]]]);
    });

    it("gives finalizer clean-ups ten minutes to delete and wait", () => {
        for (const cleanup of ["platform-delivery-argocd-finalizer-cleanup", "platform-delivery-runner-finalizer-cleanup"]) {
            assert.match(JSON.stringify(the(cleanup).values), /"--wait","--timeout=10m"/, cleanup);
        }
    });

    it("reads Argo CD's repository credentials from Vault into labelled repo-creds Secrets", () => {
        assert.deepStrictEqual(the("platform-delivery-repo-creds-github-acme"), {
            apiVersion: "external-secrets.io/v1",
            kind: "ExternalSecret",
            metadata: { annotations: { "pulumi.com/skipAwait": "true" }, name: "repo-creds-github-acme", namespace: "argocd" },
            spec: {
                data: [{ remoteRef: { key: "platform/delivery/argocd/github-acme", property: "githubAppPrivateKey" }, secretKey: "githubAppPrivateKey" }],
                refreshInterval: "1h",
                secretStoreRef: { kind: "ClusterSecretStore", name: "platform-vault" },
                target: {
                    creationPolicy: "Owner",
                    name: "repo-creds-github-acme",
                    template: {
                        data: { githubAppID: "110000", githubAppInstallationID: "210000", githubAppPrivateKey: "{{ .githubAppPrivateKey }}", type: "git", url: "https://github.com/acme" },
                        engineVersion: "v2",
                        metadata: { labels: { "app.kubernetes.io/part-of": "argocd", "argocd.argoproj.io/secret-type": "repo-creds" } },
                    },
                },
            },
        });
    });

    it("describes the tenant's project, warns about orphans, and names its members' role", () => {
        const spec = the("tenant-team-a-delivery-project").spec;
        assert.deepStrictEqual([spec.description, spec.orphanedResources], ["Tenant team-a", { warn: true }]);
        assert.deepStrictEqual([spec.roles[0].name, spec.roles[0].description], ["members", "Members of tenant-team-a: their own applications, nothing else"]);
        assert.deepStrictEqual(the("tenant-team-a-delivery-application").spec.syncPolicy, { automated: { prune: true, selfHeal: true }, syncOptions: ["CreateNamespace=false", "PruneLast=true"] });
    });

    it("creates no builder of its own beside the runners, and the runner's account in the CI namespace", () => {
        for (const name of ["builds", "builder", "builder-service", "builder-certificate", "runner-certificate", "builder-ca-certificate", "builder-ca-issuer"])
            assert.ok(!plan().resources.some((r) => r.name === `tenant-team-a-delivery-${name}`), name);
        assert.ok(!plan().resources.some((r) => r.name === "platform-delivery-builder-ca-root"));
        assert.deepStrictEqual(the("tenant-team-a-delivery-runner-sa"), { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "ci-runner", namespace: "team-a-ci" } });
    });

    it("creates each cache's repositories through a template: mutable tags, the platform key and lifecycle, as the template role", () => {
        assert.deepStrictEqual(the("platform-registry-docker-hub-template"), {
            prefix: "docker-hub",
            appliedFors: ["PULL_THROUGH_CACHE"],
            customRoleArn: "arn:aws:iam::222222222222:role/platform-registry-template-role",
            description: "Repositories of the DockerHub cache",
            encryptionConfigurations: [{ encryptionType: "KMS", kmsKey: "arn:aws:kms:eu-west-1:222222222222:key/platform-registry-key" }],
            imageTagMutability: "MUTABLE",
            lifecyclePolicy: JSON.stringify({
                rules: [
                    { rulePriority: 1, description: "Untagged images expire after 14 days", selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 14 }, action: { type: "expire" } },
                    { rulePriority: 2, description: "Only the newest 200 images are kept", selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 200 }, action: { type: "expire" } },
                ],
            }),
        });
        const templates = ofType(plan().resources, "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate");
        assert.strictEqual(templates.length, CACHES.length);
        for (const t of templates) assert.deepStrictEqual([t.deleteBeforeReplace, t.dependsOn], [true, [urn("platform-registry-template-role-policy")]], t.name);
        assert.deepStrictEqual(the("platform-registry-template-role"), {
            description: "ECR repository creation templates of the pull-through caches",
            assumeRolePolicy: JSON.stringify({
                Version: "2012-10-17",
                Statement: [{ Effect: "Allow", Principal: { Service: "ecr.amazonaws.com" }, Action: "sts:AssumeRole" }],
            }),
        });
    });

    it("keeps the upstream credentials where ECR looks, and lets the nodes import through every cache", () => {
        assert.deepStrictEqual(the("platform-registry-docker-hub-credentials"), {
            description: "Pull-through cache credentials (acme-prod-docker-hub)",
            name: "ecr-pullthroughcache/acme-prod-docker-hub",
            recoveryWindowInDays: 0,
        });
        assert.deepStrictEqual(JSON.parse(the("platform-registry-node-pull-through").policy), {
            Version: "2012-10-17",
            Statement: [{ Sid: "PullThroughCacheImport", Effect: "Allow", Action: ["ecr:BatchImportUpstreamImage", "ecr:CreateRepository"], Resource: CACHES.map(ecr) }],
        });
        assert.strictEqual(the("platform-registry-key").description, "Container images of acme-prod");
    });
});

describe("delivery details: a stack without caches, and a renamed tenant @stack", function () {
    this.timeout(120000);
    let plan: Plan;
    before(async () => {
        const dev = readStackConfig(PROJECT_DIR, "dev").config;
        const delivery = JSON.parse(dev["platform:appDelivery"]);
        const list = JSON.parse(dev["platform:tenants"]).list as Record<string, unknown>[];
        const renamed = { name: "team-bee", previousName: "team-b", dataName: "team-b", namespaces: ["team-b"], owners: ["carol"], costCentre: "CC-B" };
        plan = await planStack({
            stack: "dev",
            configOverrides: { "platform:appDelivery": { ...delivery, registry: { ...delivery.registry, pullThroughCache: [] } }, "platform:tenants": { list: [...list, renamed] } },
        });
    });

    it("has no template role, template, rule or node policy without caches", () => {
        // The registry is its key and alias only.
        assert.deepStrictEqual(within(plan.resources, "platform-registry").map((r) => r.name).sort(), ["platform-registry", "platform-registry-key", "platform-registry-key-alias"]);
    });

    it("keeps a renamed tenant's delivery objects under their old identity", () => {
        const [alias, ...more] = named(plan.resources, "tenant-team-bee-delivery").aliases as { spec: { name: string } }[];
        assert.deepStrictEqual([alias.spec.name, more], ["tenant-team-b-delivery", []]);
        assert.deepStrictEqual(named(plan.resources, "tenant-team-a-delivery").aliases, []);
    });
});
