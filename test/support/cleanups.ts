import { afterEach } from 'vitest';

/** Registers cleanups that run after each test, last registered first, pass or fail. */
export function cleanupAfterEach(): (cleanup: () => Promise<void>) => void {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  return (cleanup) => {
    cleanups.push(cleanup);
  };
}
