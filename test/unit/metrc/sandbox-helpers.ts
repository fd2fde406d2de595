import { MetrcClient, type MetrcClientOptions } from '../../../integrations/metrc/client.js';
import { DEMO_USER_KEY, DEMO_VENDOR_KEY } from '../../../sandboxes/metrc/demo-data.js';
import { createMetrcSandbox, type MetrcSandboxOptions } from '../../../sandboxes/metrc/server.js';
import type { MetrcOutgoingTemplateInput } from '../../../integrations/metrc/types.js';

/** Admin answers are loosely shaped JSON; tests index into them freely. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test-only convenience for ad-hoc JSON
type AdminBody = any;

export async function startSandbox(options: MetrcSandboxOptions = {}) {
  const sandbox = createMetrcSandbox(options);
  const running = await sandbox.start(0);
  const client = (extra: Partial<MetrcClientOptions> = {}) =>
    new MetrcClient({
      baseUrl: running.url,
      vendorKey: DEMO_VENDOR_KEY,
      userKey: DEMO_USER_KEY,
      timeoutMs: 2000,
      getRetries: 0,
      rateLimitWaits: 0,
      ...extra,
    });
  /** Admin call under /__sandbox; returns status and parsed JSON. */
  const admin = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${running.url}/__sandbox${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as AdminBody };
  };
  /** A raw METRC call with the demo keys, for wire-level assertions the client would hide. */
  const raw = (method: string, path: string, body?: unknown, auth = `${DEMO_VENDOR_KEY}:${DEMO_USER_KEY}`) =>
    fetch(`${running.url}${path}`, {
      method,
      headers: {
        authorization: `Basic ${Buffer.from(auth).toString('base64')}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  return { sandbox, running, client, admin, raw };
}

export function templateInput(name: string, recipient: string, labels: string[]): MetrcOutgoingTemplateInput {
  return {
    Name: name,
    DriverName: 'Dana Driver',
    DriverOccupationalLicenseNumber: 'OCC-100',
    DriverLicenseNumber: 'CO-DL-100',
    PhoneNumberForQuestions: '303-555-0100',
    VehicleMake: 'Ford',
    VehicleModel: 'Transit',
    VehicleLicensePlateNumber: 'TRL-001',
    Destinations: [
      {
        RecipientLicenseNumber: recipient,
        TransferTypeName: 'Wholesale',
        PlannedRoute: 'I-25 N',
        EstimatedDepartureDateTime: '2026-03-01T09:00:00',
        EstimatedArrivalDateTime: '2026-03-01T11:00:00',
        Transporters: [],
        Packages: labels.map((l) => ({ PackageLabel: l, WholesalePrice: 120 })),
      },
    ],
  };
}

/** A window around now, wide enough for anything the test just wrote. */
export const recentWindow = () => ({
  lastModifiedStart: new Date(Date.now() - 3_600_000),
  lastModifiedEnd: new Date(Date.now() + 3_600_000),
});

export const allTime = { lastModifiedStart: '2015-01-01T00:00:00Z', lastModifiedEnd: '2099-01-01T00:00:00Z' };
