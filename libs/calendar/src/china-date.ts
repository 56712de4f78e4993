/** Today's date in China (UTC+8, no daylight saving), YYYY-MM-DD. */
export const chinaToday = (now = Date.now()): string => new Date(now + 8 * 3_600_000).toISOString().slice(0, 10);

/** The day before a YYYY-MM-DD date. */
export const dayBefore = (date: string): string => new Date(Date.parse(`${date}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
