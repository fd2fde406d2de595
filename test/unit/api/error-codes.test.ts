import { describe, expect, it } from 'vitest';
import { openapiDocument } from '../../../api/http/openapi.js';
import { ERROR_CODES } from '../../../domain/errors.js';

describe('error codes', () => {
  it('the spec lists exactly the codes the API can answer with', () => {
    const schemas = (openapiDocument.components as { schemas: Record<string, { properties: Record<string, { properties: Record<string, { enum?: string[] }> }> }> }).schemas;
    const listed = schemas.Error!.properties.error!.properties.code!.enum;
    expect([...(listed ?? [])].sort()).toEqual(Object.keys(ERROR_CODES).sort());
  });
});
