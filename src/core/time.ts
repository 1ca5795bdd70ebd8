/** Durations in milliseconds: times are epoch milliseconds throughout, so a simulated clock is plain arithmetic. */
export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;
export const WEEK = 7 * DAY;
