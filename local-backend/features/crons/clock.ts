/** The time cron jobs run by: the system clock, or one a test moves by hand. */
export interface CronClock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `wake` once `now()` has reached `atMs`; the function returned cancels it. */
  wakeAt(atMs: number, wake: () => void): () => void;
}

/** setTimeout's longest delay; a later time is waited for in steps. */
const MAX_DELAY_MS = 2 ** 31 - 1;

export const systemClock: CronClock = {
  now: () => Date.now(),
  wakeAt(atMs, wake) {
    let timer: NodeJS.Timeout;
    // Always on a timer, even when already due: `wake` never runs before wakeAt returns.
    const wait = () => {
      timer = setTimeout(() => (Date.now() >= atMs ? wake() : wait()), Math.min(Math.max(atMs - Date.now(), 0), MAX_DELAY_MS));
      // Cron jobs never keep the process alive on their own.
      timer.unref();
    };
    wait();
    return () => clearTimeout(timer);
  },
};
