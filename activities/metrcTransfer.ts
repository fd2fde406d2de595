/**
 * The order-transfer steps of METRC (workflows/metrcTransfer): build the order's transfer
 * template submission, find the manifest a user registered from it, and watch that manifest for
 * drift (voided or edited in METRC).
 */
import type { Sequelize } from 'sequelize';
import { findManifestsForPackages, packageLabelCache } from '../integrations/metrc/index.js';
import type { ManifestQuery } from '../contracts/metrc.js';
import { getSubmission, insertSubmission } from '../db/repositories/metrcSubmissions.js';
import { transferFacts } from '../db/repositories/orders.js';
import type { TransferTemplatePayload } from '../domain/metrc/kinds.js';
import { buildTransferTemplate } from '../domain/metrc/transfer.js';
import type { Config } from '../platform/config.js';
import { withHeartbeat } from './heartbeat.js';
import type { MetrcClientFactory } from './metrcClient.js';
import { WINDOW_SLACK_MS } from './metrcReconcile.js';

export interface TransferPlan {
  submissionId: string;
  templateName: string;
  submissionStatus: string;
  templateId: number | null;
  shipperLicense: string;
  recipientLicense: string;
  packageLabels: string[];
  windowStart: string;
  pollIntervalMs: number;
  timeoutMs: number;
  driftCheckIntervalMs: number;
  driftWatchMs: number;
}

export type PrepareTransferResult = ({ ok: true } & TransferPlan) | { ok: false; reason: string };

export type ManifestFound =
  | { found: false }
  | { found: true; transferId: number; manifestNumber: string; deliveryId: number; missingLabels: string[]; extraLabels: string[] };

export type DriftCheck =
  | { drift: false }
  | { drift: true; kind: 'voided' | 'edited' | 'missing'; detail: string };

export function createMetrcTransferActivities(deps: { sequelize: Sequelize; config: Config }, clients: MetrcClientFactory) {
  const { sequelize, config } = deps;
  const cachedLabels = packageLabelCache();
  return {
    /** Loads the order and creates (or finds) its transfer_template submission. */
    async prepareMetrcTransfer(input: { orderId: string }): Promise<PrepareTransferResult> {
      const facts = await transferFacts(sequelize, input.orderId);
      if (!facts) return { ok: false, reason: `order ${input.orderId} not found` };
      const { order, items } = facts;
      const requested = order.requested_delivery_date;
      const built = buildTransferTemplate(
        {
          orderNumber: String(order.order_number),
          shipperLicense: String(order.shipper),
          recipientLicense: String(order.recipient),
          requestedDeliveryDate:
            requested == null ? null : requested instanceof Date ? requested.toISOString().slice(0, 10) : String(requested).slice(0, 10),
          lines: (items as Record<string, unknown>[]).map((i) => ({
            itemId: String(i.id),
            packageLabel: (i.metrc_package_label as string | null) ?? null,
            lineTotalMinor: Number(i.line_total_minor),
            // The line's quantity ships, not the whole package (issue 14.2).
            quantity: Number(i.quantity),
            unitOfMeasure: String(i.unit_of_measure ?? 'Each'),
          })),
        },
        config.metrc.transferTypeName,
        new Date(),
      );
      if (!built.ok) return { ok: false, reason: built.reason };
      const inserted = await insertSubmission(sequelize, {
        kind: 'transfer_template',
        licenseNumber: String(order.shipper),
        payload: built.payload,
        orderId: input.orderId,
        createdBy: 'workflow:metrcTransfer',
      });
      const sub = inserted.created ? inserted.row : (await getSubmission(sequelize, inserted.existingId))!;
      const payload = sub.payload as TransferTemplatePayload;
      const createdAt = new Date(order.created_at as Date).getTime();
      return {
        ok: true,
        submissionId: sub.id,
        templateName: payload.Name,
        submissionStatus: sub.status,
        templateId: sub.metrc_ids?.[0] ?? null,
        shipperLicense: sub.license_number,
        recipientLicense: payload.Destinations[0]!.RecipientLicenseNumber,
        packageLabels: payload.Destinations.flatMap((d) => d.Packages.map((p) => p.PackageLabel)),
        windowStart: new Date(createdAt - WINDOW_SLACK_MS).toISOString(),
        pollIntervalMs: config.metrc.manifestPollIntervalMs,
        timeoutMs: config.metrc.manifestTimeoutMs,
        driftCheckIntervalMs: config.metrc.driftCheckIntervalMs,
        driftWatchMs: config.metrc.driftWatchMs,
      };
    },

    /** The manifest a user registered from our template: same recipient, sharing package labels. */
    async findMetrcManifest(q: ManifestQuery): Promise<ManifestFound> {
      return withHeartbeat(async () => {
        const client = await clients.forLicense(q.shipperLicense);
        const range = { lastModifiedStart: new Date(q.windowStart), lastModifiedEnd: new Date(Date.now() + WINDOW_SLACK_MS) };
        // By name first: one package lookup instead of one per transfer in the window, which
        // grows with every order the license pair ships while this one waits.
        const labelsOf = cachedLabels(client);
        if (q.templateName) {
          const want = new Set(q.packageLabels);
          // Newest first: the transfer registered from this order's template is a recent one.
          for await (const t of client.iterateOutgoingTransfersNewestFirst(q.shipperLicense, range)) {
            if (t.Name !== q.templateName || t.IsVoided || t.RecipientFacilityLicenseNumber !== q.recipientLicense) continue;
            const labels = new Set(await labelsOf(t));
            if (![...want].some((l) => labels.has(l))) continue;
            return {
              found: true,
              transferId: t.Id,
              manifestNumber: t.ManifestNumber,
              deliveryId: t.DeliveryId,
              missingLabels: [...want].filter((l) => !labels.has(l)),
              extraLabels: [...labels].filter((l) => !want.has(l)),
            };
          }
        }
        const matches = await findManifestsForPackages(
          client,
          q.shipperLicense,
          { recipientLicenseNumber: q.recipientLicense, packageLabels: q.packageLabels },
          range,
          labelsOf,
        );
        const best = matches[0];
        if (!best) return { found: false };
        return {
          found: true,
          transferId: best.transfer.Id,
          manifestNumber: best.transfer.ManifestNumber,
          deliveryId: best.transfer.DeliveryId,
          missingLabels: best.missingLabels,
          extraLabels: best.extraLabels,
        };
      });
    },

    /** Is the matched manifest still what we planned? Voided or edited in METRC is drift. */
    async checkMetrcManifestDrift(q: ManifestQuery & { transferId: number }): Promise<DriftCheck> {
      return withHeartbeat(async () => {
        const client = await clients.forLicense(q.shipperLicense);
        const rows = (
          await client.listOutgoingTransfers(q.shipperLicense, {
            lastModifiedStart: new Date(q.windowStart),
            lastModifiedEnd: new Date(Date.now() + WINDOW_SLACK_MS),
          })
        ).filter((t) => t.Id === q.transferId);
        if (rows.length === 0) return { drift: true, kind: 'missing', detail: `transfer ${q.transferId} is no longer listed` };
        if (rows.some((t) => t.IsVoided)) return { drift: true, kind: 'voided', detail: `manifest ${rows[0]!.ManifestNumber} was voided in METRC` };
        const problems: string[] = [];
        const labels = new Set<string>();
        for (const row of rows) {
          if (row.RecipientFacilityLicenseNumber !== q.recipientLicense) {
            problems.push(`recipient is ${row.RecipientFacilityLicenseNumber}, expected ${q.recipientLicense}`);
          }
          for (const p of await client.listDeliveryPackages(row.DeliveryId)) labels.add(p.PackageLabel);
        }
        const missing = q.packageLabels.filter((l) => !labels.has(l));
        const extra = [...labels].filter((l) => !q.packageLabels.includes(l));
        if (missing.length) problems.push(`packages removed: ${missing.join(', ')}`);
        if (extra.length) problems.push(`packages added: ${extra.join(', ')}`);
        return problems.length ? { drift: true, kind: 'edited', detail: problems.join('; ') } : { drift: false };
      });
    },
  };
}
