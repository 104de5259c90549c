// Runs the platform's CrossGuard policies (policy/policies.ts) on an offline plan, the way `pulumi preview
// --policy-pack policy` runs them on a real preview: the same policy objects, given the same view of each resource.
import type { Policies, PolicyResource, ResourceValidationArgs, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import type { Plan, PlannedResource } from "./engine";
import { PLATFORM_POLICIES } from "../policy/policies";
import { durationSeconds } from "../components/shared/duration";

export interface Violation {
    readonly policy: string;
    readonly enforcementLevel: string;
    readonly message: string;
    readonly urn?: string;
}

type ResourceClass = { __pulumiType?: string };
const typeOf = (cls: unknown) => (cls as ResourceClass).__pulumiType;
const seconds = (d: string | undefined) => (d ? durationSeconds(d) : 0);

/** Each planned resource as CrossGuard presents it: props are the inputs, with parent, provider and dependencies linked. */
export function policyResources(plan: Pick<Plan, "resources">): PolicyResource[] {
    const byUrn = new Map<string, PolicyResource>();
    const out = plan.resources.map((r: PlannedResource) => {
        const resource: PolicyResource = {
            type: r.type,
            props: r.inputs,
            urn: r.urn,
            name: r.name,
            opts: {
                protect: r.protect,
                ignoreChanges: r.ignoreChanges,
                deleteBeforeReplace: r.deleteBeforeReplace,
                aliases: [],
                customTimeouts: { createSeconds: seconds(r.customTimeouts?.create), updateSeconds: seconds(r.customTimeouts?.update), deleteSeconds: seconds(r.customTimeouts?.delete) },
                additionalSecretOutputs: [],
                parent: r.parent,
                // Not part of CrossGuard's view (the CLI does not pass it); rules that read it skip it when absent.
                ...({ retainOnDelete: r.retainOnDelete } as object),
            },
            dependencies: [],
            propertyDependencies: {},
            isType: (cls) => typeOf(cls) === r.type,
            asType: (cls) => (typeOf(cls) === r.type ? (r.inputs as never) : undefined),
        };
        byUrn.set(r.urn, resource);
        return resource;
    });
    plan.resources.forEach((r, i) => {
        const resource = out[i];
        if (r.parent) resource.parent = byUrn.get(r.parent);
        const provider = r.provider ? byUrn.get(r.provider) : undefined;
        if (provider) resource.provider = { type: provider.type, props: provider.props, urn: provider.urn, name: provider.name };
        const resolve = (urns: readonly string[]) => urns.map((u) => byUrn.get(u)).filter((d): d is PolicyResource => d !== undefined);
        resource.dependencies = resolve(r.dependencies ?? r.dependsOn);
        resource.propertyDependencies = Object.fromEntries(Object.entries(r.propertyDependencies ?? {}).map(([k, urns]) => [k, resolve(urns)]));
    });
    return out;
}

const isStackPolicy = (p: Policies[number]): p is StackValidationPolicy => "validateStack" in p;

/** Every violation of `policies` (default: the platform's) in `plan`; disabled policies are skipped. */
export async function checkPolicies(plan: Pick<Plan, "resources">, policies: Policies = PLATFORM_POLICIES): Promise<Violation[]> {
    const resources = policyResources(plan);
    const violations: Violation[] = [];
    const notApplicable = (reason?: string): never => {
        throw new NotApplicable(reason);
    };
    for (const policy of policies) {
        const level = policy.enforcementLevel ?? "advisory";
        if (level === "disabled") continue;
        const report = (message: string, urn?: string) => violations.push({ policy: policy.name, enforcementLevel: level, message, urn });
        try {
            if (isStackPolicy(policy)) {
                await policy.validateStack({ resources, stackTags: new Map(), getConfig: <T>() => ({}) as T, notApplicable }, report);
            } else {
                const validations = [(policy as ResourceValidationPolicy).validateResource ?? []].flat();
                for (const r of resources) {
                    const args: ResourceValidationArgs = {
                        ...r,
                        asType: (cls: unknown) => (typeOf(cls) === r.type ? (r.props as never) : undefined),
                        stackTags: new Map(),
                        getConfig: <T>() => ({}) as T,
                        notApplicable,
                    };
                    for (const validate of validations) await validate(args, (message, urn) => report(message, urn ?? r.urn));
                }
            }
        } catch (e) {
            if (!(e instanceof NotApplicable)) throw e;
        }
    }
    return violations;
}

class NotApplicable extends Error {}

export function renderViolations(violations: readonly Violation[]): string {
    if (violations.length === 0) return "Policies: all passed";
    return [
        `Policy violations (${violations.length}):`,
        ...violations.map((v) => `  - [${v.enforcementLevel}] ${v.policy}: ${v.message}${v.urn ? `\n      ${v.urn}` : ""}`),
    ].join("\n");
}
