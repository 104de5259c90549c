import * as assert from "assert";
import { CONTRACT_PROJECT_DIR, Plan, planContractStack, record, stackOutputValues } from "../plan/engine";
import { readProject } from "../plan/stack-files";
import { contractStackConfigSchema, parseContractStackConfig } from "../stacks/contract-stack-config";
import { CONTRACT_PROJECT, OUTPUTS_CONTRACT_VERSION, PlatformOutputs } from "../stacks/outputs";
import { contractStack, PLATFORM_OUTPUT_KEYS } from "../packages/platform-reference";
import type { ContractStackExports } from "../contract/program";
import { deployApp } from "../examples/app-stack/app";
import { assertDeclaresRequiredStrings, itRejectsExactly, ofType } from "./helpers";
import { platformPlan } from "./plans";
import { contractStackVerdict } from "../plan/contract-stack";

const NS = "platform-contract";

describe("contract/Pulumi.yaml declares exactly the contract stack's config keys", () => {
    const project = readProject(CONTRACT_PROJECT_DIR);

    it("names the project platform-contract and declares each key it reads as a required string with a description", () => {
        assert.deepStrictEqual([project.name, CONTRACT_PROJECT], [NS, NS]);
        assertDeclaresRequiredStrings(project, contractStackConfigSchema.shape);
    });
});

describe("contract stack config: which platform stack it republishes", () => {
    it("reads the platform stack, ignoring other namespaces' keys", () => {
        assert.deepStrictEqual(parseContractStackConfig({ [`${NS}:platformStack`]: "acme/platform/prod", "aws:region": "eu-west-1" }, NS), { platformStack: "acme/platform/prod" });
    });
    itRejectsExactly(
        [
            ["refuses a missing platformStack", {}, [`${NS}:platformStack: required key is missing; expected a string (${contractStackConfigSchema.shape.platformStack.description})`]],
            ["refuses a platformStack that is not <org>/<project>/<stack>", { [`${NS}:platformStack`]: "platform/prod" }, [`${NS}:platformStack: expected <organization>/<project>/<stack>, like acme/platform/prod; got "platform/prod"`]],
            ["refuses a contract stack as its own source", { [`${NS}:platformStack`]: "acme/platform-contract/prod" }, [`${NS}:platformStack: expected a platform stack, not a stack of platform-contract itself; got "acme/platform-contract/prod"`]],
            ["refuses an unknown key", { [`${NS}:platformStack`]: "acme/platform/prod", [`${NS}:stack`]: "prod" }, [`${NS}:stack: unknown key; expected one of: platformStack`]],
        ],
        (raw) => parseContractStackConfig(raw, NS),
    );
});

// Compile-time: the contract stack exports every key of the contract and nothing else (tsc refuses this otherwise).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const exportsAreTheContract: Same<keyof ContractStackExports, keyof PlatformOutputs> = true;

describe("the contract stack republishes the platform's outputs contract @stack", function () {
    this.timeout(120000);
    const plans = new Map<string, { platform: Plan; contract: Plan }>();
    before(async () => {
        for (const stack of ["dev", "prod"]) {
            const platform = await platformPlan(stack);
            plans.set(stack, { platform, contract: await planContractStack({ platform }) });
        }
    });

    it("exports every output of the platform stack under the same name, with the same value and the same secrets", () => {
        assert.ok(exportsAreTheContract);
        for (const [stack, { platform, contract }] of plans) {
            assert.deepStrictEqual(Object.keys(contract.outputs).sort(), [...PLATFORM_OUTPUT_KEYS].sort(), stack);
            assert.deepStrictEqual(stackOutputValues(contract), stackOutputValues(platform), stack);
            assert.deepStrictEqual([...contract.secretOutputs].sort(), [...platform.secretOutputs].sort(), stack);
            assert.strictEqual(stackOutputValues(contract).contractVersion, OUTPUTS_CONTRACT_VERSION, stack);
        }
    });

    it("creates no resource and no provider: its state is its outputs and the StackReference's read of the platform's outputs", () => {
        // The StackReference is a read (ReadResource), which the recorder does not list; the outputs above prove it was read.
        for (const [stack, { contract }] of plans) assert.deepStrictEqual(contract.resources, [], stack);
    });

    it("serves an application stack's PlatformReference as the platform stack did (the example app on the contract stack)", async () => {
        const { contract } = plans.get("dev")!;
        const at = contractStack("acme", "dev");
        const rec = await record({ project: "app-stack", stack: "dev", config: {}, cloud: { accountId: "111111111111", region: "eu-west-1", partition: "aws", stackOutputs: { [at]: stackOutputValues(contract) }, stackSecretOutputs: { [at]: contract.secretOutputs } } }, () =>
            deployApp("checkout", { platformStack: at, namespace: "team-a", hostname: "shop", image: "ghcr.io/acme/checkout:1.4.2", secretStore: "tenant-team-a" }),
        );
        assert.strictEqual(at, "acme/platform-contract/dev");
        const route = ofType(rec.resources, "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute")[0];
        assert.deepStrictEqual((route.inputs as any).spec.hostnames, [`shop.${stackOutputValues(contract).domain}`]);
        const provider = rec.resources.find((r) => r.type === "pulumi:providers:kubernetes")!;
        assert.deepStrictEqual(provider.secretPaths, ["kubeconfig"]);
    });
});

describe("the contract stack's verdict in npm run plan", () => {
    const outputs = Object.fromEntries(PLATFORM_OUTPUT_KEYS.map((k) => [k, `v-${k}`]));
    const platform = { outputs, secretOutputs: ["kubeconfig"] };
    const contract = (over: Partial<Plan> = {}): Plan =>
        ({ project: NS, stack: "dev", outputs, secretOutputs: ["kubeconfig"], elapsedMs: 0, resources: [], ...over }) as unknown as Plan;
    const { kubeconfig: _k, ...withoutKubeconfig } = outputs;
    const table: [string, Plan | Error, { line: string; failed: boolean }][] = [
        ["every key with the platform's values, its secrets secret, no resource", contract(), { line: "contract stack: 55 outputs as the platform's (1 secret), policies passed", failed: false }],
        ["a key missing", contract({ outputs: withoutKubeconfig }), { line: "contract stack: missing outputs kubeconfig", failed: true }],
        ["a key outside the contract", contract({ outputs: { ...outputs, extra: 1 } }), { line: "contract stack: outputs outside the contract extra", failed: true }],
        ["a value not the platform's", contract({ outputs: { ...outputs, clusterName: "other" } }), { line: "contract stack: outputs not as the platform has them: clusterName", failed: true }],
        ["a secret output in the clear", contract({ secretOutputs: [] }), { line: "contract stack: secret outputs in the clear: kubeconfig", failed: true }],
        ["a resource of its own", contract({ resources: [{ custom: true, type: "aws:s3/bucket:Bucket", name: "b" }] as unknown as Plan["resources"] }), { line: "contract stack: creates aws:s3/bucket:Bucket b", failed: true }],
        ["a program failure", new Error("boom"), { line: "contract stack: failed: boom", failed: true }],
    ];
    for (const [why, plan, expected] of table) it(why, () => assert.deepStrictEqual(contractStackVerdict(platform, plan, []), expected));

    it("asks nothing of a platform secret output outside the contract", () => {
        const wider = { outputs: { ...outputs, internal: "[secret]" }, secretOutputs: ["kubeconfig", "internal"] };
        assert.deepStrictEqual(contractStackVerdict(wider, contract(), []), { line: "contract stack: 55 outputs as the platform's (1 secret), policies passed", failed: false });
    });

    it("fails on a mandatory policy violation of its own, not on an advisory one", () => {
        const violation = (enforcementLevel: string) => ({ policy: "p", message: "m", enforcementLevel }) as unknown as Parameters<typeof contractStackVerdict>[2][number];
        assert.deepStrictEqual(contractStackVerdict(platform, contract(), [violation("mandatory")]), { line: "contract stack: p: m", failed: true });
        assert.strictEqual(contractStackVerdict(platform, contract(), [violation("advisory")]).failed, false);
    });

    it("compares secret outputs in the clear: the wrong kubeconfig, masked alike, fails @stack", async function () {
        this.timeout(120000);
        const dev = await platformPlan("dev");
        const real = await planContractStack({ platform: dev });
        assert.strictEqual(contractStackVerdict(dev, real, []).failed, false);
        // Another stack's contract, republished under dev's: every secret masked the same, the values not.
        const prod = await planContractStack({ platform: await platformPlan("prod") });
        assert.ok(prod.secretOutputs.includes("kubeconfig") && JSON.stringify(prod.outputs.kubeconfig) === JSON.stringify(real.outputs.kubeconfig), "masked alike");
        assert.match(contractStackVerdict(dev, prod, []).line, /^contract stack: outputs not as the platform has them: .*kubeconfig/);
    });
});
