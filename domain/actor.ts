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
}

export const SYSTEM_ACTOR: Actor = { kind: 'system', id: 'system', role: 'system', label: 'system' };

export const isPlatform = (a: Actor): boolean => a.role === 'admin' || a.role === 'operator' || a.role === 'compliance' || a.role === 'system';

/** The tenant an actor is confined to, or undefined for platform staff and the system. */
export const tenantOf = (a: Actor): string | undefined => (isPlatform(a) ? undefined : a.entityId);
