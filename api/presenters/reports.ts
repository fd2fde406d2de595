import type { ReportRow } from '../../db/repositories/reports.js';
import type { ReportParams } from '../../domain/reports/request.js';
import { statusOf } from '../services/reports.js';

const iso = (v: Date | null | undefined) => (v ? new Date(v).toISOString() : null);

/** A report as the API shows it: progress, and the download link once the file exists. */
export function reportToApi(r: ReportRow) {
  const p = JSON.parse(r.params) as ReportParams;
  const status = statusOf(r);
  const done = Number(r.rows_done);
  const total = r.rows_total === null ? null : Number(r.rows_total);
  return {
    id: r.id,
    type: r.type,
    format: r.format as 'csv' | 'xlsx',
    status,
    params: { ...(p.from ? { from: p.from, to: p.to } : {}), timezone: p.timezone, period: p.period, bom: p.bom },
    progress: {
      rows_done: done,
      rows_total: total,
      percent: status === 'succeeded' ? 100 : total ? Math.min(100, Math.floor((done / total) * 1000) / 10) : total === 0 ? 0 : null,
    },
    file:
      status === 'succeeded' && r.file_name && r.expires_at
        ? { name: r.file_name, bytes: Number(r.bytes), download_url: `/api/v1/reports/${r.id}/download`, expires_at: iso(r.expires_at)! }
        : null,
    error: r.error_type ? { type: r.error_type, message: r.error ?? '' } : null,
    entity_id: r.entity_id,
    created_at: iso(r.created_at)!,
    started_at: iso(r.started_at),
    finished_at: iso(r.finished_at),
  };
}
