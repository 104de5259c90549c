// npm run check:loader [-- --project platform,tenant,contract]: each project's program compiled by Pulumi's own Node.js
// loader (its ts-node, the project's tsconfig, type checking) and planned for every stack file, compared with the
// compiled program's plan (bin/plan/loader-check.js, one process per project, one per core at a time).
import { spawn } from "node:child_process";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ensureCompiled, ROOT } from "./compiled.mjs";

const { values } = parseArgs({ options: { project: { type: "string", default: "platform,tenant,contract" } } });
if (!ensureCompiled()) process.exit(1);
const projects = values.project.split(",");
const run = (project) =>
    new Promise((resolve) => {
        const child = spawn(process.execPath, [join(ROOT, "bin", "plan", "loader-check.js"), "--project", project], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
        let out = "";
        child.stdout.on("data", (d) => (out += d));
        child.stderr.on("data", (d) => (out += d));
        child.on("close", (code) => resolve({ project, code, out }));
    });
let failed = 0;
const queue = [...projects];
await Promise.all(
    Array.from({ length: Math.min(availableParallelism(), queue.length) }, async () => {
        while (queue.length > 0) {
            const r = await run(queue.shift());
            process.stdout.write(r.out.endsWith("\n") ? r.out : `${r.out}\n`);
            if (r.code !== 0) failed++;
        }
    }),
);
process.exit(failed > 0 ? 1 : 0);
