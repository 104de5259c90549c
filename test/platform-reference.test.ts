import * as assert from "assert";
import { record, Recording } from "../plan/engine";
import { checkContractVersion, ContractVersionError, PLATFORM_OUTPUT_KEYS, PlatformReference, SECRET_OUTPUT_KEYS, SUPPORTED_CONTRACT_MAJOR } from "../packages/platform-reference";
import { deployApp } from "../examples/app-stack/app";
import { OUTPUTS_CONTRACT_VERSION } from "../stacks/outputs";
import { inputs, named, ofType } from "./helpers";
import { committedPlan } from "./plans";

const CLOUD = { accountId: "111111111111", region: "eu-west-1", partition: "aws" };
const PLATFORM = "acme/platform/dev";
const OUTPUTS = {
    contractVersion: OUTPUTS_CONTRACT_VERSION,
    domain: "dev.platform.acme.example",
    gatewayName: "platform",
    gatewayNamespace: "platform-gateway",
    otlpHttpEndpoint: "http://otel-collector-opentelemetry-collector.monitoring.svc:4318",
    kubeconfig: "apiVersion: v1\nkind: Config\n# offline",
};
const run = (outputs: Record<string, unknown>, program: () => unknown): Promise<Recording> =>
    record({ project: "app-stack", stack: "dev", config: {}, cloud: { ...CLOUD, stackOutputs: { [PLATFORM]: outputs } } }, program);

describe("PlatformReference: the consumer's typed view of the outputs contract", () => {
    it("accepts this contract's major and refuses another, or a stack without the output, with a clear message", () => {
        assert.strictEqual(checkContractVersion(PLATFORM, OUTPUTS_CONTRACT_VERSION), OUTPUTS_CONTRACT_VERSION);
        assert.throws(() => checkContractVersion(PLATFORM, SUPPORTED_CONTRACT_MAJOR + 1), (e: Error) => e instanceof ContractVersionError && /contract version 3, this PlatformReference reads major 2/.test(e.message));
        assert.throws(() => checkContractVersion(PLATFORM, undefined), /no contractVersion output/);
    });

    it("builds a Kubernetes provider from the kubeconfig output, kept secret", async () => {
        const rec = await run(OUTPUTS, () => new PlatformReference("platform", { stack: PLATFORM }).kubernetesProvider());
        const provider = named(rec.resources, "platform-k8s");
        assert.deepStrictEqual([provider.type, inputs(provider).kubeconfig, provider.secretPaths], ["pulumi:providers:kubernetes", "[secret]", ["kubeconfig"]]);
    });

    it("fails the consumer's update on a contract of another major, before any of its resources gets a value", async () => {
        await assert.rejects(
            run({ ...OUTPUTS, contractVersion: 1 }, () => deployApp("checkout", { platformStack: PLATFORM, namespace: "team-a", hostname: "shop", image: "ghcr.io/acme/checkout:1.4.2", secretStore: "tenant-team-a" })),
            /outputs contract version 1, this PlatformReference reads major 2/,
        );
    });

    it("fails on a missing output it is asked for", async () => {
        const { domain: _domain, ...withoutDomain } = OUTPUTS;
        await assert.rejects(
            run(withoutDomain, () => deployApp("checkout", { platformStack: PLATFORM, namespace: "team-a", hostname: "shop", image: "ghcr.io/acme/checkout:1.4.2", secretStore: "tenant-team-a" })),
            /domain/,
        );
    });
});

describe("examples/app-stack on the mock runtime", () => {
    let rec: Recording;
    before(async () => {
        rec = await run(OUTPUTS, () => deployApp("checkout", { platformStack: PLATFORM, namespace: "team-a", hostname: "shop", image: "ghcr.io/acme/checkout:1.4.2", secretStore: "tenant-team-a" }));
    });

    it("deploys a Deployment, its Service, an HTTPRoute on the platform's gateway and an ExternalSecret from the tenant's store", () => {
        const route = inputs(ofType(rec.resources, "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute")[0]);
        assert.deepStrictEqual(route.spec.parentRefs, [{ name: "platform", namespace: "platform-gateway", sectionName: "https" }]);
        assert.deepStrictEqual(route.spec.hostnames, ["shop.dev.platform.acme.example"]);
        const secret = inputs(ofType(rec.resources, "kubernetes:external-secrets.io/v1:ExternalSecret")[0]);
        assert.deepStrictEqual([secret.spec.secretStoreRef, secret.spec.dataFrom[0].extract.key], [{ kind: "ClusterSecretStore", name: "tenant-team-a" }, "tenants/team-a/checkout"]);
        const deployment = inputs(ofType(rec.resources, "kubernetes:apps/v1:Deployment")[0]);
        const container = deployment.spec.template.spec.containers[0];
        assert.deepStrictEqual([deployment.metadata.namespace, container.image, container.env[0].value], ["team-a", "ghcr.io/acme/checkout:1.4.2", OUTPUTS.otlpHttpEndpoint]);
        // What the tenant policies ask for: requests and a memory limit, the name label, no privilege.
        assert.deepStrictEqual([container.resources.requests, container.resources.limits, deployment.spec.template.metadata.labels["app.kubernetes.io/name"]], [{ cpu: "100m", memory: "128Mi" }, { memory: "256Mi" }, "checkout"]);
        for (const r of rec.resources.filter((x) => x.type.startsWith("kubernetes:") && x.custom && !x.type.startsWith("pulumi:"))) {
            assert.strictEqual(r.provider, named(rec.resources, "platform-k8s").urn, `${r.name} not on the platform's cluster`);
        }
    });
});

describe("the outputs contract follows the real stack outputs @stack", function () {
    this.timeout(60000);
    it("lists in PlatformReference exactly the outputs the program exports, and exactly its secrets", async () => {
        for (const stack of ["dev", "prod"]) {
            const plan = await committedPlan(stack);
            assert.deepStrictEqual([...PLATFORM_OUTPUT_KEYS].sort(), Object.keys(plan.outputs).sort(), stack);
            assert.deepStrictEqual([...SECRET_OUTPUT_KEYS].sort(), [...plan.secretOutputs].sort(), stack);
        }
    });
});
