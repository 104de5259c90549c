// What each component registers as its outputs (`registerOutputs`): what `pulumi stack export` and the console show for
// it, and what marks it complete. The production plan's values are written out in full.
import * as assert from "assert";
import { committedPlan, describePlan } from "./plans";

const OBJECTS_KEY = "arn:aws:kms:eu-west-1:222222222222:key/platform-storage-objects-key";
/** What every workload identity registers: its role, named after it. */
const identity = (name: string) => ({ roleArn: `arn:aws:iam::222222222222:role/${name}-role`, roleName: `${name}-role` });
/** What every bucket registers: its name and ARN. */
const bucket = (bucketName: string) => ({ arn: `arn:aws:s3:::${bucketName}`, bucketName });

/** The production plan's components and what each registers, by name. */
const PROD_OUTPUTS: Record<string, Record<string, unknown>> = {
    "platform": {"clusterName": "acme-prod", "vpcId": "platform-network-vpc-id"},
    "platform-network": {"availabilityZones": ["eu-west-1a", "eu-west-1b", "eu-west-1c"], "cidr": "10.30.0.0/16", "isolatedRouteTableIds": ["platform-network-isolated-rt-id"], "isolatedSubnetIds": ["platform-network-isolated-eu-west-1a-id", "platform-network-isolated-eu-west-1b-id", "platform-network-isolated-eu-west-1c-id"], "natGatewayPublicIps": ["203.0.113.202", "203.0.113.203", "203.0.113.204"], "privateRouteTableIds": ["platform-network-private-rt-eu-west-1a-id", "platform-network-private-rt-eu-west-1b-id", "platform-network-private-rt-eu-west-1c-id"], "privateSubnetIds": ["platform-network-private-eu-west-1a-id", "platform-network-private-eu-west-1b-id", "platform-network-private-eu-west-1c-id"], "publicRouteTableIds": ["platform-network-public-rt-id"], "publicSubnetIds": ["platform-network-public-eu-west-1a-id", "platform-network-public-eu-west-1b-id", "platform-network-public-eu-west-1c-id"], "vpcId": "platform-network-vpc-id"},
    "platform-cluster": {"certificateAuthority": "b2ZmbGluZS1wbGFuIENBIG9mIGFjbWUtcHJvZA==", "ebsKmsKeyArn": "arn:aws:kms:eu-west-1:222222222222:key/platform-cluster-ebs-key", "endpoint": "https://147147147147147147147147147147.gr7.eu-west-1.eks.amazonaws.com", "kubeconfig": "[secret]", "name": "acme-prod", "nodeRoleArn": "arn:aws:iam::222222222222:role/platform-cluster-node-role", "nodeSecurityGroupId": "sg-acme-prod-cluster", "oidcIssuerUrl": "https://oidc.eks.eu-west-1.amazonaws.com/id/147147147147147147147147147147", "oidcProviderArn": "arn:aws:iam::222222222222:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/147147147147147147147147147147"},
    "platform-storage": {"accessLogsBucket": "acme-prod-s3-access-222222222222-eu-west-1", "defaultStorageClass": "gp3", "efsFileSystemId": "platform-storage-efs-fs-id", "objectsKmsKeyArn": "arn:aws:kms:eu-west-1:222222222222:key/platform-storage-objects-key", "snapshotClass": "ebs-snapshots", "statefulStorageClass": "gp3-retain"},
    "platform-ingress": {"domain": "platform.acme.example", "gatewayName": "platform", "gatewayNamespace": "platform-gateway", "hostedZoneId": "Z04517273ACMEPLATFORM", "loadBalancerHostname": "k8s-platform-ingress-gateway-0123456789.elb.eu-west-1.amazonaws.com", "nameServers": []},
    "platform-secrets": {"bootstrapSecretArn": "arn:aws:secretsmanager:eu-west-1:222222222222:secret/platform-secrets-bootstrap-secret", "deployerPrincipals": ["arn:aws:iam::222222222222:role/PlatformAdmin", "arn:aws:iam::222222222222:role/pulumi-deployments", "arn:aws:iam::222222222222:role/pulumi-deployments-tenants"], "vaultAddress": "https://vault.platform.acme.example"},
    "platform-sso": {"databaseAddress": "platform-sso-database-instance.offlineplan.eu-west-1.rds.amazonaws.com", "issuerUrl": "https://sso.platform.acme.example/realms/platform"},
    "platform-backup": {"bucketName": "acme-prod-velero-222222222222-eu-west-1", "roleArn": "arn:aws:iam::222222222222:role/platform-backup-identity-role"},
    "platform-registry": {"keyArn": "arn:aws:kms:eu-west-1:222222222222:key/platform-registry-key", "rules": ["docker-hub", "ghcr", "ecr-public", "quay", "k8s"]},
    "platform-policy": {"policies": ["tenant-pod-security-restricted", "tenant-require-requests-limits", "tenant-pinned-images", "tenant-allowed-registries", "tenant-required-labels", "tenant-no-host-access", "tenant-route-hostnames", "tenant-builder-nodes", "tenant-service-external-ips", "tenant-service-account-tokens"]},
    // Prod's tenants run as tenant stacks (OwnStacks): the platform's layers hold none of them, each tenant stack its own.
    "platform-tenants": {"tenants": [], "workloadBoundaryArn": "arn:aws:iam::222222222222:policy/platform-tenants-workload-boundary"},
    "platform-delivery": {"argocdUrl": "https://argocd.platform.acme.example", "projects": []},
    "tenant-team-a-stack": {"tenant": "team-a", "namespaces": ["team-a"], "secretStore": "tenant-team-a", "repositoryUrl": "222222222222.dkr.ecr.eu-west-1.amazonaws.com/team-a/apps", "argocdProject": "team-a", "runnerScaleSet": "team-a-prod"},
    "tenant-payments-stack": {"tenant": "payments", "namespaces": ["payments"], "secretStore": "tenant-payments", "repositoryUrl": "222222222222.dkr.ecr.eu-west-1.amazonaws.com/payments/apps", "argocdProject": "payments", "runnerScaleSet": "payments-prod"},
    "platform-observability": {"grafanaUrl": "https://grafana.platform.acme.example", "lokiPushUrl": "http://loki-gateway.monitoring.svc/loki/api/v1/push", "otlpGrpcEndpoint": "http://otel-collector-opentelemetry-collector.monitoring.svc:4317"},
    "platform-network-flow-logs": {"keyArn": "arn:aws:kms:eu-west-1:222222222222:key/platform-network-flow-logs-key", "logGroupName": "/platform/acme-prod/vpc-flow-logs"},
    "platform-cluster-vpc-cni": identity("platform-cluster-vpc-cni"),
    "platform-cluster-aws-ebs-csi-driver": identity("platform-cluster-aws-ebs-csi-driver"),
    "platform-storage-access-logs": {"arn": "arn:aws:s3:::acme-prod-s3-access-222222222222-eu-west-1", "bucketName": "acme-prod-s3-access-222222222222-eu-west-1"},
    "platform-storage-efs": {"fileSystemId": "platform-storage-efs-fs-id", "storageClassName": "efs"},
    "platform-ingress-zone": {"arn": "arn:aws:route53:::hostedzone/Z04517273ACMEPLATFORM", "nameServers": [], "zoneId": "Z04517273ACMEPLATFORM"},
    "platform-ingress-lbc-identity": identity("platform-ingress-lbc-identity"),
    "platform-ingress-certificates": {"certificate": "platform-gateway"},
    "platform-ingress-external-dns-identity": identity("platform-ingress-external-dns-identity"),
    "platform-secrets-vault": {"address": "https://vault.platform.acme.example", "unsealKeyArn": "arn:aws:kms:eu-west-1:222222222222:key/platform-secrets-vault-unseal-key"},
    "platform-admin-credentials": {"secretArns": {"keycloak": "arn:aws:secretsmanager:eu-west-1:222222222222:secret/platform-admin-credentials-keycloak", "grafana": "arn:aws:secretsmanager:eu-west-1:222222222222:secret/platform-admin-credentials-grafana"}},
    "platform-secrets-bootstrap": {"secretArn": "arn:aws:secretsmanager:eu-west-1:222222222222:secret/platform-secrets-bootstrap-secret"},
    "platform-secrets-config": {"kvMount": "platform"},
    "platform-secrets-external-secrets": {"storeName": "platform-vault"},
    "platform-sso-database": {"address": "platform-sso-database-instance.offlineplan.eu-west-1.rds.amazonaws.com"},
    "platform-sso-keycloak": {"publicUrl": "https://sso.platform.acme.example", "adminUrl": "https://sso-admin.platform.acme.example"},
    "platform-sso-realm": {"issuerUrl": "https://sso.platform.acme.example/realms/platform"},
    "platform-sso-cluster-login": {"identityProviderArn": "arn:aws:eks:eu-west-1:222222222222:identityproviderconfig/platform-sso-cluster-login-identity-provider"},
    "platform-backup-bucket": {"arn": "arn:aws:s3:::acme-prod-velero-222222222222-eu-west-1", "bucketName": "acme-prod-velero-222222222222-eu-west-1", "kmsKeyArn": "arn:aws:kms:eu-west-1:222222222222:key/platform-storage-objects-key", "replicaAccessPolicyArn": "arn:aws:iam::222222222222:policy/platform-backup-bucket-replica-access"},
    "platform-backup-identity": identity("platform-backup-identity"),
    "platform-policy-signature-reader": identity("platform-policy-signature-reader"),
    "tenant-team-a": {"namespaces": ["team-a"], "ciNamespace": "team-a-ci"},
    "tenant-payments": {"namespaces": ["payments"], "ciNamespace": "payments-ci"},
    "tenant-team-a-delivery": {"project": "team-a", "runnerScaleSet": "team-a-prod"},
    "tenant-payments-delivery": {"project": "payments", "runnerScaleSet": "payments-prod"},
    "platform-observability-loki-bucket": { ...bucket("acme-prod-loki-222222222222-eu-west-1"), kmsKeyArn: OBJECTS_KEY },
    "platform-observability-loki-identity": identity("platform-observability-loki-identity"),
    "platform-observability-tempo-bucket": { ...bucket("acme-prod-tempo-222222222222-eu-west-1"), kmsKeyArn: OBJECTS_KEY },
    "platform-observability-tempo-identity": identity("platform-observability-tempo-identity"),
    "platform-storage-efs-csi": identity("platform-storage-efs-csi"),
    "platform-ingress-certificates-gateway-dns01": identity("platform-ingress-certificates-gateway-dns01"),
    "platform-secrets-vault-unseal": identity("platform-secrets-vault-unseal"),
    "platform-secrets-bootstrap-init": identity("platform-secrets-bootstrap-init"),
    "platform-backup-bucket-replica": {"arn": "arn:aws:s3:::acme-prod-velero-222222222222-eu-central-1", "bucketName": "acme-prod-velero-222222222222-eu-central-1", "kmsKeyArn": "arn:aws:kms:eu-central-1:222222222222:key/platform-backup-bucket-replica-key"},
    "tenant-team-a-bucket": { ...bucket("acme-prod-t-team-a-222222222222-eu-west-1"), kmsKeyArn: OBJECTS_KEY },
    "tenant-team-a-delivery-runner": identity("tenant-team-a-delivery-runner"),
    "tenant-payments-delivery-runner": identity("tenant-payments-delivery-runner"),
    "platform-cluster-ng-system": {"nodeGroupNames": ["system-eu-west-1a-49", "system-eu-west-1b-50", "system-eu-west-1c-51"]},
    "platform-cluster-karpenter": {"queueName": "acme-prod-karpenter", "roleArn": "arn:aws:iam::222222222222:role/platform-cluster-karpenter-controller-role"},
    "platform-cluster-karpenter-controller": identity("platform-cluster-karpenter-controller"),
};

describePlan("component outputs: production, in full", "prod", ({ plan }) => {
    const components = () => plan().resources.filter((r) => r.type.startsWith("platform:"));

    it("names every component of the plan, and only those", () => {
        assert.deepStrictEqual(components().map((c) => c.name).sort(), Object.keys(PROD_OUTPUTS).sort());
    });

    for (const [name, outputs] of Object.entries(PROD_OUTPUTS)) {
        it(`${name} registers ${Object.keys(outputs).join(", ")}`, () => {
            assert.deepStrictEqual(components().find((c) => c.name === name)?.registeredOutputs, outputs);
        });
    }
});

describe("component outputs: development @stack", function () {
    this.timeout(120000);
    it("every component registers at least one output", async () => {
        const components = (await committedPlan("dev")).resources.filter((r) => r.type.startsWith("platform:"));
        assert.ok(components.length >= 30, `only ${components.length} components`);
        const silent = components.filter((c) => Object.keys(c.registeredOutputs ?? {}).length === 0).map((c) => c.name);
        assert.deepStrictEqual(silent, []);
    });
});
