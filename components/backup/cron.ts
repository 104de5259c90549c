// Velero schedules, parsed the way Velero parses them: robfig/cron v3 `ParseStandard` (velero v1.18
// pkg/controller/schedule_controller.go). No JavaScript library follows that grammar exactly (they accept
// L, #, W, H or day-of-week 7, which Velero rejects as FailedValidation), so it is written out here.
import { durationHours } from "./schedules";

interface FieldBounds {
    readonly name: string;
    readonly min: number;
    readonly max: number;
    readonly names?: readonly string[];
}

const FIELDS: readonly FieldBounds[] = [
    { name: "minute", min: 0, max: 59 },
    { name: "hour", min: 0, max: 23 },
    { name: "day-of-month", min: 1, max: 31 },
    { name: "month", min: 1, max: 12, names: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"] },
    { name: "day-of-week", min: 0, max: 6, names: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] },
];

/** The descriptors robfig/cron accepts, as the five-field schedule each stands for. */
export const CRON_DESCRIPTORS: Readonly<Record<string, string>> = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
};

/** A parsed schedule: allowed values per field; day fields written as `*`/`?` combine with AND, else with OR. */
export interface CronSchedule {
    readonly fields: readonly (readonly boolean[])[];
    readonly dayOfMonthStar: boolean;
    readonly dayOfWeekStar: boolean;
}

export type ParsedCron = { readonly schedule: CronSchedule } | { readonly everyMinutes: number } | { readonly error: string };

/** robfig's parseIntOrName: a field's name, or a non-negative integer as Go's strconv.Atoi reads it. */
function parseNumber(text: string, field: FieldBounds): number | string {
    const named = field.names?.indexOf(text.toLowerCase()) ?? -1;
    if (named >= 0) return named + (field.name === "month" ? 1 : 0);
    if (!/^\+?\d+$/.test(text)) return `${field.name} ${JSON.stringify(text)} is not a number${field.names ? " or name" : ""}`;
    return Number(text);
}

/** One comma-separated part (robfig getRange): `*`/`?` or `n` or `a-b`, each optionally `/step` (`n/step` runs to the maximum). */
function parsePart(part: string, field: FieldBounds, allowed: boolean[]): { star: boolean } | string {
    const [range, step, ...more] = part.split("/");
    if (more.length > 0) return `too many slashes in ${field.name} ${JSON.stringify(part)}`;
    const bounds = range.split("-");
    let start: number;
    let end: number;
    let star = false;
    if (bounds[0] === "*" || bounds[0] === "?") {
        [start, end, star] = [field.min, field.max, true];
    } else {
        if (bounds.length > 2) return `too many hyphens in ${field.name} ${JSON.stringify(part)}`;
        const parsed = bounds.map((b) => parseNumber(b, field));
        const problem = parsed.find((p) => typeof p === "string");
        if (problem !== undefined) return problem as string;
        start = parsed[0] as number;
        end = bounds.length === 2 ? (parsed[1] as number) : start;
    }
    let stepValue = 1;
    if (step !== undefined) {
        const parsedStep = parseNumber(step, { ...field, names: undefined });
        if (typeof parsedStep === "string") return `step of ${field.name} ${JSON.stringify(part)} must be a number`;
        stepValue = parsedStep;
        if (bounds.length === 1) end = field.max;
        if (stepValue > 1) star = false;
    }
    if (start < field.min || end > field.max) return `${field.name} ${JSON.stringify(part)} is outside ${field.min}-${field.max}`;
    if (start > end) return `${field.name} range ${JSON.stringify(part)} starts after it ends`;
    if (stepValue === 0) return `step of ${field.name} ${JSON.stringify(part)} must be a positive number`;
    for (let v = start; v <= end; v += stepValue) allowed[v] = true;
    return { star };
}

/** Parses a schedule exactly as robfig/cron v3 ParseStandard does (no trimming); the error names the field and the problem. */
export function parseCron(expression: string): ParsedCron {
    if (expression === "") return { error: "expected a schedule; got an empty string" };
    if (/^(CRON_)?TZ=/.test(expression)) return { error: "expected no CRON_TZ/TZ prefix: platform schedules are written in UTC" };
    if (expression.startsWith("@")) {
        if (expression.startsWith("@every ")) {
            const hours = durationHours(expression.slice("@every ".length));
            return hours !== undefined && hours > 0 ? { everyMinutes: hours * 60 } : { error: "expected @every with a positive Go duration like 1h30m" };
        }
        const standard = CRON_DESCRIPTORS[expression];
        if (standard === undefined) return { error: `expected one of ${Object.keys(CRON_DESCRIPTORS).join(", ")} or @every <duration>` };
        return parseCron(standard);
    }
    const texts = expression.split(/\s+/).filter((t) => t !== "");
    if (texts.length !== 5) {
        return { error: `expected five cron fields (minute hour day-of-month month day-of-week) or a descriptor like @daily; got ${texts.length} fields` };
    }
    const fields: boolean[][] = [];
    const stars: boolean[] = [];
    for (const [i, text] of texts.entries()) {
        const allowed = new Array<boolean>(FIELDS[i].max + 1).fill(false);
        let star = false;
        // robfig splits with strings.FieldsFunc: empty items ("1,,2") are dropped, not refused.
        for (const part of text.split(",").filter((p) => p !== "")) {
            const result = parsePart(part, FIELDS[i], allowed);
            if (typeof result === "string") return { error: result };
            star = star || result.star;
        }
        fields.push(allowed);
        stars.push(star);
    }
    return { schedule: { fields, dayOfMonthStar: stars[2], dayOfWeekStar: stars[4] } };
}

/** Why a schedule is not one Velero accepts, or undefined when it is. */
export function cronProblem(expression: string): string | undefined {
    const parsed = parseCron(expression);
    if ("error" in parsed) return parsed.error;
    // Velero accepts a schedule like "0 0 31 2 *" and then never backs anything up.
    return longestGap(parsed) === undefined ? "expected a schedule that runs (this one matches no date)" : undefined;
}

function dayMatches(s: CronSchedule, day: Date): boolean {
    if (!s.fields[3][day.getUTCMonth() + 1]) return false;
    const dom = s.fields[2][day.getUTCDate()];
    const dow = s.fields[4][day.getUTCDay()];
    return s.dayOfMonthStar || s.dayOfWeekStar ? dom && dow : dom || dow;
}

const DAY_MS = 86_400_000;
const DAY_MINUTES = 1440;
/**
 * Eight years from 2024 (two leap cycles): long enough that every gap between runs, including the one from a
 * year's last run to the next year's first and schedules that run only on 29 February, lies inside it.
 */
const WINDOW_START = Date.UTC(2024, 0, 1);
const WINDOW_DAYS = Math.round((Date.UTC(2032, 0, 1) - WINDOW_START) / DAY_MS);

/** The longest time in minutes between two runs; undefined when it never runs. */
export function longestGapMinutes(expression: string): number | undefined {
    const parsed = parseCron(expression);
    return "error" in parsed ? undefined : longestGap(parsed);
}

function longestGap(parsed: Exclude<ParsedCron, { readonly error: string }>): number | undefined {
    if ("everyMinutes" in parsed) return parsed.everyMinutes;
    // Hours and minutes do not depend on the day: the runs within a day are the same on every day that matches.
    const [minutes, hours] = parsed.schedule.fields;
    const runsInDay: number[] = [];
    hours.forEach((h, hour) => h && minutes.forEach((m, minute) => m && runsInDay.push(hour * 60 + minute)));
    if (runsInDay.length === 0) return undefined;
    let longest = 0;
    for (let i = 1; i < runsInDay.length; i++) longest = Math.max(longest, runsInDay[i] - runsInDay[i - 1]);
    // Every date a schedule can match recurs within the window (29 February twice), so one match means at least two.
    let previousDay: number | undefined;
    for (let d = 0; d < WINDOW_DAYS; d++) {
        if (!dayMatches(parsed.schedule, new Date(WINDOW_START + d * DAY_MS))) continue;
        if (previousDay !== undefined) {
            longest = Math.max(longest, (d - previousDay) * DAY_MINUTES + runsInDay[0] - runsInDay[runsInDay.length - 1]);
        }
        previousDay = d;
    }
    return previousDay === undefined ? undefined : longest;
}
