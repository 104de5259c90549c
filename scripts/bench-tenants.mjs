// npm run bench [-- --counts 0,10,100,1000] [-- --stack prod] [-- --placement PlatformStack|OwnStacks|both] [-- --threads N]: the offline
// plan of a stack with N generated tenants (the stack's own plus N more, each with two namespaces, a repository and
// hostnames), whole process, one run each; prints resources, wall time and peak memory per N, and the marginal cost per
// tenant between the two largest runs. With OwnStacks (tenants.placement): the platform stack with 0 and the largest N
// tenants, and those N tenants planned as their own stacks in one process (docs/tenants.md, "Tenants as their own stacks").
// The generated tenants are one YAML file each in a folder (tenants.directory), as a large platform would keep them.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import YAML from "yaml";
import { ensureCompiled } from "./compiled.mjs";

const { values } = parseArgs({
    options: { counts: { type: "string", default: "0,10,100,1000" }, stack: { type: "string", default: "prod" }, placement: { type: "string", default: "both" }, threads: { type: "string" } },
});
if (!["PlatformStack", "OwnStacks", "both"].includes(values.placement)) throw new Error(`--placement ${values.placement}: expected PlatformStack, OwnStacks or both`);
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

/** A folder of n generated tenants, one file each. */
function tenantFolder(n) {
    const folder = join(dir, `tenants-${n}`);
    mkdirSync(folder, { recursive: true });
    for (const t of generated(n)) writeFileSync(join(folder, `${t.name}.yaml`), YAML.stringify(t));
    return folder;
}

/** One whole-process plan of the stack with these tenants; its timings (scripts/plan.mjs --timings). */
function planPlatform(n, tenantsValue, label) {
    const file = join(dir, `${label}-${n}.json`);
    process.stderr.write(`planning ${values.stack} with ${n} tenants (${label})…`);
    const start = process.hrtime.bigint();
    const run = spawnSync(process.execPath, ["--max-old-space-size=8192", "scripts/plan.mjs", "--stack", values.stack, "--policy", "--timings", file, "--set", `platform:tenants=${JSON.stringify(tenantsValue)}`], {
        encoding: "utf8",
        maxBuffer: 1 << 26,
    });
    const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
    if (run.status !== 0) throw new Error(`plan with ${n} tenants failed: ${run.error ?? ""}\n${(run.stdout ?? "").slice(-2000)}\n${(run.stderr ?? "").slice(-2000)}`);
    process.stderr.write(` ${(wallMs / 1000).toFixed(1)} s\n`);
    return { n, wallMs, ...JSON.parse(readFileSync(file, "utf8")) };
}

const table = (rows) => {
    console.log("tenants   resources   wall s   evaluate s   policies s   peak MiB");
    for (const r of rows) {
        console.log(`${String(r.n).padStart(7)} ${String(r.resources).padStart(11)} ${(r.wallMs / 1000).toFixed(1).padStart(8)} ${(r.evaluateMs / 1000).toFixed(1).padStart(12)} ${(r.policiesMs / 1000).toFixed(1).padStart(12)} ${String(r.maxRssMiB).padStart(10)}`);
    }
};

if (values.placement !== "OwnStacks") inPlatformStack();
if (values.placement !== "PlatformStack") inOwnStacks(Math.max(...counts));

/** tenants.placement PlatformStack: the stack with its own tenants and N more, one whole-process plan per N. */
function inPlatformStack() {
    const rows = [];
    // The placement set here: the example stack files say OwnStacks, where the generated tenants would add nothing.
    for (const n of counts) rows.push(planPlatform(n, { ...tenants, directory: tenantFolder(n), placement: "PlatformStack" }, "PlatformStack"));

    console.log(`Offline plan of ${values.stack} with N generated tenants (2 namespaces, a repository, a hostname each), node ${process.version}, policies included`);
    table(rows);
    const [a, b] = rows.slice(-2);
    if (a && b && b.n > a.n) {
        const per = (k) => (b[k] - a[k]) / (b.n - a.n);
        console.log(`marginal cost per tenant (${a.n} -> ${b.n}): ${per("wallMs").toFixed(1)} ms, ${per("resources").toFixed(1)} resources, ${per("maxRssMiB").toFixed(2)} MiB`);
        const [x, y] = rows.slice(-3, -1);
        if (x && y && y.n > x.n) console.log(`marginal cost per tenant (${x.n} -> ${y.n}): ${((y.wallMs - x.wallMs) / (y.n - x.n)).toFixed(1)} ms (linear if close to the line above)`);
    }
}

/** tenants.placement OwnStacks: the platform with 0 and n tenants, then the n tenants as their own stacks in one process. */
function inOwnStacks(n) {
    const folder = tenantFolder(n);
    const rows = [0, n].map((k) => planPlatform(k, { list: [], directory: k === 0 ? tenantFolder(0) : folder, placement: "OwnStacks" }, "OwnStacks"));
    // The tenant stacks read the platform's stack file: a scratch project whose stack file keeps the generated folder.
    const project = join(dir, "project");
    mkdirSync(project);
    copyFileSync("Pulumi.yaml", join(project, "Pulumi.yaml"));
    const file = join(project, `Pulumi.${values.stack}.yaml`);
    writeFileSync(file, YAML.stringify({ ...stackFile, config: { ...stackFile.config, "platform:tenants": { list: [], directory: folder, placement: "OwnStacks" } } }));
    process.stderr.write(`planning ${n} tenant stacks of ${values.stack} in one process…`);
    const start = process.hrtime.bigint();
    // A young generation of 32 MiB a thread: each stack makes many short-lived Outputs and promises, and garbage
    // collection was a fifth of its CPU. Measured on two threads (docs/testing.md): 16 MiB 27.4 s of tenant stacks at
    // 598 MiB, 32 MiB 24.9 s at 679 MiB, 64 MiB 23.9 s at 874 MiB; 32 keeps most of the gain well within 1 GiB.
    const run = spawnSync(process.execPath, ["--max-semi-space-size=32", "bin/plan/bench-tenant-stacks.js", "--file", file, ...(values.threads ? ["--threads", values.threads] : [])], { encoding: "utf8", maxBuffer: 1 << 26 });
    const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
    if (run.status !== 0) throw new Error(`tenant stacks failed: ${run.error ?? ""}\n${(run.stderr ?? "").slice(-3000)}`);
    process.stderr.write(` ${(wallMs / 1000).toFixed(1)} s\n`);
    const r = JSON.parse(run.stdout.trim().split("\n").pop());
    console.log(`\nOffline plan of ${values.stack} with tenants.placement OwnStacks, node ${process.version}, policies included`);
    console.log("platform stack:");
    table(rows);
    console.log(`${r.tenantStacks} tenant stacks in one process on ${r.threads} thread(s): ${(wallMs / 1000).toFixed(1)} s wall (the platform's own plan ${(r.platformMs / 1000).toFixed(1)} s, the tenant stacks ${(r.tenantsMs / 1000).toFixed(1)} s; summed over the threads: evaluation ${(r.evaluateMs / 1000).toFixed(1)} s, policies ${(r.policiesMs / 1000).toFixed(1)} s; CPU ${(r.tenantCpuMs / 1000).toFixed(1)} s), ${r.tenantResources} resources (${(r.tenantResources / r.tenantStacks).toFixed(1)} a stack), peak ${r.maxRssMiB} MiB`);
    console.log(`per tenant stack: ${(r.tenantsMs / r.tenantStacks).toFixed(1)} ms wall, ${((r.evaluateMs + r.policiesMs) / r.tenantStacks).toFixed(1)} ms on its thread, ${(r.tenantCpuMs / r.tenantStacks).toFixed(1)} ms CPU`);
}
