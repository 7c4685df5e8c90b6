/**
 * Runs a task per item with at most `concurrency` running at once. After the first failure no
 * new task starts; the running ones are awaited (never left behind), then the first error is
 * thrown, so the caller sees the earliest failure as pilot3 reports the first error code.
 * An aborted `signal` stops new tasks from starting; the caller decides what that means.
 */
export async function forEachBounded<T>(items: readonly T[], concurrency: number, task: (item: T, index: number) => Promise<void>, signal?: AbortSignal): Promise<void> {
  let next = 0;
  let failed: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (!failed && !signal?.aborted && next < items.length) {
      const i = next++;
      try {
        await task(items[i]!, i);
      } catch (error) {
        failed ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  if (failed) throw failed.error;
}
