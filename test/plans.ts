// Each committed stack file's plan, evaluated once per test run and shared by every test that reads it.
import { Plan, planStack } from "../plan/engine";

const cache = new Map<string, Promise<Plan>>();

function deepFreeze<T>(value: T): T {
    if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
        Object.freeze(value);
        for (const v of Object.values(value as object)) deepFreeze(v);
    }
    return value;
}

/** The plan of `Pulumi.<stack>.yaml` as committed; frozen, so a test cannot change what the others read. */
export function committedPlan(stack: string): Promise<Plan> {
    let plan = cache.get(stack);
    if (!plan) {
        plan = planStack({ stack }).then(deepFreeze);
        cache.set(stack, plan);
    }
    return plan;
}
