// The documentation's links and shape: every relative link in README.md and docs/*.md leads to a file, and a `#`
// to a heading there (GitHub's anchors); the README stays a landing page; long pages open with their contents.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_DIR } from "../plan/engine";
import { CONFIG_DOC, configReference, keyDocs, productionRules, renderConfigDoc } from "../plan/config-reference";

const DOCS = ["README.md", ...fs.readdirSync(path.join(PROJECT_DIR, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];
const read = (file: string) => fs.readFileSync(path.join(PROJECT_DIR, file), "utf8");

/** The text outside fenced code blocks and inline code: what GitHub renders links and headings from. */
export function prose(markdown: string): string {
    return markdown.replace(/^(```|~~~)[^]*?^\1[^\n]*$/gm, "").replace(/`[^`\n]*`/g, "");
}

/** GitHub's anchor of a heading (github-slugger): lower case, punctuation dropped, spaces to hyphens. */
export function slug(heading: string): string {
    const text = heading
        .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
        .replace(/`/g, "")
        .trim()
        .toLowerCase();
    return text.replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, "").replace(/ /g, "-");
}

/** Every anchor of a page, the repeats numbered as GitHub does (`name`, `name-1`, ...). */
export function anchors(markdown: string): Set<string> {
    const seen = new Map<string, number>();
    const out = new Set<string>();
    for (const m of markdown.replace(/^(```|~~~)[^]*?^\1[^\n]*$/gm, "").matchAll(/^#{1,6} +(.+?) *#*$/gm)) {
        const base = slug(m[1]);
        const n = seen.get(base) ?? 0;
        seen.set(base, n + 1);
        out.add(n === 0 ? base : `${base}-${n}`);
    }
    return out;
}

/** Relative link targets of a page (inline links and images; not in code). */
export function relativeLinks(markdown: string): string[] {
    return [...prose(markdown).matchAll(/\]\(([^)\s]+)(?: "[^"]*")?\)/g)].map((m) => m[1]).filter((t) => !/^[a-z][a-z0-9+.-]*:/i.test(t));
}

describe("docs: links and shape", () => {
    it("computes GitHub's anchors, repeats numbered", () => {
        assert.strictEqual(slug("Secrets (Vault, its initialisation and configuration as code, External Secrets)"), "secrets-vault-its-initialisation-and-configuration-as-code-external-secrets");
        assert.strictEqual(slug("Scale: 1,000 tenants"), "scale-1000-tenants");
        assert.strictEqual(slug("The platform's layers"), "the-platforms-layers");
        assert.strictEqual(slug("`network` keys"), "network-keys");
        assert.deepStrictEqual([...anchors("# A\n## B\n```\n## C\n```\n## B\n")], ["a", "b", "b-1"]);
        assert.deepStrictEqual(relativeLinks("[a](b.md#c) [d](https://e) `[f](g)` ![h](i.svg)\n```\n[j](k)\n```\n"), ["b.md#c", "i.svg"]);
    });

    for (const file of DOCS) {
        it(`${file}: every relative link resolves, to a heading where it names one`, () => {
            const broken: string[] = [];
            for (const target of relativeLinks(read(file))) {
                const [p, anchor] = target.split("#", 2) as [string, string | undefined];
                const to = p === "" ? file : path.posix.normalize(path.posix.join(path.posix.dirname(file), decodeURI(p)));
                if (to.startsWith("..") || !fs.existsSync(path.join(PROJECT_DIR, to))) {
                    broken.push(`${target}: no file ${to}`);
                    continue;
                }
                if (anchor !== undefined && !anchors(read(to)).has(anchor)) broken.push(`${target}: no heading #${anchor} in ${to}`);
            }
            assert.deepStrictEqual(broken, []);
        });
    }

    it("keeps the README a landing page (at most 300 lines) that links every page of docs/", () => {
        const readme = read("README.md");
        assert.ok(readme.split("\n").length <= 300, `${readme.split("\n").length} lines`);
        const linked = new Set(relativeLinks(readme).map((t) => t.split("#")[0]));
        assert.deepStrictEqual(DOCS.filter((f) => f !== "README.md" && !linked.has(f)), []);
    });

    it("opens every page longer than 100 lines with its contents, and names no issue numbers", () => {
        for (const file of DOCS.filter((f) => f !== "README.md")) {
            const text = read(file);
            if (text.split("\n").length > 100) assert.match(text, /^## Contents$/m, `${file} has no contents`);
            assert.doesNotMatch(prose(text), /\bissues? \d+/i, file);
        }
        assert.doesNotMatch(prose(read("README.md")), /\bissues? \d+/i);
    });
});

describe("docs: the configuration reference is generated from the schema", () => {
    it("equals what npm run docs:config prints (run it after changing stacks/schema*.ts)", () => {
        assert.strictEqual(read(CONFIG_DOC), renderConfigDoc(PROJECT_DIR));
    });

    it("has a row for every key and states the production rules the checks enforce, in their words", () => {
        const text = configReference(PROJECT_DIR);
        for (const key of ["network.cidr", "cluster.nodeGroups[].capacityType", "tenants.list[].quota.pods", "appDelivery.argocd.localAdmin"]) assert.ok(text.includes(`| \`${key}\` |`), key);
        const rules = productionRules(PROJECT_DIR);
        assert.ok(rules.size >= 30, `${rules.size} keys with a production rule`);
        assert.deepStrictEqual([...(rules.get("secrets.vault.replicas") ?? [])], ["expected at least 3 replicas (HA raft)"]);
        assert.deepStrictEqual([...(rules.get("appDelivery.signatures.action") ?? [])], ["expected Enforce"]);
    });

    it("describes every key: each has its own doc string (a .describe() in stacks/schema*.ts), not only a type and range", () => {
        const docs = keyDocs();
        assert.ok(docs.size >= 300, `${docs.size} keys`);
        const undescribed = [...docs].filter(([, doc]) => !doc?.trim()).map(([key]) => key);
        assert.deepStrictEqual(undescribed, [], `keys without a .describe(): ${undescribed.join(", ")}`);
    });
});
