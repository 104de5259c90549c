// Things a stack names but does not create (IAM principals, an existing hosted zone) are looked up during preview,
// so a missing one fails `pulumi preview` with one message naming the setting, before anything is created.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";

/** First line of an invoke error, without the provider's wrapping. */
const reason = (e: unknown) => String(e instanceof Error ? e.message : e).split("\n")[0].trim();

/** `lookup`, or a RunError (printed without a stack trace) naming the setting and what is missing. */
export function prerequisite<T>(lookup: Promise<T>, configKey: string, what: string): pulumi.Output<pulumi.Unwrap<T>> {
    return pulumi.output(
        lookup.catch((e: unknown) => {
            throw new pulumi.RunError(`${configKey}: ${what} does not exist or the deploying role cannot read it (${reason(e)}); create it first or change ${configKey}`);
        }),
    );
}

const PRINCIPAL = /^arn:aws[a-z-]*:iam::\d{12}:(role|user)((?:\/[^/]+)*)\/([^/]+)$/;

/** The kind and name (last path segment) of an IAM role or user ARN; undefined for anything else. */
export function parsePrincipal(arn: string): { kind: "role" | "user"; name: string } | undefined {
    const m = PRINCIPAL.exec(arn);
    return m ? { kind: m[1] as "role" | "user", name: m[3] } : undefined;
}

/**
 * An IAM role or user ARN from config, once IAM confirms it exists exactly so (path included). EKS access entries
 * refuse a principal that does not exist, and bind to its unique id: a principal re-created later needs its entry
 * replaced (docs/architecture.md, "The cluster layer", Access).
 */
export function existingPrincipal(arn: string, configKey: string, opts: pulumi.InvokeOptions): pulumi.Output<string> {
    const principal = parsePrincipal(arn);
    if (!principal) throw new pulumi.RunError(`${configKey}: ${arn} is not an IAM role or user ARN`);
    const { kind, name } = principal;
    const found = kind === "role" ? aws.iam.getRole({ name }, opts).then((r) => r.arn) : aws.iam.getUser({ userName: name }, opts).then((u) => u.arn);
    return prerequisite(found, configKey, `IAM ${kind} ${arn}`).apply((actual) => {
        if (actual !== arn) throw new pulumi.RunError(`${configKey}: IAM has ${actual}, not ${arn}; write the ARN exactly as IAM shows it (path included)`);
        return arn;
    });
}

/** The IAM role name or user ARN behind an STS caller ARN (`assumed-role/<role>/<session>` or an IAM user). */
export function callerPrincipal(callerArn: string): { kind: "role" | "user" | "other"; name: string } {
    const assumed = /^arn:aws[a-z-]*:sts::\d{12}:assumed-role\/([^/]+)\/[^/]+$/.exec(callerArn);
    if (assumed) return { kind: "role", name: assumed[1] };
    if (/^arn:aws[a-z-]*:iam::\d{12}:user\//.test(callerArn)) return { kind: "user", name: callerArn };
    return { kind: "other", name: callerArn };
}

/** Whether the caller is one of the admin ARNs (roles match by name: an STS ARN carries no path). */
export function callerIsAdmin(callerArn: string, admins: readonly string[]): boolean {
    const caller = callerPrincipal(callerArn);
    if (caller.kind === "user") return admins.includes(caller.name);
    const account = /::(\d{12}):/.exec(callerArn)?.[1];
    return caller.kind === "role" && admins.some((a) => a.includes(`::${account}:role/`) && a.split("/").pop() === caller.name);
}

/**
 * The identity running `pulumi up` must be among the cluster admins: creator rights are never bootstrapped, so
 * otherwise the first `up` creates a cluster its own deployer cannot reach. Resolves to the caller's ARN.
 */
export function deployerIsAdmin(admins: readonly string[], configKey: string, opts: pulumi.InvokeOptions): pulumi.Output<string> {
    return pulumi.output(aws.getCallerIdentity({}, opts)).apply(({ arn }) => {
        if (!callerIsAdmin(arn, admins)) {
            throw new pulumi.RunError(`${configKey}: the identity running pulumi up (${arn}) is not among the admins; add its role ARN, or it could not reach the cluster it creates`);
        }
        return arn;
    });
}
