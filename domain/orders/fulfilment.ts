/**
 * Fulfilment needs every line tied to the METRC package it ships from: one label per line, every
 * line covered, nothing unknown. Quantities come from the lines themselves (fixed since acceptance).
 */
export const PACKAGE_LABEL = /^[0-9A-Z]{24}$/;

export interface FulfilmentLine {
  item_id: string;
  metrc_package_label: string;
}

export interface FulfilmentProblem {
  field: string;
  issue: string;
}

export function checkFulfilmentLines(itemIds: readonly string[], lines: readonly FulfilmentLine[] | undefined): FulfilmentProblem[] {
  if (!lines || lines.length === 0) return [{ field: 'lines', issue: 'every order line needs its METRC package label' }];
  const problems: FulfilmentProblem[] = [];
  const known = new Set(itemIds);
  const seen = new Set<string>();
  lines.forEach((l, i) => {
    if (!known.has(l.item_id)) problems.push({ field: `lines[${i}].item_id`, issue: 'not a line of this order' });
    else if (seen.has(l.item_id)) problems.push({ field: `lines[${i}].item_id`, issue: 'line listed twice' });
    seen.add(l.item_id);
    if (!PACKAGE_LABEL.test(l.metrc_package_label)) problems.push({ field: `lines[${i}].metrc_package_label`, issue: 'not a 24-character METRC package label' });
  });
  for (const id of itemIds) if (!seen.has(id)) problems.push({ field: 'lines', issue: `line ${id} has no package label` });
  return problems;
}
