/** Loads the deterministic demo data into an empty database (filled in by the data-model work). */
export async function seedIfEmpty(_databaseUrl: string): Promise<string | undefined> {
  return undefined;
}
