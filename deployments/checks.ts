// What the deployments program refuses before it registers anything: each problem names the config key, the value and
// what is expected (the Pulumi engine, IAM, STS and Deployments' path filters would otherwise refuse it later, or worse,
// accept it).
import { createHash } from "crypto";
import * as path from "path";
import type { TenantStackDeployment } from "./tenant-paths";

/** A platform stack's name: no dot, since its tenant stacks are `<stack>.<tenant>` (tenant names have none). */
export const PLATFORM_STACK_NAME = /^[A-Za-z0-9_-]{1,100}$/;

/** STS's limit on RoleSessionName (AssumeRoleWithWebIdentity). */
const SESSION_NAME_MAX = 64;

/**
 * The AWS session name of a stack's deployments: `pulumi-deployments-<stack>`, shortened with a hash of the whole when
 * longer than STS accepts (Deployments passes a literal session name unchanged; a tenant stack's name is up to 164).
 */
export function deploymentSessionName(stack: string): string {
    const whole = `pulumi-deployments-${stack}`;
    if (whole.length <= SESSION_NAME_MAX) return whole;
    const hash = createHash("sha256").update(stack).digest("hex").slice(0, 8);
    return `${whole.slice(0, SESSION_NAME_MAX - hash.length - 1)}-${hash}`;
}

export interface DeploymentsInput {
    /** The config key the stacks come from, for messages (`platform-deployments:stacks`). */
    readonly key: string;
    readonly stacks: readonly { readonly stack: string }[];
    /** Per platform stack, the accounts its stack file allows (`platform:allowedAccountIds`). */
    readonly accounts: Readonly<Record<string, readonly string[]>>;
    readonly tenantStacks: readonly TenantStackDeployment[];
    /** The logical names of the resources the program would register (PlatformDeployments.resourceNames). */
    readonly resourceNames: readonly string[];
}

/** Every problem of a deployments stack's input, one message each; none when the program may run. */
export function deploymentsProblems(a: DeploymentsInput): string[] {
    const problems: string[] = [];
    const at = (i: number) => `${a.key}[${i}].stack`;
    a.stacks.forEach((s, i) => {
        if (!PLATFORM_STACK_NAME.test(s.stack))
            problems.push(
                `${at(i)}: expected a platform stack name of letters, digits, _ and - (no dot: its tenant stacks are <stack>.<tenant>, and the tenants' role trusts <stack>.*, which would also admit the tenant stacks of a stack named <stack>.<anything>); got ${JSON.stringify(s.stack)}`,
            );
        if (a.stacks.findIndex((o) => o.stack === s.stack) < i) problems.push(`${at(i)}: expected each stack once; got ${JSON.stringify(s.stack)} again`);
    });
    // One OIDC provider and every role are created in the account this program's AWS provider acts in.
    const accounts = a.stacks.map((s) => ({ stack: s.stack, ids: a.accounts[s.stack] ?? [] }));
    accounts.forEach((s, i) => {
        if (s.ids.length !== 1) problems.push(`${at(i)}: expected Pulumi.${s.stack}.yaml's platform:allowedAccountIds to pin exactly one account (its deploy role is created in it); got ${JSON.stringify(s.ids)}`);
    });
    const distinct = [...new Set(accounts.filter((s) => s.ids.length === 1).map((s) => s.ids[0]))];
    if (distinct.length > 1)
        problems.push(
            `${a.key}: expected the stacks of one AWS account (this program creates the OIDC provider and the deploy roles in the account it runs in: one deployments stack per account); got ${accounts.map((s) => `${s.stack} in ${s.ids.join(",")}`).join(", ")}`,
        );
    for (const t of a.tenantStacks) {
        if (path.posix.isAbsolute(t.file) || t.file === ".." || t.file.startsWith("../"))
            problems.push(`Pulumi.${t.platformStack}.yaml: platform:tenants.directory: expected a folder inside the repository (Deployments' path filters are relative to its root); ${t.tenant}'s file is ${JSON.stringify(t.file)}`);
    }
    // A stack listed twice names all its resources twice: that one message says it.
    const stackTwice = a.stacks.some((s, i) => a.stacks.findIndex((o) => o.stack === s.stack) < i);
    const seen = new Set<string>();
    for (const n of stackTwice ? [] : a.resourceNames) {
        if (seen.has(n)) problems.push(`${a.key}: two of its stacks or tenant stacks would name the same resource ${JSON.stringify(n)} (the engine refuses a duplicate URN): rename one`);
        seen.add(n);
    }
    return problems;
}
