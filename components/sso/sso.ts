import * as pulumi from "@pulumi/pulumi";
import type { SsoConfig } from "../../stacks/schema-sso";
import { KeycloakDatabase, KeycloakDatabaseArgs } from "./database";

export interface SsoArgs extends Omit<KeycloakDatabaseArgs, "settings"> {
    readonly settings: SsoConfig;
}

/** The SSO layer: Keycloak's database today; the Keycloak server, realm as code and SSO wiring follow (issue 14). */
export class Sso extends pulumi.ComponentResource {
    public readonly database: KeycloakDatabase;

    constructor(name: string, args: SsoArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:sso:Sso", name, {}, opts);
        this.database = new KeycloakDatabase(`${name}-database`, { ...args, settings: args.settings.database }, { parent: this });
        this.registerOutputs({ databaseAddress: this.database.address });
    }
}
