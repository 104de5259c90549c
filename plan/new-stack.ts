// npm run new-stack -- <stack> --tier T --account ID --region R --domain D --admin ARN [--admin ARN] --owner EMAIL
//   --cost-centre CC --cidr CIDR [--name PREFIX] [--viewer ARN]... [--zone-id Z] [--zone AZ]... [--replica-region R]
//   [--public-cidr CIDR]... [--email EMAIL] --admin-cidr CIDR [--admin-cidr CIDR]...
// Writes Pulumi.<stack>.yaml from the committed example of the same class (dev for development/staging, prod for
// production), with every value a real stack must set replaced, validated by the program's own schema before it is
// written. Refuses to overwrite an existing stack file.
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import * as YAML from "yaml";
import { z } from "zod";
import { ConfigError, parsePlatformConfig } from "../stacks/config";
import { STACK_SCHEMA_FILE } from "../stacks/json-schema";
import { ConfigKey, configKeys } from "../stacks/schema";
import { PLATFORM_STACK_NAME } from "../stacks/tenant-stack-config";
import { cidrsOverlap } from "../components/network/cidr";
import { missingRegionPrices, readPriceTable } from "./cost";
import { listStacks, ProjectFile, readProject, readStackConfig, stackConfigFromText, StackFileError } from "./stack-files";

export interface NewStackOptions {
    readonly stack: string;
    readonly tier: string;
    readonly account: string;
    readonly region: string;
    readonly domain: string;
    readonly admins: readonly string[];
    readonly viewers: readonly string[];
    readonly owner: string;
    readonly costCentre: string;
    readonly cidr: string;
    /** Resource name prefix (`platform:name`); defaults to the stack name. */
    readonly name?: string;
    /** An existing public hosted zone; without it the stack creates (and delegates) its own. */
    readonly zoneId?: string;
    /** Zone names to pin (as many as network.azCount); without them the first azCount zones of the region are used. */
    readonly zones?: readonly string[];
    /** Region of the backup copy, where the example replicates its backups (production). */
    readonly replicaRegion?: string;
    /** Who may reach the cluster's public API endpoint; none: the endpoint is private only. */
    readonly publicCidrs?: readonly string[];
    /** Who may reach the admin hostnames through the gateway (ingress.allowedCidrs): corporate egress, the pulumi up runners. */
    readonly adminCidrs: readonly string[];
    /** ACME account contact; defaults to the owner. */
    readonly email?: string;
}

/** Which committed stack file a new one starts from. */
export const EXAMPLE_FOR_TIER: Readonly<Record<string, string>> = { development: "dev", staging: "dev", production: "prod" };
/** The committed example stack files (the documentation shows their plans). */
export const EXAMPLE_STACKS: readonly string[] = [...new Set(Object.values(EXAMPLE_FOR_TIER))];

/**
 * The values every real stack sets itself (the table in docs/operations.md, "Adding an environment", lists the same): `[key path, option, why]`. Everything
 * else is copied from the example of its class.
 */
export const PER_STACK_VALUES: readonly (readonly [string, string, string])[] = [
    ["environment", "<stack>", "tags every resource and keys DNS ownership"],
    ["tier", "--tier", "development, staging or production (production rules apply)"],
    ["name", "--name (default: <stack>)", "prefix of every AWS name"],
    ["owner", "--owner", "owner tag, ACME contact email"],
    ["costCentre", "--cost-centre", "cost-centre tag"],
    ["region", "--region", "AWS region"],
    ["allowedAccountIds", "--account", "the only account the provider acts in"],
    ["network.cidr", "--cidr", "VPC range; must not overlap other environments"],
    ["network.reservedCidrs", "(emptied)", "ranges of peered networks: list yours"],
    ["cluster.admins", "--admin (one is the role that runs pulumi up)", "cluster-admin access entries"],
    ["cluster.viewers", "--viewer", "read-only access entries"],
    ["ingress.domain", "--domain", "DNS name of the platform's hostnames"],
    ["ingress.hostedZone", "--zone-id (default: created here, Delegated)", "where DNS records go"],
    ["ingress.certificates.email", "--email (default: --owner)", "ACME account contact"],
    ["cluster.endpoint.publicAccessCidrs", "--public-cidr (repeat; none: private endpoint only)", "who may reach the cluster API"],
    ["ingress.allowedCidrs", "--admin-cidr (repeat; for each hostname the example restricts)", "who may reach sso-admin.<domain> (and vault.<domain>)"],
    ["network.availabilityZones", "--zone (repeat; default: dropped, the region's first azCount zones)", "zone names differ per region"],
    ["backup.replicaRegion", "--replica-region (required where the example replicates)", "another region for the backup copy"],
    ["tenants.list", "(emptied; placement OwnStacks)", "teams are onboarded per stack, by pull request, each in a tenant stack of its own"],
    ["appDelivery.runners.runnerImage, appDelivery.builder.image", "the account's own ECR registry replaces the example's", "images pulled through this account's caches"],
    ["policy.allowedRegistries", "the account's own ECR registry replaces the example's", "images come from this account's registry (public ones are copied)"],
];


/** The text of the new stack file; throws ConfigError with every problem the schema finds. */
export function newStackFile(project: ProjectFile, options: NewStackOptions, exampleText: string, file: string): string {
    if (!PLATFORM_STACK_NAME.test(options.stack)) throw new ConfigError([`stack name ${JSON.stringify(options.stack)}: expected letters, digits, _ and - (at most 100; no dot: its tenant stacks are <stack>.<tenant>)`]);
    const doc = YAML.parseDocument(exampleText);
    const ns = project.name;
    const set = (key: string, at: readonly (string | number)[], value: unknown) => doc.setIn(["config", `${ns}:${key}`, ...at], doc.createNode(value));
    // The example's header describes the example: the new file gets its own, and the schema line once.
    doc.commentBefore = ` ${options.stack}: written by npm run new-stack from Pulumi.${EXAMPLE_FOR_TIER[options.tier] ?? "dev"}.yaml; review the copied sizes.\n yaml-language-server: $schema=./${STACK_SCHEMA_FILE}`;
    if (YAML.isNode(doc.contents)) doc.contents.commentBefore = undefined;
    const firstKey = YAML.isMap(doc.contents) ? doc.contents.items[0]?.key : undefined;
    if (YAML.isNode(firstKey)) firstKey.commentBefore = undefined;
    set("environment", [], options.stack);
    set("tier", [], options.tier);
    set("name", [], options.name ?? options.stack);
    set("owner", [], options.owner);
    set("costCentre", [], options.costCentre);
    set("region", [], options.region);
    set("allowedAccountIds", [], [options.account]);
    set("adoptRetained", [], false);
    set("network", ["cidr"], options.cidr);
    set("network", ["reservedCidrs"], []);
    set("cluster", ["admins"], [...options.admins]);
    set("cluster", ["viewers"], [...options.viewers]);
    set("ingress", ["domain"], options.domain);
    set("ingress", ["hostedZone"], options.zoneId ? { mode: "Existing", zoneId: options.zoneId } : { mode: "Delegated" });
    set("ingress", ["certificates", "email"], options.email ?? options.owner);
    // The examples' public endpoint CIDRs are theirs: a new stack opens the API only to the CIDRs it names.
    const publicCidrs = options.publicCidrs ?? [];
    set("cluster", ["endpoint", "publicAccess"], publicCidrs.length > 0);
    set("cluster", ["endpoint", "publicAccessCidrs"], [...publicCidrs]);
    set("cluster", ["endpoint", "privateAccess"], true);
    // Likewise the admin hostnames: every name the example restricts is restricted to the CIDRs this stack names.
    const restricted = (doc.getIn(["config", `${ns}:ingress`, "allowedCidrs"]) as YAML.YAMLMap | undefined)?.toJSON() as Record<string, unknown> | undefined;
    for (const hostname of Object.keys(restricted ?? {})) set("ingress", ["allowedCidrs", hostname], [...options.adminCidrs]);
    if (options.zones?.length) set("network", ["availabilityZones"], [...options.zones]);
    else doc.deleteIn(["config", `${ns}:network`, "availabilityZones"]);
    const replicates = doc.hasIn(["config", `${ns}:backup`, "replicaRegion"]);
    if (replicates && !options.replicaRegion) throw new ConfigError([`--replica-region: the ${options.tier} example copies backups to another region; name one other than ${options.region}`]);
    if (options.replicaRegion) set("backup", ["replicaRegion"], options.replicaRegion);
    set("tenants", ["list"], []);
    // Each tenant in a stack of its own from the start: the platform stack never grows with them, and nothing has to move later.
    set("tenants", ["placement"], "OwnStacks");
    doc.deleteIn(["config", `${ns}:tenants`, "directory"]);
    const registries = (doc.getIn(["config", `${ns}:policy`, "allowedRegistries"]) as YAML.YAMLSeq | undefined)?.toJSON() as string[] | undefined;
    if (registries) set("policy", ["allowedRegistries"], [`${options.account}.dkr.ecr.${options.region}.amazonaws.com`, ...registries.filter((r) => !/^\d{12}\.dkr\.ecr\./.test(r))]);
    // Images the example pulls through its own account's caches come from this account's.
    const ownRegistry = `${options.account}.dkr.ecr.${options.region}.amazonaws.com`;
    for (const at of [["runners", "runnerImage"], ["builder", "image"]]) {
        const image = doc.getIn(["config", `${ns}:appDelivery`, ...at]);
        if (typeof image === "string") set("appDelivery", at, image.replace(/^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com/, ownRegistry));
    }
    // The signature verifier is copied: per-tenant keys (TenantKmsKeys) are the stack's own, created with its tenants.
    // A secret is encrypted for its own stack: the example's ciphertext is dropped; the new stack sets its own.
    const secrets = secretKeysIn(doc, ns);
    // Validated with the example's shape, every secret leaf masked (a set of credentials keeps its keys).
    const masked = Object.fromEntries(secrets.map((k) => [k, maskSecrets((doc.getIn(["config", `${ns}:${k}`]) as YAML.Node | undefined)?.toJSON())]));
    for (const key of secrets) doc.deleteIn(["config", `${ns}:${key}`]);
    const text = doc.toString({ flowCollectionPadding: false });
    const config = stackConfigFromText(project, options.stack, file, text).config;
    // Validated as it will be once the secrets are set (their values are unknown here).
    const placeholders = Object.fromEntries(secrets.map((k) => [`${ns}:${k}`, configKeys[k].type === "string" ? "[secret]" : JSON.stringify(masked[k] ?? {})]));
    parsePlatformConfig({ ...config, ...placeholders }, ns, (k) => k in placeholders);
    return text;
}

/** A config value with each `secure:` leaf replaced by a masked string. */
function maskSecrets(value: unknown): unknown {
    if (value === null || typeof value !== "object") return value;
    if ("secure" in value) return "[secret]";
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskSecrets(v)]));
}

/** Secret keys of the platform's schema the example file sets (their values must be set again per stack). */
export function secretKeysIn(doc: YAML.Document, ns: string): ConfigKey[] {
    return (Object.keys(configKeys) as ConfigKey[]).filter((k) => "secret" in configKeys[k] && doc.hasIn(["config", `${ns}:${k}`]));
}

/**
 * The secrets the new stack requires before it plans, as the schema words them (each with its
 * `pulumi config set --secret [--path]` command), the stack named in every command.
 */
export function secretSteps(project: ProjectFile, stack: string, file: string, text: string): string[] {
    const config = stackConfigFromText(project, stack, file, text).config;
    const ns = project.name;
    const secretKeys = (Object.keys(configKeys) as ConfigKey[]).filter((k) => "secret" in configKeys[k]);
    const secretOf = (p: string) => secretKeys.find((k) => p.startsWith(`${ns}:${k}:`) || p.startsWith(`${ns}:${k}.`));
    const steps: string[] = [];
    // The schema checks in stages (rules across keys run once every key parses), so a secret it asks for is
    // stood in for by a masked value and the file validated again, until nothing more is asked.
    const standIns: Record<string, unknown> = {};
    for (let round = 0; round < secretKeys.length + 1; round++) {
        const raw = { ...config, ...Object.fromEntries(Object.entries(standIns).map(([k, v]) => [`${ns}:${k}`, typeof v === "string" ? v : JSON.stringify(v)])) };
        try {
            parsePlatformConfig(raw, ns, (k) => k.slice(ns.length + 1) in standIns);
            return steps;
        } catch (e) {
            if (!(e instanceof ConfigError)) throw e;
            const others = e.problems.filter((p) => secretOf(p) === undefined);
            // newStackFile validated everything else; a problem here that is not a secret's is a bug, not a hint.
            if (others.length > 0) throw new ConfigError(others);
            for (const p of e.problems) {
                steps.push(p.replace(/pulumi config set --secret/g, `pulumi config set --stack ${stack} --secret`).replace(/; got undefined$/, ""));
                const key = secretOf(p)!;
                const entry = p.slice(`${ns}:${key}`.length).match(/^\.([^:.]+)/)?.[1];
                standIns[key] = entry === undefined ? "[secret]" : { ...(standIns[key] as object), [entry]: maskedShape(recordValueSchema(configKeys[key].schema)) };
            }
        }
    }
    throw new Error("new-stack: the schema kept asking for secrets after every one was stood in for");
}

/** The value schema of an optional record (`z.record(k, v).optional()`). */
function recordValueSchema(schema: z.ZodType): z.ZodType {
    const inner = schema instanceof z.ZodOptional ? (schema.unwrap() as z.ZodType) : schema;
    if (!(inner instanceof z.ZodRecord)) throw new Error("new-stack: a structured secret key is expected to be a record");
    return inner.valueType as z.ZodType;
}

/** A masked value of a secret's shape: every leaf "[secret]". */
function maskedShape(schema: z.ZodType): unknown {
    return schema instanceof z.ZodObject ? Object.fromEntries(Object.keys(schema.shape).map((k) => [k, "[secret]"])) : "[secret]";
}

/** Other stack files whose VPC range overlaps `cidr` (peering or a transit gateway between them would be impossible). */
export function overlapWarnings(projectDir: string, stack: string, cidr: string): string[] {
    const project = readProject(projectDir);
    const out: string[] = [];
    for (const other of listStacks(projectDir).filter((s) => s !== stack)) {
        let theirs: string | undefined;
        try {
            theirs = (JSON.parse(readStackConfig(projectDir, other).config[`${project.name}:network`] ?? "{}") as { cidr?: string }).cidr;
        } catch {
            continue; // a stack file that does not parse is its own problem, reported when it is planned
        }
        if (theirs && cidrsOverlap(cidr, theirs)) out.push(`network.cidr ${cidr} overlaps Pulumi.${other}.yaml's ${theirs}: the two VPCs could never be peered or joined by a transit gateway`);
    }
    return out;
}

const USAGE = `usage: npm run new-stack -- <stack> --tier development|staging|production --account ID --region REGION
    --domain DOMAIN --admin ROLE_ARN [--admin ...] [--viewer ARN ...] --owner EMAIL --cost-centre CC --cidr CIDR
    [--name PREFIX] [--zone-id HOSTED_ZONE_ID] [--zone AZ ...] [--replica-region REGION] [--public-cidr CIDR ...] [--email EMAIL]
    --admin-cidr CIDR [--admin-cidr ...]`;

export function main(argv: string[], projectDir: string): number {
    let parsed;
    try {
        parsed = parseArgs({
            args: argv,
            allowPositionals: true,
            options: {
                tier: { type: "string" },
                account: { type: "string" },
                region: { type: "string" },
                domain: { type: "string" },
                admin: { type: "string", multiple: true },
                viewer: { type: "string", multiple: true },
                owner: { type: "string" },
                "cost-centre": { type: "string" },
                cidr: { type: "string" },
                name: { type: "string" },
                "zone-id": { type: "string" },
                zone: { type: "string", multiple: true },
                "public-cidr": { type: "string", multiple: true },
                "admin-cidr": { type: "string", multiple: true },
                email: { type: "string" },
                "replica-region": { type: "string" },
            },
            strict: true,
        });
    } catch (e) {
        console.error(`${(e as Error).message}\n\n${USAGE}`);
        return 2;
    }
    const { values, positionals } = parsed;
    const missing = ["tier", "account", "region", "domain", "admin", "owner", "cost-centre", "cidr", "admin-cidr"].filter((k) => values[k as keyof typeof values] === undefined);
    if (positionals.length !== 1 || missing.length > 0) {
        console.error(`${positionals.length !== 1 ? "expected one stack name" : `missing: ${missing.map((m) => `--${m}`).join(", ")}`}\n\n${USAGE}`);
        return 2;
    }
    const stack = positionals[0];
    const tier = values.tier!;
    const example = EXAMPLE_FOR_TIER[tier];
    if (!example) {
        console.error(`--tier ${tier}: expected one of ${Object.keys(EXAMPLE_FOR_TIER).join(" | ")}`);
        return 2;
    }
    const file = path.join(projectDir, `Pulumi.${stack}.yaml`);
    let project: ProjectFile;
    if (fs.existsSync(file)) {
        console.error(`${file} exists; new-stack never overwrites a stack file`);
        return 1;
    }
    try {
        project = readProject(projectDir);
        const text = newStackFile(
            project,
            {
                stack,
                tier,
                account: values.account!,
                region: values.region!,
                domain: values.domain!,
                admins: values.admin!,
                viewers: values.viewer ?? [],
                owner: values.owner!,
                costCentre: values["cost-centre"]!,
                cidr: values.cidr!,
                name: values.name,
                zoneId: values["zone-id"],
                zones: values.zone,
                replicaRegion: values["replica-region"],
                publicCidrs: values["public-cidr"],
                adminCidrs: values["admin-cidr"]!,
                email: values.email,
            },
            fs.readFileSync(path.join(projectDir, `Pulumi.${example}.yaml`), "utf8"),
            file,
        );
        fs.writeFileSync(file, text, { flag: "wx" });
        console.log(`wrote ${file} (from Pulumi.${example}.yaml; validated).`);
        for (const w of overlapWarnings(projectDir, stack, values.cidr!)) console.log(`warning: ${w}`);
        const table = readPriceTable();
        const lacking = missingRegionPrices(table, values.region!);
        if (!(values.region! in table.regions)) {
            console.log(`note: plan/prices.json has no ${values.region} prices: npm run plan -- --cost reports this stack's lines as unpriced`);
        } else if (lacking.length > 0) {
            console.log(`note: plan/prices.json prices ${values.region} in part (none for ${lacking.join(", ")}): npm run plan -- --cost reports the lines needing them as unpriced`);
        }
        const steps = secretSteps(project, stack, file, text);
        if (steps.length > 0) {
            console.log(`Before the plan, set the secrets this stack requires (encrypted with the stack's secrets provider: \`pulumi stack init ${stack}\` first; \`--secrets-provider passphrase\` needs no Pulumi Cloud login):`);
            for (const s of steps) console.log(`  ${s}`);
        }
        console.log(`Next: npm run plan -- --stack ${stack}   (every key: docs/configuration.md)`);
        return 0;
    } catch (e) {
        if (e instanceof ConfigError || e instanceof StackFileError) {
            console.error(`not written: ${e.message}`);
            return 1;
        }
        throw e;
    }
}
