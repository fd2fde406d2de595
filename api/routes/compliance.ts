import { Router } from 'express';
import { actorOf, listParams, originOf, param } from '../http/request.js';
import { deadLetterToApi } from '../presenters/deadLetters.js';
import { presentPage } from '../presenters/page.js';
import { submissionDetailToApi, submissionSummaryToApi, submissionToApi } from '../presenters/submissions.js';
import type { ComplianceService, SubmissionFilters } from '../services/compliance.js';
import type { DeadLetterFilters } from '../services/complianceDeadLetters.js';
import type { createDeadLetterService } from '../services/complianceDeadLetters.js';
import type { createMetrcSuggestionService } from '../services/metrcSuggestions.js';
import type { NameService } from '../services/names.js';

/** Compliance staff: METRC submissions and dead letters across queues (see openapi tag Compliance). */
export function complianceRoutes(
  submissions: ComplianceService,
  deadLetters: ReturnType<typeof createDeadLetterService>,
  suggestions: ReturnType<typeof createMetrcSuggestionService>,
  names: NameService,
): Router {
  const router = Router();
  const pick = (q: Record<string, unknown>, keys: string[]) =>
    Object.fromEntries(keys.filter((k) => typeof q[k] === 'string').map((k) => [k, q[k] as string]));

  router.get('/metrc-submissions', async (req, res) => {
    const p = listParams(req);
    const f = pick(p, ['status', 'kind', 'license_number', 'order_id', 'from', 'to']) as SubmissionFilters;
    const page = presentPage(await submissions.list(actorOf(req), f, p.page, p.limit), submissionSummaryToApi);
    res.json({ ...page, data: await names.licences(page.data) });
  });
  router.post('/metrc-submissions', async (req, res) => {
    const created = submissionToApi(await submissions.create(actorOf(req), req.body, originOf(req)), true);
    res.status(201).location(`/api/v1/metrc-submissions/${created.id}`).json(created);
  });
  router.post('/metrc-submissions/bulk-retry', async (req, res) => {
    res.json(await submissions.bulkRetry(actorOf(req), req.body, originOf(req)));
  });
  router.get('/metrc-submissions/:id', async (req, res) => {
    const [one] = await names.licences([submissionDetailToApi(await submissions.get(actorOf(req), param(req, 'id')))]);
    res.json(one);
  });
  router.get('/metrc-submissions/:id/suggestions', async (req, res) => {
    res.json(await suggestions.forSubmission(actorOf(req), param(req, 'id')));
  });
  router.post('/metrc-submissions/:id/retry', async (req, res) => {
    res.status(202).json(submissionToApi(await submissions.retry(actorOf(req), param(req, 'id'), req.body?.payload, originOf(req)), true));
  });
  router.post('/metrc-submissions/:id/discard', async (req, res) => {
    res.json(submissionToApi(await submissions.discard(actorOf(req), param(req, 'id'), req.body.reason, originOf(req)), true));
  });

  router.get('/dead-letters', async (req, res) => {
    const p = listParams(req);
    const f = pick(p, ['status', 'queue', 'kind', 'from', 'to']) as DeadLetterFilters;
    res.json(presentPage(await deadLetters.list(actorOf(req), f, p.page, p.limit), deadLetterToApi));
  });
  router.get('/dead-letters/:id', async (req, res) => {
    res.json(deadLetterToApi(await deadLetters.get(actorOf(req), param(req, 'id'))));
  });
  router.post('/dead-letters/:id/retry', async (req, res) => {
    res.status(202).json(deadLetterToApi(await deadLetters.retry(actorOf(req), param(req, 'id'), req.body?.payload, originOf(req))));
  });
  router.post('/dead-letters/:id/discard', async (req, res) => {
    res.json(deadLetterToApi(await deadLetters.discard(actorOf(req), param(req, 'id'), req.body.reason, originOf(req))));
  });
  return router;
}
