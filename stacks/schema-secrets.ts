// Schema of `platform:secrets`: the Vault server and External Secrets Operator.
import { z } from "zod";
import { durationHours } from "../components/shared/duration";
import { chartVersion, Issue } from "./schema-common";

/** Seal types the layer can configure; AWS KMS auto-unseal is the only one (no human holds unseal keys). */
export const VAULT_SEALS = ["awskms"] as const;

const goDuration = z.string().superRefine((value, ctx) => {
    const hours = durationHours(value);
    if (hours === undefined) ctx.addIssue({ code: "custom", message: "expected a Go duration like 1h, 30m or 768h", input: value });
    else if (hours <= 0) ctx.addIssue({ code: "custom", message: "expected a duration above zero", input: value });
});

const volumeSize = z.string().regex(/^[1-9]\d{0,4}Gi$/, "expected a volume size in Gi, like 10Gi");

export const secretsSchema = z.strictObject({
    zoneSpread: z
        .enum(["DoNotSchedule", "ScheduleAnyway"], { error: "expected DoNotSchedule | ScheduleAnyway" })
        .default("ScheduleAnyway")
        .describe("How Vault servers and External Secrets replicas spread over zones (production: DoNotSchedule)."),
    vault: z
        .strictObject({
        chartVersion: chartVersion().describe("hashicorp/vault chart, pinned exactly."),
        version: z
            .string()
            .regex(/^\d+\.\d+\.\d+$/, "expected a Vault release like 2.0.4 (the hashicorp/vault image tag)")
            .describe("Vault release the servers and the init Job run (the chart's appVersion, pinned here)."),
        awsCliImage: z
            .string()
            .regex(/^[a-z0-9.-]+(\/[a-z0-9._-]+)+:\d+\.\d+\.\d+$/, "expected an AWS CLI image pinned to a release, like public.ecr.aws/aws-cli/aws-cli:2.36.7")
            .describe("Image the init Job stores the bootstrap material with."),
        replicas: z
            .number()
            .int("expected a whole number")
            .min(1, "expected at least 1 replica")
            .max(7, "expected at most 7 replicas (raft)")
            .default(1)
            .describe("Vault servers: 1, or an odd number >= 3 for HA raft (production)."),
        storageSize: volumeSize.default("10Gi").describe("Raft data volume per server."),
        auditStorageSize: volumeSize.default("10Gi").describe("File audit device volume per server."),
        seal: z
            .enum(VAULT_SEALS, { error: `expected a seal type: ${VAULT_SEALS.join(" | ")}` })
            .default("awskms")
            .describe("Auto-unseal: awskms uses a dedicated KMS key, so no human holds unseal keys."),
        address: z
            .url({ protocol: /^https$/, error: "expected an https:// URL" })
            .optional()
            .describe("Address the Vault provider uses; default https://vault.<ingress.domain>."),
        injector: z.boolean().default(false).describe("Run the Vault agent injector (off: apps get secrets through External Secrets)."),
        tokenTtl: z
            .strictObject({
                default: goDuration.default("1h").describe("TTL of tokens Vault issues."),
                max: goDuration.default("24h").describe("Longest a token may be renewed to."),
            })
            .prefault({})
            .describe("Lifetimes of the tokens Vault issues (Go durations)."),
        kvMount: z
            .string()
            .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, "expected a mount path of lower-case letters, digits, '_' or '-' (no slashes or spaces)")
            .refine((m) => !["sys", "auth", "identity", "cubbyhole", "secret"].includes(m), { message: "expected a path Vault does not reserve (not sys, auth, identity, cubbyhole or secret)" })
            .default("platform")
            .describe("KV v2 mount of the platform's secrets (tenants get one prefix each below it)."),
    })
        .describe("The Vault server: chart and release, HA raft replicas, volumes, KMS auto-unseal, token lifetimes, KV mount."),
    externalSecrets: z
        .strictObject({
            chartVersion: chartVersion().describe("external-secrets chart, pinned exactly."),
            replicas: z
                .number()
                .int("expected a whole number")
                .min(1, "expected at least 1 replica")
                .max(5, "expected at most 5 replicas")
                .default(1)
                .describe("Replicas of the operator, its webhook and cert controller; above 1 they elect a leader and get a PodDisruptionBudget."),
        })
        .describe("External Secrets Operator, which syncs Vault secrets into Kubernetes Secrets."),
});
export type SecretsConfig = z.infer<typeof secretsSchema>;

/** Rules across keys of `secrets` (and the tier). */
export function checkSecrets(secrets: SecretsConfig, ctx: { production: boolean }, issue: Issue) {
    const at = (...path: (string | number)[]) => ["secrets", ...path];
    const { replicas } = secrets.vault;
    if (replicas % 2 === 0) issue(at("vault", "replicas"), "expected an odd number (a raft quorum of an even count tolerates no more failures)", replicas);
    if (ctx.production && replicas < 3) issue(at("vault", "replicas"), "expected at least 3 replicas (HA raft) in production", replicas);
    if (ctx.production && secrets.zoneSpread !== "DoNotSchedule") {
        issue(at("zoneSpread"), "expected DoNotSchedule in production (a zone's loss must not take the raft quorum)", secrets.zoneSpread);
    }
    if (ctx.production && secrets.externalSecrets.replicas < 2) issue(at("externalSecrets", "replicas"), "expected at least 2 replicas in production", secrets.externalSecrets.replicas);
    const ttl = secrets.vault.tokenTtl;
    const [def, max] = [durationHours(ttl.default), durationHours(ttl.max)];
    if (def !== undefined && max !== undefined && max < def) issue(at("vault", "tokenTtl", "max"), `expected at least tokenTtl.default (${ttl.default})`, ttl.max);
}
