// A gate that opens when a published URL answers from where `pulumi up` runs: DNS published by external-dns, the
// gateway's certificate issued, the service behind it ready. Providers that log in at configure time (Keycloak,
// Vault) take their address from it, so the first `pulumi up` converges instead of failing on NXDOMAIN or a 503.
import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";

/** Node script the gate runs: polls $URL until it answers 2xx (TLS verified), or fails after $TIMEOUT_SECONDS. */
export const WAIT_FOR_URL_SCRIPT = `
const url = process.env.URL;
const deadline = Date.now() + Number(process.env.TIMEOUT_SECONDS) * 1000;
const interval = Number(process.env.INTERVAL_SECONDS ?? 10) * 1000;
(async () => {
    let last = "no answer";
    for (;;) {
        try {
            const r = await fetch(url, { redirect: "manual", signal: AbortSignal.timeout(10000) });
            if (r.ok) { process.stdout.write(url); return; }
            last = "HTTP " + r.status;
        } catch (e) { last = String(e.cause?.code ?? e.message); }
        if (Date.now() > deadline) { console.error(url + " did not answer 2xx in time (last: " + last + ")"); process.exit(1); }
        await new Promise((r) => setTimeout(r, interval));
    }
})();
`;

export interface UrlGateArgs {
    /** What must answer 2xx, e.g. https://sso.<domain>/realms/master. */
    readonly url: string;
    /** The base URL the gate hands on once open. */
    readonly baseUrl: string;
    /** What serves it: the gate is created after these (and, on destroy, deleted before them). */
    readonly dependsOn: pulumi.Resource[];
}

/** How long a gate waits: DNS propagation, certificate issuance and a first start fit in 15 minutes. */
const URL_GATE_TIMEOUT_SECONDS = 900;

/** The gate and the base URL, resolved only once the gate opened (in previews and offline: the URL itself). */
export function urlGate(name: string, a: UrlGateArgs, opts: { parent: pulumi.Resource }): { gate: command.local.Command; url: pulumi.Output<string> } {
    const gate = new command.local.Command(
        name,
        {
            interpreter: ["node", "-e"],
            create: WAIT_FOR_URL_SCRIPT,
            environment: { URL: a.url, TIMEOUT_SECONDS: String(URL_GATE_TIMEOUT_SECONDS) },
            logging: "stderr",
        },
        { ...opts, dependsOn: a.dependsOn },
    );
    return { gate, url: gate.stdout.apply(() => a.baseUrl) };
}
