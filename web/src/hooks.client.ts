// The console's bootstrap: Sentry starts only when the API configured a DSN (lib/sentry.ts).
import type { ClientInit, HandleClientError } from '@sveltejs/kit';
import { reportError, startSentry } from '$lib/sentry.js';

export const init: ClientInit = () => {
  // Not awaited: the console never waits for Sentry, and a failed start (a blocked script, an
  // ad blocker) must never keep it from loading.
  void startSentry().catch(() => false);
};

export const handleError: HandleClientError = ({ error }) => {
  reportError(error);
};
