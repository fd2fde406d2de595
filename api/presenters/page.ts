/** A list answer: the rows of one page and where it sits in the whole. */
export interface Page<T> {
  data: T[];
  pagination: { page: number; limit: number; total: number; total_pages: number };
}

/** The same page with each row turned into its API representation (any other fields kept). */
export const presentPage = <P extends Page<R>, R, T>(page: P, present: (row: R) => T): Omit<P, 'data'> & { data: T[] } => ({
  ...page,
  data: page.data.map(present),
});
