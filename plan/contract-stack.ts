// The contract stack (contract/, project platform-contract) of a platform stack, planned with it by `npm run plan`:
// what application teams read instead of the platform stack (docs/tenants.md), so a platform change that breaks it
// fails the platform's plan, not the teams' next `pulumi up`.
import { Plan, planContractStack } from "./engine";
import { checkPolicies, Violation } from "./policy-runner";
import { PLATFORM_OUTPUT_KEYS } from "../packages/platform-reference";

/**
 * The contract stack's line, and whether it fails: it must export every key of the outputs contract with the
 * platform's values (secrets compared masked), keep each of the platform's secret outputs secret, create nothing
 * but its StackReference, and pass the policy pack.
 */
export function contractStackVerdict(platform: Pick<Plan, "outputs" | "secretOutputs">, contract: Plan | Error, violations: readonly Violation[]): { line: string; failed: boolean } {
    const name = "contract stack";
    if (contract instanceof Error) return { line: `${name}: failed: ${contract.message}`, failed: true };
    const problems: string[] = [];
    const keys = Object.keys(contract.outputs);
    const missing = PLATFORM_OUTPUT_KEYS.filter((k) => !keys.includes(k));
    const extra = keys.filter((k) => !(PLATFORM_OUTPUT_KEYS as readonly string[]).includes(k));
    if (missing.length > 0) problems.push(`missing outputs ${missing.join(", ")}`);
    if (extra.length > 0) problems.push(`outputs outside the contract ${extra.join(", ")}`);
    const differ = PLATFORM_OUTPUT_KEYS.filter((k) => keys.includes(k) && JSON.stringify(contract.outputs[k]) !== JSON.stringify(platform.outputs[k]));
    if (differ.length > 0) problems.push(`outputs not as the platform has them: ${differ.join(", ")}`);
    const unsecret = platform.secretOutputs.filter((k) => !contract.secretOutputs.includes(k));
    if (unsecret.length > 0) problems.push(`secret outputs in the clear: ${unsecret.join(", ")}`);
    const created = contract.resources.filter((r) => r.custom && r.type !== "pulumi:pulumi:StackReference").map((r) => `${r.type} ${r.name}`);
    if (created.length > 0) problems.push(`creates ${created.join(", ")}`);
    problems.push(...violations.map((v) => `${v.policy}: ${v.message}`));
    const failed = problems.length > 0 || violations.length > 0;
    return { line: `${name}: ${failed ? problems.join("; ") : `${keys.length} outputs as the platform's (${contract.secretOutputs.length} secret), policies passed`}`, failed };
}

/** Plans the contract stack on a platform plan and gives its verdict. */
export async function checkContractStack(platform: Plan): Promise<{ line: string; failed: boolean }> {
    const contract = await planContractStack({ platform }).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))));
    return contractStackVerdict(platform, contract, contract instanceof Error ? [] : await checkPolicies(contract));
}
