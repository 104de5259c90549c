// Schema of `platform:sso`: Keycloak's database today (the Keycloak server and realm keys come with the rest of
// issue 14).
import { z } from "zod";
import type { Issue } from "./schema-common";

export const RDS_MONITORING_INTERVALS = [0, 1, 5, 10, 15, 30, 60] as const;

export const ssoSchema = z.strictObject({
    database: z.strictObject({
        engineVersion: z
            .string()
            .regex(/^1[5-9]$/, 'expected the PostgreSQL major version, quoted, from "15" to "19" (RDS applies minor versions itself)')
            .describe("PostgreSQL major version of the RDS instance; minor versions follow RDS's automatic upgrades."),
        instanceClass: z.string().regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, "expected a DB instance class like db.t4g.small (db.<family>.<size>)"),
        allocatedStorageGiB: z.number().int("expected whole GiB").min(20, "expected at least 20 GiB (gp3)").max(65536, "expected at most 65536 GiB").default(20),
        multiAz: z.boolean().default(false).describe("A standby in another zone (required in production)."),
        backupRetentionDays: z
            .number()
            .int("expected whole days")
            .min(0, "expected 0-35 days")
            .max(35, "expected 0-35 days")
            .default(7)
            .describe("Automated backups kept (production: at least 7)."),
        performanceInsights: z.boolean().default(false),
        monitoringIntervalSeconds: z
            .number()
            .refine((n) => (RDS_MONITORING_INTERVALS as readonly number[]).includes(n), { message: `expected one of ${RDS_MONITORING_INTERVALS.join(", ")} (0: no enhanced monitoring)` })
            .default(0),
    }),
});
export type SsoConfig = z.infer<typeof ssoSchema>;

/** Rules across keys of `sso` (and the tier). */
export function checkSso(sso: SsoConfig, ctx: { production: boolean }, issue: Issue) {
    if (ctx.production && !sso.database.multiAz) issue(["sso", "database", "multiAz"], "expected true in production (a zone's loss must not take the login down)", sso.database.multiAz);
    if (ctx.production && sso.database.backupRetentionDays < 7) {
        issue(["sso", "database", "backupRetentionDays"], "expected at least 7 days in production", sso.database.backupRetentionDays);
    }
}
