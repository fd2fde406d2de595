/**
 * Natural-key look-ups for the moment a write's answer was lost (MetrcUnavailableError with
 * ambiguous = true). METRC has no idempotency keys, so before sending a write again the hub
 * asks METRC whether the first one landed.
 */
import type { MetrcClient } from './client.js';
import type { MetrcOutgoingTemplate, MetrcReceipt, MetrcTransfer, MetrcWindow } from './types.js';

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
): Promise<ManifestMatch[]> {
  const want = new Set(wanted.packageLabels);
  const matches: ManifestMatch[] = [];
  for await (const t of client.iterateOutgoingTransfers(licenseNumber, window)) {
    if (t.IsVoided || t.RecipientFacilityLicenseNumber !== wanted.recipientLicenseNumber) continue;
    const labels = new Set((await client.listDeliveryPackages(t.DeliveryId)).map((p) => p.PackageLabel));
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
