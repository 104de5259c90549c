// The tests' plan cache: a plan evaluated once is kept under bin/.plan-cache/ and served again (to the other mocha
// worker, to later tests of the same worker and to later runs) for as long as nothing it was evaluated from changed.
// A plan depends on the program's code and its dependencies (the fingerprint: every compiled file outside bin/test,
// the installed packages, Node's version), on the request (resolved stack config, fake cloud, program, working
// directory) and on the files the program read while it ran (a tenants directory): each of those is recorded with a
// digest of what it returned and checked again before an entry is served. Any difference means a new evaluation.
// `rm -rf bin` (or `PLAN_CACHE=off`) evaluates everything afresh. Never under Stryker: a mutant changes the code in
// memory, not on disk.
import * as crypto from "crypto";
import * as fs from "fs";
import fsModule = require("fs");
import * as path from "path";
import { COMPILED, PlanCache, planFailure, PlanRequest, PROJECT_DIR, StoredFailure, storedFailure, StoredPlan, usePlanCache } from "../plan/engine";

const BIN = path.join(PROJECT_DIR, "bin");
export const PLAN_CACHE_DIR = path.join(BIN, ".plan-cache");
/** Bumped when what an entry holds changes shape. */
const FORMAT = 3;

const sha = (data: string | Buffer) => crypto.createHash("sha256").update(data).digest("hex");

/** JSON with object keys sorted, so equal requests give equal keys whatever order their keys were set in. */
export function stableJson(value: unknown): string {
    if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
    if (value !== null && typeof value === "object") {
        return `{${Object.keys(value)
            .sort()
            .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
            .map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`)
            .join(",")}}`;
    }
    return JSON.stringify(value) ?? "null";
}

function filesUnder(dir: string, skip: (p: string) => boolean): string[] {
    const out: string[] = [];
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, entry.name);
        if (skip(p)) continue;
        if (entry.isDirectory()) out.push(...filesUnder(p, skip));
        else out.push(p);
    }
    return out.sort();
}

/** Where the program's code and packages are (and this cache): reads there are covered by the fingerprint, not recorded. */
function coveredRoots(): string[] {
    const nodeModules = path.join(PROJECT_DIR, "node_modules");
    return [path.join(BIN, path.sep), `${nodeModules}${path.sep}`, `${fs.realpathSync(nodeModules)}${path.sep}`];
}

/**
 * The program's code and what it runs on: every compiled file under `bin` outside bin/test (source maps, tsc's build
 * info and this cache aside), the installed packages (npm's record of node_modules, or the lock file), Node's version
 * and platform, and the PULUMI_* environment the SDK reads.
 */
export function codeFingerprint(bin: string = BIN, projectDir: string = PROJECT_DIR): string {
    const hash = crypto.createHash("sha256").update(`format ${FORMAT}\n${process.version} ${process.platform} ${process.arch}\n`);
    const skip = (p: string) => p === path.join(bin, "test") || p === path.join(bin, path.basename(PLAN_CACHE_DIR)) || p.endsWith(".map") || p.endsWith(".tsbuildinfo");
    for (const file of filesUnder(bin, skip)) hash.update(`${path.relative(bin, file)}\n`).update(fs.readFileSync(file));
    const installed = [path.join(projectDir, "node_modules", ".package-lock.json"), path.join(projectDir, "package-lock.json")].find((f) => fs.existsSync(f));
    hash.update(installed ? fs.readFileSync(installed) : "no lock file");
    for (const [k, v] of Object.entries(process.env).sort()) if (k.startsWith("PULUMI_")) hash.update(`${k}=${v}\n`);
    return hash.digest("hex").slice(0, 24);
}

/** A file-system read the program made, and a digest of what it got. */
interface Read {
    readonly op: "readFileSync" | "readdirSync" | "existsSync" | "statSync" | "lstatSync";
    readonly path: string;
    readonly digest: string;
}

const WATCHED = ["readFileSync", "readdirSync", "existsSync", "statSync", "lstatSync"] as const;
/** The module object itself (what the program's `fs` imports read through), not this file's import of it. */
const real = fsModule as unknown as Record<string, (...args: unknown[]) => any>;
/** fs as it was before any recording (digests are taken with these, so taking one records nothing). */
const original = Object.fromEntries(WATCHED.map((op) => [op, real[op]])) as unknown as Pick<typeof fs, (typeof WATCHED)[number]>;

/** What `op` on `file` gives now, as a digest (the same call the program made, without its options). */
export function digestOf(op: Read["op"], file: string): string {
    try {
        switch (op) {
            case "readFileSync":
                return sha(original.readFileSync(file));
            case "readdirSync":
                return sha(
                    original
                        .readdirSync(file, { withFileTypes: true })
                        .map((d) => `${d.name} ${d.isDirectory() ? "d" : d.isFile() ? "f" : "o"}`)
                        .sort()
                        .join("\n"),
                );
            case "existsSync":
                return String(original.existsSync(file));
            case "statSync":
            case "lstatSync": {
                const st = original[op](file);
                return `${st.isDirectory() ? "d" : st.isFile() ? "f" : "o"} ${st.size} ${st.mtimeMs}`;
            }
        }
    } catch (e) {
        return `error ${(e as NodeJS.ErrnoException).code ?? String(e)}`;
    }
}

/** The reads made while `run` is pending (several runs at once each see the others' too: more is only stricter). */
const recorders = new Set<Map<string, Read>>();
let unpatch: (() => void) | undefined;

function startRecording(): Map<string, Read> {
    const reads = new Map<string, Read>();
    recorders.add(reads);
    if (!unpatch) {
        const roots = coveredRoots();
        for (const op of WATCHED) {
            real[op] = function (this: unknown, file: unknown, ...rest: unknown[]) {
                const result = (original[op] as (...args: unknown[]) => unknown).call(this, file, ...rest);
                const p = typeof file === "string" ? path.resolve(file) : Buffer.isBuffer(file) ? path.resolve(file.toString()) : file instanceof URL ? file.pathname : undefined;
                if (p === undefined) {
                    // A read by descriptor cannot be checked later: nothing read in this run may be served again.
                    for (const r of recorders) r.set(`unknowable`, { op, path: "", digest: "unknowable" });
                } else if (!roots.some((root) => p.startsWith(root))) {
                    for (const r of recorders) if (!r.has(`${op} ${p}`)) r.set(`${op} ${p}`, { op, path: p, digest: digestOf(op, p) });
                }
                return result;
            };
        }
        unpatch = () => {
            for (const op of WATCHED) real[op] = original[op] as (...args: unknown[]) => any;
            unpatch = undefined;
        };
    }
    return reads;
}

function stopRecording(reads: Map<string, Read>): Read[] {
    recorders.delete(reads);
    if (recorders.size === 0) unpatch?.();
    return [...reads.values()];
}

/** An evaluation's outcome: its plan, or how the program failed (a missing prerequisite, a config error). */
interface Entry {
    readonly format: number;
    readonly request: string;
    readonly reads: readonly Read[];
    readonly stored?: StoredPlan;
    readonly failed?: StoredFailure;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The disk cache under `dir`/<fingerprint>/. */
export class DiskPlanCache implements PlanCache {
    readonly dir: string;
    /** How this process's requests were answered (the tests of the cache read it). */
    readonly counts = { served: 0, evaluated: 0, stale: 0 };

    constructor(root: string, fingerprint: string = codeFingerprint()) {
        this.dir = path.join(root, fingerprint);
    }

    async plan(request: PlanRequest, evaluate: () => Promise<StoredPlan>): Promise<StoredPlan> {
        if ((globalThis as { __stryker__?: unknown }).__stryker__ !== undefined) return evaluate();
        const key = stableJson(request);
        const file = path.join(this.dir, `${sha(key).slice(0, 32)}.json`);
        const served = this.read(file, key);
        if (served) return served;
        // Another process evaluating the same request: wait for its entry rather than evaluate it twice at once.
        const lock = `${file}.lock`;
        fs.mkdirSync(this.dir, { recursive: true });
        let locked = false;
        for (let waited = 0; ; waited += 100) {
            try {
                fs.closeSync(fs.openSync(lock, "wx"));
                locked = true;
                break;
            } catch {
                const age = Date.now() - (original.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? 0);
                if (age > 300_000 || waited > 300_000) break;
                await sleep(100);
                const ready = this.read(file, key);
                if (ready) return ready;
            }
        }
        try {
            const reads = startRecording();
            let stored: StoredPlan | undefined;
            let error: unknown;
            try {
                stored = await evaluate();
            } catch (e) {
                error = e;
            } finally {
                stopRecording(reads);
            }
            this.counts.evaluated++;
            const recorded = [...reads.values()];
            // The program failing is kept as an outcome too (only a PlanError whose cause survives JSON: anything else
            // may not happen again the same way).
            const failed = stored ? undefined : storedFailure(error);
            if ((stored || failed) && !recorded.some((r) => r.digest === "unknowable")) {
                const entry: Entry = { format: FORMAT, request: key, reads: recorded, stored, failed };
                const tmp = `${file}.${process.pid}.tmp`;
                fs.writeFileSync(tmp, JSON.stringify(entry));
                fs.renameSync(tmp, file);
            }
            if (!stored) throw error;
            // What the caller gets is its own copy, as a cached one would be.
            return JSON.parse(JSON.stringify(stored)) as StoredPlan;
        } finally {
            if (locked) fs.rmSync(lock, { force: true });
        }
    }

    /**
     * The stored plan for `key`, if its entry exists and every file the program read still reads the same; a stored
     * failure is thrown again.
     */
    private read(file: string, key: string): StoredPlan | undefined {
        let entry: Entry;
        try {
            // Through the unrecorded fs: a read of this cache is never one of the program's.
            entry = JSON.parse(original.readFileSync(file, "utf8")) as Entry;
        } catch {
            return undefined;
        }
        if (entry.format !== FORMAT || entry.request !== key || !entry.reads.every((r) => digestOf(r.op, r.path) === r.digest)) {
            this.counts.stale++;
            return undefined;
        }
        this.counts.served++;
        if (entry.failed) throw planFailure(entry.failed);
        return entry.stored;
    }
}

/** Keeps only the current fingerprint's entries (each change of the code leaves a directory behind). */
export function pruneOtherFingerprints(root: string, keep: string): void {
    for (const dir of fs.existsSync(root) ? fs.readdirSync(root) : []) if (dir !== path.basename(keep)) fs.rmSync(path.join(root, dir), { recursive: true, force: true });
}

/** Installs the cache for this process's plans, unless PLAN_CACHE=off or the tests run as TypeScript. */
export function installPlanCache(): DiskPlanCache | undefined {
    if (process.env.PLAN_CACHE === "off" || !COMPILED) return undefined;
    const cache = new DiskPlanCache(PLAN_CACHE_DIR);
    usePlanCache(cache);
    return cache;
}
