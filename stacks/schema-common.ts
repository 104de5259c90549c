// zod building blocks shared by the config sections.
import { z } from "zod";
import { parseIpv4Cidr } from "../components/network/cidr";
import { CLOUDWATCH_RETENTION_DAYS } from "../components/network/constants";

export const ipv4Cidr = z.string().superRefine((value, ctx) => {
    const problem = parseIpv4Cidr(value).error;
    if (problem) ctx.addIssue({ code: "custom", message: problem, input: value });
});

export const cloudwatchRetention = z.number().refine((n) => (CLOUDWATCH_RETENTION_DAYS as readonly number[]).includes(n), {
    message: `expected a CloudWatch retention period: one of ${CLOUDWATCH_RETENTION_DAYS.join(", ")}`,
});

/** The error of an enum, listing what is accepted. */
export const oneOf = (values: readonly string[]) => ({ error: `expected ${values.join(" | ")}` });
/** Kubernetes quantities as requests and quotas take them: CPU in cores or millicores, memory in binary units. */
export const cpuQuantity = z.string().regex(/^(\d+m|\d+(\.\d+)?)$/, "expected a CPU quantity like 250m or 1");
export const memoryQuantity = z.string().regex(/^\d+(Mi|Gi|Ti)$/, "expected a memory quantity like 512Mi, 2Gi or 1Ti");

/** Reports a cross-key problem at a path of the config. */
export type Issue = (path: (string | number)[], message: string, input: unknown) => void;

export const addonVersion = (addon: string) =>
    z.string().regex(/^v\d+\.\d+\.\d+-eksbuild\.\d+$/, `expected an EKS add-on version like v1.2.3-eksbuild.1 for ${addon}`);

/** Helm chart versions are pinned exactly: no ranges, no "latest". Some publishers tag with a leading "v". */
export const chartVersion = (prefix: "" | "v" = "") =>
    z.string().regex(new RegExp(`^${prefix}\\d+\\.\\d+\\.\\d+$`), `expected a pinned chart version like ${prefix}1.8.1`);

/** A CPU quantity in whole millicores: sums compare exactly (3 x 100m is 300m, not 0.30000000000000004 cores). */
export const millicores = (q: string) => Math.round(q.endsWith("m") ? Number(q.slice(0, -1)) : Number(q) * 1000);
/** A memory quantity (Mi, Gi, Ti) in MiB. */
export const mebibytes = (q: string) => Number(q.slice(0, -2)) * { M: 1, G: 1024, T: 1048576 }[q.slice(-2, -1) as "M"];
