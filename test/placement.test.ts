import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { CHART_POD_COMPONENTS, CHART_POD_EXEMPT, CHARTS_WITHOUT_PLATFORM_PODS, placeChart, placePod, podPlacement, requiredNodeAffinity } from "../components/shared/placement";
import { placeOperatorTransform } from "../components/sso/keycloak";
import { PROJECT_DIR } from "../plan/engine";

const FIXTURES = path.join(PROJECT_DIR, "test", "fixtures", "charts");
const SYSTEM = { nodeSelector: { "platform.io/node-role": "system" }, tolerations: [{ key: "CriticalAddonsOnly", operator: "Exists" as const }] };

describe("placement: where the platform's pods run", () => {
    it("SystemNodes selects the System group's label and tolerates its taint; AnyNode adds nothing", () => {
        assert.deepStrictEqual(podPlacement("SystemNodes"), SYSTEM);
        assert.deepStrictEqual(podPlacement("AnyNode"), {});
    });

    it("keeps a pod's own selector and tolerations, adds the System ones once", () => {
        const own = { nodeSelector: { "kubernetes.io/os": "linux" }, tolerations: [{ key: "platform.io/builder", operator: "Exists" }], replicas: 2 };
        const placed = placePod(placePod(own, SYSTEM), SYSTEM);
        assert.deepStrictEqual(placed, {
            replicas: 2,
            nodeSelector: { "kubernetes.io/os": "linux", "platform.io/node-role": "system" },
            tolerations: [{ key: "platform.io/builder", operator: "Exists" }, { key: "CriticalAddonsOnly", operator: "Exists" }],
        });
        assert.deepStrictEqual(placePod(own, {}), own);
    });

    it("places each pod component of a chart, nested ones too, and leaves a DaemonSet release alone", () => {
        const vault = placeChart("vault", { server: { ha: { enabled: true } }, injector: { enabled: true } }, SYSTEM) as Record<string, any>;
        assert.deepStrictEqual(vault.server, { ha: { enabled: true }, ...SYSTEM });
        assert.deepStrictEqual(vault.injector, { enabled: true, ...SYSTEM });
        const kps = placeChart("oci://ghcr.io/prometheus-community/charts/kube-prometheus-stack", { prometheus: { prometheusSpec: { replicas: 2 } } }, SYSTEM) as Record<string, any>;
        assert.deepStrictEqual(kps.prometheus.prometheusSpec, { replicas: 2, ...SYSTEM });
        assert.deepStrictEqual(kps.prometheusOperator.admissionWebhooks.patch, SYSTEM);
        assert.deepStrictEqual(placeChart("alloy", { controller: { type: "daemonset" } }, SYSTEM), { controller: { type: "daemonset" } });
        assert.deepStrictEqual((placeChart("alloy", { controller: { type: "deployment" } }, SYSTEM) as Record<string, any>).controller, { type: "deployment", ...SYSTEM });
        assert.throws(() => placeChart("some-new-chart", {}, SYSTEM), /some-new-chart: no pod components known/);
    });

    it("merges the System selector into each zone of Loki's zone-aware ingesters, whose pods get the zone's selector alone", () => {
        const zoned = { ingester: { zoneAwareReplication: { enabled: true, zoneA: { nodeSelector: { "topology.kubernetes.io/zone": "eu-west-1a" } } } } };
        const loki = placeChart("oci://ghcr.io/grafana-community/helm-charts/loki", zoned, SYSTEM) as Record<string, any>;
        assert.deepStrictEqual(loki.ingester.zoneAwareReplication, {
            enabled: true,
            zoneA: { nodeSelector: { "topology.kubernetes.io/zone": "eu-west-1a", "platform.io/node-role": "system" } },
            zoneB: { nodeSelector: { "platform.io/node-role": "system" } },
            zoneC: { nodeSelector: { "platform.io/node-role": "system" } },
        });
        // Zone awareness off: the zones are not rendered, and left alone.
        const plain = placeChart("loki", { ingester: { zoneAwareReplication: { enabled: false } } }, SYSTEM) as Record<string, any>;
        assert.deepStrictEqual(plain.ingester.zoneAwareReplication, { enabled: false });
        assert.deepStrictEqual(placeChart("loki", zoned, {}), zoned);
    });

    it("Keycloak's CR (no nodeSelector field) requires the System label by node affinity", () => {
        assert.deepStrictEqual(requiredNodeAffinity(SYSTEM), {
            nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "platform.io/node-role", operator: "In", values: ["system"] }] }] } },
        });
        assert.strictEqual(requiredNodeAffinity({}), undefined);
    });

    it("the Keycloak operator's Deployment gets the placement from its transform; other kinds do not", () => {
        const t = placeOperatorTransform(SYSTEM);
        const out = t({ type: "kubernetes:apps/v1:Deployment", name: "op", props: { spec: { template: { spec: { containers: [] } } } }, opts: {} } as never) as { props: Record<string, any> };
        assert.deepStrictEqual(out.props.spec.template.spec, { containers: [], ...SYSTEM });
        assert.strictEqual(t({ type: "kubernetes:core/v1:Service", name: "s", props: {}, opts: {} } as never), undefined);
        assert.strictEqual(placeOperatorTransform({})({ type: "kubernetes:apps/v1:Deployment", name: "op", props: {}, opts: {} } as never), undefined);
    });

    describe("every map with tolerations in a pinned chart's values.yaml is placed or exempt (a new pod in a chart bump fails here)", () => {
        const dirs = fs.readdirSync(FIXTURES).filter((d) => fs.existsSync(path.join(FIXTURES, d, "values.yaml")));
        it("reads the chart fixtures", () => assert.ok(dirs.length >= 20, `${dirs.length} chart fixtures`));
        for (const dir of dirs) {
            const chart = dir.replace(/-v?\d+\.\d+\.\d+$/, "");
            if (!CHART_POD_COMPONENTS[chart]) {
                // A chart with no placement table must be one known to run no platform pod (a new chart fails here).
                it(`${chart}: runs no platform pod`, () => assert.ok(CHARTS_WITHOUT_PLATFORM_PODS.has(chart), `${dir}: no placement table and not in CHARTS_WITHOUT_PLATFORM_PODS`));
                continue;
            }
            it(chart, () => {
                const found: string[] = [];
                const walk = (o: unknown, p: string[]) => {
                    if (!o || typeof o !== "object" || Array.isArray(o)) return;
                    for (const [k, v] of Object.entries(o)) {
                        if (k === "tolerations") found.push(p.join("."));
                        walk(v, [...p, k]);
                    }
                };
                walk(YAML.parse(fs.readFileSync(path.join(FIXTURES, dir, "values.yaml"), "utf8")), []);
                assert.ok(found.length > 0, `${dir}: no tolerations anywhere`);
                // A deployment-mode release: the conditional charts list their pods for it.
                const placed = new Set(CHART_POD_COMPONENTS[chart]({ controller: { type: "deployment" }, mode: "deployment" }));
                const missing = found.filter((p) => !placed.has(p) && !(p in (CHART_POD_EXEMPT[chart] ?? {})));
                assert.deepStrictEqual(missing, [], `${dir}: pod components neither placed nor exempt`);
            });
        }
    });

});
