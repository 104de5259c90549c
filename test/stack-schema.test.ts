// docs/stack-config.schema.json: the stack file's JSON Schema that editors validate Pulumi.<stack>.yaml with. It is
// generated from the zod schema (npm run config-schema) and committed, so a change to any key, default, range or
// doc string shows up in review; every committed stack file must pass it, and a wrong one must not.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import Ajv2020 from "ajv/dist/2020";
import * as YAML from "yaml";
import { PROJECT_DIR } from "../plan/engine";
import { listStacks, readProject } from "../plan/stack-files";
import { EXAMPLE_STACKS, newStackFile } from "../plan/new-stack";
import { stackFileJsonSchema } from "../stacks/json-schema";

const SCHEMA_FILE = path.join(PROJECT_DIR, "docs", "stack-config.schema.json");
const committed = JSON.parse(fs.readFileSync(SCHEMA_FILE, "utf8"));
// Formats (email, uri) are left to the zod schema, which `pulumi up` runs; editors check them as they like.
const validate = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, validateFormats: false }).compile(committed);
const stackFile = (stack: string) => YAML.parse(fs.readFileSync(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "utf8"));
/** The errors of a stack file, as "instance path: message". */
function errorsOf(file: unknown): string[] {
    return validate(file) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath}: ${e.message}`);
}
const prod = () => structuredClone(stackFile("prod"));

describe("the stack file's JSON Schema (docs/stack-config.schema.json)", () => {
    it("is what npm run config-schema generates from the zod schema today", () => {
        assert.deepStrictEqual(stackFileJsonSchema(readProject(PROJECT_DIR).name), committed, "stale: run npm run config-schema and review the diff");
    });

    it("accepts every committed stack file, each of which names it for its editor", () => {
        const stacks = listStacks(PROJECT_DIR);
        assert.ok(EXAMPLE_STACKS.every((s) => stacks.includes(s)), `the examples new-stack copies are committed: ${stacks.join(", ")}`);
        for (const stack of stacks) {
            assert.deepStrictEqual(errorsOf(stackFile(stack)), [], stack);
            const text = fs.readFileSync(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "utf8");
            assert.match(text, /^# yaml-language-server: \$schema=\.\/docs\/stack-config\.schema\.json$/m, stack);
        }
    });

    it("names it in a stack file written by npm run new-stack", () => {
        const text = newStackFile(
            readProject(PROJECT_DIR),
            {
                stack: "staging",
                tier: "staging",
                account: "333333333333",
                region: "eu-west-1",
                domain: "staging.platform.acme.example",
                admins: ["arn:aws:iam::333333333333:role/platform-admin"],
                viewers: [],
                owner: "platform-team@acme.example",
                costCentre: "CC-PLAT-STG",
                cidr: "10.40.0.0/16",
                adminCidrs: ["192.0.2.0/24"],
            },
            fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.dev.yaml"), "utf8"),
            "Pulumi.staging.yaml",
        );
        assert.match(text, /^# yaml-language-server: \$schema=\.\/docs\/stack-config\.schema\.json$/m);
        assert.deepStrictEqual(errorsOf(YAML.parse(text)), []);
    });

    it("refuses a wrong value, an unknown key and a missing required key, naming where", () => {
        const wrong = prod();
        wrong.config["platform:network"].natGateways = "PerAz";
        assert.deepStrictEqual(errorsOf(wrong), ["/config/platform:network/natGateways: must be equal to one of the allowed values"]);
        const unknown = prod();
        unknown.config["platform:netwrok"] = {};
        assert.deepStrictEqual(errorsOf(unknown), ["/config: must NOT have additional properties"]);
        const missing = prod();
        delete missing.config["platform:name"];
        assert.deepStrictEqual(errorsOf(missing), ["/config: must have required property 'platform:name'", "/config: must have required property 'name'", "/config: must match a schema in anyOf"]);
        const outOfRange = prod();
        outOfRange.config["platform:network"].azCount = 7;
        assert.deepStrictEqual(errorsOf(outOfRange), ["/config/platform:network/azCount: must be <= 6"]);
    });

    it("takes a key with or without the project's namespace, and other namespaces' keys as they are", () => {
        const file = prod();
        file.config.name = file.config["platform:name"];
        delete file.config["platform:name"];
        file.config["aws:skipMetadataApiCheck"] = false;
        assert.deepStrictEqual(errorsOf(file), []);
        file.config.name = "Not A Label";
        assert.deepStrictEqual(errorsOf(file), ['/config/name: must match pattern "^[a-z]([a-z0-9-]*[a-z0-9])?$"']);
    });

    it("wants every string of a secret key encrypted ({secure: ...}), and only there", () => {
        const plaintext = prod();
        plaintext.config["platform:alertReceiverSecret"] = "https://hooks.slack.com/services/T000/B000/XXXX";
        assert.deepStrictEqual(errorsOf(plaintext), ["/config/platform:alertReceiverSecret: must be object"]);
        const nested = prod();
        nested.config["platform:pullThroughCacheCredentials"]["docker-hub"].accessToken = "dckr_pat_plaintext";
        assert.deepStrictEqual(errorsOf(nested), ["/config/platform:pullThroughCacheCredentials/docker-hub/accessToken: must be object"]);
        const encrypted = prod();
        encrypted.config["platform:name"] = { secure: "v1:abc" };
        assert.deepStrictEqual(errorsOf(encrypted), ["/config/platform:name: must be string"]);
    });

    it("carries each key's doc string and default to the editor", () => {
        const network = committed.properties.config.properties["platform:network"];
        assert.strictEqual(network.properties.allowPublicCidr.default, false);
        assert.strictEqual(network.properties.allowPublicCidr.description, "Allow a VPC CIDR outside the private ranges (only for public space you own).");
        assert.strictEqual(committed.properties.config.properties["platform:ingress"].properties.loadBalancer.properties.proxyProtocol.default, true);
    });
});
