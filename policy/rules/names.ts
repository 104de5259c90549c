// AWS physical-name limits. The mock runtime accepts any name; AWS (and pulumi-aws's auto-namer) do not.
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";

/** Pulumi auto-naming appends "-" and 7 random hex characters to the logical name. */
export const AUTONAME_SUFFIX_LENGTH = 8;
/** Terraform's `namePrefix` appends a 26-character unique id (timestamp + counter). */
export const NAME_PREFIX_SUFFIX_LENGTH = 26;

export interface NameRule {
    /** Input holding the physical name. */
    readonly property: string;
    /** Input holding a name prefix, where the type has one. */
    readonly prefixProperty?: string;
    /** AWS's documented maximum length. */
    readonly maxLength: number;
    /** Whether pulumi-aws names the resource from its logical name when `property` is omitted. */
    readonly autoNamed: boolean;
    /**
     * Characters auto-naming adds to the logical name.
     * @default AUTONAME_SUFFIX_LENGTH
     */
    readonly autoNameSuffix?: number;
}

/**
 * One row per AWS type whose name is limited (AWS API references; pulumi-aws provider/resource_overrides.go for
 * auto-naming). A type the program starts using gets its row here: the policy refuses AWS types without one.
 */
export const NAME_LIMITS: Readonly<Record<string, NameRule>> = {
    "aws:iam/role:Role": { property: "name", prefixProperty: "namePrefix", maxLength: 64, autoNamed: true },
    "aws:iam/policy:Policy": { property: "name", prefixProperty: "namePrefix", maxLength: 128, autoNamed: true },
    "aws:iam/rolePolicy:RolePolicy": { property: "name", prefixProperty: "namePrefix", maxLength: 128, autoNamed: true },
    "aws:iam/instanceProfile:InstanceProfile": { property: "name", prefixProperty: "namePrefix", maxLength: 128, autoNamed: true },
    "aws:cloudwatch/eventRule:EventRule": { property: "name", prefixProperty: "namePrefix", maxLength: 64, autoNamed: true },
    "aws:cloudwatch/eventTarget:EventTarget": { property: "targetId", maxLength: 64, autoNamed: true },
    "aws:cloudwatch/logGroup:LogGroup": { property: "name", prefixProperty: "namePrefix", maxLength: 512, autoNamed: true },
    "aws:sqs/queue:Queue": { property: "name", prefixProperty: "namePrefix", maxLength: 80, autoNamed: true },
    "aws:lb/loadBalancer:LoadBalancer": { property: "name", prefixProperty: "namePrefix", maxLength: 32, autoNamed: true },
    "aws:lb/targetGroup:TargetGroup": { property: "name", prefixProperty: "namePrefix", maxLength: 32, autoNamed: true },
    // RDS auto-names without a separator: the logical name and 7 random characters.
    "aws:rds/instance:Instance": { property: "identifier", prefixProperty: "identifierPrefix", maxLength: 63, autoNamed: true, autoNameSuffix: 7 },
    "aws:rds/subnetGroup:SubnetGroup": { property: "name", prefixProperty: "namePrefix", maxLength: 255, autoNamed: true },
    "aws:rds/parameterGroup:ParameterGroup": { property: "name", prefixProperty: "namePrefix", maxLength: 255, autoNamed: true },
    "aws:s3/bucket:Bucket": { property: "bucket", prefixProperty: "bucketPrefix", maxLength: 63, autoNamed: true },
    "aws:s3/bucketV2:BucketV2": { property: "bucket", prefixProperty: "bucketPrefix", maxLength: 63, autoNamed: true },
    "aws:kms/alias:Alias": { property: "name", prefixProperty: "namePrefix", maxLength: 256, autoNamed: false },
    "aws:route53/zone:Zone": { property: "name", maxLength: 1024, autoNamed: true },
    "aws:eks/cluster:Cluster": { property: "name", maxLength: 100, autoNamed: true },
    "aws:eks/nodeGroup:NodeGroup": { property: "nodeGroupName", prefixProperty: "nodeGroupNamePrefix", maxLength: 63, autoNamed: true },
    "aws:efs/fileSystem:FileSystem": { property: "creationToken", maxLength: 64, autoNamed: true },
    "aws:ec2/launchTemplate:LaunchTemplate": { property: "name", prefixProperty: "namePrefix", maxLength: 128, autoNamed: true },
    "aws:ec2/securityGroup:SecurityGroup": { property: "name", prefixProperty: "namePrefix", maxLength: 255, autoNamed: true },
    "aws:secretsmanager/secret:Secret": { property: "name", prefixProperty: "namePrefix", maxLength: 512, autoNamed: true },
    "aws:ecr/repository:Repository": { property: "name", maxLength: 256, autoNamed: true },
    // ECR's repository prefix of a cache: 2-30 characters (CreatePullThroughCacheRule); a template names the same prefix.
    "aws:ecr/pullThroughCacheRule:PullThroughCacheRule": { property: "ecrRepositoryPrefix", maxLength: 30, autoNamed: false },
    "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate": { property: "prefix", maxLength: 30, autoNamed: false },
    // Helm refuses release names over 53 characters; pulumi-kubernetes auto-names a Release from its logical name.
    "kubernetes:helm.sh/v3:Release": { property: "name", maxLength: 53, autoNamed: true, autoNameSuffix: 9 },
};

/** Names inside a chart's values that the chart itself limits (its templates `fail` on longer ones). */
export const CHART_VALUE_NAME_LIMITS: readonly { readonly chart: string; readonly path: readonly string[]; readonly maxLength: number; readonly source: string }[] = [
    { chart: "gha-runner-scale-set", path: ["runnerScaleSetName"], maxLength: 45, source: "gha-runner-scale-set 0.14.2 templates/autoscalingrunnerset.yaml" },
];

/** AWS types whose identity is not a name the program chooses (ids, associations, settings of another resource). */
export const NAMELESS_TYPES: ReadonlySet<string> = new Set([
    "aws:ec2/vpc:Vpc", "aws:ec2/subnet:Subnet", "aws:ec2/eip:Eip", "aws:ec2/internetGateway:InternetGateway", "aws:ec2/natGateway:NatGateway",
    "aws:ec2/routeTable:RouteTable", "aws:ec2/route:Route", "aws:ec2/routeTableAssociation:RouteTableAssociation", "aws:ec2/subnetCidrReservation:SubnetCidrReservation",
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "aws:ec2/vpcEndpoint:VpcEndpoint", "aws:ec2/flowLog:FlowLog",
    // The NAT instance and its interface: EC2 ids, named only by their Name tag.
    "aws:ec2/networkInterface:NetworkInterface", "aws:ec2/instance:Instance",
    "aws:kms/key:Key", "aws:secretsmanager/secretPolicy:SecretPolicy", "aws:ecr/lifecyclePolicy:LifecyclePolicy", "aws:secretsmanager/secretVersion:SecretVersion", "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls", "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    "aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketLogging:BucketLogging", "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "aws:s3/bucketPolicy:BucketPolicy",
    "aws:s3/bucketReplicationConfig:BucketReplicationConfig", "aws:efs/backupPolicy:BackupPolicy", "aws:efs/mountTarget:MountTarget",
    "aws:eks/accessEntry:AccessEntry", "aws:eks/accessPolicyAssociation:AccessPolicyAssociation", "aws:eks/addon:Addon",
    "aws:eks/podIdentityAssociation:PodIdentityAssociation", "aws:sqs/queuePolicy:QueuePolicy", "aws:route53/record:Record",
    // Named inside its oidc block; EKS documents no length limit for it (the SSO layer fixes "keycloak").
    "aws:eks/identityProviderConfig:IdentityProviderConfig",
]);

/** The longest physical name a resource can get, and where it comes from; undefined when not known offline. */
export function longestName(r: Pick<PolicyResource, "type" | "name" | "props">, rule: NameRule): { length: number; from: string } | undefined {
    const explicit = r.props[rule.property];
    if (typeof explicit === "string") return explicit.startsWith("[") ? undefined : { length: explicit.length, from: `${rule.property} ${JSON.stringify(explicit)}` };
    const prefix = rule.prefixProperty ? r.props[rule.prefixProperty] : undefined;
    if (typeof prefix === "string") return { length: prefix.length + NAME_PREFIX_SUFFIX_LENGTH, from: `${rule.prefixProperty} ${JSON.stringify(prefix)} + ${NAME_PREFIX_SUFFIX_LENGTH} generated characters` };
    const suffix = rule.autoNameSuffix ?? AUTONAME_SUFFIX_LENGTH;
    if (rule.autoNamed) return { length: r.name.length + suffix, from: `auto-name ${JSON.stringify(r.name)} + ${suffix} random characters` };
    return undefined;
}

export const nameLengthPolicy: StackValidationPolicy = {
    name: "aws-name-length",
    description: "Every AWS physical name (given, prefixed or auto-named) fits the limit AWS documents for its type; every Helm release name fits Helm's 53.",
    enforcementLevel: "mandatory",
    validateStack: ({ resources }, report) => {
        for (const r of resources) {
            for (const limit of r.type === "kubernetes:helm.sh/v3:Release" ? CHART_VALUE_NAME_LIMITS : []) {
                if (typeof r.props.chart !== "string" || r.props.chart.split("/").pop() !== limit.chart) continue;
                const value = limit.path.reduce<unknown>((v, k) => (v !== null && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined), r.props.values);
                if (typeof value === "string" && value.length > limit.maxLength) {
                    report(`${limit.chart} values.${limit.path.join(".")} ${JSON.stringify(value)} has ${value.length} characters; the chart refuses more than ${limit.maxLength} (${limit.source})`, r.urn);
                }
            }
            const rule = NAME_LIMITS[r.type];
            if (!rule) {
                if (r.type.startsWith("aws:") && !NAMELESS_TYPES.has(r.type)) {
                    report(`${r.type} has no row in NAME_LIMITS (policy/rules/names.ts): add its name property and AWS's limit, or list it as nameless`, r.urn);
                }
                continue;
            }
            const longest = longestName(r, rule);
            if (longest && longest.length > rule.maxLength) {
                report(`${r.type} name can reach ${longest.length} characters (${longest.from}); AWS allows ${rule.maxLength}. Give it a shorter explicit name.`, r.urn);
            }
        }
    },
};
