import { Router } from 'express';
import { actorOf, listParams, param } from '../http/request.js';
import { presentPage } from '../presenters/page.js';
import { reportToApi } from '../presenters/reports.js';
import type { ReportService } from '../services/reports.js';
import type { ReportRequest } from '../../domain/reports/request.js';

/** Reports: request, progress, history, download, cancel. */
export function reportRoutes(service: ReportService): Router {
  const router = Router();
  router.post('/reports', async (req, res) => {
    const report = reportToApi(await service.create(actorOf(req), req.body as ReportRequest));
    res.status(201).location(`/api/v1/reports/${report.id}`).json(report);
  });
  router.get('/reports', async (req, res) => {
    const p = listParams(req);
    const page = await service.list(actorOf(req), { page: p.page, limit: p.limit, ...(p.type ? { type: String(p.type) } : {}), ...(p.status ? { status: String(p.status) } : {}) });
    res.json(presentPage(page, reportToApi));
  });
  router.get('/reports/:id', async (req, res) => {
    res.json(reportToApi(await service.get(actorOf(req), param(req, 'id'))));
  });
  router.get('/reports/:id/download', async (req, res) => {
    const file = await service.download(actorOf(req), param(req, 'id'));
    res.status(200);
    res.setHeader('Content-Type', file.contentType);
    res.setHeader('Content-Length', String(file.bytes));
    res.attachment(file.fileName);
    res.setHeader('Cache-Control', 'private, no-store');
    for await (const chunk of file.chunks) {
      // Respect the client's pace: wait for the socket to drain before reading the next chunk.
      if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve));
    }
    res.end();
  });
  router.post('/reports/:id/cancel', async (req, res) => {
    res.status(202).json(reportToApi(await service.cancel(actorOf(req), param(req, 'id'))));
  });
  return router;
}
