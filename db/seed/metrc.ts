/**
 * METRC reporting history for the demo: the sandbox retailers' recent sales receipts, almost all
 * accepted, and a few refused in ways compliance staff fix from the console — a receipt naming a
 * package of another licence, one naming a package METRC does not know (an unknown item), an
 * adjustment in the wrong unit — each with its dead letter, as the submission workflow leaves
 * them. A retry from the console starts the submission's workflow like any other retry.
 * Deterministic given the anchor day (no random draws: every choice cycles through the data).
 */
import { createHash } from 'node:crypto';
import type { Sequelize, Transaction } from 'sequelize';
import { DEMO_FACILITIES, demoPackagesFor, type DemoPackage } from '../../sandboxes/metrc/demo-data.js';

const DAY = 86_400_000;
/** Accepted receipts per sandbox retailer over the last week (the dashboard's success rate). */
const RECEIPTS_PER_RETAILER = 12;

const stableId = (name: string) => {
  const h = createHash('sha256').update(name).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
};
/** Facility-local time without an offset, as METRC wants SalesDateTime (Colorado: UTC-7). */
const localTime = (ms: number) => new Date(ms - 7 * 3_600_000).toISOString().slice(0, 19);

interface Submission {
  id: string;
  kind: 'sales_receipt' | 'package_adjustment';
  license: string;
  naturalKey: string;
  payload: Record<string, unknown>;
  at: number;
  refusal?: { message: string; path: string };
}

function receipt(license: string, n: number, at: number, pkg: Pick<DemoPackage, 'label' | 'unitOfMeasure'>): Submission {
  const external = `DEMO-${license.slice(-4)}-${String(n).padStart(4, '0')}`;
  return {
    id: stableId(`demo-metrc:${license}:${n}`),
    kind: 'sales_receipt',
    license,
    naturalKey: `receipt:${external}`,
    at,
    payload: {
      SalesDateTime: localTime(at),
      ExternalReceiptNumber: external,
      SalesCustomerType: 'Consumer',
      Transactions: [{ PackageLabel: pkg.label, Quantity: 1, UnitOfMeasure: pkg.unitOfMeasure === 'Grams' ? 'Grams' : 'Each', TotalAmount: 35 }],
    },
  };
}

export function buildDemoMetrc(anchor: number): Submission[] {
  const retailers = DEMO_FACILITIES.filter((f) => f.role === 'retailer');
  const wholesalers = DEMO_FACILITIES.filter((f) => f.role === 'wholesaler');
  const out: Submission[] = [];
  retailers.forEach((r, ri) => {
    const own = demoPackagesFor(r.licenseNumber).filter((p) => p.unitOfMeasure === 'Each');
    for (let n = 0; n < RECEIPTS_PER_RETAILER; n++) {
      out.push(receipt(r.licenseNumber, n, anchor - ((n * 13 + ri * 5) % 168) * 3_600_000 - 60_000, own[n % own.length]!));
    }
  });
  // A receipt rung up against the seller's package (a wrong label): the licence's own package of
  // the same item is the fix, and the console suggests it.
  const foreign = demoPackagesFor(wholesalers[0]!.licenseNumber).find((p) => p.unitOfMeasure === 'Each')!;
  const wrong = receipt(retailers[0]!.licenseNumber, 900, anchor - 5 * 3_600_000, foreign);
  out.push({ ...wrong, refusal: { message: `Package ${foreign.label} is not available.`, path: '/sales/v2/receipts' } });
  // A label METRC has never issued (an unknown item): any active package of the licence fits.
  const unknown = { label: '1A4FF0100000029000099999', unitOfMeasure: 'Each' as const };
  const lost = receipt(retailers[1 % retailers.length]!.licenseNumber, 901, anchor - 26 * 3_600_000, unknown);
  out.push({ ...lost, refusal: { message: `Package ${unknown.label} is not available.`, path: '/sales/v2/receipts' } });
  // A waste adjustment entered in the wrong unit.
  const grams = demoPackagesFor(wholesalers[0]!.licenseNumber).find((p) => p.unitOfMeasure === 'Grams');
  if (grams) {
    const id = stableId(`demo-metrc:adjustment:${grams.label}`);
    out.push({
      id,
      kind: 'package_adjustment',
      license: wholesalers[0]!.licenseNumber,
      naturalKey: `adjustment:${grams.label}:${id}`,
      at: anchor - 50 * 3_600_000,
      payload: { Label: grams.label, Quantity: -3, UnitOfMeasure: 'Each', AdjustmentReason: 'Waste', AdjustmentDate: new Date(anchor - 2 * DAY).toISOString().slice(0, 10), ReasonNote: 'Damaged in the vault' },
      refusal: { message: `Unit of measure must be Grams for package ${grams.label}.`, path: '/packages/v2/adjust' },
    });
  }
  return out;
}

export async function loadDemoMetrc(sequelize: Sequelize, anchor: number, transaction: Transaction): Promise<number> {
  const subs = buildDemoMetrc(anchor);
  const at = (ms: number) => new Date(ms);
  for (const s of subs) {
    const failed = Boolean(s.refusal);
    await sequelize.query(
      `INSERT INTO metrc_submissions (id, kind, license_number, natural_key, payload, status, attempt_count, round, metrc_ids, last_error_code, failure_reason,
         workflow_id, created_by, succeeded_at, failed_at, first_sent_at, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, 1, 1, ?, ?, ?, ?, 'demo', ?, ?, ?, ?, ?)`,
      {
        transaction,
        replacements: [
          s.id, s.kind, s.license, s.naturalKey, JSON.stringify(s.payload), failed ? 'failed' : 'succeeded',
          failed ? '[]' : JSON.stringify([Number.parseInt(s.id.slice(0, 6), 16)]),
          failed ? 'METRC_VALIDATION' : null, failed ? `METRC_VALIDATION: ${s.refusal!.message}` : null,
          `metrc:${s.id}`, failed ? null : at(s.at + 2000), failed ? at(s.at + 2000) : null, at(s.at + 1000), at(s.at), at(s.at + 2000),
        ],
      },
    );
    await sequelize.query(
      `INSERT INTO metrc_submission_attempts (submission_id, attempt, round, outcome, error_type, error_code, error_message, http_status, ambiguous, row_messages, metrc_ids, started_at, finished_at)
       VALUES (?, 1, 1, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)`,
      {
        transaction,
        replacements: [
          s.id, failed ? 'failed' : 'succeeded', failed ? 'MetrcValidationError' : null, failed ? 'METRC_VALIDATION' : null,
          failed ? `METRC POST ${s.refusal!.path} rejected the request: row 0: ${s.refusal!.message}` : null, failed ? 400 : 200,
          JSON.stringify(failed ? [{ row: 0, message: s.refusal!.message }] : []), failed ? '[]' : JSON.stringify([Number.parseInt(s.id.slice(0, 6), 16)]),
          at(s.at + 1000), at(s.at + 2000),
        ],
      },
    );
    if (failed) {
      await sequelize.query(
        `INSERT INTO dead_letters (id, queue, workflow_id, kind, subject_id, payload, error, attempts, status, created_at, updated_at)
         VALUES (?, 'compliance', ?, 'metrc_submission', ?, ?, ?, 1, 'open', ?, ?)`,
        {
          transaction,
          replacements: [
            stableId(`demo-dead-letter:${s.id}`), `metrc:${s.id}`, s.id,
            JSON.stringify({ submission_id: s.id, kind: s.kind, license_number: s.license, payload: s.payload }),
            JSON.stringify({ type: 'MetrcValidationError', message: `METRC POST ${s.refusal!.path} rejected the request: row 0: ${s.refusal!.message}` }),
            at(s.at + 2000), at(s.at + 2000),
          ],
        },
      );
    }
  }
  return subs.length;
}
