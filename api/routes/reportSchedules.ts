import { Router } from 'express';
import { actorOf, listParams, param } from '../http/request.js';
import { presentPage } from '../presenters/page.js';
import { scheduleToApi } from '../presenters/reportSchedules.js';
import type { ReportScheduleService } from '../services/reportSchedules.js';
import type { ReportScheduleChangeRequest, ReportScheduleRequest } from '../../domain/reports/schedule.js';

/** Scheduled reports: create, list, read, change (time, zone, pause, delivery), delete (the owner's own; staff all). */
export function reportScheduleRoutes(service: ReportScheduleService): Router {
  const router = Router();
  router.post('/report-schedules', async (req, res) => {
    const schedule = scheduleToApi(await service.create(actorOf(req), req.body as ReportScheduleRequest));
    res.status(201).location(`/api/v1/report-schedules/${schedule.id}`).json(schedule);
  });
  router.get('/report-schedules', async (req, res) => {
    const p = listParams(req);
    res.json(presentPage(await service.list(actorOf(req), { page: p.page, limit: p.limit }), scheduleToApi));
  });
  router.get('/report-schedules/:id', async (req, res) => {
    res.json(scheduleToApi(await service.get(actorOf(req), param(req, 'id'))));
  });
  router.patch('/report-schedules/:id', async (req, res) => {
    res.json(
      scheduleToApi(await service.update(actorOf(req), param(req, 'id'), req.body as ReportScheduleChangeRequest)),
    );
  });
  router.delete('/report-schedules/:id', async (req, res) => {
    await service.remove(actorOf(req), param(req, 'id'));
    res.status(204).end();
  });
  return router;
}
