// Route 53 permissions of the ACME DNS-01 accounts and external-dns, scoped to the platform's hosted zone.
import { PolicyDocument, policyDocument } from "../shared/iam";

/** The TXT record an ACME DNS-01 challenge for `name` writes (a wildcard's is its base domain's). */
export const acmeChallengeRecord = (name: string) => `_acme-challenge.${name.replace(/^\*\./, "")}`;

/** DNS-01 for exactly these certificate names: their _acme-challenge TXT records, in this zone only. */
export function acmeDns01Policy(partition: string, zoneArn: string, dnsNames: readonly string[]): PolicyDocument {
    const records = [...new Set(dnsNames.map(acmeChallengeRecord))];
    return policyDocument(
        { Sid: "PollChanges", Effect: "Allow", Action: "route53:GetChange", Resource: `arn:${partition}:route53:::change/*` },
        {
            Sid: "AcmeChallengeRecords",
            Effect: "Allow",
            Action: "route53:ChangeResourceRecordSets",
            Resource: zoneArn,
            Condition: {
                "ForAllValues:StringEquals": { "route53:ChangeResourceRecordSetsRecordTypes": ["TXT"], "route53:ChangeResourceRecordSetsNormalizedRecordNames": records },
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
