/**
 * Natural-key look-ups for the moment a write's answer was lost (MetrcUnavailableError with
 * ambiguous = true). METRC has no idempotency keys, so before sending a write again the hub
 * asks METRC whether the first one landed.
 */
import type { MetrcClient } from './client.js';
import type { MetrcAdjustmentRecord, MetrcOutgoingTemplate, MetrcReceipt, MetrcTransfer, MetrcWindow } from './types.js';

/** Templates of this license whose Name equals `name`, newest first. */
export async function findTemplatesByName(
  client: MetrcClient,
  licenseNumber: string,
  name: string,
  window: MetrcWindow,
): Promise<MetrcOutgoingTemplate[]> {
  const found: MetrcOutgoingTemplate[] = [];
  for await (const t of client.iterateOutgoingTemplates(licenseNumber, window)) if (t.Name === name) found.push(t);
  return found.sort((a, b) => b.Id - a.Id);
}

/** The receipt posted with this ExternalReceiptNumber, unless voided. */
export async function findLiveReceipt(
  client: MetrcClient,
  licenseNumber: string,
  externalNumber: string,
): Promise<MetrcReceipt | null> {
  const r = await client.getReceiptByExternalNumber(licenseNumber, externalNumber);
  return r && !r.ArchivedDate ? r : null;
}

export interface ManifestMatch {
  transfer: MetrcTransfer;
  /** Wanted labels not on the delivery (edited out, or a different manifest). */
  missingLabels: string[];
  /** Labels on the delivery that were not wanted (edited in). */
  extraLabels: string[];
}

/**
 * Manifests are made by a user in METRC's UI from our template and carry no reference to it;
 * the link is the recipient plus the package labels. Returns non-voided deliveries of
 * `licenseNumber` to `recipientLicenseNumber` sharing at least one label, best match first.
 */
export async function findManifestsForPackages(
  client: MetrcClient,
  licenseNumber: string,
  wanted: { recipientLicenseNumber: string; packageLabels: readonly string[] },
  window: MetrcWindow,
  /** How a transfer's package labels are read; a caller may cache them (see packageLabelCache). */
  labelsOf: (t: MetrcTransfer) => Promise<string[]> = async (t) => (await client.listDeliveryPackages(t.DeliveryId)).map((p) => p.PackageLabel),
): Promise<ManifestMatch[]> {
  const want = new Set(wanted.packageLabels);
  const matches: ManifestMatch[] = [];
  for await (const t of client.iterateOutgoingTransfers(licenseNumber, window)) {
    if (t.IsVoided || t.RecipientFacilityLicenseNumber !== wanted.recipientLicenseNumber) continue;
    const labels = new Set(await labelsOf(t));
    const shared = [...want].filter((l) => labels.has(l));
    if (shared.length === 0) continue;
    matches.push({
      transfer: t,
      missingLabels: [...want].filter((l) => !labels.has(l)),
      extraLabels: [...labels].filter((l) => !want.has(l)),
    });
  }
  const score = (m: ManifestMatch) => m.missingLabels.length + m.extraLabels.length;
  return matches.sort((a, b) => score(a) - score(b));
}

/**
 * Package labels per delivery, kept while the transfer's LastModified stays the same (any edit in
 * METRC moves it, so an edited delivery is read again). Every order waiting for its manifest
 * scans the same recent transfers of its license; without this each scan read every delivery's
 * packages again.
 */
export function packageLabelCache(maxEntries = 10_000) {
  const cache = new Map<string, string[]>();
  return (client: MetrcClient) =>
    async (t: MetrcTransfer): Promise<string[]> => {
      const key = `${t.DeliveryId}|${t.LastModified}`;
      const hit = cache.get(key);
      if (hit) return hit;
      const labels = (await client.listDeliveryPackages(t.DeliveryId)).map((p) => p.PackageLabel);
      cache.set(key, labels);
      if (cache.size > maxEntries) cache.delete(cache.keys().next().value!);
      return labels;
    };
}

/**
 * Every live receipt of this license with this ExternalReceiptNumber in the window, oldest
 * first: the external-number lookup returns only one, a duplicate sweep needs them all.
 */
export async function findLiveReceiptsByExternalNumber(
  client: MetrcClient,
  licenseNumber: string,
  externalNumber: string,
  window: MetrcWindow,
): Promise<MetrcReceipt[]> {
  const found: MetrcReceipt[] = [];
  for await (const r of client.iterateReceipts(licenseNumber, window, 'active')) {
    if (r.ExternalReceiptNumber === externalNumber && !r.ArchivedDate) found.push(r);
  }
  return found.sort((a, b) => a.Id - b.Id);
}

/** Recorded adjustments of `label` whose note carries `tag`, oldest first. */
export async function findAdjustmentsByTag(
  client: MetrcClient,
  licenseNumber: string,
  label: string,
  tag: string,
  window: MetrcWindow,
): Promise<MetrcAdjustmentRecord[]> {
  const rows = await client.listPackageAdjustments(licenseNumber, window);
  return rows
    .filter((a) => a.PackageLabel === label && `${a.AdjustmentNote ?? a.ReasonNote ?? ''}`.includes(tag))
    .sort((a, b) => a.Id - b.Id);
}
