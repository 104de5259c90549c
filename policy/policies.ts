// The whole-platform rules, written once: the policy pack (index.ts), the offline plan and the tests all run this list.
import type { Policies } from "@pulumi/policy";
import { controllerDependencyPolicy, finalizerCleanupPolicy } from "./rules/controllers";
import { keyPolicyPrincipalsPolicy } from "./rules/key-policies";
import { vaultPolicySelfWritePolicy } from "./rules/vault-acl";
import { nameLengthPolicy } from "./rules/names";
import { argocdProjectRolesPolicy } from "./rules/argocd-projects";
import { iamLeastPrivilegePolicy } from "./rules/iam";
import { podIdentityTrustPolicy, tenantIdentityBoundaryPolicy } from "./rules/workload-identity";
import {
    deleteBeforeReplacePolicy,
    helmReleasePolicy,
    kmsKeyRotationPolicy,
    kubernetesProviderPolicy,
    nodeBaselinePolicy,
    prerequisiteOrderPolicy,
    productionDataPolicy,
    resourceTreePolicy,
    s3BucketBaselinePolicy,
} from "./rules/invariants";
import { singleDefaultStorageClassPolicy } from "./rules/storage-classes";
import { retainedAdoptablePolicy, teardownPolicy } from "./rules/teardown";
import { publicExposurePolicy } from "./rules/exposure";
import { unconfinedWorkloadsIsolatedPolicy } from "./rules/builders";
import { noGlobalDefaultPriorityClassPolicy } from "./rules/priority-classes";
import { platformPodsOnSystemNodesPolicy } from "./rules/placement";
import {
    databaseBaselinePolicy,
    eksControlPlanePolicy,
    eksEndpointExposurePolicy,
    kmsKeyDeletionWindowPolicy,
    logRetentionPolicy,
    namespaceBaselinePolicy,
    noPlaintextSecretsPolicy,
    registryBaselinePolicy,
    requiredTagsPolicy,
    securityGroupExposurePolicy,
} from "./rules/baseline";

export const PLATFORM_POLICIES: Policies = [
    nameLengthPolicy,
    keyPolicyPrincipalsPolicy,
    vaultPolicySelfWritePolicy,
    controllerDependencyPolicy,
    finalizerCleanupPolicy,
    singleDefaultStorageClassPolicy,
    kmsKeyRotationPolicy,
    productionDataPolicy,
    retainedAdoptablePolicy,
    teardownPolicy,
    s3BucketBaselinePolicy,
    iamLeastPrivilegePolicy,
    nodeBaselinePolicy,
    helmReleasePolicy,
    kubernetesProviderPolicy,
    prerequisiteOrderPolicy,
    podIdentityTrustPolicy,
    tenantIdentityBoundaryPolicy,
    deleteBeforeReplacePolicy,
    securityGroupExposurePolicy,
    eksEndpointExposurePolicy,
    publicExposurePolicy,
    eksControlPlanePolicy,
    databaseBaselinePolicy,
    logRetentionPolicy,
    registryBaselinePolicy,
    requiredTagsPolicy,
    noPlaintextSecretsPolicy,
    namespaceBaselinePolicy,
    kmsKeyDeletionWindowPolicy,
    resourceTreePolicy,
    argocdProjectRolesPolicy,
    unconfinedWorkloadsIsolatedPolicy,
    noGlobalDefaultPriorityClassPolicy,
    platformPodsOnSystemNodesPolicy,
];
