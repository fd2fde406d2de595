import { Router, type Request, type Response } from 'express';
import { etagOf } from '../http/etag.js';
import { actorOf, ifMatch, listParams, originOf, param } from '../http/request.js';
import type { CrudService } from '../services/crud.js';

export function sendOne(res: Response, status: number, body: Record<string, unknown>, location?: string) {
  res.setHeader('ETag', etagOf(body));
  if (location) res.setHeader('Location', location);
  res.status(status).json(body);
}

type Expand = (rows: Record<string, unknown>[]) => Promise<Record<string, unknown>[]>;

/**
 * One row with its derived names: the ETag is the row's own version (names are not part of it),
 * so a GET, a PATCH answer and the next If-Match agree whichever one the client kept.
 */
export async function sendExpanded(res: Response, status: number, row: Record<string, unknown>, expand: Expand | undefined, location?: string) {
  res.setHeader('ETag', etagOf(row));
  if (location) res.setHeader('Location', location);
  const [named] = expand ? await expand([row]) : [row];
  res.status(status).json(named);
}

/**
 * The seed's five operations for a resource whose service is the generic CRUD service. `expand`
 * adds derived fields (names for ids) to listed rows; such lists skip the serialized-page path.
 */
export function crudRoutes(path: string, service: CrudService, expand?: Expand): Router {
  const router = Router();
  router.get(path, async (req: Request, res: Response) => {
    if (expand) {
      const page = await service.list(actorOf(req), listParams(req));
      res.json({ ...page, data: await expand(page.data) });
      return;
    }
    const actor = actorOf(req);
    const params = listParams(req);
    const page = service.validatesResponses ? undefined : await service.listPage(actor, params);
    if (page) {
      // A cached page's bytes and ETag were made once (services/cache.ts): sent as they are, the
      // ETag the very one Express would compute, so If-None-Match still answers 304.
      res.setHeader('ETag', page.etag);
      res.setHeader('Content-Type', 'application/json; charset=utf-8');
      res.send(page.bytes);
      return;
    }
    const body = await service.listJson(actor, params);
    // Already serialized: sent as is, unless responses are being validated, which only sees what
    // goes through res.json.
    if (service.validatesResponses) res.json(JSON.parse(body));
    else res.type('application/json').send(body);
  });
  router.post(path, async (req, res) => {
    const created = await service.create(actorOf(req), req.body, originOf(req));
    await sendExpanded(res, 201, created, expand, `/api/v1${path}/${String(created.id)}`);
  });
  router.get(`${path}/:id`, async (req, res) => {
    await sendExpanded(res, 200, await service.get(actorOf(req), param(req, 'id')), expand);
  });
  router.patch(`${path}/:id`, async (req, res) => {
    await sendExpanded(res, 200, await service.update(actorOf(req), param(req, 'id'), req.body, ifMatch(req), originOf(req)), expand);
  });
  router.delete(`${path}/:id`, async (req, res) => {
    await service.remove(actorOf(req), param(req, 'id'), originOf(req));
    res.status(204).end();
  });
  return router;
}
