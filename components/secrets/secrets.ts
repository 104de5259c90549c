import * as pulumi from "@pulumi/pulumi";
import type { SecretsConfig } from "../../stacks/schema-secrets";
import type { ClusterRef } from "../cluster/cluster-ref";
import type { IngressRef } from "../ingress/ingress";
import { PrivateCaGrant, Vault } from "./vault";

export interface SecretsArgs {
    readonly cluster: ClusterRef;
    readonly ingress: Pick<IngressRef, "domain" | "publishService">;
    readonly certificates: PrivateCaGrant;
    readonly storageClass: string;
    readonly region: string;
    readonly namePrefix: string;
    readonly namespace: string;
    readonly settings: SecretsConfig;
    /** Production: protect and retain what holds secrets. @default false */
    readonly protect?: boolean;
}

/** The secrets layer: Vault today; its initialisation, configuration as code and External Secrets follow (issue 13). */
export class Secrets extends pulumi.ComponentResource {
    public readonly vault: Vault;

    constructor(name: string, args: SecretsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:secrets:Secrets", name, {}, opts);
        this.vault = new Vault(
            `${name}-vault`,
            {
                cluster: args.cluster,
                ingress: args.ingress,
                certificates: args.certificates,
                storageClass: args.storageClass,
                region: args.region,
                namePrefix: args.namePrefix,
                namespace: args.namespace,
                settings: args.settings.vault,
                protect: args.protect,
            },
            { parent: this },
        );
        this.registerOutputs({ vaultAddress: this.vault.address });
    }
}
