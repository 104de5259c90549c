// Inputs whose change makes the provider replace the resource (terraform-provider-aws ForceNew, which pulumi-aws
// follows). The plan diff marks such changes, and refuses those that would replace what must never be replaced.
import type { PlannedResource } from "./engine";

/** Per AWS type, the input paths (dotted, from the resource's inputs) whose change forces replacement. */
export const REPLACEMENT_FIELDS: Readonly<Record<string, readonly string[]>> = {
    "aws:eks/cluster:Cluster": [
        "name", "roleArn", "bootstrapSelfManagedAddons", "accessConfig.bootstrapClusterCreatorAdminPermissions",
        "kubernetesNetworkConfig.serviceIpv4Cidr", "kubernetesNetworkConfig.ipFamily",
    ],
    "aws:eks/nodeGroup:NodeGroup": [
        "clusterName", "nodeGroupName", "nodeGroupNamePrefix", "nodeRoleArn", "subnetIds", "amiType", "capacityType", "instanceTypes",
        "diskSize", "remoteAccess", "launchTemplate.id", "launchTemplate.name",
    ],
    "aws:kms/key:Key": ["customerMasterKeySpec", "keyUsage", "multiRegion", "customKeyStoreId"],
    "aws:s3/bucket:Bucket": ["bucket", "bucketPrefix"],
    "aws:iam/role:Role": ["name", "namePrefix", "path"],
    "aws:cloudwatch/logGroup:LogGroup": ["name", "namePrefix", "logGroupClass"],
    "aws:cloudwatch/eventRule:EventRule": ["name", "namePrefix", "eventBusName"],
    "aws:sqs/queue:Queue": ["name", "namePrefix", "fifoQueue"],
    "aws:eks/accessEntry:AccessEntry": ["clusterName", "principalArn", "type"],
    "aws:eks/podIdentityAssociation:PodIdentityAssociation": ["clusterName", "namespace", "serviceAccount"],
    "aws:ec2/subnet:Subnet": ["vpcId", "cidrBlock", "availabilityZone", "availabilityZoneId"],
    "aws:ec2/vpc:Vpc": ["cidrBlock"],
    "aws:efs/fileSystem:FileSystem": ["creationToken", "encrypted", "kmsKeyId", "performanceMode"],
    "aws:route53/zone:Zone": ["name", "delegationSetId"],
    "aws:rds/instance:Instance": ["identifier", "identifierPrefix", "engine", "dbName", "username", "kmsKeyId", "storageEncrypted", "availabilityZone", "snapshotIdentifier"],
    "aws:rds/parameterGroup:ParameterGroup": ["name", "namePrefix", "family"],
    "aws:secretsmanager/secret:Secret": ["name", "namePrefix"],
    // Encryption is fixed when a repository is created (ECR has no call to change it).
    "aws:ecr/repository:Repository": ["name", "encryptionConfigurations"],
    "aws:ecr/pullThroughCacheRule:PullThroughCacheRule": ["ecrRepositoryPrefix", "upstreamRegistryUrl", "upstreamRepositoryPrefix"],
    "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate": ["prefix"],
    "aws:eks/identityProviderConfig:IdentityProviderConfig": ["clusterName", "oidc"],
};

/** Types no stack change may replace, protected or not: replacing them loses the platform (or its data). */
export const NEVER_REPLACED: ReadonlySet<string> = new Set(["aws:eks/cluster:Cluster", "aws:ec2/vpc:Vpc", "aws:efs/fileSystem:FileSystem", "aws:rds/instance:Instance", "aws:ecr/repository:Repository"]);

/** The changed diff paths (`inputs.a.b[0]`) of a resource of `type` that force its replacement. */
export function replacingPaths(type: string, changedPaths: readonly string[]): string[] {
    const fields = REPLACEMENT_FIELDS[type] ?? [];
    return changedPaths.filter((p) => fields.some((f) => p === `inputs.${f}` || p.startsWith(`inputs.${f}.`) || p.startsWith(`inputs.${f}[`) || p.startsWith(`inputs.${f}{}`)));
}

/** Whether replacing `r` must be refused: protected (data or the control plane) or of a never-replaced type. */
export const replacementRefused = (r: Pick<PlannedResource, "type" | "protect">) => r.protect || NEVER_REPLACED.has(r.type);

/** Updates AWS rejects outright although they do not replace the resource, and why. */
export const REJECTED_UPDATES: Readonly<Record<string, readonly { readonly field: string; readonly reason: string }[]>> = {
    "aws:eks/cluster:Cluster": [{ field: "vpcConfig.subnetIds", reason: "EKS accepts control-plane subnets only in the zones the cluster was created in" }],
};

/** The changed diff paths that touch a field AWS refuses to update, with the reason. */
export function rejectedPaths(type: string, changedPaths: readonly string[]): string[] {
    return (REJECTED_UPDATES[type] ?? [])
        .filter(({ field }) => changedPaths.some((p) => p === `inputs.${field}` || p.startsWith(`inputs.${field}.`) || p.startsWith(`inputs.${field}[`)))
        .map(({ field, reason }) => `${field} (${reason})`);
}
