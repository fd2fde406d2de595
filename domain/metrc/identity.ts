/**
 * Each submission's identity as METRC itself stores and returns it, so the check before a
 * re-send (and the duplicate sweep) finds exactly this submission's records, never a look-alike
 * judged by amounts and times:
 *
 * - sales_receipt: ExternalReceiptNumber. METRC stores it and looks receipts up by it
 *   (GET /sales/v2/receipts/external/{n}); Trellis holds one submission per license and number
 *   (the natural key's unique index), so a receipt with that number is this submission's.
 * - transfer_template: Name (the order number), listed with every template; one submission per
 *   license and Name for the same reason.
 * - package_adjustment: METRC has no key for an adjustment, so the submission's id rides in the
 *   ReasonNote (`[trellis:<id>]`), which GET /packages/v2/adjustments lists back.
 * - receipt updates and voids change a receipt METRC already has: the receipt's own Id.
 */
const TAG = /\[trellis:([0-9a-f-]{36})\]/i;

export const identityTag = (submissionId: string): string => `[trellis:${submissionId}]`;

/** The note METRC receives: the user's note (if any) followed by the submission's tag. */
export function noteWithIdentity(note: unknown, submissionId: string): string {
  const text = typeof note === 'string' ? note.trim() : '';
  if (text.includes(identityTag(submissionId))) return text;
  return text ? `${text} ${identityTag(submissionId)}` : identityTag(submissionId);
}

/** The submission id a note carries, if any. */
export function identityInNote(note: unknown): string | null {
  if (typeof note !== 'string') return null;
  return TAG.exec(note)?.[1]?.toLowerCase() ?? null;
}
