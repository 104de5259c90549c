import * as pulumi from "@pulumi/pulumi";
import type { SecretsConfig } from "../../stacks/schema-secrets";
import { VaultBootstrap } from "./bootstrap";
import { Vault, VaultArgs } from "./vault";
import { VaultConfiguration } from "./vault-config";
import { ExternalSecrets } from "./external-secrets";

/** What Vault needs (its settings aside), plus the layer's own settings and namespaces. */
export interface SecretsArgs extends Omit<VaultArgs, "settings"> {
    /** Namespace of External Secrets Operator. */
    readonly externalSecretsNamespace: string;
    readonly settings: SecretsConfig;
    /** IAM principals that may read Vault's bootstrap material: the cluster admins (the deployer is one). */
    readonly admins: readonly string[];
}

/** The secrets layer: Vault (initialised and configured as code) and External Secrets Operator with the platform's store. */
export class Secrets extends pulumi.ComponentResource {
    public readonly vault: Vault;
    public readonly bootstrap: VaultBootstrap;
    /** Vault's configuration as code; `tenantSecrets` for the tenants layer, `provider` for the SSO layer. */
    public readonly configuration: VaultConfiguration;
    public readonly externalSecrets: ExternalSecrets;

    constructor(name: string, args: SecretsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:secrets:Secrets", name, {}, opts);
        this.vault = new Vault(`${name}-vault`, { ...args, settings: args.settings.vault }, { parent: this });
        this.bootstrap = new VaultBootstrap(
            `${name}-bootstrap`,
            {
                cluster: args.cluster,
                namespace: args.namespace,
                region: args.region,
                namePrefix: args.namePrefix,
                vaultImage: `hashicorp/vault:${args.settings.vault.version}`,
                awsCliImage: args.settings.vault.awsCliImage,
                readers: args.admins,
                vault: [this.vault.release],
                replicas: args.settings.vault.replicas,
                protect: args.protect,
            },
            { parent: this },
        );
        this.configuration = new VaultConfiguration(
            `${name}-config`,
            {
                address: this.vault.address,
                token: this.bootstrap.rootToken,
                kvMount: args.settings.vault.kvMount,
                tokenTtl: args.settings.vault.tokenTtl,
                issuer: args.cluster.oidcIssuerUrl,
                // Configured through vault.<domain>: after the route exists (and on destroy, removed before it).
                dependsOn: [this.bootstrap.job, this.vault.route],
                protect: args.protect,
            },
            { parent: this },
        );
        this.externalSecrets = new ExternalSecrets(
            `${name}-external-secrets`,
            {
                cluster: args.cluster,
                namespace: args.externalSecretsNamespace,
                chartVersion: args.settings.externalSecrets.chartVersion,
                replicas: args.settings.externalSecrets.replicas,
                vaultNamespace: args.namespace,
                configuration: this.configuration,
                strictSpread: args.protect,
            },
            { parent: this },
        );
        this.registerOutputs({ vaultAddress: this.vault.address, bootstrapSecretArn: this.bootstrap.secretArn });
    }
}
