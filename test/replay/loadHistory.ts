import { createRequire } from 'node:module';
import { dirname } from 'node:path';

/**
 * Reads a history exported by `temporal workflow show --output json`. The SDK's own
 * `historyFromJSON` fails in this install (@temporalio/common and @temporalio/proto each carry
 * their own protobufjs copy, and protojson refuses a Type from the other copy), so this parses
 * with the protojson that belongs to @temporalio/proto's protobufjs.
 */
const require = createRequire(import.meta.url);
const protoEntry = require.resolve('@temporalio/proto');
const proto = require('@temporalio/proto');
const { patchProtobufRoot } = require('@temporalio/proto/lib/patch-protobuf-root');
const protojson = require(require.resolve('protobufjs/ext/protojson', { paths: [dirname(protoEntry)] })) as {
  fromJson(type: unknown, json: unknown, options?: unknown): unknown;
};
const historyType = (patchProtobufRoot(proto) as { lookupType(name: string): unknown }).lookupType('temporal.api.history.v1.History');

export function historyFromCliJson(json: unknown): unknown {
  const loaded = protojson.fromJson(historyType, json, { ignoreUnknownFields: true });
  if (!loaded) throw new TypeError('Invalid history');
  return loaded;
}
