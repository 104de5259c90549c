import * as assert from "assert";
import type { PlannedResource } from "../plan/engine";

export function ofType(resources: readonly PlannedResource[], type: string): PlannedResource[] {
    return resources.filter((r) => r.type === type);
}

export function named(resources: readonly PlannedResource[], name: string): PlannedResource {
    const found = resources.find((r) => r.name === name);
    assert.ok(found, `no resource named ${name}; have: ${resources.map((r) => r.name).join(", ")}`);
    return found;
}

/** Inputs of a resource as a typed bag (tests read what would reach AWS). */
export function inputs(r: PlannedResource): Record<string, any> {
    return r.inputs;
}

/** The id the offline engine gives a custom resource: its logical name + "-id". */
export const idOf = (name: string) => `${name}-id`;
