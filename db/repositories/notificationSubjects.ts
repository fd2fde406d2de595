/**
 * The facts a notification states about its subject (activities/alertNotifications.ts,
 * orderNotifications.ts): read after the step that notifies, so they name what people act on.
 */
import { QueryTypes, type Sequelize } from 'sequelize';

export interface SubmissionSubject {
  kind: string;
  license_number: string;
}

/** A METRC submission's kind and license. */
export async function submissionSubject(sequelize: Sequelize, submissionId: string): Promise<SubmissionSubject | undefined> {
  const [s] = await sequelize.query<SubmissionSubject>('SELECT kind, license_number FROM metrc_submissions WHERE id = ?', {
    replacements: [submissionId],
    type: QueryTypes.SELECT,
  });
  return s;
}

export interface PosConnectionSubject {
  entity_id: string;
  vendor: string;
  /** The sealed credentials: only ever digested, to tell one set of credentials from the next. */
  credentials_enc: string;
  entity_name: string | null;
}

/** A POS connection's owner, vendor and current (sealed) credentials. */
export async function posConnectionSubject(sequelize: Sequelize, connectionId: string): Promise<PosConnectionSubject | undefined> {
  const [c] = await sequelize.query<PosConnectionSubject>(
    'SELECT c.entity_id, c.vendor, c.credentials_enc, e.name AS entity_name FROM pos_connections c LEFT JOIN entities e ON e.id = c.entity_id WHERE c.id = ?',
    { replacements: [connectionId], type: QueryTypes.SELECT },
  );
  return c;
}

export interface OrderSubject {
  order_number: string;
  retailer_id: string;
  wholesaler_id: string;
  retailer_name: string | null;
  wholesaler_name: string | null;
}

/** An order's number and its two parties with their names. */
export async function orderSubject(sequelize: Sequelize, orderId: string): Promise<OrderSubject | undefined> {
  const [o] = await sequelize.query<OrderSubject>(
    `SELECT o.order_number, o.retailer_id, o.wholesaler_id, r.name AS retailer_name, w.name AS wholesaler_name
       FROM orders o LEFT JOIN entities r ON r.id = o.retailer_id LEFT JOIN entities w ON w.id = o.wholesaler_id WHERE o.id = ?`,
    { replacements: [orderId], type: QueryTypes.SELECT },
  );
  return o;
}
