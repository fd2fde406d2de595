import type { ActivityDeps } from './deps.js';
import { createSystemActivities } from './system.js';

export function createActivities(deps: ActivityDeps) {
  return {
    ...createSystemActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type { ActivityDeps };
