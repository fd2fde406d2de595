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
  // One request at a time: reloads asked for while one is in flight (live events can come faster
  // than a busy API answers) run once after it, instead of each starting a request whose answer
  // the next one would discard — which, under a stream of events, left a page loading for ever.
  let inflight: Promise<T | undefined> | null = null;
  let again = false;
  async function run(): Promise<T | undefined> {
    for (;;) {
      again = false;
      state.update((s) => ({ ...s, loading: true }));
      try {
        const data = await fetcher();
        if (!again) {
          state.set({ loading: false, data, error: undefined, unavailable: false });
          return data;
        }
        // Asked again meanwhile (new filters, a newer event): show this answer, fetch once more.
        state.set({ loading: true, data, error: undefined, unavailable: false });
      } catch (err) {
        const unavailable = err instanceof ApiError && err.unavailable;
        state.update((s) => ({ ...s, loading: again, error: describeError(err), unavailable }));
        if (!again) throw err;
      }
    }
  }
  function load(): Promise<T | undefined> {
    if (inflight) {
      again = true;
      return inflight;
    }
    inflight = run().finally(() => {
      inflight = null;
    });
    return inflight;
  }
  return {
    subscribe: state.subscribe as Readable<ResourceState<T>>['subscribe'],
    load,
    /** For live refreshes: errors are shown but not thrown further. */
    reload: () => load().catch(() => undefined),
  };
}
