import * as assert from "assert";
import { roleNaming } from "../components/shared/iam";

describe("roleNaming: a role name IAM accepts (64 characters) for any logical name", () => {
    it("keeps auto-naming while the name and its 8-character suffix fit (no replacement of existing roles)", () => {
        assert.deepStrictEqual(roleNaming("tenant-team-a-delivery-runner-role"), {});
        assert.deepStrictEqual(roleNaming("r".repeat(56)), {});
    });

    it("cuts a longer name to a prefix of 38 characters, to which the provider adds 26", () => {
        const long = "tenant-tttttttttttttttttttt-xxxxxxxxxxxxxxxxxxx-delivery-runner-role";
        const { namePrefix } = roleNaming(long);
        assert.match(namePrefix ?? "", /^tenant-tttttttttttttttttttt-x-[0-9a-f]{7}-$/);
        assert.strictEqual(namePrefix?.length, 38);
        assert.deepStrictEqual(roleNaming("r".repeat(57)).namePrefix?.length, 38);
    });

    it("two long names that share their first 29 characters stay distinct", () => {
        const a = roleNaming(`${"t".repeat(40)}-delivery-runner-role`).namePrefix;
        const b = roleNaming(`${"t".repeat(40)}-delivery-builder-role`).namePrefix;
        assert.notStrictEqual(a, b);
    });

    it("does not end the cut part on a hyphen (no '--' before the hash)", () => {
        const prefix = roleNaming(`${"a".repeat(28)}-${"b".repeat(40)}`).namePrefix ?? "";
        assert.doesNotMatch(prefix, /--/);
    });
});
