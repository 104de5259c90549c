// npm run bench [-- --counts 0,10,100,1000] [-- --stack prod]: the offline plan of a stack with N generated tenants
// (the stack's own plus N more, each with two namespaces, a repository and hostnames), whole process, one run each;
// prints resources, wall time and peak memory per N, and the marginal cost per tenant between the two largest runs.
// The generated tenants are one YAML file each in a folder (tenants.directory), as a large platform would keep them.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import YAML from "yaml";
import { ensureCompiled } from "./compiled.mjs";

const { values } = parseArgs({ options: { counts: { type: "string", default: "0,10,100,1000" }, stack: { type: "string", default: "prod" } } });
if (!ensureCompiled()) process.exit(1);
const counts = values.counts.split(",").map(Number);
const stackFile = YAML.parse(readFileSync(`Pulumi.${values.stack}.yaml`, "utf8"));
const tenants = stackFile.config["platform:tenants"];
const domain = stackFile.config["platform:ingress"].domain;
const dir = mkdtempSync(join(tmpdir(), "bench-tenants-"));

const generated = (n) =>
    Array.from({ length: n }, (_, i) => ({
        name: `bench-${i}`,
        owners: [`owner-${i}`],
        costCentre: `CC-${i}`,
        namespaces: [`bench-${i}`, `bench-${i}-preview`],
        hostnames: [`bench-${i}.${domain}`],
        ecrRepository: true,
    }));

const rows = [];
for (const n of counts) {
    const file = join(dir, `${n}.json`);
    const folder = join(dir, `tenants-${n}`);
    mkdirSync(folder);
    for (const t of generated(n)) writeFileSync(join(folder, `${t.name}.yaml`), YAML.stringify(t));
    const list = JSON.stringify({ ...tenants, directory: folder });
    // Each size is a whole-process plan (the largest take a minute or more): say which one is running.
    process.stderr.write(`planning ${values.stack} with ${n} tenants…`);
    const start = process.hrtime.bigint();
    const run = spawnSync(process.execPath, ["--max-old-space-size=8192", "scripts/plan.mjs", "--stack", values.stack, "--policy", "--timings", file, "--set", `platform:tenants=${list}`], {
        encoding: "utf8",
        maxBuffer: 1 << 26,
    });
    const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
    if (run.status !== 0) throw new Error(`plan with ${n} tenants failed: ${run.error ?? ""}\n${(run.stdout ?? "").slice(-2000)}\n${(run.stderr ?? "").slice(-2000)}`);
    rows.push({ n, wallMs, ...JSON.parse(readFileSync(file, "utf8")) });
    process.stderr.write(` ${(wallMs / 1000).toFixed(1)} s\n`);
}

console.log(`Offline plan of ${values.stack} with N generated tenants (2 namespaces, a repository, a hostname each), node ${process.version}, policies included`);
console.log("tenants   resources   wall s   evaluate s   policies s   peak MiB");
for (const r of rows) {
    console.log(`${String(r.n).padStart(7)} ${String(r.resources).padStart(11)} ${(r.wallMs / 1000).toFixed(1).padStart(8)} ${(r.evaluateMs / 1000).toFixed(1).padStart(12)} ${(r.policiesMs / 1000).toFixed(1).padStart(12)} ${String(r.maxRssMiB).padStart(10)}`);
}
const [a, b] = rows.slice(-2);
if (a && b && b.n > a.n) {
    const per = (k) => (b[k] - a[k]) / (b.n - a.n);
    console.log(`marginal cost per tenant (${a.n} -> ${b.n}): ${per("wallMs").toFixed(1)} ms, ${per("resources").toFixed(1)} resources, ${per("maxRssMiB").toFixed(2)} MiB`);
    const [x, y] = rows.slice(-3, -1);
    if (x && y && y.n > x.n) console.log(`marginal cost per tenant (${x.n} -> ${y.n}): ${((y.wallMs - x.wallMs) / (y.n - x.n)).toFixed(1)} ms (linear if close to the line above)`);
}
