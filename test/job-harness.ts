// Runs a Kubernetes Job as the offline plan records it, the way the kubelet would: init containers in order, then
// the container, each under the shell its command names, as the pod's uid/gid/supplementary groups, over emptyDirs
// shaped like the kubelet's, with the Job's restart, backoff and deadline rules. `vault`, `aws`, `kubectl` and `sleep`
// are stubs on PATH that record their calls; `aws` then runs the real AWS CLI against a fake Secrets Manager: this
// machine's awscli (v1, from the machine image), where the images have v2. Both parse the same options, run the
// same JMESPath (`--query`) and text output, and load `file://` parameters as the calling user; v2 exits 254 on a
// service error where v1 exits 255 (the scripts test for non-zero only).
//
// Mount paths: each container runs in a private mount namespace (`unshare -m`) and a chroot whose /usr and /etc are
// this machine's, with every volume bind-mounted at its real mountPath (/bootstrap, /tmp, /tls): the script text runs
// unchanged. Rewriting paths in the script was the other way; it would test an edited script, not the one shipped.
// Needs root (unshare, mount, chroot, setpriv); without them it fails, it never skips.
import * as assert from "assert";
import { spawn, spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as http from "http";
import type { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import type { Plan } from "../plan/engine";

export interface EnvVar {
    readonly name: string;
    readonly value?: string;
}
export interface SecurityContext {
    readonly runAsUser?: number;
    readonly runAsGroup?: number;
    readonly runAsNonRoot?: boolean;
    readonly fsGroup?: number;
    readonly supplementalGroups?: readonly number[];
}
export interface VolumeMount {
    readonly name: string;
    readonly mountPath: string;
    readonly readOnly?: boolean;
}
export interface Container {
    readonly name: string;
    readonly image: string;
    readonly command?: readonly string[];
    readonly args?: readonly string[];
    readonly env?: readonly EnvVar[];
    readonly securityContext?: SecurityContext;
    readonly volumeMounts?: readonly VolumeMount[];
}
export interface Volume {
    readonly name: string;
    readonly emptyDir?: { readonly medium?: string; readonly sizeLimit?: string };
    readonly secret?: { readonly secretName: string; readonly optional?: boolean; readonly items?: readonly { key: string; path: string }[] };
}
export interface PodSpec {
    readonly initContainers?: readonly Container[];
    readonly containers: readonly Container[];
    readonly volumes?: readonly Volume[];
    readonly securityContext?: SecurityContext;
    readonly restartPolicy?: string;
}
export interface JobManifest {
    readonly metadata: { readonly name: string; readonly namespace?: string; readonly annotations?: Readonly<Record<string, string>> };
    readonly spec: {
        readonly backoffLimit?: number;
        readonly activeDeadlineSeconds?: number;
        readonly template: { readonly metadata?: { readonly labels?: Readonly<Record<string, string>>; readonly annotations?: Readonly<Record<string, string>> }; readonly spec: PodSpec };
    };
}

/** A Job found in a plan: the resource that creates it and where in its inputs it is. */
export interface FoundJob {
    readonly resource: string;
    readonly type: string;
    /** Dotted path of the Job inside the resource's inputs ("" when the resource is the Job). */
    readonly at: string;
    readonly job: JobManifest;
}

/**
 * Every Job the plan would create: `kubernetes:batch/v1:Job` resources, CronJobs' job templates, and Job objects
 * anywhere in other resources' inputs (the manifests a Helm release renders, its hooks among them).
 */
export function jobsInPlan(plan: Plan): FoundJob[] {
    const found: FoundJob[] = [];
    const walk = (value: unknown, at: string, resource: { name: string; type: string }) => {
        if (Array.isArray(value)) return value.forEach((v, i) => walk(v, `${at}[${i}]`, resource));
        if (value === null || typeof value !== "object") return;
        const o = value as Record<string, any>;
        if (o.kind === "Job" && typeof o.apiVersion === "string" && o.apiVersion.startsWith("batch/")) {
            found.push({ resource: resource.name, type: resource.type, at, job: o as JobManifest });
            return;
        }
        if (o.kind === "CronJob" && o.spec?.jobTemplate) {
            found.push({ resource: resource.name, type: resource.type, at: `${at}.spec.jobTemplate`, job: { metadata: o.metadata, spec: o.spec.jobTemplate.spec } });
            return;
        }
        for (const [k, v] of Object.entries(o)) walk(v, at ? `${at}.${k}` : k, resource);
    };
    for (const r of plan.resources) {
        if (r.type === "kubernetes:batch/v1:Job") found.push({ resource: r.name, type: r.type, at: "", job: r.inputs as unknown as JobManifest });
        else if (r.type === "kubernetes:batch/v1:CronJob") {
            const cron = r.inputs as Record<string, any>;
            found.push({ resource: r.name, type: r.type, at: "spec.jobTemplate", job: { metadata: cron.metadata, spec: cron.spec.jobTemplate.spec } });
        } else walk(r.inputs, "", r);
    }
    return found;
}

const SHELLS = new Set(["sh", "bash", "ash", "dash", "zsh", "ksh"]);
/** Whether the container runs a shell script (its command is a shell). */
export function runsShell(c: Container): boolean {
    return c.command !== undefined && SHELLS.has(path.basename(c.command[0]));
}
export const allContainers = (job: JobManifest): Container[] => [...(job.spec.template.spec.initContainers ?? []), ...job.spec.template.spec.containers];

/**
 * What the harness must know of an image: which shell its /bin/sh is, its USER, and its /etc/passwd entries for the
 * uids it may run as. containerd (pkg/oci/spec_opts.go, WithUserID) takes the gid of a numeric runAsUser from the
 * image's /etc/passwd and uses gid 0 when the uid has no entry there; the kubelet adds fsGroup and supplementalGroups
 * as supplementary groups. A uid this table does not know is refused rather than guessed.
 */
export interface ImageFacts {
    /** The shell /bin/sh is, as run here: dash stands for busybox ash, the closest POSIX shell on this machine. */
    readonly sh?: "dash" | "bash";
    readonly hasBash: boolean;
    /** The image's USER as a uid: root when the image sets none. */
    readonly user: number;
    /** uid → primary gid in the image's /etc/passwd; null: checked, no such user. */
    readonly passwd: Readonly<Record<number, number | null>>;
    readonly source: string;
}
export const IMAGE_FACTS: readonly (readonly [RegExp, ImageFacts])[] = [
    [
        /^hashicorp\/vault:2\./,
        {
            sh: "dash",
            hasBash: false,
            user: 0,
            passwd: { 0: 0, 100: 1000, 1000: null },
            source: "hashicorp/vault Dockerfile: FROM alpine:3 (busybox ash as /bin/sh), `addgroup vault && adduser -S -G vault vault` = uid=100(vault) gid=1000(vault), no USER (the entrypoint drops to vault)",
        },
    ],
    [
        /^public\.ecr\.aws\/aws-cli\/aws-cli:2\./,
        {
            sh: "bash",
            hasBash: true,
            user: 0,
            passwd: { 0: 0, 1000: null },
            source: "aws/aws-cli docker/Dockerfile: FROM amazonlinux (/bin/sh is bash), no USER, no user 1000",
        },
    ],
    [/^registry\.k8s\.io\/kubectl:/, { hasBash: false, user: 0, passwd: {}, source: "registry.k8s.io/kubectl: kubectl and no shell (components/shared/finalizer-cleanup.ts)" }],
];
export function imageFacts(image: string): ImageFacts {
    const facts = IMAGE_FACTS.find(([re]) => re.test(image))?.[1];
    assert.ok(facts, `the harness knows nothing of image ${image}: add its shell, USER and /etc/passwd entries to IMAGE_FACTS with their source`);
    return facts;
}

export interface Identity {
    readonly uid: number;
    readonly gid: number;
    /** Supplementary groups, the primary one included (containerd adds it). */
    readonly groups: readonly number[];
}
/** The ids the container's processes get: securityContext over the pod's, then the image's USER and /etc/passwd. */
export function identityOf(pod: PodSpec, c: Container): Identity {
    const facts = imageFacts(c.image);
    const uid = c.securityContext?.runAsUser ?? pod.securityContext?.runAsUser ?? facts.user;
    const nonRoot = c.securityContext?.runAsNonRoot ?? pod.securityContext?.runAsNonRoot;
    assert.ok(!(nonRoot && uid === 0), `${c.name}: the kubelet refuses to start it (runAsNonRoot, and it would run as root)`);
    let gid = c.securityContext?.runAsGroup ?? pod.securityContext?.runAsGroup;
    if (gid === undefined) {
        assert.ok(uid in facts.passwd, `${c.name}: unknown whether uid ${uid} has an entry in ${c.image}'s /etc/passwd (its gid depends on it): add it to IMAGE_FACTS`);
        gid = facts.passwd[uid] ?? 0;
    }
    const extra = [...(pod.securityContext?.fsGroup !== undefined ? [pod.securityContext.fsGroup] : []), ...(pod.securityContext?.supplementalGroups ?? [])];
    return { uid, gid, groups: [...new Set([gid, ...extra])] };
}

/** A version of the fake secret: its value and staging labels. */
export interface SecretVersion {
    readonly id: string;
    readonly value: string;
    readonly stages: string[];
}

/**
 * Secrets Manager's versions and staging labels for one secret, as the PutSecretValue and DescribeSecret API
 * references describe them: without VersionStages a new version takes AWSCURRENT; the first version of a secret gets
 * AWSCURRENT whatever VersionStages says; a label moves (one version holds it at a time); when AWSCURRENT moves,
 * AWSPREVIOUS goes to the version it left; DescribeSecret lists labelled versions only, and none when there are none.
 */
export class FakeSecretsManager {
    readonly versions: SecretVersion[] = [];
    readonly requests: { op: string; params: Record<string, any> }[] = [];
    private readonly failures: { op: string; type: string; message: string }[] = [];
    constructor(readonly arn: string) {}

    /** The next call of `op` fails with this service error (as many times as it is queued). */
    failNext(op: string, times = 1, type = "AccessDeniedException", message = "Access to KMS is not allowed"): void {
        for (let i = 0; i < times; i++) this.failures.push({ op, type, message });
    }

    /** The version holding `stage` (what GetSecretValue and the program's getSecretVersion read: AWSCURRENT). */
    at(stage = "AWSCURRENT"): SecretVersion | undefined {
        return this.versions.find((v) => v.stages.includes(stage));
    }

    put(value: string, stages?: readonly string[], token: string = crypto.randomUUID()): SecretVersion {
        const existing = this.versions.find((v) => v.id === token);
        if (existing) {
            if (existing.value !== value) throw new ServiceError("ResourceExistsException", `a version with ClientRequestToken ${token} exists with other data`);
            return existing;
        }
        const labels = [...(stages ?? ["AWSCURRENT"])];
        if (this.versions.length === 0 && !labels.includes("AWSCURRENT")) labels.push("AWSCURRENT");
        let previous: SecretVersion | undefined;
        for (const label of labels) {
            for (const v of this.versions) {
                const i = v.stages.indexOf(label);
                if (i >= 0) {
                    v.stages.splice(i, 1);
                    if (label === "AWSCURRENT") previous = v;
                }
            }
        }
        if (previous) {
            for (const v of this.versions) v.stages.splice(0, v.stages.length, ...v.stages.filter((s) => s !== "AWSPREVIOUS"));
            previous.stages.push("AWSPREVIOUS");
        }
        const version = { id: token, value, stages: labels };
        this.versions.push(version);
        return version;
    }

    handle(op: string, params: Record<string, any>): Record<string, unknown> {
        this.requests.push({ op, params });
        const failure = this.failures.findIndex((f) => f.op === op);
        if (failure >= 0) {
            const f = this.failures.splice(failure, 1)[0];
            throw new ServiceError(f.type, f.message);
        }
        if (params.SecretId !== this.arn) throw new ServiceError("ResourceNotFoundException", "Secrets Manager can't find the specified secret.");
        const name = this.arn.split(":").pop();
        if (op === "DescribeSecret") {
            const labelled = this.versions.filter((v) => v.stages.length > 0);
            return { ARN: this.arn, Name: name, ...(labelled.length > 0 ? { VersionIdsToStages: Object.fromEntries(labelled.map((v) => [v.id, [...v.stages]])) } : {}) };
        }
        if (op === "PutSecretValue") {
            assert.strictEqual(typeof params.SecretString, "string", "the harness models SecretString only");
            const v = this.put(params.SecretString, params.VersionStages, params.ClientRequestToken);
            return { ARN: this.arn, Name: name, VersionId: v.id, VersionStages: [...v.stages] };
        }
        if (op === "ListSecretVersionIds") {
            return { ARN: this.arn, Name: name, Versions: this.versions.filter((v) => v.stages.length > 0).map((v) => ({ VersionId: v.id, VersionStages: [...v.stages] })) };
        }
        if (op === "UpdateSecretVersionStage") {
            // API reference: a label attached to another version moves only when RemoveFromVersionId names that version.
            const label = String(params.VersionStage);
            const target = this.versions.find((v) => v.id === params.MoveToVersionId);
            if (!target) throw new ServiceError("ResourceNotFoundException", `no version ${params.MoveToVersionId}`);
            const holder = this.versions.find((v) => v.stages.includes(label));
            if (holder && holder !== target && params.RemoveFromVersionId !== holder.id) {
                throw new ServiceError("InvalidParameterException", `The staging label ${label} is currently attached to version ${holder.id}; specify RemoveFromVersionId`);
            }
            if (holder && holder !== target) holder.stages.splice(holder.stages.indexOf(label), 1);
            if (!target.stages.includes(label)) target.stages.push(label);
            return { ARN: this.arn, Name: name };
        }
        throw new ServiceError("AccessDeniedException", `the init role may not call ${op}`);
    }
}

class ServiceError extends Error {
    constructor(
        readonly type: string,
        message: string,
    ) {
        super(message);
    }
}

/** What `vault operator init -format=json` prints (api InitResponse, vault's JSON formatter: MarshalIndent, 2 spaces). */
export interface InitOutput {
    unseal_keys_b64: string[];
    unseal_keys_hex: string[];
    unseal_shares: number;
    unseal_threshold: number;
    recovery_keys_b64: string[];
    recovery_keys_hex: string[];
    recovery_keys_shares: number;
    recovery_keys_threshold: number;
    root_token: string;
}

/**
 * A Vault cluster with an awskms seal, as the CLI reports it: `vault status` exits 1 when it cannot reach the server,
 * 2 while sealed or not initialised, 0 once initialised (auto-unseal); `vault operator init` initialises once; the
 * token store (lookup of a token's accessor, revoke-self) and the writes the init Job makes with the root token: auth
 * list/enable, write, policy write. A command can be made to fail on cue (`failNext`).
 */
export class FakeVault {
    initialized = false;
    /** How many times a server went from not initialised to initialised. */
    initialisations = 0;
    /** Exactly what `vault operator init` printed, once it did. */
    printed?: string;
    /** The next this many `vault status` calls find no server (still starting). */
    unreachable = 0;
    /** Queued failures of `vault operator init`: "before" (the server is not initialised), "after" (it is; the answer is lost). */
    readonly initFailures: ("before" | "after")[] = [];
    /** Valid tokens: token → accessor and whether it is a root token. */
    readonly tokens = new Map<string, { accessor: string; root: boolean }>();
    /** Enabled auth mounts (`token/` always). */
    readonly authMounts = new Set<string>(["token/"]);
    /** What `vault write` wrote, by path (the last write wins), and `vault policy write`, by name. */
    readonly written = new Map<string, Record<string, string>>();
    readonly policies = new Map<string, string>();
    private readonly failures: { command: string; when: "before" | "after" }[] = [];

    /**
     * The next `times` calls of `command` ("auth enable", "write", "policy write", "token revoke", …) fail: "before"
     * the server acts (connection reset), or "after" it did, the answer lost (the client's timeout): exit 2 either way.
     */
    failNext(command: string, times = 1, when: "before" | "after" = "before"): void {
        for (let i = 0; i < times; i++) this.failures.push({ command, when });
    }

    /** A root token an operator generated with the recovery keys (generate-root). */
    generateRoot(): string {
        const token = `hvs.${crypto.randomBytes(18).toString("base64url")}`;
        this.tokens.set(token, { accessor: crypto.randomBytes(12).toString("base64url"), root: true });
        return token;
    }

    /** What an operator does with a generated root token: `vault token revoke -accessor <accessor>`. */
    revokeAccessor(accessor: string): void {
        for (const [token, t] of this.tokens) if (t.accessor === accessor) this.tokens.delete(token);
    }

    /** Root tokens Vault would still accept. */
    get liveRootTokens(): string[] {
        return [...this.tokens].filter(([, t]) => t.root).map(([token]) => token);
    }

    handle(argv: readonly string[], addr: string | undefined, token: string | undefined, stdin: string): StubAnswer {
        const two = ["operator", "token", "auth", "policy"].includes(argv[0]);
        const command = two ? `${argv[0]} ${argv[1]}` : argv[0];
        const rest = argv.slice(two ? 2 : 1);
        const flags = new Map(rest.filter((a) => a.startsWith("-") && a !== "-").map((f) => [f.replace(/=.*$/, ""), f.includes("=") ? f.slice(f.indexOf("=") + 1) : "true"]));
        const positional = rest.filter((a) => !a.startsWith("-") || a === "-");
        const known: Record<string, RegExp> = {
            status: /^-format$/,
            "operator init": /^-(format|recovery-shares|recovery-threshold)$/,
            "token lookup": /^-field$/,
            "token revoke": /^-self$/,
            "auth list": /^-format$/,
            "auth enable": /^-path$/,
            write: /^$/,
            "policy write": /^$/,
        };
        if (!(command in known)) return answer(`the harness does not model vault ${argv.join(" ")}\n`, 1);
        for (const f of flags.keys()) if (!known[command].test(f)) return answer(`flag provided but not defined: ${f}\n`, 1);
        if (["status", "operator init", "auth list"].includes(command) && flags.get("-format") !== "json") return answer("the harness models -format=json only\n", 1);
        if (!addr || !/^https:\/\/vault-\d+\.vault-internal:8200$/.test(addr)) return answer(`Error: dial tcp: lookup ${addr ?? "127.0.0.1"}: no such host\n`, command === "status" ? 1 : 2);
        if (this.unreachable > 0) {
            this.unreachable--;
            return answer(`Error checking seal status: Get "${addr}/v1/sys/seal-status": dial tcp: connect: connection refused\n`, 1);
        }
        if (command === "status") {
            const status = { type: "awskms", initialized: this.initialized, sealed: !this.initialized, t: this.initialized ? 1 : 0, n: this.initialized ? 1 : 0, progress: 0, nonce: "", version: "2.0.4", migration: false, recovery_seal: true, storage_type: "raft" };
            return { stdout: `${JSON.stringify(status, null, 2)}\n`, stderr: "", code: this.initialized ? 0 : 2 };
        }
        if (command === "operator init") {
            if (this.initialized) return answer(`Error initializing: Error making API request.\n\nURL: PUT ${addr}/v1/sys/init\nCode: 400. Errors:\n\n* Vault is already initialized\n`, 2);
            const failure = this.initFailures.shift();
            if (failure === "after") {
                this.initialized = true;
                this.initialisations++;
            }
            if (failure) return answer(`Error initializing: Put "${addr}/v1/sys/init": read: connection reset by peer\n`, 2);
            const shares = Number(flags.get("-recovery-shares") ?? 5);
            const threshold = Number(flags.get("-recovery-threshold") ?? 3);
            const keys = Array.from({ length: shares }, () => crypto.randomBytes(33));
            const out: InitOutput = {
                unseal_keys_b64: [],
                unseal_keys_hex: [],
                unseal_shares: 1,
                unseal_threshold: 1,
                recovery_keys_b64: keys.map((k) => k.toString("base64")),
                recovery_keys_hex: keys.map((k) => k.toString("hex")),
                recovery_keys_shares: shares,
                recovery_keys_threshold: threshold,
                root_token: `hvs.${crypto.randomBytes(18).toString("base64url")}`,
            };
            this.initialized = true;
            this.initialisations++;
            this.tokens.set(out.root_token, { accessor: crypto.randomBytes(12).toString("base64url"), root: true });
            this.printed = `${JSON.stringify(out, null, 2)}\n`;
            return { stdout: this.printed, stderr: "", code: 0 };
        }
        // Everything else needs an unsealed Vault and a valid token (api.Client reads VAULT_TOKEN).
        if (!this.initialized) return answer(`Error: Vault is sealed\n`, 2);
        const failure = this.failures.findIndex((f) => f.command === command);
        const when = failure >= 0 ? this.failures.splice(failure, 1)[0].when : undefined;
        if (when === "before") return answer(`Error: ${command}: Put "${addr}": read: connection reset by peer\n`, 2);
        const done = this.act(command, flags, positional, token, stdin);
        if (when === "after" && done.code === 0) return answer(`Error: ${command}: Put "${addr}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)\n`, 2);
        return done;
    }

    /** What Vault does for an unsealed server's authenticated command. */
    private act(command: string, flags: ReadonlyMap<string, string>, positional: readonly string[], token: string | undefined, stdin: string): StubAnswer {
        const held = token ? this.tokens.get(token) : undefined;
        if (!held) return answer(`Error making API request.\n\nCode: 403. Errors:\n\n* permission denied\n`, 2);
        if (command === "token lookup") {
            if (flags.get("-field") !== "accessor" || positional.length > 0) return answer("the harness models token lookup -field=accessor of the caller's token only\n", 1);
            return { stdout: held.accessor, stderr: "", code: 0 };
        }
        if (command === "token revoke") {
            if (flags.get("-self") !== "true" || positional.length > 0) return answer("the harness models token revoke -self only\n", 1);
            this.tokens.delete(token!);
            return { stdout: "Success! Revoked token (if it existed)\n", stderr: "", code: 0 };
        }
        // The init Job writes with a root token only (its writes are denied to the deployer's policy).
        if (!held.root) return answer(`Error making API request.\n\nCode: 403. Errors:\n\n* permission denied\n`, 2);
        if (command === "auth list") {
            return { stdout: `${JSON.stringify(Object.fromEntries([...this.authMounts].map((m) => [m, { type: m === "token/" ? "token" : m.slice(0, -1) }])), null, 2)}\n`, stderr: "", code: 0 };
        }
        if (command === "auth enable") {
            const mount = `${flags.get("-path") ?? positional[0]}/`;
            if (positional.length !== 1) return answer("Usage: vault auth enable [options] TYPE\n", 1);
            if (this.authMounts.has(mount)) return answer(`Error enabling ${positional[0]} auth: Code: 400. Errors:\n\n* path is already in use at ${mount}\n`, 2);
            this.authMounts.add(mount);
            return { stdout: `Success! Enabled ${positional[0]} auth method at: ${mount}\n`, stderr: "", code: 0 };
        }
        if (command === "write") {
            const [path, ...pairs] = positional;
            if (!path || pairs.some((p) => !p.includes("="))) return answer("the harness models vault write PATH key=value... only\n", 1);
            const mount = `${path.split("/")[1]}/`;
            if (path.startsWith("auth/") && !this.authMounts.has(mount)) return answer(`Error writing data to ${path}: Code: 404. Errors:\n\n* no handler for route "${path}"\n`, 2);
            this.written.set(path, Object.fromEntries(pairs.map((p) => [p.slice(0, p.indexOf("=")), p.slice(p.indexOf("=") + 1)])));
            return { stdout: `Success! Data written to: ${path}\n`, stderr: "", code: 0 };
        }
        // policy write NAME -
        if (positional.length !== 2 || positional[1] !== "-") return answer("the harness models vault policy write NAME - only\n", 1);
        if (stdin.trim() === "") return answer("Error: policy is empty\n", 1);
        this.policies.set(positional[0], stdin);
        return { stdout: `Success! Uploaded policy: ${positional[0]}\n`, stderr: "", code: 0 };
    }
}

export interface StubAnswer {
    readonly stdout: string;
    readonly stderr: string;
    readonly code: number;
    /** Run the real AWS CLI (through the fork server) with these variables added. */
    readonly cli?: boolean;
    readonly env?: Readonly<Record<string, string>>;
    readonly kill?: boolean;
}
const answer = (stderr: string, code: number): StubAnswer => ({ stdout: "", stderr, code });

/** One call of a stub: who made it (container and ids) and with what. */
export interface StubCall {
    readonly container: string;
    readonly tool: string;
    readonly argv: readonly string[];
    readonly uid: number;
    readonly gid: number;
    readonly groups: readonly number[];
    readonly env: Readonly<Record<string, string>>;
    /** Whether VAULT_CACERT, when set, was readable by the caller. */
    readonly caReadable: boolean;
    /** What the caller piped in, when its last argument is `-` (vault policy write NAME -). */
    readonly stdin: string;
}

let awsCliFound: { aws: string; python: string } | undefined;
/** The real AWS CLI of this machine (awscli with its Python, from the machine image) and the interpreter it runs on. */
function awsCli(): { aws: string; python: string } {
    // Looked up once per process (pyenv's lookup takes a tenth of a second, and every World asks).
    return (awsCliFound ??= locateAwsCli());
}
function locateAwsCli(): { aws: string; python: string } {
    const located = spawnSync("sh", ["-c", "pyenv which aws 2>/dev/null || command -v aws"], { encoding: "utf8" }).stdout.trim();
    assert.ok(located && fs.existsSync(located), "the job harness runs the real AWS CLI (awscli on the machine image's Python): none found");
    const aws = fs.realpathSync(located);
    const shebang = /^#!(\S+)/.exec(fs.readFileSync(aws, "utf8").split("\n")[0])?.[1];
    assert.ok(shebang && fs.existsSync(shebang), `${aws} is not a Python script`);
    return { aws, python: shebang };
}

/**
 * The stubs' code: asks the harness (over loopback) what to do, as the caller's uid; `aws` then becomes the real CLI.
 * It runs for every vault, aws and sleep call of every scenario: -IS (no site-packages, no user environment) and a bare
 * socket instead of urllib keep it to the interpreter's start-up (urllib and site cost three times that; it needs neither).
 */
const STUB = (python: string, port: number) => `#!${python} -IS
import json, os, signal, socket, sys
ca = os.environ.get("VAULT_CACERT")
call = {"tool": os.path.basename(sys.argv[0]), "argv": sys.argv[1:], "uid": os.getuid(), "gid": os.getgid(), "groups": sorted(os.getgroups()),
        "env": {k: v for k, v in os.environ.items() if k in ("VAULT_ADDR", "VAULT_CACERT", "VAULT_TOKEN", "AWS_REGION", "SECRET_ARN", "HOME")},
        "caReadable": (not ca) or os.access(ca, os.R_OK),
        "stdin": sys.stdin.read() if sys.argv[-1:] == ["-"] and os.path.basename(sys.argv[0]) == "vault" else ""}
body = json.dumps(call).encode()
with socket.create_connection(("127.0.0.1", ${port}), timeout=120) as conn:
    conn.sendall(b"POST /stub HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nContent-Type: application/json\\r\\nContent-Length: %d\\r\\nConnection: close\\r\\n\\r\\n" % len(body) + body)
    reply = b""
    while chunk := conn.recv(1 << 16):
        reply += chunk
head, _, payload = reply.partition(b"\\r\\n\\r\\n")
if not head.startswith(b"HTTP/1.1 200 "):
    sys.exit("the harness answered " + head.split(b"\\r\\n")[0].decode() + ": " + payload.decode())
out = json.loads(payload)
if out.get("kill"):
    os.killpg(os.getpgrp(), signal.SIGKILL)
if out.get("cli"):
    import struct
    env = dict(os.environ)
    env.update(out.get("env") or {})
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.connect("/harness/aws/aws.sock")
    socket.send_fds(server, [json.dumps({"argv": sys.argv[1:], "env": env, "cwd": os.getcwd()}).encode()], [0, 1, 2])
    server.shutdown(socket.SHUT_WR)
    code = b""
    while len(code) < 4:
        chunk = server.recv(4 - len(code))
        if not chunk:
            sys.exit("the harness's AWS CLI server hung up")
        code += chunk
    sys.exit(struct.unpack("i", code)[0] & 0xFF)
sys.stdout.write(out["stdout"])
sys.stderr.write(out["stderr"])
sys.exit(out["code"])
`;

/**
 * The real AWS CLI, imported once and forked per call (importing it is most of its second of start-up, times some
 * eighty calls). The child takes the caller's place: its root (/proc/<pid>/root, the container's mount namespace and
 * chroot), its uid, gid and groups (SO_PEERCRED, /proc/<pid>/status), its stdin/stdout/stderr (passed over the
 * socket), its environment and working directory; then runs awscli's main as the `aws` command does.
 */
const AWS_SERVER = `import json, os, socket, struct, sys, threading, traceback
sys.argv = ["aws"]
import awscli.clidriver
# What main() imports on every call (its plugins: awscli.handlers and the customizations it pulls in, half a second):
# imported here once, so each forked call starts with them, as it starts with clidriver.
import awscli.handlers
# What botocore parses from its data files on every call (the list of services, Secrets Manager's model, the endpoint
# rules: most of what is left of a call's second): parsed once here. Each forked call's session takes the one Loader
# kept for its search path instead of making a new one; a Loader only reads the installed data files (at the same
# paths in each container: Python's root is mounted there) and keeps what it parsed. What is not loaded here a call
# loads itself.
import botocore.loaders, botocore.session
create_loader = botocore.loaders.create_loader
loaders = {}
def shared_loader(search_path_string=None):
    # Keyed as create_loader expands the path, with the calling process's environment.
    key = None if search_path_string is None else tuple(os.path.expanduser(os.path.expandvars(p)) for p in search_path_string.split(os.pathsep))
    if key not in loaders:
        loaders[key] = create_loader(search_path_string)
    return loaders[key]
botocore.session.create_loader = shared_loader
loader = shared_loader(os.environ.get("AWS_DATA_PATH"))
for type_name in ("service-2", "paginators-1", "waiters-2", "endpoint-rule-set-1"):
    loader.list_available_services(type_name)
for type_name in ("service-2", "paginators-1", "endpoint-rule-set-1"):
    loader.load_service_model("secretsmanager", type_name)
for name in ("endpoints", "partitions", "sdk-default-configuration", "_retry", "cli"):
    loader.load_data(name)
# Ends with the test process: its end closes our stdin.
threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
path = os.environ["HARNESS_SOCKET"]
listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
listener.bind(path)
os.chmod(path, 0o777)
listener.listen(16)
print("ready", flush=True)
while True:
    conn, _ = listener.accept()
    first, fds, _, _ = socket.recv_fds(conn, 1 << 20, 3)
    rest = b""
    while chunk := conn.recv(1 << 20):
        rest += chunk
    request = json.loads(first + rest)
    pid, uid, gid = struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i")))
    with open(f"/proc/{pid}/status") as status:
        groups = [int(g) for line in status if line.startswith("Groups:") for g in line.split()[1:]]
    child = os.fork()
    if child == 0:
        code = 255
        try:
            os.chroot(f"/proc/{pid}/root")
            os.chdir(request["cwd"])
            os.setgroups(groups)
            os.setresgid(gid, gid, gid)
            os.setresuid(uid, uid, uid)
            for i, fd in enumerate(fds):
                os.dup2(fd, i)
            # importing awscli set AWS_DATA_PATH (its data/ folder), as it does in every aws process
            data_path = os.environ.get("AWS_DATA_PATH")
            os.environ.clear()
            os.environ.update(request["env"])
            if data_path is not None:
                os.environ["AWS_DATA_PATH"] = data_path
            sys.argv = ["aws"] + request["argv"]
            code = awscli.clidriver.main()
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        except BaseException:
            traceback.print_exc()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code or 0)
    for fd in fds:
        os.close(fd)
    _, status = os.waitpid(child, 0)
    conn.sendall(struct.pack("i", os.waitstatus_to_exitcode(status)))
    conn.close()
`;

let sharedAwsServer: Promise<string> | undefined;
/** Starts the AWS CLI server once per test process; returns the directory holding its socket. */
function awsServer(python: string): Promise<string> {
    sharedAwsServer ??= (async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "job-harness-aws-"));
        fs.chmodSync(dir, 0o755);
        fs.writeFileSync(path.join(dir, "aws-server.py"), AWS_SERVER);
        const server = spawn(python, [path.join(dir, "aws-server.py")], { env: { ...process.env, HARNESS_SOCKET: path.join(dir, "aws.sock") }, stdio: ["pipe", "pipe", "inherit"] });
        await new Promise<void>((resolve, reject) => {
            server.once("exit", (code) => reject(new Error(`the AWS CLI server exited (${code}) before it was ready`)));
            server.stdout.once("data", () => resolve());
        });
        server.removeAllListeners("exit");
        // Neither keeps the test process alive; its exit ends the server (stdin closes) and removes the socket.
        server.unref();
        for (const stream of [server.stdin, server.stdout]) (stream as unknown as { unref(): void }).unref();
        process.once("exit", () => {
            server.kill("SIGKILL");
            fs.rmSync(dir, { recursive: true, force: true });
        });
        return dir;
    })();
    return sharedAwsServer;
}

/** The cluster and cloud a Job runs against, the stubs' calls, and the virtual clock of the current Job run. */
export class World {
    readonly vault = new FakeVault();
    readonly secretsManager: FakeSecretsManager;
    readonly calls: StubCall[] = [];
    /** Kubernetes Secrets of the namespace by name (key → value), for optional secret volumes; others are placeholders. */
    readonly k8sSecrets = new Map<string, Record<string, string>>();
    /** Requests the fakes could not answer (a test asserts there are none). */
    readonly errors: string[] = [];
    /** Exit codes of the next kubectl calls (0 when none is queued). */
    readonly kubectlCodes: number[] = [];
    /** Seconds since the current Job run started (sleep and restart back-off advance it; nothing real waits). */
    clock = 0;
    deadline = Infinity;
    current?: string;
    private readonly server: http.Server;
    private port = 0;
    readonly dir: string;
    private readonly cli = awsCli();
    /** The directory of the AWS CLI server's socket, mounted at /harness/aws in each container. */
    awsDir = "";

    constructor(secretArn: string) {
        this.secretsManager = new FakeSecretsManager(secretArn);
        this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "job-harness-"));
        fs.chmodSync(this.dir, 0o755);
        this.server = http.createServer((req, res) => {
            const chunks: Buffer[] = [];
            req.on("data", (c: Buffer) => chunks.push(c));
            req.on("end", () => {
                let reply: { status: number; type: string; body: unknown };
                try {
                    reply = this.answer(req.headers["x-amz-target"], JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}"));
                } catch (e) {
                    this.errors.push(String(e instanceof Error ? e.stack : e));
                    reply = { status: 500, type: "application/json", body: { stdout: "", stderr: `harness error: ${e}\n`, code: 70 } };
                }
                const body = JSON.stringify(reply.body);
                res.writeHead(reply.status, { "content-type": reply.type, "content-length": Buffer.byteLength(body) });
                res.end(body);
            });
        });
    }

    /** Secrets Manager's JSON protocol (X-Amz-Target) for the CLI, or a stub's question. */
    private answer(target: string | string[] | undefined, body: any): { status: number; type: string; body: unknown } {
        if (typeof target !== "string" || !target.startsWith("secretsmanager.")) return { status: 200, type: "application/json", body: this.stub(body as StubCall) };
        const type = "application/x-amz-json-1.1";
        try {
            return { status: 200, type, body: this.secretsManager.handle(target.slice("secretsmanager.".length), body) };
        } catch (e) {
            if (!(e instanceof ServiceError)) throw e;
            return { status: 400, type, body: { __type: e.type, message: e.message } };
        }
    }

    async start(): Promise<this> {
        await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
        this.port = (this.server.address() as AddressInfo).port;
        fs.mkdirSync(path.join(this.dir, "bin"), { mode: 0o755 });
        for (const tool of ["vault", "aws", "kubectl", "sleep"]) fs.writeFileSync(path.join(this.dir, "bin", tool), STUB(this.cli.python, this.port), { mode: 0o755 });
        this.awsDir = await awsServer(this.cli.python);
        return this;
    }

    async close(): Promise<void> {
        await new Promise<void>((resolve) => this.server.close(() => resolve()));
        removeTree(this.dir);
    }

    /** Calls of one tool whose argv starts with `prefix`. */
    callsOf(tool: string, ...prefix: string[]): StubCall[] {
        return this.calls.filter((c) => c.tool === tool && prefix.every((p, i) => c.argv[i] === p));
    }

    private stub(call: StubCall): StubAnswer {
        this.calls.push({ ...call, container: this.current ?? "?" });
        if (call.tool === "sleep") {
            this.clock += Number(call.argv[0]);
            return this.clock >= this.deadline ? { stdout: "", stderr: "", code: 137, kill: true } : { stdout: "", stderr: "", code: 0 };
        }
        if (call.tool === "vault") {
            if (!call.caReadable) return answer(`Error loading CA file ${call.env.VAULT_CACERT}: permission denied\n`, 2);
            return this.vault.handle(call.argv, call.env.VAULT_ADDR, call.env.VAULT_TOKEN, call.stdin);
        }
        if (call.tool === "kubectl") return { stdout: "", stderr: "", code: this.kubectlCodes.shift() ?? 0 };
        // The image's CLI is v2, which reads AWS_REGION; the v1 CLI here reads AWS_DEFAULT_REGION. One attempt per
        // call: the scripts' own retries are under test, not the CLI's. Static keys stand for Pod Identity's.
        return {
            stdout: "",
            stderr: "",
            code: 0,
            cli: true,
            env: {
                AWS_ENDPOINT_URL: `http://127.0.0.1:${this.port}`,
                AWS_ACCESS_KEY_ID: "AKIAHARNESS",
                AWS_SECRET_ACCESS_KEY: "harness",
                AWS_DEFAULT_REGION: call.env.AWS_REGION ?? "",
                AWS_MAX_ATTEMPTS: "1",
                AWS_EC2_METADATA_DISABLED: "true",
            },
        };
    }

    /** Where the stubs' Python lives (bind-mounted at the same path into each container). */
    get pythonRoot(): string {
        return path.dirname(path.dirname(this.cli.python));
    }
}

/** What one start of one container did. */
export interface ContainerRun {
    readonly name: string;
    readonly pod: number;
    readonly identity: Identity;
    readonly code: number | null;
    readonly signal: string | null;
    readonly stdout: string;
    readonly stderr: string;
    readonly killedBy?: "deadline";
}
export interface JobRun {
    /** Stopped: ended by `inspectAfter`, not by Kubernetes. */
    readonly status: "Complete" | "Failed" | "Stopped";
    readonly reason?: "BackoffLimitExceeded" | "DeadlineExceeded";
    readonly pods: number;
    readonly runs: ContainerRun[];
    /** Everything the containers printed, in order, each line prefixed with its container. */
    readonly log: string;
}
export interface RunOptions {
    /** The pod is lost (evicted, its node gone) once this container has exited 0: its emptyDirs go with it. */
    readonly loseThePodAfter?: string;
    /** Called with the pod's volume directories after this container exits; returning true ends the run there. */
    readonly inspectAfter?: { readonly container: string; readonly inspect: (volumes: ReadonlyMap<string, string>) => boolean | void };
}

const PATH = "/harness/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
/** The kubelet's restart back-off (10 s doubling, at most 5 min). */
const backoff = (restarts: number) => Math.min(10 * 2 ** (restarts - 1), 300);
const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** The pod's volumes as the kubelet makes them; returns name → directory. */
function makeVolumes(world: World, pod: PodSpec, dir: string): Map<string, string> {
    const fsGroup = pod.securityContext?.fsGroup;
    const volumes = new Map<string, string>();
    for (const v of pod.volumes ?? []) {
        const d = path.join(dir, `volume-${v.name}`);
        fs.mkdirSync(d);
        if (v.emptyDir) {
            // pkg/volume/emptydir: mode 0777; with fsGroup, pkg/volume/volume_linux.go gives the group rwx and setgid.
            fs.chmodSync(d, 0o777);
            if (fsGroup !== undefined) {
                fs.chownSync(d, 0, fsGroup);
                fs.chmodSync(d, 0o2777);
            }
        } else if (v.secret) {
            // Secret files: defaultMode 0644, the group fsGroup (read-only volume: the group gets read). An optional
            // Secret that does not exist mounts empty; one the world holds gives its values.
            const held = world.k8sSecrets.get(v.secret.secretName);
            for (const item of held || !v.secret.optional ? (v.secret.items ?? [{ key: "ca.crt", path: "ca.crt" }]) : []) {
                const f = path.join(d, item.path);
                fs.writeFileSync(f, held ? (held[item.key] ?? assert.fail(`Secret ${v.secret.secretName} has no key ${item.key}: the pod would not start`)) : `harness ${v.secret.secretName}/${item.key}\n`, { mode: 0o644 });
                if (fsGroup !== undefined) fs.chownSync(f, 0, fsGroup);
            }
            fs.chmodSync(d, fsGroup !== undefined ? 0o2755 : 0o755);
            if (fsGroup !== undefined) fs.chownSync(d, 0, fsGroup);
        } else assert.fail(`volume ${v.name}: the harness models emptyDir and secret volumes only`);
        volumes.set(v.name, d);
    }
    return volumes;
}

/** Refuses to delete anything still mounted (a bind mount of /usr must never be followed). */
function removeTree(dir: string): void {
    const mounts = fs.readFileSync("/proc/self/mountinfo", "utf8").split("\n").map((l) => l.split(" ")[4]).filter((m) => m && (m === dir || m.startsWith(`${dir}/`)));
    assert.deepStrictEqual(mounts, [], `still mounted under ${dir}`);
    fs.rmSync(dir, { recursive: true, force: true });
}

async function runContainer(world: World, pod: PodSpec, c: Container, volumes: ReadonlyMap<string, string>, podIndex: number, podDir: string): Promise<ContainerRun> {
    const facts = imageFacts(c.image);
    const identity = identityOf(pod, c);
    assert.ok(c.command && c.command.length > 0, `${c.name}: the harness runs containers with a command only (the image's entrypoint is not modelled)`);
    const argv = [...c.command, ...(c.args ?? [])];
    if (runsShell(c)) {
        assert.ok(argv[0] === "/bin/sh" || (argv[0] === "/bin/bash" && facts.hasBash), `${c.name}: ${c.image} has no ${argv[0]}`);
        assert.ok(facts.sh, `${c.name}: ${c.image} has no shell`);
    }

    const root = fs.mkdtempSync(path.join(podDir, `${c.name}-`));
    fs.chmodSync(root, 0o755);
    const mounts: { src: string; dst: string; ro: boolean }[] = [
        { src: "/usr", dst: "/usr", ro: true },
        { src: "/etc", dst: "/etc", ro: true },
        { src: "/dev", dst: "/dev", ro: false },
        { src: path.join(world.dir, "bin"), dst: "/harness/bin", ro: true },
        { src: world.awsDir, dst: "/harness/aws", ro: true },
        { src: world.pythonRoot, dst: world.pythonRoot, ro: true },
    ];
    for (const m of c.volumeMounts ?? []) {
        const src = volumes.get(m.name);
        assert.ok(src, `${c.name} mounts ${m.name}, which the pod does not have`);
        mounts.push({ src, dst: m.mountPath, ro: m.readOnly === true });
    }
    for (const m of mounts) fs.mkdirSync(path.join(root, m.dst), { recursive: true, mode: 0o755 });
    for (const link of ["lib", "lib64", "sbin"]) if (fs.existsSync(`/${link}`)) fs.symlinkSync(`usr/${link}`, path.join(root, link));
    fs.mkdirSync(path.join(root, "bin"), { mode: 0o755 });
    if (facts.sh) fs.symlinkSync(`/usr/bin/${facts.sh}`, path.join(root, "bin", "sh"));
    if (facts.hasBash) fs.symlinkSync("/usr/bin/bash", path.join(root, "bin", "bash"));
    // A container without a volume at /tmp has its own (its image layer's).
    if (!mounts.some((m) => m.dst === "/tmp")) fs.mkdirSync(path.join(root, "tmp"), { mode: 0o1777 });

    const env: Record<string, string> = { PATH, HOSTNAME: "vault-init-harness" };
    for (const e of c.env ?? []) env[e.name] = e.value ?? "";
    if (env.HOME === undefined) env.HOME = "/";
    const setup = [
        "set -e",
        ...mounts.map((m) => `mount --bind ${q(m.src)} ${q(root + m.dst)}` + (m.ro ? ` && mount -o remount,bind,ro ${q(root + m.dst)}` : "")),
        // runc's default umask.
        "umask 022",
        'exec "$@"',
    ].join("\n");
    const ids = [`--reuid=${identity.uid}`, `--regid=${identity.gid}`, identity.groups.length > 0 ? `--groups=${identity.groups.join(",")}` : "--clear-groups"];
    const command = ["chroot", root, "/usr/bin/setpriv", ...ids, "--no-new-privs", "--inh-caps=-all", "--bounding-set=-all", "--", "/usr/bin/env", "-i", ...Object.entries(env).map(([k, v]) => `${k}=${v}`), ...argv];

    world.current = c.name;
    const child = spawn("unshare", ["--mount", "--propagation", "private", "/bin/sh", "-c", setup, "harness-setup", ...command], { detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
    // A safety net only: the deadline is virtual (the sleep stub), so a real hang is a harness or script bug.
    let hung = false;
    const timer = setTimeout(() => {
        hung = true;
        if (child.pid) process.kill(-child.pid, "SIGKILL");
    }, 180_000);
    const [code, signal] = await new Promise<[number | null, string | null]>((resolve, reject) => {
        child.on("error", reject);
        child.on("close", (code, signal) => resolve([code, signal]));
    });
    clearTimeout(timer);
    world.current = undefined;
    assert.ok(!hung, `${c.name} ran for 3 minutes of real time: killed\n${stdout}\n${stderr}`);
    removeTree(root);
    return { name: c.name, pod: podIndex, identity, code, signal, stdout, stderr, ...(signal === "SIGKILL" && world.clock >= world.deadline ? { killedBy: "deadline" as const } : {}) };
}

/**
 * Runs the Job once (what one `pulumi up` that creates it gets): pods until one completes or the Job fails. With
 * restartPolicy OnFailure a failed container restarts in the same pod (its emptyDirs kept) and the Job fails once the
 * restarts reach backoffLimit (pkg/controller/job: pastBackoffLimitOnFailure); with Never each failure is a new pod,
 * failing past backoffLimit pods. activeDeadlineSeconds counts from the Job's start; the world's clock is virtual.
 */
export async function runJob(world: World, job: JobManifest, options: RunOptions = {}): Promise<JobRun> {
    const spec = job.spec.template.spec;
    assert.ok(spec.containers.length === 1, `${job.metadata.name}: the harness runs one container after the init containers (more would run in parallel)`);
    const backoffLimit = job.spec.backoffLimit ?? 6;
    const onFailure = spec.restartPolicy === "OnFailure";
    world.clock = 0;
    world.deadline = job.spec.activeDeadlineSeconds ?? Infinity;
    const runs: ContainerRun[] = [];
    let failedPods = 0;
    let lose = options.loseThePodAfter;
    const done = (status: JobRun["status"], reason?: JobRun["reason"]): JobRun => ({
        status,
        ...(reason ? { reason } : {}),
        pods: runs.length > 0 ? runs[runs.length - 1].pod : 0,
        runs,
        log: runs.map((r) => `${r.stdout}${r.stderr}`.split("\n").filter((l) => l !== "").map((l) => `[${r.name}] ${l}`).join("\n")).filter((l) => l !== "").join("\n"),
    });
    for (let podIndex = 1; ; podIndex++) {
        const podDir = fs.mkdtempSync(path.join(world.dir, `pod-${podIndex}-`));
        fs.chmodSync(podDir, 0o755);
        try {
            const volumes = makeVolumes(world, spec, podDir);
            let restarts = 0;
            let outcome: "ok" | "failed" | "lost" = "ok";
            for (const c of allContainers(job)) {
                for (;;) {
                    const r = await runContainer(world, spec, c, volumes, podIndex, podDir);
                    runs.push(r);
                    if (r.killedBy === "deadline") return done("Failed", "DeadlineExceeded");
                    if (options.inspectAfter?.container === c.name && options.inspectAfter.inspect(volumes) === true) return done("Stopped");
                    if (r.code === 0) break;
                    if (!onFailure) {
                        outcome = "failed";
                        break;
                    }
                    restarts++;
                    if (restarts >= backoffLimit) return done("Failed", "BackoffLimitExceeded");
                    world.clock += backoff(restarts);
                    if (world.clock >= world.deadline) return done("Failed", "DeadlineExceeded");
                }
                if (outcome !== "ok") break;
                if (lose === c.name) {
                    lose = undefined;
                    outcome = "lost";
                    break;
                }
            }
            if (outcome === "ok") return done("Complete");
            failedPods++;
            if (failedPods > backoffLimit) return done("Failed", "BackoffLimitExceeded");
        } finally {
            removeTree(podDir);
        }
    }
}

/** Whether `identity` may read `file`, asked of the kernel (test -r as those ids), not computed from its mode. */
export function canRead(identity: Identity, file: string): boolean {
    const ids = [`--reuid=${identity.uid}`, `--regid=${identity.gid}`, identity.groups.length > 0 ? `--groups=${identity.groups.join(",")}` : "--clear-groups"];
    return spawnSync("setpriv", [...ids, "--", "test", "-r", file]).status === 0;
}

/** Fails loudly when this machine cannot run the harness (it must never be skipped). */
export function assertHarnessCanRun(): void {
    assert.strictEqual(process.getuid?.(), 0, "the job harness needs root (unshare, mount, chroot, setpriv): run the tests as root");
    for (const tool of ["unshare", "setpriv", "chroot", "mount", "dash", "bash"]) {
        assert.strictEqual(spawnSync("sh", ["-c", `command -v ${tool}`]).status, 0, `the job harness needs ${tool} on PATH`);
    }
}
