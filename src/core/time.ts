/** Durations in milliseconds: times are epoch milliseconds throughout, so a simulated clock is plain arithmetic. */
export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;
export const WEEK = 7 * DAY;

/**
 * The start of the hourly row that holds t, for rows whose hours start `phaseMs` past the UTC hour
 * (0: UTC hours; 30 min: the local hours of Asia/Kolkata): floor((t − phase) / 1 h) × 1 h + phase.
 */
export const rowStart = (t: number, phaseMs: number): number => Math.floor((t - phaseMs) / HOUR) * HOUR + phaseMs;

/** How far past the UTC hour t lies (ms, 0 to under an hour), the phase of rows that start at t. */
export const phaseOf = (t: number): number => ((t % HOUR) + HOUR) % HOUR;
