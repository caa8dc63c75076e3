import { afterEach } from 'vitest';

export type Defer = (cleanup: () => Promise<void>) => void;

/** Registers cleanups that run after each test, last registered first, pass or fail. */
export function cleanupAfterEach(): Defer {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  return (cleanup) => {
    cleanups.push(cleanup);
  };
}
