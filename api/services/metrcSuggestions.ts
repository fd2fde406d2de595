/**
 * What compliance staff could put instead of a package METRC refused: for each "Package X is not
 * available." row message of a failed submission, the licence's active packages (asked of METRC
 * with the licence's own key) of the same item as X, with their quantities. X's item is known
 * from the hub's stock (a seller's package) or from METRC; when neither knows it, every active
 * package of the licence is offered, marked as not matched by item.
 */
import type { Actor } from '../../domain/actor.js';
import { createMetrcClientFactory, isNoKeyFailure } from '../../activities/metrcClient.js';
import { itemNameOfPackage } from '../../db/repositories/labels.js';
import type { MetrcPackage } from '../../integrations/metrc/index.js';
import type { ApiDeps } from '../deps.js';
import type { ComplianceService } from './compliance.js';

const NOT_AVAILABLE = /Package ([0-9A-Z]{24}) is not available/;
const WINDOW_DAYS = 365;
const MAX_OPTIONS = 20;

export interface PackageOption {
  label: string;
  item: string;
  quantity: number;
  unit_of_measure: string;
  same_item: boolean;
}
export interface RowSuggestion {
  row: number | null;
  message: string;
  field: string;
  value: string;
  item: string | null;
  options: PackageOption[];
}

export function createMetrcSuggestionService(deps: ApiDeps, compliance: ComplianceService) {
  const clients = createMetrcClientFactory(deps);

  async function activePackages(license: string): Promise<MetrcPackage[] | string> {
    try {
      const client = await clients.forLicense(license);
      const end = new Date();
      return await client.listActivePackages(license, { lastModifiedStart: new Date(end.getTime() - WINDOW_DAYS * 86_400_000), lastModifiedEnd: end });
    } catch (err) {
      // Suggestions are a help, never a blocker: the form still works without them.
      if (isNoKeyFailure(err)) return `No METRC key for ${license}: store one on the METRC keys page to get suggestions.`;
      return `METRC could not list the licence's packages: ${err instanceof Error ? err.message : String(err)}`;
    }
  }

  return {
    async forSubmission(actor: Actor, id: string): Promise<{ data: RowSuggestion[]; note: string | null }> {
      const { submission: s, attempts } = await compliance.get(actor, id);
      const latest = [...attempts].reverse().find((a) => a.row_messages?.length)?.row_messages ?? [];
      const refused = latest.flatMap((m) => {
        const hit = NOT_AVAILABLE.exec(m.message);
        return hit ? [{ row: m.row, message: m.message, label: hit[1]! }] : [];
      });
      if (!refused.length) return { data: [], note: null };
      const active = await activePackages(s.license_number);
      if (typeof active === 'string') {
        return { data: refused.map((r) => ({ row: r.row, message: r.message, field: 'PackageLabel', value: r.label, item: null, options: [] })), note: active };
      }
      const data: RowSuggestion[] = [];
      for (const r of refused) {
        const item = (await itemNameOfPackage(deps.sequelize, r.label)) ?? null;
        const same = item ? active.filter((p) => p.Item?.Name === item) : [];
        const pool = same.length ? same : active;
        data.push({
          row: r.row,
          message: r.message,
          field: 'PackageLabel',
          value: r.label,
          item,
          options: pool
            .filter((p) => p.Label !== r.label && p.Quantity > 0)
            .sort((a, b) => b.Quantity - a.Quantity)
            .slice(0, MAX_OPTIONS)
            .map((p) => ({ label: p.Label, item: p.Item?.Name ?? '', quantity: p.Quantity, unit_of_measure: p.UnitOfMeasureName, same_item: same.length > 0 })),
        });
      }
      return { data, note: null };
    },
  };
}
