// How many connections Keycloak's pods may open on their RDS PostgreSQL instance: each pod opens a pool of its own
// (Keycloak's db-pool-max-size, 100 unless set; the Keycloak CR's spec.db.poolMaxSize), and the instance takes
// max_connections, by default LEAST({DBInstanceClassMemory/9531392}, 5000) (AWS Prescriptive Guidance, "Tuning
// PostgreSQL parameters: max_connections"). A pool larger than its share is refused connections under load.

/** RDS's default max_connections for PostgreSQL: bytes of DBInstanceClassMemory per connection, and the cap. */
export const RDS_POSTGRES_BYTES_PER_CONNECTION = 9531392;
export const RDS_POSTGRES_MAX_CONNECTIONS_CAP = 5000;

/**
 * DBInstanceClassMemory is the class's memory less what RDS keeps for the OS and its own processes, and AWS publishes
 * no figure for it (RDS user guide, "Maximum number of database connections"). The contract takes three quarters of
 * the nominal memory as a floor: a third party measured 198 connections on a 2 GiB class (db.t2.small), 88% of the
 * nominal 225.
 */
export const DB_CLASS_MEMORY_FLOOR = 0.75;

/**
 * Connections kept out of Keycloak's pools: PostgreSQL's superuser_reserved_connections (3 by default), RDS's own
 * reserved and monitoring sessions, and an operator's psql during an incident.
 */
export const DB_CONNECTION_MARGIN = 10;

/** Keycloak's own default pool (db-pool-max-size): the most a pod is given, however large the class. */
export const KEYCLOAK_POOL_DEFAULT = 100;

/** The smallest pool a Keycloak pod is run with: below it a burst of logins queues on the pool (the platform's floor). */
export const KEYCLOAK_POOL_FLOOR = 20;

const GIB = 1024 ** 3;

/** The burstable classes' memory in GiB, by size (RDS "Hardware specifications for DB instance classes"). */
const BURSTABLE_GIB: Readonly<Record<string, number>> = { micro: 1, small: 2, medium: 4, large: 8, xlarge: 16, "2xlarge": 32 };
/** GiB per vCPU of the general-purpose (m) and memory-optimised (r, x2) families. */
const GIB_PER_VCPU: Readonly<Record<string, number>> = { m: 4, r: 8, x2: 16 };

/** vCPUs of a size: medium 1, large 2, xlarge 4, <n>xlarge 4n; undefined otherwise (metal, micro, ...). */
function vcpusOf(size: string): number | undefined {
    if (size === "medium") return 1;
    if (size === "large") return 2;
    const m = /^(\d*)xlarge$/.exec(size);
    return m ? 4 * Number(m[1] || 1) : undefined;
}

/** Nominal memory of a DB instance class in GiB (db.<family>.<size>); undefined for a family the table does not know. */
export function dbClassMemoryGiB(instanceClass: string): number | undefined {
    const m = /^db\.([a-z0-9]+)\.([a-z0-9]+)$/.exec(instanceClass);
    if (!m) return undefined;
    const [, family, size] = m;
    if (/^t[34]g?$/.test(family)) return BURSTABLE_GIB[size];
    const perVcpu = /^x2/.test(family) ? GIB_PER_VCPU.x2 : /^[mr]\d/.test(family) ? GIB_PER_VCPU[family[0]] : undefined;
    const vcpus = vcpusOf(size);
    return perVcpu === undefined || vcpus === undefined ? undefined : perVcpu * vcpus;
}

/** The least max_connections the class's default parameter group gives (memory taken at its floor). */
export function rdsPostgresMaxConnections(instanceClass: string): number | undefined {
    const gib = dbClassMemoryGiB(instanceClass);
    if (gib === undefined) return undefined;
    return Math.min(Math.floor((gib * GIB * DB_CLASS_MEMORY_FLOOR) / RDS_POSTGRES_BYTES_PER_CONNECTION), RDS_POSTGRES_MAX_CONNECTIONS_CAP);
}

/**
 * Each Keycloak pod's pool: the instance's connections less the margin, shared by the pods, at most Keycloak's default.
 * Undefined when the class is unknown. The operator's StatefulSet replaces pods one at a time, so no more than
 * `instances` pools are open at once.
 */
export function keycloakPoolMaxSize(instanceClass: string, instances: number): number | undefined {
    const max = rdsPostgresMaxConnections(instanceClass);
    if (max === undefined) return undefined;
    return Math.min(Math.floor((max - DB_CONNECTION_MARGIN) / instances), KEYCLOAK_POOL_DEFAULT);
}
