import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_DIR } from "../plan/engine";
import { AddonVersionsResponse, checkAddons, main, pinnedAddons, renderAddonChecks } from "../plan/check-addons";
import { committedPlan } from "./plans";

const SAMPLE = path.join(PROJECT_DIR, "test", "fixtures", "eks", "describe-addon-versions-1.36.json");
const sample = (): AddonVersionsResponse => JSON.parse(fs.readFileSync(SAMPLE, "utf8"));

function capture(run: () => Promise<number>): Promise<{ code: number; out: string; err: string }> {
    const [log, error] = [console.log, console.error];
    let out = "";
    let err = "";
    console.log = (...a: unknown[]) => void (out += `${a.join(" ")}\n`);
    console.error = (...a: unknown[]) => void (err += `${a.join(" ")}\n`);
    return run().then(
        (code) => ((console.log = log), (console.error = error), { code, out, err }),
        (e) => {
            [console.log, console.error] = [log, error];
            throw e;
        },
    );
}

describe("check-addons: pinned EKS add-on builds against what EKS offers", () => {
    const pins = [
        { addonName: "vpc-cni", addonVersion: "v1.22.3-eksbuild.1" },
        { addonName: "eks-pod-identity-agent", addonVersion: "v1.3.10-eksbuild.2" },
        { addonName: "kube-proxy", addonVersion: "v1.36.0-eksbuild.12" },
    ];
    it("finds each pinned build for the cluster's version, names the default and lists what exists for a missing one", () => {
        const checks = checkAddons(sample(), "1.36", pins);
        assert.deepStrictEqual(
            checks.map((c) => [c.addonName, c.found, c.defaultVersion]),
            [
                ["vpc-cni", true, "v1.22.3-eksbuild.1"],
                ["eks-pod-identity-agent", false, "v1.4.1-eksbuild.1"],
                ["kube-proxy", true, "v1.36.0-eksbuild.14"],
            ],
        );
        const text = renderAddonChecks(checks, "1.36", "eu-west-1", "prod");
        assert.match(text, /ok {6}vpc-cni v1\.22\.3-eksbuild\.1 \(the default\)/);
        assert.match(text, /MISSING eks-pod-identity-agent v1\.3\.10-eksbuild\.2 not offered; available: v1\.4\.1-eksbuild\.1, v1\.3\.10-eksbuild\.3, v1\.3\.10-eksbuild\.1 \(default v1\.4\.1-eksbuild\.1\)/);
        assert.match(text, /ok {6}kube-proxy v1\.36\.0-eksbuild\.12 \(default: v1\.36\.0-eksbuild\.14\)/);
    });

    it("does not count a build offered only for another Kubernetes version", () => {
        const [check] = checkAddons(sample(), "1.37", [pins[0]]);
        assert.deepStrictEqual([check.found, check.available], [false, []]);
        assert.match(renderAddonChecks([check], "1.37", "eu-west-1", "x"), /EKS lists no build of vpc-cni for 1\.37/);
    });

    it("reads the cluster version, region and every add-on build from the plan (prod: 7 with EFS) @stack", async () => {
        const pinned = pinnedAddons(await committedPlan("prod"));
        assert.strictEqual(pinned.kubernetesVersion, "1.36");
        assert.strictEqual(pinned.region, "eu-west-1");
        assert.deepStrictEqual(
            pinned.addons.map((a) => a.addonName),
            ["aws-ebs-csi-driver", "aws-efs-csi-driver", "coredns", "eks-pod-identity-agent", "kube-proxy", "snapshot-controller", "vpc-cni"],
        );
        assert.ok(pinned.addons.every((a) => /^v\d+\.\d+\.\d+-eksbuild\.\d+$/.test(a.addonVersion)));
    });

    it("exits 0 when every pinned build is offered, 1 when one is not, 2 on usage errors @stack", async () => {
        const plan = () => committedPlan("prod");
        const ok = await capture(() => main(["--stack", "prod", "--response", SAMPLE], plan));
        assert.strictEqual(ok.code, 0, ok.out + ok.err);
        assert.strictEqual(ok.out.split("\n").filter((l) => l.startsWith("  ok ")).length, 7);
        const withoutEfs = sample();
        const missing = { addons: withoutEfs.addons.filter((a) => a.addonName !== "aws-efs-csi-driver") };
        const file = path.join(fs.mkdtempSync(path.join(require("os").tmpdir(), "addons-")), "r.json");
        fs.writeFileSync(file, JSON.stringify(missing));
        const bad = await capture(() => main(["--stack", "prod", "--response", file], plan));
        assert.strictEqual(bad.code, 1);
        assert.match(bad.out, /MISSING aws-efs-csi-driver v3\.4\.0-eksbuild\.1 not offered; EKS lists no build/);
        assert.strictEqual((await capture(() => main([], plan))).code, 2);
    });
});
