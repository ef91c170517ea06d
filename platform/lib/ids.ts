// The shapes of the ids the API hands out, checked before they reach a query: a
// malformed one names nothing (404), it is not PostgreSQL's error to report.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isUuid = (value: string): boolean => UUID.test(value);

/** "v12" or "12" → 12; undefined for anything that is not a version a release can have. */
export function releaseVersion(value: string): number | undefined {
  const match = /^v?(\d{1,9})$/.exec(value);
  return match ? Number(match[1]) : undefined;
}
