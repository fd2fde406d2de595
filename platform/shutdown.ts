import { logger } from './logger.js';

/**
 * Runs the cleanup once on SIGINT/SIGTERM, then exits. A second signal, or cleanup taking longer
 * than the grace period, exits at once so no process lingers holding a port.
 */
export function onShutdown(cleanup: () => Promise<void>, graceMs = 10_000): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    logger().info({ signal }, 'shutting down');
    const timer = setTimeout(() => process.exit(1), graceMs);
    timer.unref();
    cleanup()
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        logger().error({ err }, 'error during shutdown');
        process.exit(1);
      });
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}
