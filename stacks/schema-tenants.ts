// Schema of `platform:tenants` and `platform:policy`: the teams sharing the cluster, as data, and the admission
// policy that keeps them apart.
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { z } from "zod";
import { PLATFORM_NAMESPACES } from "../components/shared/namespaces";
import { chartVersion, cpuQuantity, Issue, mebibytes, memoryQuantity, millicores, oneOf } from "./schema-common";
import { PLATFORM_GROUPS } from "./schema-sso";
import { tenantCiSchema, tenantGitopsSchema } from "./schema-delivery";

export const POLICY_ACTIONS = ["Audit", "Enforce"] as const;
/** Where tenants' resources live: in the platform stack, or each tenant in a stack of its own (the tenant/ project). */
export const TENANT_PLACEMENTS = ["PlatformStack", "OwnStacks"] as const;
export type TenantPlacement = (typeof TENANT_PLACEMENTS)[number];
const DNS_LABEL = /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;
const label = (what: string) => z.string().regex(DNS_LABEL, `expected a DNS label for ${what} (a-z, 0-9, '-'; starts with a letter, at most 63)`);
const cpu = cpuQuantity;
const memory = memoryQuantity;

export const tenantSchema = z.strictObject({
    name: label("the tenant's name")
        .max(40, "expected at most 40 characters (it prefixes namespaces, roles and buckets)")
        .describe("Unique name of the tenant: its default namespace and SSO group (tenant-<name>), and the prefix of its resources' names."),
    previousName: label("the tenant's former name").optional().describe("Set when renaming: the tenant's resources keep their identity (aliases)."),
    dataName: label("the name the tenant's data was created under")
        .optional()
        .describe("Where its data lives (Vault path, secret store, repository, bucket): set to the first name at the first rename, then never changed."),
    owners: z.array(z.string().regex(/^[a-z0-9._@-]{1,64}$/, "expected an SSO username")).min(1, "expected at least one owner").describe("SSO usernames with the owner role in the tenant's namespaces (a member's rights, plus Roles and RoleBindings)."),
    ssoGroup: label("the SSO group").optional().describe("Keycloak group of the team (default tenant-<name>): the member role in its namespaces."),
    // Also a namespace label value: Kubernetes allows letters, digits, '-', '_', '.' (alphanumeric at both ends, <= 63).
    costCentre: z
        .string()
        .regex(/^[A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?$/, "expected a cost centre usable as a label value (letters, digits, '-', '_', '.'; at most 63)")
        .describe("The team's cost centre, for chargeback: the platform.io/cost-centre label of its namespaces and the cost-centre tag of its ECR repository."),
    namespaces: z.array(label("a namespace")).min(1, "expected at least one namespace").optional().describe("Default: [<name>]."),
    quota: z
        .strictObject({
            requestsCpu: cpu.default("4").describe("Sum of the CPU requests of the namespace's pods."),
            requestsMemory: memory.default("8Gi").describe("Sum of the memory requests of the namespace's pods."),
            limitsCpu: cpu.default("8").describe("Sum of the CPU limits of the namespace's pods."),
            limitsMemory: memory.default("16Gi").describe("Sum of the memory limits of the namespace's pods."),
            pods: z.number().int().min(1, "expected at least 1 pod").max(5000).default(100).describe("Number of pods the namespace may hold."),
            storage: memory.default("100Gi").describe("Sum of the storage its persistent volume claims request."),
        })
        .prefault({})
        .describe("Per namespace: ResourceQuota."),
    containerDefaults: z
        .strictObject({
            requestsCpu: cpu.default("100m").describe("CPU request of a container that sets none."),
            requestsMemory: memory.default("128Mi").describe("Memory request of a container that sets none."),
            limitsCpu: cpu.default("500m").describe("CPU limit of a container that sets none."),
            limitsMemory: memory.default("512Mi").describe("Memory limit of a container that sets none."),
        })
        .prefault({})
        .describe("Per namespace: LimitRange defaults for containers that set none."),
    hostnames: z.array(z.string()).default([]).describe("Hostnames its HTTPRoutes may use: <label>.<ingress.domain> (the gateway's wildcard certificate)."),
    internetEgress: z.boolean().default(true).describe("Pods may open connections to the internet (never to the instance metadata service)."),
    ecrRepository: z.boolean().default(false).describe("An ECR repository <name>/apps: scan on push, immutable tags, encrypted with the registry key, the registry lifecycle."),
    repositoryEncryption: z
        .enum(["Kms", "Aes256"], oneOf(["Kms", "Aes256"]))
        .default("Kms")
        .describe("Kms: the registry's key. Aes256 keeps a repository created before the registry key as it is (ECR cannot change a repository's encryption; a change replaces it and loses its images)."),
    bucket: z.boolean().default(false).describe("An S3 bucket through the platform's secure bucket component."),
    gitops: tenantGitopsSchema.optional().describe("Its Argo CD project's source repositories and destinations, and an optional Application."),
    ci: tenantCiSchema.prefault({}).describe("A GitHub Actions runner scale set in a namespace of its own (<data name>-ci), each job with a rootless image builder of its own."),
});
export type TenantConfig = z.infer<typeof tenantSchema>;

export const tenantsSchema = z
    .strictObject({
        directory: z
            .string()
            .regex(/^[A-Za-z0-9._/-]+$/, "expected a path relative to the project, like tenants")
            .optional()
            .describe("A folder of <tenant>.yaml files, each one tenant (relative to the project directory)."),
        list: z.array(tenantSchema).default([]).describe("The tenants, in the stack file (the directory's are added to them)."),
        placement: z
            .enum(TENANT_PLACEMENTS, oneOf(TENANT_PLACEMENTS))
            .default("PlatformStack")
            .describe(
                "Where tenants' resources live: PlatformStack (this stack creates them) or OwnStacks (one stack per tenant, of the tenant/ project; this stack keeps what they share, still checks the rules across them, and no longer grows with them).",
            ),
    })
    // `all`: the list here; the loader appends the directory's tenants (it knows the project directory).
    .transform((t) => ({ ...t, all: [...t.list] as TenantConfig[] }));

export const policySchema = z.strictObject({
    chartVersion: chartVersion().describe("kyverno/kyverno chart, pinned."),
    hookImageTag: z
        .string()
        .regex(/^v\d+\.\d+\.\d+$/, "expected a Kyverno release tag like v1.19.0 (the chart's appVersion)")
        .describe(
            "Tag of ghcr.io/kyverno/readiness-checker, the image of the chart's pre-delete hooks (webhooksCleanup) and of its helm test pods: the chart's appVersion (v1.19.0 for chart 3.9.0), written out so the image's arm64 build is checked for a fixed tag (the chart's test pods would otherwise take latest).",
        ),
    replicas: z.number().int().min(1, "expected 1 to 5 replicas").max(5, "expected 1 to 5 replicas").default(1).describe("Admission controller replicas (production >= 3); the other controllers run min(2, this)."),
    action: z.enum(POLICY_ACTIONS, oneOf(POLICY_ACTIONS)).default("Audit").describe("Audit reports violations; Enforce refuses them (production)."),
    zoneSpread: z.enum(["DoNotSchedule", "ScheduleAnyway"], oneOf(["DoNotSchedule", "ScheduleAnyway"])).default("ScheduleAnyway").describe("How Kyverno's controllers spread over zones (production: DoNotSchedule)."),
    allowedRegistries: z
        .array(z.string().regex(/^[a-z0-9.-]+(:\d+)?(\/[a-z0-9._-]+)*$/, "expected a registry host with an optional path, like 123456789012.dkr.ecr.eu-west-1.amazonaws.com or ghcr.io/acme"))
        .min(1, "expected at least one registry")
        .describe("Registries tenant images may come from (prefixes)."),
    requiredLabels: z
        .array(z.string().regex(/^([a-z0-9.-]+\/)?[A-Za-z0-9_.-]{1,63}$/, "expected a label key"))
        .default(["app.kubernetes.io/name"])
        .describe("Label keys every tenant pod must carry (the tenant-required-labels policy); the CI runners get them too."),
});
export type PolicyConfig = z.infer<typeof policySchema>;

/** A tenant read from a file of `directory`. */
export interface TenantFile {
    readonly file: string;
    readonly tenant: TenantConfig;
}

/**
 * The tenants of `directory`: one per YAML file, validated by the same schema as the list. A file's schema problems
 * go to `invalid` (the caller words them as the list's); the folder's and the YAML's to `issue`.
 */
export function resolveTenants(
    cfg: { readonly directory?: string },
    projectDir: string,
    issue: Issue,
    invalid: (file: string, problems: readonly z.core.$ZodIssue[]) => void,
): TenantFile[] {
    const tenants: TenantFile[] = [];
    if (cfg.directory === undefined) return tenants;
    const dir = path.resolve(projectDir, cfg.directory);
    if (!fs.existsSync(dir)) {
        issue(["tenants", "directory"], `expected an existing folder (relative to ${projectDir})`, cfg.directory);
        return tenants;
    }
    const files = tenantFiles(dir);
    for (const file of files) {
        let document: unknown;
        try {
            document = YAML.parse(fs.readFileSync(path.join(dir, file), "utf8"));
        } catch (e) {
            issue(["tenants", "directory", file], `expected YAML (${String((e as Error).message).split("\n")[0].replace(/:$/, "")})`, file);
            continue;
        }
        const parsed = tenantSchema.safeParse(document, { reportInput: true });
        if (!parsed.success) {
            invalid(file, parsed.error.issues);
            continue;
        }
        if (`${parsed.data.name}.yaml` !== file && `${parsed.data.name}.yml` !== file) issue(["tenants", "directory", file], `expected the file to be named after its tenant (${parsed.data.name}.yaml)`, file);
        tenants.push({ file, tenant: parsed.data });
    }
    return tenants;
}

/** The tenant files of a folder (`*.yaml`, `*.yml`), sorted. */
export const tenantFiles = (dir: string): string[] =>
    fs
        .readdirSync(dir)
        .filter((f) => /\.ya?ml$/.test(f))
        .sort();

/** First labels of the hostnames the platform publishes itself (Ingress.publishService): never a tenant's. */
export const PLATFORM_HOST_LABELS = ["vault", "sso", "sso-admin", "grafana", "argocd"] as const;

/** The name a tenant's data lives under (stable across renames). */
export const tenantDataName = (t: Pick<TenantConfig, "name" | "dataName">): string => t.dataName ?? t.name;

/** The tenants whose resources the platform stack creates: none when each tenant has a stack of its own. */
export const platformStackTenants = (t: { readonly placement: TenantPlacement; readonly all: readonly TenantConfig[] }): TenantConfig[] => (t.placement === "PlatformStack" ? [...t.all] : []);

/** Namespaces of a tenant: its own list, or its name. */
export const tenantNamespaces = (t: Pick<TenantConfig, "name" | "namespaces">): string[] => t.namespaces ?? [t.name];

/** Where a tenant with CI runs its runners: a namespace of their own, where its members cannot create pods (see the tenants layer). */
export const tenantCiNamespace = (t: Pick<TenantConfig, "name" | "dataName">): string => `${tenantDataName(t)}-ci`;

const qty = (q: string) => (/[MGT]i$/.test(q) ? mebibytes(q) : millicores(q));

/** Rules across tenants (names, namespaces, groups, hostnames) and the platform (its namespaces, domain, groups). */
export function checkTenants(
    tenants: readonly TenantConfig[],
    ctx: { domain: string; where: (i: number) => (string | number)[]; bucketNameLength: (tenantDataName: string) => number; cachePrefixes: readonly string[] },
    issue: Issue,
) {
    const platformNamespaces = new Set<string>([...Object.values(PLATFORM_NAMESPACES), "default", "kube-system", "kube-public", "kube-node-lease"]);
    const names = new Map<string, number>();
    const current = new Set(tenants.map((t) => t.name));
    const owners = new Map<string, string>();
    const groups = new Map<string, string>();
    // What holds data is named after it (Vault path, policy, role and store, repository, bucket, CI namespace): a data
    // name another tenant has would write that tenant's Vault role to log in from this tenant's namespaces.
    const dataNames = new Map<string, string>();
    tenants.forEach((t, i) => {
        const at = (...p: (string | number)[]) => [...ctx.where(i), ...p];
        const twice = names.has(t.name);
        if (twice) issue(at("name"), `expected each tenant once (also tenant ${names.get(t.name)})`, t.name);
        names.set(t.name, i);
        const renamedOntoCurrent = t.previousName !== undefined && current.has(t.previousName);
        if (renamedOntoCurrent) issue(at("previousName"), "expected a name no current tenant has", t.previousName);
        // One message per problem: a tenant listed twice, or renamed from a current tenant's name, is told so above.
        const dataOwner = twice || renamedOntoCurrent ? undefined : dataNames.get(tenantDataName(t));
        if (dataOwner !== undefined) issue(at(t.dataName === undefined ? "name" : "dataName"), `expected data name ${tenantDataName(t)} to belong to one tenant (also ${dataOwner}: its Vault path, stores, repository and bucket)`, tenantDataName(t));
        if (!twice) dataNames.set(tenantDataName(t), t.name);
        if (t.previousName !== undefined && t.dataName === undefined) {
            issue(at("dataName"), `expected the name the tenant's data lives under when renaming (its first name, ${t.previousName} if this is the first rename), kept from then on`, undefined);
        }
        // Its repository <data name>/apps would be a path of the cache's own (ECR pulls through <prefix>/…).
        if (t.ecrRepository && ctx.cachePrefixes.includes(tenantDataName(t))) {
            issue(at(t.dataName === undefined ? "name" : "dataName"), `expected a data name no pull-through cache uses as its prefix (${ctx.cachePrefixes.join(", ")}): its repository ${tenantDataName(t)}/apps would be inside that cache (a data name is kept for good: give the cache another prefix if it came later)`, tenantDataName(t));
        }
        // The bucket is named after the data name: blame the key that sets it.
        if (t.bucket && ctx.bucketNameLength(tenantDataName(t)) > 63) {
            issue(at(t.dataName === undefined ? "name" : "dataName"), `expected a shorter name: its bucket's name would be ${ctx.bucketNameLength(tenantDataName(t))} characters (S3 allows 63)`, tenantDataName(t));
        }
        // A namespace cannot be renamed: the default (the tenant's name) would delete the old one with everything in it.
        if (t.previousName !== undefined && t.namespaces === undefined) {
            issue(at("namespaces"), `expected the tenant's namespaces listed when renaming (the default would replace namespace ${t.previousName} by ${t.name})`, undefined);
        }
        for (const ns of [...tenantNamespaces(t), ...(t.ci.enabled ? [tenantCiNamespace(t)] : [])]) {
            if (platformNamespaces.has(ns)) issue(at("namespaces"), `expected a namespace the platform does not use (${ns} is the platform's)`, ns);
            const owner = owners.get(ns);
            if (owner !== undefined && owner !== t.name) issue(at("namespaces"), `expected namespace ${ns} to belong to one tenant (also ${owner})`, ns);
            else if (owner === t.name) issue(at("namespaces"), `expected each namespace once`, ns);
            owners.set(ns, t.name);
        }
        const group = t.ssoGroup ?? `tenant-${t.name}`;
        if ((PLATFORM_GROUPS as readonly string[]).includes(group)) issue(at("ssoGroup"), `expected a group other than the platform's (${PLATFORM_GROUPS.join(", ")})`, group);
        if (groups.has(group)) issue(at("ssoGroup"), `expected SSO group ${group} to belong to one tenant (also ${groups.get(group)})`, group);
        groups.set(group, t.name);
        if (new Set(t.hostnames).size !== t.hostnames.length) issue(at("hostnames"), "expected each hostname once", t.hostnames);
        t.hostnames.forEach((h, j) => {
            const hostLabel = h.slice(0, -ctx.domain.length - 1);
            if (!h.endsWith(`.${ctx.domain}`) || !DNS_LABEL.test(hostLabel)) {
                issue(at("hostnames", j), `expected <label>.${ctx.domain} (one name under the platform domain, covered by its certificate)`, h);
            } else if ((PLATFORM_HOST_LABELS as readonly string[]).includes(hostLabel)) {
                issue(at("hostnames", j), `expected a hostname the platform does not publish itself (${PLATFORM_HOST_LABELS.join(", ")})`, h);
            }
        });
        const q = t.quota;
        if (qty(q.limitsCpu) < qty(q.requestsCpu)) issue(at("quota", "limitsCpu"), `expected at least requestsCpu (${q.requestsCpu})`, q.limitsCpu);
        if (qty(q.limitsMemory) < qty(q.requestsMemory)) issue(at("quota", "limitsMemory"), `expected at least requestsMemory (${q.requestsMemory})`, q.limitsMemory);
        const d = t.containerDefaults;
        if (qty(d.limitsCpu) < qty(d.requestsCpu)) issue(at("containerDefaults", "limitsCpu"), `expected at least requestsCpu (${d.requestsCpu})`, d.limitsCpu);
        if (qty(d.limitsMemory) < qty(d.requestsMemory)) issue(at("containerDefaults", "limitsMemory"), `expected at least requestsMemory (${d.requestsMemory})`, d.limitsMemory);
    });
    const hostOwners = new Map<string, string>();
    tenants.forEach((t, i) => {
        for (const h of t.hostnames) {
            const other = hostOwners.get(h);
            if (other !== undefined && other !== t.name) issue(ctx.where(i).concat("hostnames"), `expected hostname ${h} to belong to one tenant (also ${other})`, h);
            hostOwners.set(h, t.name);
        }
    });
}

export function checkPolicy(p: PolicyConfig, ctx: { production: boolean }, issue: Issue) {
    if (!ctx.production) return;
    if (p.action !== "Enforce") issue(["policy", "action"], "expected Enforce in production", p.action);
    if (p.zoneSpread !== "DoNotSchedule") issue(["policy", "zoneSpread"], "expected DoNotSchedule in production (a zone's loss must not take the admission webhook)", p.zoneSpread);
    if (p.replicas < 3) issue(["policy", "replicas"], "expected at least 3 admission controllers in production (the webhook refuses requests when none answers)", p.replicas);
}
