import { Router, type Request } from 'express';
import { AppError } from '../../domain/errors.js';
import { permissionsOf } from '../../domain/policy.js';
import type { ApiDeps } from '../deps.js';
import { clearSessionCookies, setSessionCookies, wantsSecure } from '../http/cookies.js';
import { actorOf, listParams, originOf, param } from '../http/request.js';
import { createLoginService } from '../services/authLogin.js';
import { createMfaService } from '../services/authMfa.js';
import { userToApi } from '../presenters/users.js';
import { createSessionService, csrfTokenFor } from '../services/authSessions.js';

function sessionOf(req: Request) {
  const a = req.auth;
  if (!a?.sessionId || !a.user) throw new AppError('FORBIDDEN', 'This operation needs a user session, not an API key');
  return { sessionId: a.sessionId, user: a.user, mfa: a.mfa, token: a.sessionToken! };
}

/** Sign-in, second factor, my account and my sessions. */
export function authRoutes(deps: ApiDeps): Router {
  const router = Router();
  const login = createLoginService(deps);
  const sessions = createSessionService(deps);
  const mfa = createMfaService(deps);
  const secure = (req: Request) => wantsSecure(req, deps.config.publicUrl);

  router.post('/auth/login', async (req, res) => {
    const { user, session, mfa: state } = await login.login({
      email: req.body.email,
      password: req.body.password,
      ip: req.ip,
      requestId: originOf(req).requestId,
      userAgent: req.get('user-agent') ?? undefined,
    });
    setSessionCookies(res, session.token, csrfTokenFor(deps.config.appSecret, session.token), deps.config.auth.sessionTtlMinutes * 60, secure(req));
    res.setHeader('Cache-Control', 'no-store');
    res.json({
      user: userToApi(user),
      mfa_required: state !== 'verified',
      mfa_enrollment_required: state === 'enrollment_required',
      token: session.token,
      expires_at: session.expiresAt.toISOString(),
    });
  });

  router.post('/auth/logout', async (req, res) => {
    const s = sessionOf(req);
    await sessions.revoke(actorOf(req), s.sessionId, 'auth.logout', originOf(req));
    clearSessionCookies(res, secure(req));
    res.status(204).end();
  });

  router.get('/auth/me', async (req, res) => {
    const s = sessionOf(req);
    const actor = actorOf(req);
    res.setHeader('Cache-Control', 'no-store');
    res.json({
      user: userToApi(s.user),
      role: actor.role,
      entity: s.user.entity_id ? { id: s.user.entity_id, name: s.user.entity_name ?? null, type: s.user.entity_type ?? null } : null,
      permissions: permissionsOf(actor),
      mfa: { enabled: s.user.mfa_enabled, verified: s.mfa === 'verified' },
    });
  });

  router.get('/auth/sessions', async (req, res) => {
    const s = sessionOf(req);
    const p = listParams(req);
    res.json(await sessions.list(s.user.id, s.sessionId, p.page, p.limit));
  });

  router.delete('/auth/sessions/:id', async (req, res) => {
    const s = sessionOf(req);
    const id = param(req, 'id');
    await sessions.revoke(actorOf(req), id, 'auth.session_revoked', originOf(req));
    if (id === s.sessionId) clearSessionCookies(res, secure(req));
    res.status(204).end();
  });

  router.post('/auth/mfa/enroll', async (req, res) => {
    sessionOf(req);
    res.setHeader('Cache-Control', 'no-store');
    const currentCode = typeof req.body?.current_code === 'string' ? req.body.current_code : undefined;
    res.json(await mfa.enroll(actorOf(req), currentCode, originOf(req)));
  });

  router.post('/auth/mfa/confirm', async (req, res) => {
    sessionOf(req);
    res.setHeader('Cache-Control', 'no-store');
    res.json(await mfa.confirm(actorOf(req), String(req.body.code), originOf(req)));
  });

  router.post('/auth/mfa/verify', async (req, res) => {
    const s = sessionOf(req);
    const { usedRecovery } = await mfa.verify(actorOf(req), String(req.body.code), originOf(req));
    res.json({ user: userToApi(s.user), mfa_required: false, used_recovery_code: usedRecovery });
  });

  return router;
}
