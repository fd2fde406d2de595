/**
 * Who gets what (issue 16): for each event, the recipient roles that hear of it, the channels they
 * get by default, the preference category it belongs to and whether it is urgent. Pure: the
 * activities turn roles into users, and a user's preferences (rules below) narrow the defaults.
 */
import type { NotificationEventType } from './events.js';

/** Recipient roles. Entity roles are the users of the event's entity (the other party of an order, a POS connection's owner). */
export const RECIPIENT_ROLES = ['entity_owners', 'entity_members', 'compliance', 'operators', 'admins', 'requester'] as const;
export type RecipientRole = (typeof RECIPIENT_ROLES)[number];

/** Every channel a rule may name; a channel not wired yet is simply not delivered on. */
export const RULE_CHANNELS = ['email', 'sms', 'in_app'] as const;
export type RuleChannel = (typeof RULE_CHANNELS)[number];

/** What a user turns on and off: one switch per category × channel. */
export const NOTIFICATION_CATEGORIES = ['orders', 'compliance', 'pos', 'reports'] as const;
export type NotificationCategory = (typeof NOTIFICATION_CATEGORIES)[number];

export interface NotificationRule {
  category: NotificationCategory;
  recipients: readonly RecipientRole[];
  channels: readonly RuleChannel[];
  /** Cannot wait for someone to read mail: sent at once even for digest users; SMS by default. */
  urgent: boolean;
  /**
   * Comes in storms (a METRC outage dead-letters every submission): per recipient and category
   * only the first in a window is sent on its own; the rest of the window arrive as one digest.
   */
  bursty?: boolean;
}

const ENTITY_USERS: readonly RecipientRole[] = ['entity_owners', 'entity_members'];

export const NOTIFICATION_RULES: Record<NotificationEventType, NotificationRule> = {
  'order.submitted': { category: 'orders', recipients: ENTITY_USERS, channels: ['email', 'in_app'], urgent: false },
  'order.accepted': { category: 'orders', recipients: ENTITY_USERS, channels: ['email', 'in_app'], urgent: false },
  'order.rejected': { category: 'orders', recipients: ENTITY_USERS, channels: ['email', 'in_app'], urgent: false },
  'order.shipped': { category: 'orders', recipients: ENTITY_USERS, channels: ['email', 'in_app'], urgent: false },
  'order.reminder': { category: 'orders', recipients: ENTITY_USERS, channels: ['email', 'sms', 'in_app'], urgent: true },
  'metrc.dead_lettered': { category: 'compliance', recipients: ['compliance'], channels: ['email', 'sms', 'in_app'], urgent: true, bursty: true },
  'metrc.parked': { category: 'compliance', recipients: ['compliance'], channels: ['email', 'sms', 'in_app'], urgent: true, bursty: true },
  'pos.credentials_failed': { category: 'pos', recipients: ['entity_owners', 'operators'], channels: ['email', 'sms', 'in_app'], urgent: true, bursty: true },
  // A scheduled report's file: only the user who scheduled it asked for it.
  'report.ready': { category: 'reports', recipients: ['requester'], channels: ['email', 'in_app'], urgent: false },
};

export const ruleOf = (type: NotificationEventType): NotificationRule => NOTIFICATION_RULES[type];

/** The rule's roles as the users table spells them: entity roles of the event's entity, and platform roles. */
export function audienceOf(type: NotificationEventType): { entityRoles: Array<'owner' | 'member'>; staffRoles: Array<'admin' | 'operator' | 'compliance'>; requester: boolean } {
  const r = NOTIFICATION_RULES[type].recipients;
  const entityRoles: Array<'owner' | 'member'> = [];
  const staffRoles: Array<'admin' | 'operator' | 'compliance'> = [];
  if (r.includes('entity_owners')) entityRoles.push('owner');
  if (r.includes('entity_members')) entityRoles.push('member');
  if (r.includes('admins')) staffRoles.push('admin');
  if (r.includes('operators')) staffRoles.push('operator');
  if (r.includes('compliance')) staffRoles.push('compliance');
  return { entityRoles, staffRoles, requester: r.includes('requester') };
}

/** A user's switches: category → channel → on. Missing means on (the rule's default). */
export type ChannelSwitches = Partial<Record<NotificationCategory, Partial<Record<RuleChannel, boolean>>>>;

/**
 * The channels one recipient gets for an event: the rule's defaults, minus what the user turned
 * off, minus SMS for a user without a number.
 */
export function channelsFor(type: NotificationEventType, recipient: { switches?: ChannelSwitches; hasPhone: boolean }): RuleChannel[] {
  const rule = NOTIFICATION_RULES[type];
  return rule.channels.filter((c) => recipient.switches?.[rule.category]?.[c] !== false && (c !== 'sms' || recipient.hasPhone));
}

/**
 * How one recipient's email for an event goes: on its own now, or into their digest for the
 * category. `firstInWindow`: no other event of this category reached them in the burst window.
 */
export function emailRoute(type: NotificationEventType, recipient: { digest: 'immediate' | 'hourly'; firstInWindow: boolean }): 'now' | 'digest' {
  const rule = NOTIFICATION_RULES[type];
  if (rule.bursty && !recipient.firstInWindow) return 'digest';
  if (!rule.urgent && recipient.digest === 'hourly') return 'digest';
  return 'now';
}
