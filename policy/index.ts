// Entry point of the policy pack (`pulumi preview --policy-pack policy`). The rules live in ./policies.
import { PolicyPack } from "@pulumi/policy";
import { PLATFORM_POLICIES } from "./policies";

new PolicyPack("platform", { policies: PLATFORM_POLICIES, enforcementLevel: "mandatory" });
