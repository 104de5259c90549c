// `pulumi up` in contract/: the platform's outputs contract in a stack teams may read. Pulumi runs it in this directory.
import { contractProgram } from "./program";

export = contractProgram();
