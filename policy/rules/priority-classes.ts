// No PriorityClass marked globalDefault: the scheduler's admission gives it to every pod that names none, so every
// tenant pod would name one and fall under each tenant namespace's no-PriorityClass quota (scope PriorityClass
// Exists, pods 0): no tenant pod could start.
import type { StackValidationPolicy } from "@pulumi/policy";
import { asArray } from "./support";

type Obj = Record<string, any>;
const PRIORITY_CLASS = /^kubernetes:scheduling\.k8s\.io\/v1(beta1|alpha1)?:PriorityClass$/;

export const noGlobalDefaultPriorityClassPolicy: StackValidationPolicy = {
    name: "no-global-default-priority-class",
    description:
        "No PriorityClass is marked globalDefault (one the program creates, or one a project chart renders from values.objects): every pod naming none would get it, and the tenants' no-PriorityClass quota would refuse every tenant pod.",
    enforcementLevel: "mandatory",
    validateStack: ({ resources }, report) => {
        for (const r of resources) {
            if (PRIORITY_CLASS.test(r.type) && r.props.globalDefault === true) report(`PriorityClass ${r.props.metadata?.name ?? r.name}: globalDefault would put every pod under the tenants' no-PriorityClass quota`, r.urn);
            if (r.type !== "kubernetes:helm.sh/v3:Release") continue;
            for (const o of asArray((r.props.values as Obj | undefined)?.objects) as Obj[])
                if (o?.kind === "PriorityClass" && o.globalDefault === true) report(`${r.name}: renders PriorityClass ${o.metadata?.name}, globalDefault, which would put every pod under the tenants' no-PriorityClass quota`, r.urn);
        }
    },
};
