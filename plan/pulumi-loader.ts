// TypeScript as Pulumi's Node.js language host compiles a project (@pulumi/pulumi's cmd/run/run.js at the pinned SDK):
// in the project's directory, with the ts-node and compiler the SDK picks (the project's own, else its vendored ones),
// the project's tsconfig.json if it has one (else none: ts-node's defaults), the SDK's target and module options under
// that file's own compilerOptions, and type checking unless the file says noCheck. `npm run check:loader` runs each
// project's program this way; test/pulumi-loader.test.ts holds this file to run.js's source.
import * as fs from "fs";
import * as path from "path";

const SDK_DIR = path.dirname(require.resolve("@pulumi/pulumi/package.json"));

interface TsUtils {
    loadTypeScriptCompilerOptions(tsConfigPath: string): Record<string, unknown>;
    typeScriptRequireStrings(): { tsnodeRequire: string; typescriptRequire: string };
}

/** What the language host gives ts-node for a project directory (run.js, the CommonJS branch: no "type": "module"). */
export interface LoaderOptions {
    readonly compiler: string;
    readonly tsnode: string;
    readonly transpileOnly: boolean | undefined;
    readonly project: string;
    readonly skipProject: boolean;
    readonly compilerOptions: Record<string, unknown>;
}

/** The options run.js registers ts-node with when Pulumi runs the program of `projectDir` (its working directory). */
export function pulumiLoaderOptions(projectDir: string): LoaderOptions {
    const tsutils = require(path.join(SDK_DIR, "tsutils")) as TsUtils;
    // run.js reads "tsconfig.json" relative to the working directory, which is the project's.
    const tsConfigPath = path.join(projectDir, "tsconfig.json");
    const skipProject = !fs.existsSync(tsConfigPath);
    const own = tsutils.loadTypeScriptCompilerOptions(tsConfigPath);
    const { tsnodeRequire, typescriptRequire } = tsutils.typeScriptRequireStrings();
    const ts = require(typescriptRequire) as { version: string };
    const [major, minor] = ts.version.split(".").map(Number);
    const useNodeNext = major > 4 || (major === 4 && minor >= 7);
    return {
        compiler: typescriptRequire,
        tsnode: tsnodeRequire,
        transpileOnly: process.env.PULUMI_NODEJS_TRANSPILE_ONLY ? process.env.PULUMI_NODEJS_TRANSPILE_ONLY === "true" : (own.noCheck as boolean | undefined),
        project: tsConfigPath,
        skipProject,
        compilerOptions: { target: "ES2020", module: useNodeNext ? "nodenext" : "commonjs", moduleResolution: useNodeNext ? "nodenext" : "node", sourceMap: "true", ...own },
    };
}

/** Registers ts-node for `projectDir` as run.js does; once per process (ts-node hooks `.ts` for the whole process). */
export function registerPulumiTypeScript(projectDir: string): LoaderOptions {
    const options = pulumiLoaderOptions(projectDir);
    const { tsnode, ...register } = options;
    (require(tsnode) as { register(o: object): unknown }).register(register);
    return options;
}
