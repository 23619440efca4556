/** A page request: entries from `offset` on, at most `limit` of them (50 unless said). */
export interface Page {
  offset?: number;
  limit?: number;
}

/** The largest page the SDK asks for in one go; larger requests are clamped. */
export const MAX_PAGE = 500;

export function pageOf(page: Page): { offset: number; limit: number } {
  const offset = Math.max(0, Math.floor(page.offset ?? 0));
  const limit = Math.min(MAX_PAGE, Math.max(0, Math.floor(page.limit ?? 50)));
  return { offset, limit };
}

/** One page of a list, with the list's total so a caller knows whether to ask for more. */
export interface Paged<T> {
  entries: T[];
  total: number;
  offset: number;
}
