/**
 * Who may ask for an order's METRC manifest to be looked for now (issue 14.9), and when. The
 * wholesaler registers the manifest in METRC, so its people and keys ask; compliance staff and
 * admins may too (the permission gate, orders:metrc-check, keeps operators out). Asking makes
 * sense only while the transfer waits for a manifest.
 */
import type { Actor } from '../actor.js';
import type { MetrcState } from './status.js';
import { partiesOf, type OrderFacts } from './transitions.js';

export const METRC_CHECKABLE: readonly MetrcState[] = ['template_created', 'awaiting_manifest'];

export type MetrcCheckDecision = { ok: true } | { ok: false; code: 'FORBIDDEN' | 'CONFLICT'; message: string };

export function decideMetrcCheck(facts: OrderFacts, actor: Actor): MetrcCheckDecision {
  const staff = actor.role === 'admin' || actor.role === 'compliance' || actor.role === 'system';
  if (!staff && !partiesOf(actor, facts).has('wholesaler')) {
    return { ok: false, code: 'FORBIDDEN', message: "Only the order's wholesaler or compliance staff may ask for a METRC check" };
  }
  if (!METRC_CHECKABLE.includes(facts.metrcState)) {
    return { ok: false, code: 'CONFLICT', message: `No manifest is awaited: the METRC transfer is ${facts.metrcState}` };
  }
  return { ok: true };
}
