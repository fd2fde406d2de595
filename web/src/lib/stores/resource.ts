/**
 * Loading / data / error state for one fetch, so every page shows one of: loading, error (with
 * retry), empty, or the data — never a blank area. Reloads keep the old data visible.
 */
import { writable, type Readable } from 'svelte/store';
import { ApiError } from '../api/http.js';

export interface ResourceState<T> {
  loading: boolean;
  data: T | undefined;
  error: string | undefined;
  /** The endpoint is not deployed yet: pages say so instead of showing an error. */
  unavailable: boolean;
}

export function describeError(err: unknown): string {
  if (err instanceof ApiError) {
    const field = typeof err.details.field === 'string' ? ` (${err.details.field})` : '';
    return `${err.message}${field}`;
  }
  if (err instanceof TypeError) return 'Could not reach the API. Check your connection.';
  return err instanceof Error ? err.message : String(err);
}

export function createResource<T>(fetcher: () => Promise<T>) {
  const state = writable<ResourceState<T>>({ loading: true, data: undefined, error: undefined, unavailable: false });
  let seq = 0;
  async function load(): Promise<T | undefined> {
    const mine = ++seq;
    state.update((s) => ({ ...s, loading: true }));
    try {
      const data = await fetcher();
      if (mine === seq) state.set({ loading: false, data, error: undefined, unavailable: false });
      return data;
    } catch (err) {
      if (mine === seq) {
        const unavailable = err instanceof ApiError && err.unavailable;
        state.update((s) => ({ ...s, loading: false, error: describeError(err), unavailable }));
      }
      throw err;
    }
  }
  return {
    subscribe: state.subscribe as Readable<ResourceState<T>>['subscribe'],
    load,
    /** For live refreshes: errors are shown but not thrown further. */
    reload: () => load().catch(() => undefined),
  };
}
