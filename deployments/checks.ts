// What the deployments program refuses before it registers anything: each problem names the config key, the value and
// what is expected (the Pulumi engine, IAM, STS and Deployments' path filters would otherwise refuse it later, or worse,
// accept it).
import { createHash } from "crypto";
import * as path from "path";
import type { TenantStackDeployment } from "./tenant-paths";
import { PLATFORM_STACK_NAME, STACK_NAME_MAX } from "../stacks/tenant-stack-config";


/** STS's limit on RoleSessionName (AssumeRoleWithWebIdentity). */
const SESSION_NAME_MAX = 64;

/**
 * The AWS session name of a stack's deployments: `pulumi-deployments-<stack>`, shortened with a hash of the whole when
 * longer than STS accepts (Deployments passes a literal session name unchanged; a stack's name is up to 100).
 */
export function deploymentSessionName(stack: string): string {
    const whole = `pulumi-deployments-${stack}`;
    if (whole.length <= SESSION_NAME_MAX) return whole;
    const hash = createHash("sha256").update(stack).digest("hex").slice(0, 8);
    return `${whole.slice(0, SESSION_NAME_MAX - hash.length - 1)}-${hash}`;
}

export interface DeploymentsInput {
    /** The deployments project's config namespace, for messages (`platform-deployments`). */
    readonly project: string;
    readonly stacks: readonly { readonly stack: string }[];
    /** Per platform stack, the accounts its stack file allows (`platform:allowedAccountIds`). */
    readonly accounts: Readonly<Record<string, readonly string[]>>;
    /** The deployments stack's own `aws:allowedAccountIds`: where its AWS provider may create the roles. */
    readonly ownAccounts?: readonly string[];
    readonly tenantStacks: readonly TenantStackDeployment[];
    /** The resources the program would register (deploymentResources), with the config key each comes from. */
    readonly resources: readonly { readonly type: string; readonly name: string; readonly key: string }[];
}

/** Every problem of a deployments stack's input, one message each; none when the program may run. */
export function deploymentsProblems(a: DeploymentsInput): string[] {
    const problems: string[] = [];
    const key = `${a.project}:stacks`;
    const at = (i: number) => `${key}[${i}].stack`;
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
            `${key}: expected the stacks of one AWS account (this program creates the OIDC provider and the deploy roles in the account it runs in: one deployments stack per account); got ${accounts.map((s) => `${s.stack} in ${s.ids.join(",")}`).join(", ")}`,
        );
    if (distinct.length === 1 && (a.ownAccounts?.length !== 1 || a.ownAccounts[0] !== distinct[0]))
        problems.push(`aws:allowedAccountIds: expected [${JSON.stringify(distinct[0])}], the account of its stacks (the roles must be created there, whatever credentials run it); got ${JSON.stringify(a.ownAccounts ?? null)}`);
    for (const t of a.tenantStacks) {
        if (path.posix.isAbsolute(t.file) || t.file === ".." || t.file.startsWith("../"))
            problems.push(`Pulumi.${t.platformStack}.yaml: platform:tenants.directory: expected a folder inside the repository (Deployments' path filters are relative to its root); ${t.tenant}'s file is ${JSON.stringify(t.file)}`);
        const name = `${t.platformStack}.${t.tenant}`;
        if (name.length > STACK_NAME_MAX)
            problems.push(`Pulumi.${t.platformStack}.yaml: tenant ${t.tenant}: expected its stack's name ${name} within Pulumi's ${STACK_NAME_MAX} characters; got ${name.length} (shorten the tenant's or the platform stack's name)`);
    }
    // A stack listed twice names all its resources twice: that one message says it. The engine's key is type and name.
    const stackTwice = a.stacks.some((s, i) => a.stacks.findIndex((o) => o.stack === s.stack) < i);
    const seen = new Set<string>();
    for (const r of stackTwice ? [] : a.resources) {
        const id = `${r.type}::${r.name}`;
        if (seen.has(id)) problems.push(`${a.project}:${r.key}: two of its entries would register the same ${r.type} ${JSON.stringify(r.name)} (the engine refuses a duplicate URN): rename one`);
        seen.add(id);
    }
    return problems;
}
