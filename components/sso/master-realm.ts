// The master realm's settings. Keycloak creates that realm at first start, before Pulumi could: the provider's Realm
// resource would POST it and be refused (terraform-provider-keycloak keycloak/realm.go NewRealm), so the platform
// sets the few fields it owns through the admin REST API instead, at each `pulumi up` where they changed.
import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import { masterRealmSettings } from "./realm-settings";

/**
 * Node script: logs in to the master realm as the bootstrap administrator (password grant of `admin-cli`, as the
 * Keycloak provider does) at $TOKEN_URL, reads the realm at $REALM_URL and `PUT`s it back with $SETTINGS laid over
 * it (its `attributes` merged into the realm's). A body carrying `attributes` makes Keycloak remove every attribute
 * it does not name, the ones its representation shows as fields included (DefaultExportImportManager.updateRealm:
 * attrsToRemove), so only the whole representation, as read, keeps the realm's other settings. Prints the settings
 * it applied; exits 1 naming the step and the HTTP status that failed.
 */
export const MASTER_REALM_SCRIPT = `
const fail = (step, detail) => { console.error("master realm: " + step + " failed (" + detail + ")"); process.exit(1); };
const timeout = () => AbortSignal.timeout(30000);
(async () => {
    const form = new URLSearchParams({ grant_type: "password", client_id: "admin-cli", username: process.env.ADMIN_USERNAME, password: process.env.ADMIN_PASSWORD });
    const login = await fetch(process.env.TOKEN_URL, { method: "POST", body: form, signal: timeout() });
    if (!login.ok) fail("login at " + process.env.TOKEN_URL, "HTTP " + login.status);
    const authorization = "Bearer " + (await login.json()).access_token;
    const read = await fetch(process.env.REALM_URL, { headers: { authorization, accept: "application/json" }, signal: timeout() });
    if (!read.ok) fail("GET " + process.env.REALM_URL, "HTTP " + read.status);
    const realm = await read.json();
    const settings = JSON.parse(process.env.SETTINGS);
    const body = { ...realm, ...settings, attributes: { ...(realm.attributes ?? {}), ...(settings.attributes ?? {}) } };
    const update = await fetch(process.env.REALM_URL, {
        method: "PUT",
        headers: { authorization, "content-type": "application/json" },
        body: JSON.stringify(body),
        signal: timeout(),
    });
    if (!update.ok) fail("PUT " + process.env.REALM_URL, "HTTP " + update.status);
    process.stdout.write(process.env.SETTINGS);
})().catch((e) => fail("request", String(e.cause?.code ?? e.message)));
`;

export interface MasterRealmArgs {
    /**
     * Where the login and the admin API are: the admin hostname, once it answers from the runner. Never the public
     * name: sso.<domain> does not serve the master realm (KEYCLOAK_PUBLIC_BLOCKED_PATHS).
     */
    readonly adminUrl: pulumi.Input<string>;
    /** The admin URL as known at plan time: the master realm's frontendUrl. */
    readonly frontendUrl: string;
    readonly adminUsername: string;
    readonly adminPassword: pulumi.Input<string>;
}

/**
 * Brute-force detection on the master realm, and its frontend URL on the admin name. A token issued before the
 * frontendUrl changes names the old issuer, which the admin API then refuses: whoever logs in to master after this
 * (the Keycloak provider) takes its URL from this step's output.
 */
export function masterRealmDefensesCommand(name: string, a: MasterRealmArgs, opts: { parent: pulumi.Resource }): command.local.Command {
    return new command.local.Command(
        name,
        {
            interpreter: ["node", "-e"],
            // No update script: Command runs `create` again when its environment (the settings) changes.
            create: MASTER_REALM_SCRIPT,
            environment: {
                TOKEN_URL: pulumi.interpolate`${a.adminUrl}/realms/master/protocol/openid-connect/token`,
                REALM_URL: pulumi.interpolate`${a.adminUrl}/admin/realms/master`,
                ADMIN_USERNAME: a.adminUsername,
                ADMIN_PASSWORD: pulumi.secret(a.adminPassword),
                SETTINGS: JSON.stringify(masterRealmSettings(a.frontendUrl)),
            },
            logging: "stderr",
        },
        opts,
    );
}
