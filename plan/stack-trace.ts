// Program errors point at the TypeScript that threw: maps `file.js:line:column` frames of the compiled program through
// the source maps tsc wrote next to them (applying source maps to every stack during a plan would cost a quarter of it).
import * as fs from "fs";
import { SourceMap } from "module";

const cache = new Map<string, SourceMap | undefined>();

function sourceMapOf(file: string): SourceMap | undefined {
    if (!cache.has(file)) {
        const mapFile = `${file}.map`;
        cache.set(file, fs.existsSync(mapFile) ? new SourceMap(JSON.parse(fs.readFileSync(mapFile, "utf8"))) : undefined);
    }
    return cache.get(file);
}

/** The stack with each compiled frame that has a source map replaced by its TypeScript file, line and column. */
export function mapStack(stack: string, resolve: (from: string, to: string) => string = (from, to) => new URL(to, `file://${from}`).pathname): string {
    return stack.replace(/(\/[^\s():]+\.js):(\d+):(\d+)/g, (frame, file: string, line: string, column: string) => {
        const entry = sourceMapOf(file)?.findEntry(Number(line) - 1, Number(column) - 1) as
            | { originalSource?: string; originalLine?: number; originalColumn?: number }
            | undefined;
        if (!entry?.originalSource || entry.originalLine === undefined) return frame;
        return `${resolve(file, entry.originalSource)}:${entry.originalLine + 1}:${(entry.originalColumn ?? 0) + 1}`;
    });
}
