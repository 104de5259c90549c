// The master realm's settings. Keycloak creates that realm at first start, before Pulumi could: the provider's Realm
// resource would POST it and be refused (terraform-provider-keycloak keycloak/realm.go NewRealm), so the platform
// sets the few fields it owns through the admin REST API instead, at each `pulumi up` where they changed.
import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import { masterRealmDefenses } from "./realm-settings";

/**
 * Node script: logs in to the master realm as the bootstrap administrator (password grant of `admin-cli`, as the
 * Keycloak provider does) at $TOKEN_URL, then `PUT`s $SETTINGS (a partial RealmRepresentation) to $REALM_URL. Prints
 * the settings it applied; exits 1 naming the step and the HTTP status that failed.
 */
export const MASTER_REALM_SCRIPT = `
const fail = (step, detail) => { console.error("master realm: " + step + " failed (" + detail + ")"); process.exit(1); };
const timeout = () => AbortSignal.timeout(30000);
(async () => {
    const form = new URLSearchParams({ grant_type: "password", client_id: "admin-cli", username: process.env.ADMIN_USERNAME, password: process.env.ADMIN_PASSWORD });
    const login = await fetch(process.env.TOKEN_URL, { method: "POST", body: form, signal: timeout() });
    if (!login.ok) fail("login at " + process.env.TOKEN_URL, "HTTP " + login.status);
    const token = (await login.json()).access_token;
    const update = await fetch(process.env.REALM_URL, {
        method: "PUT",
        headers: { authorization: "Bearer " + token, "content-type": "application/json" },
        body: process.env.SETTINGS,
        signal: timeout(),
    });
    if (!update.ok) fail("PUT " + process.env.REALM_URL, "HTTP " + update.status);
    process.stdout.write(process.env.SETTINGS);
})().catch((e) => fail("request", String(e.cause?.code ?? e.message)));
`;

export interface MasterRealmArgs {
    /** Where the login goes: the public base URL, once it answers (the realm endpoints are public). */
    readonly keycloakUrl: pulumi.Input<string>;
    /** Where the admin API is: the admin hostname, once it answers from the runner. */
    readonly adminUrl: pulumi.Input<string>;
    readonly adminUsername: string;
    readonly adminPassword: pulumi.Input<string>;
}

/** Brute-force detection on the master realm: its login endpoints are public under /realms/, as every realm's are. */
export function masterRealmDefensesCommand(name: string, a: MasterRealmArgs, opts: { parent: pulumi.Resource }): command.local.Command {
    return new command.local.Command(
        name,
        {
            interpreter: ["node", "-e"],
            // No update script: Command runs `create` again when its environment (the settings) changes.
            create: MASTER_REALM_SCRIPT,
            environment: {
                TOKEN_URL: pulumi.interpolate`${a.keycloakUrl}/realms/master/protocol/openid-connect/token`,
                REALM_URL: pulumi.interpolate`${a.adminUrl}/admin/realms/master`,
                ADMIN_USERNAME: a.adminUsername,
                ADMIN_PASSWORD: pulumi.secret(a.adminPassword),
                SETTINGS: JSON.stringify(masterRealmDefenses()),
            },
            logging: "stderr",
        },
        opts,
    );
}
