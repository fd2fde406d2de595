/**
 * The demo traffic driver's moves: the METRC sandbox's retailers and wholesalers trading with each
 * other over the public API with their own partner API keys, as real partners' systems would.
 * Each round does at most one thing per step of the lifecycle — a retailer places an order from a
 * wholesaler's METRC-labelled stock, the wholesaler accepts it (now and then turns it down) and
 * fulfils it naming each line's package, a METRC user registers the transfer's manifest in the
 * sandbox, the wholesaler ships once METRC matched it, the retailer confirms delivery and completes
 * it; now and then a retailer cancels an order it no longer wants.
 *
 * Only moves the order's `available_transitions` allow for that party are made, and stock is read
 * before ordering and accepting, so the hub answers 2xx; anything else is counted and reported.
 * Orders the driver could not carry through (a line with no METRC package at the premises, or not
 * enough free stock — orders placed by hand; the seed's own all fit their METRC lots) are left
 * alone and counted by reason in `skipped`: rejecting them would fill the demo with rejections
 * nobody chose.
 * Deterministic in what it chooses given its seed (the hub's answers decide the rest).
 */
import { DEMO_FACILITIES } from '../../sandboxes/metrc/demo-data.js';
import { DEMO_OWNER_PASSWORD } from '../../db/seed/users.js';
import { apiClient } from '../demo-pos.js';

type Json = Record<string, unknown>;
const KEY_NAME = 'Demo traffic driver';
const SCOPES = ['orders:read', 'orders:write', 'catalog:read', 'inventory:read'];

export interface TrafficOptions {
  /** The hub, e.g. http://localhost:3000 */
  base: string;
  /** The METRC sandbox, where a METRC user registers manifests (what the API cannot do). */
  metrcSandbox: string;
  seed?: number;
  /** Moves per lifecycle step and round (default 1: a gentle pace). */
  perStep?: number;
  log?: (line: string) => void;
}

interface Partner {
  license: string;
  name: string;
  entityId: string;
  locationId: string;
  key: string;
  /** A wholesaler's METRC-labelled lots at its licensed premises: variant → package label. */
  lots: Map<string, string>;
}

export interface RoundResult {
  /** What was done, one line per move ("accepted 2026-…"). */
  moves: string[];
  /** Answers that were not what a legal move gets (4xx/5xx), with the request. */
  errors: string[];
  /** Orders looked at and left alone this round, by reason (see SkipReason). */
  skipped: Partial<Record<SkipReason, number>>;
}

/**
 * Why the driver left an order alone: `unlabelled` — a line's product has no METRC package at the
 * ship-from premises (it can never be fulfilled from there); `short` — not enough free stock now.
 */
export type SkipReason = 'unlabelled' | 'short';
/** Rounds before an order left alone for short stock is looked at again (stock comes and goes). */
const SHORT_RECHECK_ROUNDS = 10;

/** A small deterministic generator (mulberry32): the driver's choices repeat for a seed. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!, chance: (p: number) => next() < p };
}

const slug = (license: string) => license.toLowerCase().replace(/[^a-z0-9-]/g, '');

export class DemoTraffic {
  private wholesalers: Partner[] = [];
  private retailers: Partner[] = [];
  private readonly r: ReturnType<typeof rng>;
  private readonly log: (line: string) => void;
  private errors: string[] = [];
  private skipped: Partial<Record<SkipReason, number>> = {};
  private roundNo = 0;
  /** Orders found unmovable: never again when unlabelled, after SHORT_RECHECK_ROUNDS when short. */
  private readonly unmovable = new Map<string, { reason: SkipReason; round: number }>();

  constructor(private readonly opts: TrafficOptions) {
    this.r = rng(opts.seed ?? 20260105);
    this.log = opts.log ?? (() => undefined);
  }

  get partners(): { wholesalers: readonly Partner[]; retailers: readonly Partner[] } {
    return { wholesalers: this.wholesalers, retailers: this.retailers };
  }

  /**
   * Each sandbox facility's demo owner signs in once and issues the driver's API key (revoking the
   * keys an earlier run issued, so restarts do not pile keys up). Answers how many partners trade;
   * 0 when the demo owners are gone (someone uses this hub for real: the driver leaves it alone).
   */
  async connect(): Promise<number> {
    for (const f of DEMO_FACILITIES) {
      const call = apiClient(this.opts.base);
      const login = await call('POST', '/auth/login', { email: `owner.${slug(f.licenseNumber)}@trellis.local`, password: DEMO_OWNER_PASSWORD });
      if (login.status !== 200) {
        this.log(`${f.licenseNumber}: its demo owner cannot sign in (${login.status}); left out`);
        continue;
      }
      try {
        const me = await call('GET', '/auth/me');
        const entityId = (me.body.entity as Json | null | undefined)?.id as string | undefined;
        const entity = entityId ? (await call('GET', `/entities/${entityId}`)).body : undefined;
        const sites = entity ? await call('GET', `/locations?entity_id=${String(entity.id)}&limit=20`) : undefined;
        const site = (sites?.body.data as Json[] | undefined)?.find((l) => l.license_number === f.licenseNumber);
        if (!entity || entity.license_number !== f.licenseNumber || !site) {
          this.log(`${f.licenseNumber}: no entity or licensed premises for its demo owner; left out`);
          continue;
        }
        const keys = await call('GET', '/api-keys?limit=100');
        for (const k of (keys.body.data as Json[] | undefined) ?? []) {
          if (k.name === KEY_NAME && !k.revoked_at) await call('DELETE', `/api-keys/${String(k.id)}`);
        }
        const created = await call('POST', '/api-keys', { name: KEY_NAME, scopes: SCOPES });
        if (created.status !== 201) throw new Error(`API key for ${f.licenseNumber}: ${created.status} ${JSON.stringify(created.body)}`);
        const partner: Partner = { license: f.licenseNumber, name: String(entity.name), entityId: String(entity.id), locationId: String(site.id), key: String(created.body.key), lots: new Map() };
        if (f.role === 'wholesaler') {
          // The labelled lots do not change while the demo runs: read them once (a few pages).
          for (let page = 1; page <= 20; page++) {
            const inv = await call('GET', `/inventory?location_id=${partner.locationId}&limit=200&page=${page}`);
            const rows = (inv.body.data as Json[] | undefined) ?? [];
            for (const i of rows) if (typeof i.metrc_package_label === 'string') partner.lots.set(String(i.variant_id), i.metrc_package_label);
            if (rows.length < 200) break;
          }
          if (partner.lots.size) this.wholesalers.push(partner);
        } else this.retailers.push(partner);
      } finally {
        await call('POST', '/auth/logout');
      }
    }
    return this.wholesalers.length && this.retailers.length ? this.wholesalers.length + this.retailers.length : 0;
  }

  private async as(p: Partner, method: string, path: string, body?: unknown, ok = [200, 201]): Promise<{ status: number; body: Json }> {
    const headers: Record<string, string> = { accept: 'application/json', authorization: `Bearer ${p.key}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${this.opts.base}/api/v1${path}`, { method, headers, signal: AbortSignal.timeout(30_000), ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const text = await res.text();
    let parsed: Json;
    try {
      parsed = text ? (JSON.parse(text) as Json) : {};
    } catch {
      parsed = { raw: text.slice(0, 200) };
    }
    if (!ok.includes(res.status)) this.errors.push(`${p.name}: ${method} ${path} → ${res.status} ${JSON.stringify(parsed).slice(0, 300)}`);
    return { status: res.status, body: parsed };
  }

  /**
   * The oldest orders of this party in this status that allow the action for it, less the ones
   * already found unmovable (a page of 50, so a few stuck seeded orders cannot hide new ones).
   */
  private async waiting(p: Partner, side: 'retailer_id' | 'wholesaler_id', status: string, action: string): Promise<Json[]> {
    const list = await this.as(p, 'GET', `/orders?status=${status}&${side}=${p.entityId}&sort=created_at&limit=50`);
    return ((list.body.data as Json[] | undefined) ?? []).filter((o) => {
      if (!(o.available_transitions as string[] | undefined)?.includes(action)) return false;
      const known = this.unmovable.get(String(o.id));
      if (!known) return true;
      if (known.reason === 'short' && this.roundNo - known.round >= SHORT_RECHECK_ROUNDS) {
        this.unmovable.delete(String(o.id));
        return true;
      }
      this.skip(known.reason);
      return false;
    });
  }

  /** Distinct orders currently left alone, by reason (what a person watching the log wants). */
  leftAlone(): Record<SkipReason, number> {
    const out: Record<SkipReason, number> = { unlabelled: 0, short: 0 };
    for (const { reason } of this.unmovable.values()) out[reason] += 1;
    return out;
  }

  private skip(reason: SkipReason): void {
    this.skipped[reason] = (this.skipped[reason] ?? 0) + 1;
  }

  private leaveAlone(order: Json, reason: SkipReason): void {
    this.unmovable.set(String(order.id), { reason, round: this.roundNo });
    this.skip(reason);
  }

  private async move(p: Partner, order: Json, body: Json, moves: string[]): Promise<boolean> {
    const res = await this.as(p, 'POST', `/orders/${String(order.id)}/transitions`, body, [200]);
    if (res.status === 200) moves.push(`${String(body.action)} ${String(order.order_number)} (${p.name})`);
    return res.status === 200;
  }

  /** What is free to sell of these labelled lots now (on hand less reserved), read fresh. */
  private async free(w: Partner, variantIds: string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const v of variantIds) {
      const inv = await this.as(w, 'GET', `/inventory?location_id=${w.locationId}&variant_id=${v}&limit=5`);
      const row = ((inv.body.data as Json[] | undefined) ?? [])[0];
      out.set(v, row ? Number(row.quantity_on_hand) - Number(row.quantity_reserved) : 0);
    }
    return out;
  }

  private async place(moves: string[]): Promise<void> {
    const w = this.r.pick(this.wholesalers);
    const buyer = this.r.pick(this.retailers);
    const lots = [...w.lots.keys()];
    const candidates = [...new Set(Array.from({ length: 3 }, () => this.r.pick(lots)))];
    const free = await this.free(w, candidates);
    const stock = candidates.map((variantId) => ({ variantId, free: free.get(variantId) ?? 0 })).filter((s) => s.free >= 4);
    if (!stock.length) return;
    const lines = new Map<string, number>();
    const want = 1 + Math.floor(this.r.next() * Math.min(3, stock.length));
    for (let i = 0; i < want * 3 && lines.size < want; i++) {
      const s = this.r.pick(stock);
      lines.set(s.variantId, Math.max(1, Math.min(Math.floor(s.free / 4), 1 + Math.floor(this.r.next() * 6))));
    }
    const res = await this.as(buyer, 'POST', '/orders', {
      retailer_id: buyer.entityId,
      wholesaler_id: w.entityId,
      ship_from_location_id: w.locationId,
      ship_to_location_id: buyer.locationId,
      items: [...lines].map(([variant_id, quantity]) => ({ variant_id, quantity })),
    });
    if (res.status === 201) moves.push(`placed ${String(res.body.order_number)} (${buyer.name} → ${w.name})`);
  }

  /** The order's lines, each with its stock row at the ship-from premises. */
  private async lines(w: Partner, order: Json, withStock: boolean): Promise<Array<{ id: string; quantity: number; label: string | null; free: number }>> {
    const full = await this.as(w, 'GET', `/orders/${String(order.id)}`);
    const items = (full.body.items as Json[] | undefined) ?? [];
    const free = withStock ? await this.free(w, [...new Set(items.map((l) => String(l.variant_id)))]) : new Map<string, number>();
    return items.map((l) => ({
      id: String(l.id),
      quantity: Number(l.quantity),
      label: w.lots.get(String(l.variant_id)) ?? null,
      free: free.get(String(l.variant_id)) ?? 0,
    }));
  }

  /** Accepts the oldest submitted order it can carry through to delivery; others are left alone. */
  private async accept(moves: string[]): Promise<void> {
    for (const w of this.wholesalers) {
      for (const order of await this.waiting(w, 'wholesaler_id', 'submitted', 'accept')) {
        const lines = await this.lines(w, order, true);
        if (!lines.length || lines.some((l) => !l.label)) {
          this.leaveAlone(order, 'unlabelled');
          continue;
        }
        if (lines.some((l) => l.free < l.quantity)) {
          this.leaveAlone(order, 'short');
          continue;
        }
        // A wholesaler turns down an order it could take now and then, as real ones do.
        const reason = this.r.chance(0.08) ? 'We are not taking new orders from this store this week.' : null;
        await this.move(w, order, reason ? { action: 'reject', reason } : { action: 'accept' }, moves);
        return;
      }
    }
  }

  private async fulfil(moves: string[]): Promise<void> {
    for (const w of this.wholesalers) {
      for (const order of await this.waiting(w, 'wholesaler_id', 'accepted', 'fulfil')) {
        const lines = await this.lines(w, order, false);
        // Only lines whose product this premises holds under a METRC label can be fulfilled.
        if (!lines.length || lines.some((l) => !l.label)) {
          this.leaveAlone(order, 'unlabelled');
          continue;
        }
        await this.move(w, order, { action: 'fulfil', lines: lines.map((l) => ({ item_id: l.id, metrc_package_label: l.label })) }, moves);
        return;
      }
    }
  }

  /** The METRC user registers each waiting transfer's manifest; the wholesaler ships the matched ones. */
  private async transfer(moves: string[]): Promise<void> {
    for (const w of this.wholesalers) {
      const list = await this.as(w, 'GET', `/orders?status=fulfilled&wholesaler_id=${w.entityId}&sort=created_at&limit=20`);
      for (const order of (list.body.data as Json[] | undefined) ?? []) {
        const metrc = (order.metrc ?? {}) as Json;
        if ((order.available_transitions as string[] | undefined)?.includes('ship') && metrc.state === 'matched') {
          await this.move(w, order, { action: 'ship' }, moves);
          return;
        }
        if ((metrc.state === 'template_created' || metrc.state === 'awaiting_manifest') && metrc.template_id != null) {
          const res = await fetch(`${this.opts.metrcSandbox}/__sandbox/templates/${String(metrc.template_id)}/register-manifest`, { method: 'POST', signal: AbortSignal.timeout(10_000) });
          if (res.status === 201) {
            moves.push(`METRC manifest for ${String(order.order_number)}`);
            // The wholesaler's "Check METRC now" rather than the transfer's next poll (minutes);
            // a 409 means the transfer found it meanwhile.
            await this.as(w, 'POST', `/orders/${String(order.id)}/metrc/check`, undefined, [200, 202, 204, 409]);
            return;
          }
          // Registered already (an earlier round), or its packages left meanwhile: compliance's to fix.
          if (res.status !== 404 && res.status !== 409) this.errors.push(`METRC sandbox register-manifest ${String(metrc.template_id)} → ${res.status}`);
        }
      }
    }
  }

  private async receive(moves: string[]): Promise<void> {
    for (const r of this.retailers) {
      const [shipped] = await this.waiting(r, 'retailer_id', 'shipped', 'deliver');
      if (shipped && (await this.move(r, shipped, { action: 'deliver' }, moves))) return;
      const [delivered] = await this.waiting(r, 'retailer_id', 'delivered', 'complete');
      if (delivered && (await this.move(r, delivered, { action: 'complete' }, moves))) return;
    }
  }

  private async cancelOne(moves: string[]): Promise<void> {
    const r = this.r.pick(this.retailers);
    const [order] = await this.waiting(r, 'retailer_id', 'submitted', 'cancel');
    if (order) await this.move(r, order, { action: 'cancel', reason: 'Ordered twice by mistake.' }, moves);
  }

  /** One round: at most one move per step of the lifecycle, later steps first (orders drain). */
  async round(): Promise<RoundResult> {
    if (!this.wholesalers.length || !this.retailers.length) throw new Error('connect() first: no demo partners');
    const moves: string[] = [];
    this.errors = [];
    this.skipped = {};
    this.roundNo += 1;
    for (const step of [this.receive, this.transfer, this.fulfil, this.accept]) {
      for (let i = 0; i < (this.opts.perStep ?? 1); i++) await step.call(this, moves);
    }
    if (this.r.chance(0.05)) await this.cancelOne(moves);
    else if (this.r.chance(0.6)) await this.place(moves);
    for (const m of moves) this.log(m);
    return { moves, errors: this.errors, skipped: this.skipped };
  }
}
