// Exactly one default StorageClass, and none assumed to exist: EKS 1.30+ no longer marks (and may not create) gp2.
import type { StackValidationPolicy } from "@pulumi/policy";
import { DEFAULT_CLASS_ANNOTATION } from "../../components/storage/storage-classes";
const CLASS = "kubernetes:storage.k8s.io/v1:StorageClass";
const PATCH = "kubernetes:storage.k8s.io/v1:StorageClassPatch";

export const singleDefaultStorageClassPolicy: StackValidationPolicy = {
    name: "one-default-storage-class",
    description: "The platform defines exactly one default StorageClass and never patches a class it did not create.",
    enforcementLevel: "mandatory",
    validateStack: ({ resources }, report) => {
        const classes = resources.filter((r) => r.type === CLASS);
        const defaults = classes.filter((r) => r.props.metadata?.annotations?.[DEFAULT_CLASS_ANNOTATION] === "true");
        // A stack without classes (no cluster yet) needs no default; a patch is refused either way.
        if (classes.length > 0 && defaults.length !== 1) {
            report(`expected exactly one default StorageClass, found ${defaults.length}: ${defaults.map((r) => r.props.metadata.name).join(", ") || "none"}`);
        }
        const created = new Set(classes.map((r) => r.props.metadata?.name));
        for (const patch of resources.filter((r) => r.type === PATCH)) {
            if (!created.has(patch.props.metadata?.name)) {
                report(`StorageClassPatch of ${patch.props.metadata?.name}: a class this program does not create may not exist, and patching a missing object fails`, patch.urn);
            }
        }
    },
};
