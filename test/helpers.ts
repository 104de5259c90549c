import * as assert from "assert";
import type { PlannedResource } from "../plan/engine";
import { ConfigError } from "../stacks/errors";
import { statementProblems } from "../policy/rules/iam";

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

/**
 * Least privilege, by the same rule the policy pack applies to every identity policy (policy/rules/iam.ts): the
 * document must have statements, and none may have a problem. `unscopedActions` are further actions the caller
 * accepts on "*" for this document (read-only calls need no listing).
 */
export function assertLeastPrivilege(doc: { Statement: any[] }, unscopedActions: readonly string[] = []): void {
    const problems = statementProblems(doc).filter((p) => !unscopedActions.some((a) => p.includes(` ${a} on an unscoped resource`)));
    assert.deepStrictEqual(problems, []);
}

/** A component's resources: the component itself and everything below it. */
export function within(resources: readonly PlannedResource[], componentName: string): PlannedResource[] {
    const root = named(resources, componentName);
    const urns = new Set([root.urn]);
    const out: PlannedResource[] = [root];
    let grew = true;
    while (grew) {
        grew = false;
        for (const r of resources) {
            if (!urns.has(r.urn) && r.parent !== undefined && urns.has(r.parent)) {
                urns.add(r.urn);
                out.push(r);
                grew = true;
            }
        }
    }
    return out;
}

/** A bad stack configuration and the fragments its error message must contain (key, bad value, expectation). */
export type BadInput = [what: string, raw: Record<string, string>, expected: string[]];

/** One test per case: parsing fails with a ConfigError that passes `check`. */
function itRejectsWith<T>(cases: readonly [what: string, raw: Record<string, string>, expected: T][], parse: (raw: Record<string, string>) => unknown, check: (e: ConfigError, expected: T) => void): void {
    for (const [what, raw, expected] of cases) {
        it(what, () => {
            assert.throws(
                () => parse(raw),
                (e: unknown) => {
                    assert.ok(e instanceof ConfigError, `not a ConfigError: ${e}`);
                    check(e, expected);
                    return true;
                },
            );
        });
    }
}

/** One test per case: parsing fails with a ConfigError whose message names every expected fragment. */
export function itRejects(cases: readonly BadInput[], parse: (raw: Record<string, string>) => unknown): void {
    itRejectsWith(cases, parse, (e, expected) => {
        for (const part of expected) assert.ok(e.message.includes(part), `message lacks ${JSON.stringify(part)}:\n${e.message}`);
    });
}

/** A bad stack configuration and every problem its ConfigError lists, written out in full. */
export type ExactBadInput = [what: string, raw: Record<string, string>, problems: string[]];

/** One test per case: parsing fails with a ConfigError listing exactly these problems, in order. */
export function itRejectsExactly(cases: readonly ExactBadInput[], parse: (raw: Record<string, string>) => unknown): void {
    itRejectsWith(cases, parse, (e, problems) => assert.deepStrictEqual(e.problems, problems));
}

/**
 * A second project's Pulumi.yaml (tenant/, contract/) declares exactly the keys its stacks/ schema reads, each a string
 * with no default (the CLI then requires it) and a description, as the schema describes it too.
 */
export function assertDeclaresRequiredStrings(project: { readonly config?: unknown }, shape: Readonly<Record<string, { readonly description?: string }>>): void {
    const declared = (project.config ?? {}) as Record<string, { type?: string; description?: string; default?: unknown }>;
    assert.deepStrictEqual(Object.keys(declared).sort(), Object.keys(shape).sort());
    assert.ok(Object.keys(declared).length >= 1, "the project declares its keys");
    for (const [key, decl] of Object.entries(declared)) {
        assert.deepStrictEqual([key, decl.type, "default" in decl], [key, "string", false]);
        assert.ok((decl.description ?? "").length > 20, `${key} lacks a description`);
        assert.ok((shape[key].description ?? "").length > 20, `${key} lacks a .describe()`);
    }
}

