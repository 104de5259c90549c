// Route 53 permissions of cert-manager and external-dns, scoped to the platform's hosted zone.
import { PolicyDocument, policyDocument } from "../shared/iam";

/** DNS-01: TXT records under _acme-challenge of the domain, in this zone only. */
export function certManagerPolicy(partition: string, zoneArn: string, domain: string): PolicyDocument {
    return policyDocument(
        { Sid: "PollChanges", Effect: "Allow", Action: "route53:GetChange", Resource: `arn:${partition}:route53:::change/*` },
        {
            Sid: "AcmeChallengeRecords",
            Effect: "Allow",
            Action: "route53:ChangeResourceRecordSets",
            Resource: zoneArn,
            Condition: {
                "ForAllValues:StringEquals": { "route53:ChangeResourceRecordSetsRecordTypes": ["TXT"] },
                "ForAllValues:StringLike": { "route53:ChangeResourceRecordSetsNormalizedRecordNames": [`_acme-challenge.${domain}`, `_acme-challenge.*.${domain}`] },
            },
        },
        { Sid: "ReadZone", Effect: "Allow", Action: "route53:ListResourceRecordSets", Resource: zoneArn },
        { Sid: "FindZone", Effect: "Allow", Action: "route53:ListHostedZonesByName", Resource: "*" },
    );
}

/** Records for published routes (and their TXT ownership records), in this zone only. */
export function externalDnsPolicy(zoneArn: string): PolicyDocument {
    return policyDocument(
        { Sid: "ChangeRecords", Effect: "Allow", Action: "route53:ChangeResourceRecordSets", Resource: zoneArn },
        { Sid: "ReadZone", Effect: "Allow", Action: ["route53:ListResourceRecordSets", "route53:ListTagsForResources"], Resource: zoneArn },
        { Sid: "FindZones", Effect: "Allow", Action: "route53:ListHostedZones", Resource: "*" },
    );
}
