// The AWS Load Balancer Controller's official IAM policy, as published for the pinned release
// (kubernetes-sigs/aws-load-balancer-controller v3.5.0, docs/install/iam_policy.json, unmodified).
// Upgrading the chart means replacing the JSON with the one of the new tag.
import type { PolicyDocument } from "../shared/iam";
import policy from "./load-balancer-controller-iam-policy.json";

export const LOAD_BALANCER_CONTROLLER_POLICY = policy as unknown as PolicyDocument;
