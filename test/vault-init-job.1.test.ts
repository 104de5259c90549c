// Shard 1 of the vault-init Job harness (test/vault-init-job.ts): npm run test:harness runs each shard's stack files
// in a process of its own, so the harness uses both cores.
import { vaultInitJobSuites } from "./vault-init-job";

vaultInitJobSuites(1);
