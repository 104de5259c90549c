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
