// `pulumi up` in tenant/: one tenant's stack. Pulumi runs the program in the project's directory.
import * as pulumi from "@pulumi/pulumi";
import { tenantProgram } from "./program";

export = tenantProgram(pulumi.runtime.getRootDirectory() || process.cwd());
