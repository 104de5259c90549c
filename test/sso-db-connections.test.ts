// Keycloak's connection pools against RDS PostgreSQL's default max_connections (components/sso/db-connections.ts).
// Expected numbers are worked out by hand: max_connections = floor(GiB x 2^30 x 0.75 / 9531392), capped at 5000.
import * as assert from "assert";
import { dbClassMemoryGiB, keycloakPoolMaxSize, rdsPostgresMaxConnections } from "../components/sso/db-connections";
import { parsePlatformConfig } from "../stacks/config";
import { PROJECT_DIR } from "../plan/engine";
import { readStackConfig } from "../plan/stack-files";
import { committedPlan } from "./plans";

describe("sso: the database's connections and Keycloak's pools", () => {
    const memory: [string, number | undefined][] = [
        ["db.t4g.micro", 1],
        ["db.t4g.small", 2],
        ["db.t3.medium", 4],
        ["db.t4g.2xlarge", 32],
        ["db.m7g.large", 8],
        ["db.m6i.2xlarge", 32],
        ["db.r7g.xlarge", 32],
        ["db.r8gd.24xlarge", 768],
        ["db.x2g.large", 32],
        ["db.z1d.large", undefined],
        ["db.m7g.metal", undefined],
        ["db.t4g.nano", undefined],
    ];
    for (const [cls, gib] of memory) it(`${cls}: ${gib ?? "unknown"} GiB`, () => assert.strictEqual(dbClassMemoryGiB(cls), gib));

    it("takes three quarters of the memory per 9531392 bytes, capped at 5000", () => {
        // 1 GiB: 805306368 / 9531392 = 84.49; 2 GiB: 168.98; 8 GiB: 675.96; 768 GiB: 64,893 > 5000.
        assert.deepStrictEqual(["db.t4g.micro", "db.t4g.small", "db.m7g.large", "db.r8gd.24xlarge", "db.z1d.large"].map(rdsPostgresMaxConnections), [84, 168, 675, 5000, undefined]);
    });

    it("shares what is left after 10 for administrators among the pods, at most Keycloak's 100 each", () => {
        const cases: [string, number, number | undefined][] = [
            ["db.t4g.micro", 1, 74], // (84 - 10) / 1
            ["db.t4g.micro", 3, 24], // 74 / 3 = 24.7
            ["db.t4g.micro", 4, 18], // 74 / 4 = 18.5: under the floor of 20, refused by the schema
            ["db.t4g.small", 2, 79], // (168 - 10) / 2
            ["db.m7g.large", 2, 100], // 665 / 2 = 332, Keycloak's default caps it
            ["db.z1d.large", 1, undefined],
        ];
        for (const [cls, n, pool] of cases) assert.strictEqual(keycloakPoolMaxSize(cls, n), pool, `${cls} x ${n}`);
    });

    it("accepts three pods on db.t4g.micro and refuses the fourth", () => {
        const dev = readStackConfig(PROJECT_DIR, "dev").config;
        const sso = JSON.parse(dev["platform:sso"]);
        const withInstances = (n: number) => ({ ...dev, "platform:sso": JSON.stringify({ ...sso, keycloak: { ...sso.keycloak, instances: n }, database: { ...sso.database, instanceClass: "db.t4g.micro" } }) });
        assert.strictEqual(parsePlatformConfig(withInstances(3), "platform").sso.keycloak.instances, 3);
        assert.throws(() => parsePlatformConfig(withInstances(4), "platform"), /platform:sso\.keycloak\.instances: expected at most 3 instance\(s\) on db\.t4g\.micro/);
    });

    for (const [stack, cls, instances, pool] of [["dev", "db.t4g.micro", 1, 74], ["prod", "db.t4g.small", 2, 79]] as const) {
        it(`${stack}: the Keycloak CR asks for ${instances} x a pool of ${pool} on ${cls}, within its connections @stack`, async function () {
            this.timeout(120000);
            const plan = await committedPlan(stack);
            const cr = plan.resources.find((r) => r.type === "kubernetes:k8s.keycloak.org/v2alpha1:Keycloak")!;
            const db = plan.resources.find((r) => r.type === "aws:rds/instance:Instance")!;
            const spec = cr.inputs.spec as { instances: number; db: { poolMaxSize: number } };
            assert.deepStrictEqual([db.inputs.instanceClass, spec.instances, spec.db.poolMaxSize], [cls, instances, pool]);
            // The contract itself: pods x pool + the margin within max_connections (84 for micro, 168 for small).
            assert.ok(instances * pool + 10 <= (cls === "db.t4g.micro" ? 84 : 168));
        });
    }
});
