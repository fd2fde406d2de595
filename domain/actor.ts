/** Who is acting. Built by the auth layer; every service call carries one. */
export type PlatformRole = 'admin' | 'operator' | 'compliance';
export type EntityRole = 'owner' | 'member';
export type ActorRole = PlatformRole | EntityRole | 'partner' | 'system';

export interface Actor {
  kind: 'user' | 'api_key' | 'system';
  id: string;
  role: ActorRole;
  /** Set for entity-scoped actors (entity users and partner keys): the tenant. */
  entityId?: string;
  entityType?: 'retailer' | 'wholesaler' | 'both';
  scopes?: readonly string[];
  label?: string;
  /** The session a user acts through (lets "revoke my other sessions" spare the current one). */
  sessionId?: string;
}

/** `users.role`: platform staff, or `entity` for people of a retailer/wholesaler (see entity_role). */
export type UserRecordRole = PlatformRole | 'entity';

/**
 * Where an action came from, recorded beside it in the audit trail and on order transitions: the
 * HTTP request's id and client address. Routes read it from the request and pass it to the use
 * case with the actor; actions no request started (scripts, schedules, workers) have none.
 */
export interface Origin {
  requestId?: string;
  ip?: string;
}

export const SYSTEM_ACTOR: Actor = { kind: 'system', id: 'system', role: 'system', label: 'system' };

export const isPlatform = (a: Actor): boolean => a.role === 'admin' || a.role === 'operator' || a.role === 'compliance' || a.role === 'system';

/** The tenant an actor is confined to, or undefined for platform staff and the system. */
export const tenantOf = (a: Actor): string | undefined => {
  if (isPlatform(a)) return undefined;
  // Fail closed: an entity-scoped actor without its entity must never read as "no restriction".
  if (!a.entityId) throw new Error(`actor ${a.kind}:${a.id} is entity-scoped but has no entity`);
  return a.entityId;
};
