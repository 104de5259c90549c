// The contract stack (contract/, project platform-contract) of a platform stack, planned with it by `npm run plan`:
// what application teams read instead of the platform stack (docs/tenants.md), so a platform change that breaks it
// fails the platform's plan, not the teams' next `pulumi up`.
import { Plan, planContractStack, stackOutputValues } from "./engine";
import { checkPolicies, Violation } from "./policy-runner";
import { PLATFORM_OUTPUT_KEYS } from "../packages/platform-reference";

/** Both plans' outputs in the clear when the engine kept both (fresh or cached plans), else both as recorded (masked alike). */
function comparableOutputs(a: Pick<Plan, "outputs" | "secretOutputs">, b: Pick<Plan, "outputs" | "secretOutputs">): [Record<string, unknown>, Record<string, unknown>] {
    try {
        return [stackOutputValues(a), stackOutputValues(b)];
    } catch {
        return [a.outputs, b.outputs];
    }
}

/**
 * The contract stack's line, and whether it fails: it must export every key of the outputs contract with the
 * platform's values (secret ones compared in the clear when both plans kept them), keep each of the contract's
 * secret outputs secret, create no resource, and pass the policy pack's mandatory policies.
 */
export function contractStackVerdict(platform: Pick<Plan, "outputs" | "secretOutputs">, contract: Plan | Error, violations: readonly Violation[]): { line: string; failed: boolean } {
    const name = "contract stack";
    if (contract instanceof Error) return { line: `${name}: failed: ${contract.message}`, failed: true };
    const problems: string[] = [];
    const keys = Object.keys(contract.outputs);
    const contractKeys: readonly string[] = PLATFORM_OUTPUT_KEYS;
    const missing = contractKeys.filter((k) => !keys.includes(k));
    const extra = keys.filter((k) => !contractKeys.includes(k));
    if (missing.length > 0) problems.push(`missing outputs ${missing.join(", ")}`);
    if (extra.length > 0) problems.push(`outputs outside the contract ${extra.join(", ")}`);
    const [mine, theirs] = comparableOutputs(contract, platform);
    const differ = contractKeys.filter((k) => keys.includes(k) && JSON.stringify(mine[k]) !== JSON.stringify(theirs[k]));
    if (differ.length > 0) problems.push(`outputs not as the platform has them: ${differ.join(", ")}`);
    const unsecret = platform.secretOutputs.filter((k) => contractKeys.includes(k) && !contract.secretOutputs.includes(k));
    if (unsecret.length > 0) problems.push(`secret outputs in the clear: ${unsecret.join(", ")}`);
    // The engine records registrations only (a StackReference is a read): anything here is a resource of its own.
    const created = contract.resources.filter((r) => r.custom).map((r) => `${r.type} ${r.name}`);
    if (created.length > 0) problems.push(`creates ${created.join(", ")}`);
    const mandatory = violations.filter((v) => v.enforcementLevel === "mandatory");
    problems.push(...mandatory.map((v) => `${v.policy}: ${v.message}`));
    const failed = problems.length > 0;
    return { line: `${name}: ${failed ? problems.join("; ") : `${keys.length} outputs as the platform's (${contract.secretOutputs.length} secret), policies passed`}`, failed };
}

/** Plans the contract stack on a platform plan and gives its verdict. */
export async function checkContractStack(platform: Plan): Promise<{ line: string; failed: boolean }> {
    const contract = await planContractStack({ platform }).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))));
    return contractStackVerdict(platform, contract, contract instanceof Error ? [] : await checkPolicies(contract));
}
