/**
 * METRC v2 REST client for the calls Trellis makes. Facility-scoped calls take the acting
 * license as `licenseNumber` (a query parameter, never a body field); transfer sub-resources
 * keyed by id take none. List calls come in two forms: `iterate*` (async, page by page) and
 * `list*` (collects every page).
 */
import type { AxiosInstance } from 'axios';
import { METRC_MAX_OBJECTS_PER_REQUEST, writeInChunks } from './chunking.js';
import { MetrcRequestError } from './errors.js';
import { collect, METRC_MAX_PAGE_SIZE, paginate, paginateNewestFirst, parsePage, type MetrcPage } from './paging.js';
import { MetrcTransport, type MetrcClientOptions, type Query } from './transport.js';
import type {
  MetrcAdjustmentRecord,
  MetrcAdjustReason,
  MetrcDelivery,
  MetrcDeliveryPackage,
  MetrcFacility,
  MetrcOutgoingTemplate,
  MetrcOutgoingTemplateInput,
  MetrcPackage,
  MetrcPackageAdjustment,
  MetrcReceipt,
  MetrcReceiptInput,
  MetrcTransfer,
  MetrcTransferType,
  MetrcWindow,
  MetrcWriteResult,
} from './types.js';

export type { MetrcClientOptions } from './transport.js';

const iso = (d: Date | string): string => (typeof d === 'string' ? d : d.toISOString());
const windowQuery = (w?: MetrcWindow): Query =>
  w ? { lastModifiedStart: iso(w.lastModifiedStart), lastModifiedEnd: iso(w.lastModifiedEnd) } : {};
const seg = encodeURIComponent;

export class MetrcClient {
  private readonly transport: MetrcTransport;
  private readonly maxObjects: number;

  constructor(options: MetrcClientOptions, http?: AxiosInstance) {
    this.transport = new MetrcTransport(options, http);
    this.maxObjects = options.maxObjectsPerRequest ?? METRC_MAX_OBJECTS_PER_REQUEST;
  }

  // --- generic building blocks -------------------------------------------------------------

  /** Every row of a paged v2 list, fetched lazily with pageSize 20. */
  iterate<T>(path: string, query: Query = {}): AsyncGenerator<T, void, undefined> {
    return paginate<T>(this.pageOf<T>(path, query));
  }

  private pageOf<T>(path: string, query: Query): (pageNumber: number) => Promise<MetrcPage<T>> {
    return async (pageNumber) => {
      const body = await this.transport.request('GET', path, { ...query, pageNumber, pageSize: METRC_MAX_PAGE_SIZE });
      return parsePage<T>(body, pageNumber, `METRC GET ${path}`);
    };
  }

  async getOne<T>(path: string, query: Query = {}): Promise<T | null> {
    try {
      const body = await this.transport.request('GET', path, query);
      return (body ?? null) as T | null;
    } catch (e) {
      if (e instanceof MetrcRequestError && e.status === 404) return null;
      throw e;
    }
  }

  /** POST in chunks of maxObjectsPerRequest; Ids come back in posted order. */
  post<T>(path: string, licenseNumber: string, rows: readonly T[]): Promise<MetrcWriteResult> {
    return writeInChunks(rows, this.maxObjects, (part) =>
      this.transport.request('POST', path, { licenseNumber }, part),
    );
  }

  /** PUT in chunks; METRC answers an empty 200. */
  async put<T>(path: string, licenseNumber: string, rows: readonly T[]): Promise<void> {
    await writeInChunks(rows, this.maxObjects, (part) => this.transport.request('PUT', path, { licenseNumber }, part));
  }

  async delete(path: string, licenseNumber: string): Promise<void> {
    await this.transport.request('DELETE', path, { licenseNumber });
  }

  // --- facilities and reference data -------------------------------------------------------

  /** Facilities the user key may act for (a bare array; no licenseNumber). */
  async getFacilities(): Promise<MetrcFacility[]> {
    const body = await this.transport.request('GET', '/facilities/v2/');
    return parsePage<MetrcFacility>(body, 1, 'METRC GET /facilities/v2/').data;
  }

  listTransferTypes(licenseNumber: string): Promise<MetrcTransferType[]> {
    return collect(this.iterate<MetrcTransferType>('/transfers/v2/types', { licenseNumber }));
  }

  // --- outgoing transfer templates ---------------------------------------------------------

  createOutgoingTemplates(
    licenseNumber: string,
    templates: readonly MetrcOutgoingTemplateInput[],
  ): Promise<MetrcWriteResult> {
    return this.post('/transfers/v2/templates/outgoing', licenseNumber, templates);
  }

  /** Each row needs TransferTemplateId (and TransferDestinationId per destination). */
  updateOutgoingTemplates(licenseNumber: string, templates: readonly MetrcOutgoingTemplateInput[]): Promise<void> {
    return this.put('/transfers/v2/templates/outgoing', licenseNumber, templates);
  }

  archiveOutgoingTemplate(licenseNumber: string, templateId: number): Promise<void> {
    return this.delete(`/transfers/v2/templates/outgoing/${seg(String(templateId))}`, licenseNumber);
  }

  iterateOutgoingTemplates(
    licenseNumber: string,
    window?: MetrcWindow,
  ): AsyncGenerator<MetrcOutgoingTemplate, void, undefined> {
    return this.iterate('/transfers/v2/templates/outgoing', { licenseNumber, ...windowQuery(window) });
  }

  listOutgoingTemplates(licenseNumber: string, window?: MetrcWindow): Promise<MetrcOutgoingTemplate[]> {
    return collect(this.iterateOutgoingTemplates(licenseNumber, window));
  }

  // --- outgoing transfers (manifests registered by a user from a template) -----------------

  iterateOutgoingTransfers(licenseNumber: string, window: MetrcWindow): AsyncGenerator<MetrcTransfer, void, undefined> {
    return this.iterate('/transfers/v2/outgoing', { licenseNumber, ...windowQuery(window) });
  }

  /** The same rows, newest first (see paginateNewestFirst): for finding a recent transfer. */
  iterateOutgoingTransfersNewestFirst(licenseNumber: string, window: MetrcWindow): AsyncGenerator<MetrcTransfer, void, undefined> {
    return paginateNewestFirst(this.pageOf<MetrcTransfer>('/transfers/v2/outgoing', { licenseNumber, ...windowQuery(window) }));
  }

  listOutgoingTransfers(licenseNumber: string, window: MetrcWindow): Promise<MetrcTransfer[]> {
    return collect(this.iterateOutgoingTransfers(licenseNumber, window));
  }

  listTransferDeliveries(transferId: number): Promise<MetrcDelivery[]> {
    return collect(this.iterate<MetrcDelivery>(`/transfers/v2/${seg(String(transferId))}/deliveries`));
  }

  listDeliveryPackages(deliveryId: number): Promise<MetrcDeliveryPackage[]> {
    return collect(this.iterate<MetrcDeliveryPackage>(`/transfers/v2/deliveries/${seg(String(deliveryId))}/packages`));
  }

  // --- packages ----------------------------------------------------------------------------

  /** Always send a window: without one some states return only a subset of active packages. */
  iterateActivePackages(licenseNumber: string, window: MetrcWindow): AsyncGenerator<MetrcPackage, void, undefined> {
    return this.iterate('/packages/v2/active', { licenseNumber, ...windowQuery(window) });
  }

  listActivePackages(licenseNumber: string, window: MetrcWindow): Promise<MetrcPackage[]> {
    return collect(this.iterateActivePackages(licenseNumber, window));
  }

  /** null when METRC does not know the label; a package of another facility is a MetrcAuthError (401). */
  getPackageByLabel(licenseNumber: string, label: string): Promise<MetrcPackage | null> {
    return this.getOne(`/packages/v2/${seg(label)}`, { licenseNumber });
  }

  adjustPackages(licenseNumber: string, adjustments: readonly MetrcPackageAdjustment[]): Promise<MetrcWriteResult> {
    return this.post('/packages/v2/adjust', licenseNumber, adjustments);
  }

  /** The facility's recorded adjustments in a lastModified window (adjustment history). */
  listPackageAdjustments(licenseNumber: string, window: MetrcWindow): Promise<MetrcAdjustmentRecord[]> {
    return collect(this.iterate<MetrcAdjustmentRecord>('/packages/v2/adjustments', { licenseNumber, ...windowQuery(window) }));
  }

  listAdjustReasons(licenseNumber: string): Promise<MetrcAdjustReason[]> {
    return collect(this.iterate<MetrcAdjustReason>('/packages/v2/adjust/reasons', { licenseNumber }));
  }

  // --- sales receipts ----------------------------------------------------------------------

  createReceipts(licenseNumber: string, receipts: readonly MetrcReceiptInput[]): Promise<MetrcWriteResult> {
    return this.post('/sales/v2/receipts', licenseNumber, receipts);
  }

  /** Each row needs Id. */
  updateReceipts(licenseNumber: string, receipts: readonly MetrcReceiptInput[]): Promise<void> {
    return this.put('/sales/v2/receipts', licenseNumber, receipts);
  }

  /** A finalized receipt cannot be edited or voided until it is unfinalized. */
  finalizeReceipts(licenseNumber: string, receiptIds: readonly number[]): Promise<void> {
    return this.put('/sales/v2/receipts/finalize', licenseNumber, receiptIds.map((Id) => ({ Id })));
  }

  unfinalizeReceipts(licenseNumber: string, receiptIds: readonly number[]): Promise<void> {
    return this.put('/sales/v2/receipts/unfinalize', licenseNumber, receiptIds.map((Id) => ({ Id })));
  }

  voidReceipt(licenseNumber: string, receiptId: number): Promise<void> {
    return this.delete(`/sales/v2/receipts/${seg(String(receiptId))}`, licenseNumber);
  }

  getReceipt(licenseNumber: string, receiptId: number): Promise<MetrcReceipt | null> {
    return this.getOne(`/sales/v2/receipts/${seg(String(receiptId))}`, { licenseNumber });
  }

  /** The natural-key lookup used to reconcile a POST whose answer was lost. */
  getReceiptByExternalNumber(licenseNumber: string, externalNumber: string): Promise<MetrcReceipt | null> {
    return this.getOne(`/sales/v2/receipts/external/${seg(externalNumber)}`, { licenseNumber });
  }

  /** List rows carry `Transactions: []`; use getReceipt for the lines. */
  iterateReceipts(
    licenseNumber: string,
    window: MetrcWindow,
    state: 'active' | 'inactive' = 'active',
  ): AsyncGenerator<MetrcReceipt, void, undefined> {
    return this.iterate(`/sales/v2/receipts/${state}`, { licenseNumber, ...windowQuery(window) });
  }

  listReceipts(
    licenseNumber: string,
    window: MetrcWindow,
    state: 'active' | 'inactive' = 'active',
  ): Promise<MetrcReceipt[]> {
    return collect(this.iterateReceipts(licenseNumber, window, state));
  }
}
