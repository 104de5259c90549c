// Discovery tags on subnets: the AWS Load Balancer Controller and Karpenter find subnets by these.
import { SubnetTier } from "./cidr";

export function subnetTags(tier: SubnetTier, clusterName: string): Record<string, string> {
    const tierTag = { "platform.io/subnet-tier": tier };
    switch (tier) {
        case "public":
            return { ...tierTag, "kubernetes.io/role/elb": "1", [`kubernetes.io/cluster/${clusterName}`]: "shared" };
        case "private":
            return {
                ...tierTag,
                "kubernetes.io/role/internal-elb": "1",
                [`kubernetes.io/cluster/${clusterName}`]: "shared",
                // Karpenter's EC2NodeClass selects subnets by this tag.
                "karpenter.sh/discovery": clusterName,
            };
        case "isolated":
            return tierTag; // never used by Kubernetes
    }
}
